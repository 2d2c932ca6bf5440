//! The command line: `portico [serve] [OPTIONS]`, `portico migrate`, `portico config`.
//!
//! Every option can also come from a `PORTICO_*` environment variable or from
//! `portico.toml`; flags beat variables, variables beat the file.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Configuration is read from portico.toml in the working directory (or the file
given by --config / PORTICO_CONFIG), then overridden by PORTICO_* environment
variables, then by flags. Example portico.toml:

  [server]
  addr = \"127.0.0.1:7007\"
  data_dir = \"./data\"
  shutdown_timeout_secs = 30

  [database]
  url = \"postgres://portico@db.internal/portico\"
  max_connections = 10

  [log]
  format = \"json\"      # or \"pretty\"
  filter = \"info\"      # RUST_LOG syntax

Health: GET /healthz (alive), GET /readyz (database reachable and migrated),
GET /metrics (Prometheus text format).";

/// Portico: a fast, single-binary developer portal compatible with Backstage catalogs.
#[derive(Debug, Parser)]
#[command(name = "portico", version, about, after_help = AFTER_HELP, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Configuration file (TOML). Default: ./portico.toml when it exists.
    #[arg(long, env = "PORTICO_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Options of `serve`, which runs when no command is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the web server (the default command).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(ServeArgs),
    /// Print the effective configuration (file, environment and flags merged) and exit.
    Config(ServeArgs),
}

/// Options shared by every command that opens the database or the socket.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:7007]
    #[arg(long, env = "PORTICO_ADDR", value_name = "HOST:PORT")]
    pub addr: Option<SocketAddr>,

    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB [default: SQLite file in the data directory]
    #[arg(long, env = "PORTICO_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Directory for Portico's own files (the SQLite database, caches) [default: ./data]
    #[arg(long, env = "PORTICO_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Log format [default: pretty]
    #[arg(long, env = "PORTICO_LOG_FORMAT", value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,

    /// Log filter in RUST_LOG syntax, e.g. `info,server=debug` [default: info]
    #[arg(long, env = "PORTICO_LOG", value_name = "FILTER")]
    pub log_filter: Option<String>,

    /// Directory with the built web assets (pkg/, favicon) [default: found next to the binary]
    #[arg(long, env = "PORTICO_SITE_DIR", value_name = "DIR")]
    pub site_dir: Option<PathBuf>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, coloured when stderr is a terminal.
    #[default]
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_is_the_default_command_and_takes_its_flags_directly() {
        let cli = Cli::try_parse_from(["portico", "--addr", "127.0.0.1:9000"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.addr, Some("127.0.0.1:9000".parse().unwrap()));
    }

    #[test]
    fn help_documents_every_environment_variable() {
        let help = Cli::command().render_long_help().to_string();
        for var in ["PORTICO_CONFIG", "PORTICO_ADDR", "PORTICO_DATABASE_URL", "PORTICO_DATA_DIR", "PORTICO_LOG_FORMAT"]
        {
            assert!(help.contains(var), "help does not mention {var}:\n{help}");
        }
    }
}
