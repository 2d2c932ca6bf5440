//! `portico`: parse the command line, then serve or run a one-off command.
//! Every failure ends as one readable line on stderr and an exit status.

use clap::Parser;
use server::cli::{Cli, Command, SearchCommand, TokenCommand, UserCommand};
use std::process::ExitCode;

/// jemalloc, with a background thread that hands freed memory back to the
/// system within a second (`.cargo/config.toml` sets its options): after a
/// large catalog is read, the process shrinks back to what the index holds.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("portico: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command.clone().unwrap_or(Command::Serve(cli.serve.clone())) {
            Command::Serve(args) => server::startup::serve(cli.config.as_deref(), &args).await,
            Command::Migrate(args) => server::startup::migrate(cli.config.as_deref(), &args).await,
            Command::Config(args) => server::startup::print_config(cli.config.as_deref(), &args),
            Command::User(UserCommand::Add(args)) => server::commands::user_add(cli.config.as_deref(), &args).await,
            Command::User(UserCommand::Passwd(args)) => {
                server::commands::user_passwd(cli.config.as_deref(), &args).await
            }
            Command::Token(TokenCommand::Create(args)) => {
                server::commands::token_create(cli.config.as_deref(), &args).await
            }
            Command::Search(SearchCommand::Rebuild(args)) => {
                server::commands::search_rebuild(cli.config.as_deref(), &args).await
            }
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("portico: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
