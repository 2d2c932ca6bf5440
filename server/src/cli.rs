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

  [auth]
  guest = false              # read-only access without signing in (demos)
  session_idle_minutes = 720
  session_max_age_hours = 168
  max_failed_sign_ins = 8    # then the account is locked for lockout_minutes
  lockout_minutes = 15

  [catalog]
  allowed_hosts = [\"git.example.com\", \"*.corp.example\"]  # for url and git locations
  refresh_interval_secs = 300
  max_file_kib = 131072       # largest descriptor file (128 MiB)
  fetch_timeout_secs = 30
  [[catalog.locations]]
  type = \"file\"               # file (path or glob), url, or git (REPO#BRANCH:PATH)
  target = \"./catalog/all.yaml\"

  [auth.oidc]                # optional single sign-on (OpenID Connect)
  issuer = \"https://login.example.com\"
  client_id = \"portico\"
  client_secret = \"...\"      # or PORTICO_OIDC_CLIENT_SECRET
  label = \"Example SSO\"

User, token and search commands act on the same database as `portico serve`:
  printf '%s\\n' \"$PASSWORD\" | portico user add jane --admin --email jane@example.com
  portico token create --user jane --scope write
  portico search rebuild      # with `portico serve` stopped

Catalog: `portico --catalog ./catalog-info.yaml --catalog 'services/*/catalog-info.yaml'`;
a git host or CI refreshes a location with POST /api/catalog/locations/ID/refresh.

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
    /// Manage users: `portico user add NAME [--admin]` (password from stdin or a prompt).
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens: `portico token create --user NAME [--scope read|write]`.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the search index: `portico search rebuild`.
    #[command(subcommand)]
    Search(SearchCommand),
}

#[derive(Debug, Clone, Subcommand)]
pub enum SearchCommand {
    /// Build the search index of the data directory again from the database,
    /// and print how long it took and how big it is. Stop `portico serve` on
    /// that data directory first (each replica has its own).
    Rebuild(ServeArgs),
}

#[derive(Debug, Clone, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from stdin (one line) or asked for
    /// at a prompt; it is never taken from the command line.
    Add(UserAddArgs),
    /// Set a new password for a user (read like `user add`).
    Passwd(UserPasswdArgs),
}

#[derive(Debug, Clone, Args)]
pub struct UserAddArgs {
    /// The username: lowercase letters, digits, '.', '_' and '-'.
    pub name: String,
    /// Make the user an admin (default: member).
    #[arg(long)]
    pub admin: bool,
    /// Email address (used to match single sign-on and the catalog).
    #[arg(long)]
    pub email: Option<String>,
    /// Display name [default: the username]
    #[arg(long)]
    pub display_name: Option<String>,
    /// The catalog User entity, e.g. user:default/jane [default: user:default/NAME]
    #[arg(long, value_name = "REF")]
    pub entity: Option<String>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Clone, Args)]
pub struct UserPasswdArgs {
    /// The username.
    pub name: String,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Create a personal API token for a user; the token is printed alone on
    /// the last line of output.
    Create(TokenCreateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct TokenCreateArgs {
    /// Whose token it is.
    #[arg(long, value_name = "NAME")]
    pub user: String,
    /// What the token may do.
    #[arg(long, value_enum, default_value = "read")]
    pub scope: ScopeArg,
    /// A name to recognise the token by.
    #[arg(long, default_value = "command line")]
    pub name: String,
    /// Days until the token expires [default: never]
    #[arg(long, value_name = "DAYS")]
    pub expires_in_days: Option<i64>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// `--scope` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    Read,
    Write,
}

impl From<ScopeArg> for model::TokenScope {
    fn from(scope: ScopeArg) -> Self {
        match scope {
            ScopeArg::Read => Self::Read,
            ScopeArg::Write => Self::Write,
        }
    }
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

    /// The URL people reach Portico at, e.g. https://portico.example.com (for single
    /// sign-on redirects and Secure cookies) [default: from each request's Host]
    #[arg(long, env = "PORTICO_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,

    /// Let anyone read without signing in (read-only guest mode, for demos) [default: false]
    #[arg(long, env = "PORTICO_AUTH_GUEST", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub auth_guest: Option<bool>,

    /// At start-up, create (or reset) the admin user `admin` with a new random
    /// password printed once; for demos and the quick start [default: false]
    #[arg(long, env = "PORTICO_AUTH_DEMO_ADMIN", value_name = "BOOL", num_args = 0..=1,
          default_missing_value = "true", value_parser = clap::builder::BoolishValueParser::new())]
    pub demo_admin: Option<bool>,

    /// OpenID Connect issuer URL for single sign-on (see [auth.oidc])
    #[arg(long, env = "PORTICO_OIDC_ISSUER", value_name = "URL")]
    pub oidc_issuer: Option<String>,

    /// OpenID Connect client id
    #[arg(long, env = "PORTICO_OIDC_CLIENT_ID", value_name = "ID")]
    pub oidc_client_id: Option<String>,

    /// OpenID Connect client secret
    #[arg(long, env = "PORTICO_OIDC_CLIENT_SECRET", value_name = "SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,

    /// A catalog location to read (repeatable): a file, a glob like
    /// `services/*/catalog-info.yaml`, an http(s) URL, or `git:REPO#BRANCH:PATH`;
    /// `file:`, `url:` and `git:` prefixes force the type. Added to [[catalog.locations]].
    #[arg(long = "catalog", env = "PORTICO_CATALOG", value_name = "TARGET", value_delimiter = ';')]
    pub catalog: Vec<String>,
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
        for var in [
            "PORTICO_CONFIG",
            "PORTICO_ADDR",
            "PORTICO_DATABASE_URL",
            "PORTICO_DATA_DIR",
            "PORTICO_LOG_FORMAT",
            "PORTICO_PUBLIC_URL",
            "PORTICO_AUTH_GUEST",
            "PORTICO_AUTH_DEMO_ADMIN",
            "PORTICO_OIDC_ISSUER",
            "PORTICO_OIDC_CLIENT_ID",
            "PORTICO_OIDC_CLIENT_SECRET",
            "PORTICO_CATALOG",
        ] {
            assert!(help.contains(var), "help does not mention {var}:\n{help}");
        }
    }
}

#[cfg(test)]
mod command_tests {
    use super::*;

    #[test]
    fn user_add_takes_no_password_argument() {
        let cli = Cli::try_parse_from(["portico", "user", "add", "jane", "--admin"]).unwrap();
        let Some(Command::User(UserCommand::Add(args))) = cli.command else { panic!("not user add") };
        assert_eq!(args.name, "jane");
        assert!(args.admin);
        assert!(Cli::try_parse_from(["portico", "user", "add", "jane", "--password", "x"]).is_err());
    }

    #[test]
    fn token_create_defaults_to_read_scope() {
        let cli = Cli::try_parse_from(["portico", "token", "create", "--user", "jane"]).unwrap();
        let Some(Command::Token(TokenCommand::Create(args))) = cli.command else { panic!("not token create") };
        assert_eq!(args.scope, ScopeArg::Read);
        let cli = Cli::try_parse_from(["portico", "token", "create", "--user", "jane", "--scope", "write"]).unwrap();
        let Some(Command::Token(TokenCommand::Create(args))) = cli.command else { panic!("not token create") };
        assert_eq!(model::TokenScope::from(args.scope), model::TokenScope::Write);
    }

    #[test]
    fn guest_mode_reads_booleans_from_the_environment_style() {
        let cli = Cli::try_parse_from(["portico", "--auth-guest", "yes"]).unwrap();
        assert_eq!(cli.serve.auth_guest, Some(true));
        let cli = Cli::try_parse_from(["portico", "--auth-guest"]).unwrap();
        assert_eq!(cli.serve.auth_guest, Some(true));
        let cli = Cli::try_parse_from(["portico", "--auth-guest=false"]).unwrap();
        assert_eq!(cli.serve.auth_guest, Some(false));
    }
}
