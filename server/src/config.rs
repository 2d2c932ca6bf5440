//! The effective configuration: defaults, then `portico.toml`, then `PORTICO_*`
//! variables and flags (already merged by clap in [`ServeArgs`]).
//!
//! A mistake in the file is reported as `FILE:LINE:COLUMN: [section] key: reason`
//! so that it can be fixed without guessing.

use crate::cli::{LogFormat, ServeArgs};
use crate::error::ServerError;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_ADDR: &str = "127.0.0.1:7007";
pub const DEFAULT_CONFIG_FILE: &str = "portico.toml";

/// Everything the server needs to know to start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub database_max_connections: u32,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub site_dir: Option<PathBuf>,
    pub shutdown_timeout: Duration,
    /// Where people reach Portico, e.g. `https://portico.example.com`.
    pub public_url: Option<String>,
    /// Trust `X-Forwarded-For` / `X-Forwarded-Proto` from a reverse proxy.
    pub trust_proxy_headers: bool,
    pub auth: AuthConfig,
    pub catalog: CatalogConfig,
    /// The file the configuration came from, if any.
    pub source_file: Option<PathBuf>,
}

/// Identity settings: `[auth]` and `[auth.oidc]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthConfig {
    pub guest: bool,
    pub demo_admin: bool,
    pub session_idle_minutes: u64,
    pub session_max_age_hours: u64,
    pub max_failed_sign_ins: u32,
    pub lockout_minutes: u64,
    pub oidc: Option<OidcConfig>,
}

/// The catalog: `[catalog]` and `[[catalog.locations]]`, plus `--catalog`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogConfig {
    pub locations: Vec<LocationConfig>,
    pub allowed_hosts: Vec<String>,
    pub refresh_interval_secs: u64,
    pub max_file_kib: u64,
    pub fetch_timeout_secs: u64,
}

/// One configured location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationConfig {
    #[serde(rename = "type")]
    pub kind: String,
    pub target: String,
}

impl LocationConfig {
    /// Reads a `--catalog` value: `file:`, `url:` or `git:` prefixed, an
    /// http(s) URL, or else a path (or glob).
    pub fn from_flag(value: &str) -> Self {
        let value = value.trim();
        for kind in ["file", "url", "git"] {
            if let Some(target) = value.strip_prefix(kind).and_then(|rest| rest.strip_prefix(':')) {
                if kind != "file" || !target.starts_with("//") {
                    return Self { kind: kind.to_owned(), target: target.to_owned() };
                }
            }
        }
        let kind = if value.starts_with("http://") || value.starts_with("https://") { "url" } else { "file" };
        Self { kind: kind.to_owned(), target: value.to_owned() }
    }
}

impl CatalogConfig {
    /// The domain's catalog settings; relative file targets are read from the
    /// working directory, git mirrors live in the data directory.
    pub fn settings(&self, data_dir: &Path) -> domain::catalog::CatalogSettings {
        use domain::catalog::{source::ReadPolicy, CatalogSettings};
        CatalogSettings {
            read_policy: ReadPolicy {
                allowed_hosts: self.allowed_hosts.clone(),
                max_file_bytes: self.max_file_kib.saturating_mul(1024),
                timeout: Duration::from_secs(self.fetch_timeout_secs),
            },
            git_dir: data_dir.join("git"),
            refresh_interval: Duration::from_secs(self.refresh_interval_secs),
            locations: self.locations.iter().map(|l| (l.kind.clone(), l.target.clone())).collect(),
            ..CatalogSettings::default()
        }
    }
}

/// A single sign-on provider.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    #[serde(serialize_with = "hidden")]
    pub client_secret: String,
    pub label: String,
    pub scopes: Vec<String>,
    pub create_users: bool,
}

fn hidden<S: serde::Serializer>(_: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str("***")
}

impl AuthConfig {
    /// The domain's identity settings from this configuration.
    pub fn identity(&self) -> Result<domain::identity::Settings, ServerError> {
        use domain::identity::{oidc, sessions::SessionPolicy, throttle::ThrottlePolicy};
        let minutes = |n: u64| chrono::Duration::minutes(i64::try_from(n).unwrap_or(i64::MAX / 60_000));
        let oidc = match &self.oidc {
            Some(config) => Some(std::sync::Arc::new(
                oidc::OidcClient::new(oidc::OidcConfig {
                    issuer: config.issuer.clone(),
                    client_id: config.client_id.clone(),
                    client_secret: config.client_secret.clone(),
                    scopes: config.scopes.clone(),
                    label: config.label.clone(),
                    create_users: config.create_users,
                })
                .map_err(|err| ServerError::ConfigInvalid(format!("[auth.oidc]: {err}")))?,
            )),
            None => None,
        };
        let lock_after = i32::try_from(self.max_failed_sign_ins).unwrap_or(i32::MAX);
        Ok(domain::identity::Settings {
            guest: self.guest,
            sessions: SessionPolicy {
                idle_timeout: minutes(self.session_idle_minutes),
                max_age: minutes(self.session_max_age_hours.saturating_mul(60)),
            },
            throttle: ThrottlePolicy {
                account_lock_after: lock_after,
                account_slow_after: (lock_after / 2).max(1),
                lockout: minutes(self.lockout_minutes),
                ..ThrottlePolicy::default()
            },
            policy: domain::identity::access::Policy::default(),
            oidc,
        })
    }
}

/// The shape of `portico.toml`. Unknown keys are errors: a typo must not be
/// silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    server: ServerSection,
    #[serde(default)]
    database: DatabaseSection,
    #[serde(default)]
    log: LogSection,
    #[serde(default)]
    auth: AuthSection,
    #[serde(default)]
    catalog: CatalogSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogSection {
    #[serde(default)]
    locations: Vec<LocationConfig>,
    allowed_hosts: Option<Vec<String>>,
    refresh_interval_secs: Option<u64>,
    max_file_kib: Option<u64>,
    fetch_timeout_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthSection {
    guest: Option<bool>,
    demo_admin: Option<bool>,
    session_idle_minutes: Option<u64>,
    session_max_age_hours: Option<u64>,
    max_failed_sign_ins: Option<u32>,
    lockout_minutes: Option<u64>,
    oidc: Option<OidcSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OidcSection {
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    label: Option<String>,
    scopes: Option<Vec<String>>,
    create_users: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerSection {
    addr: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    site_dir: Option<PathBuf>,
    shutdown_timeout_secs: Option<u64>,
    public_url: Option<String>,
    trust_proxy_headers: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseSection {
    url: Option<String>,
    max_connections: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogSection {
    format: Option<LogFormat>,
    filter: Option<String>,
}

impl Config {
    /// Loads the configuration: the explicit file (which must exist), or
    /// `./portico.toml` when present, overridden by `args`.
    pub fn load(explicit_file: Option<&Path>, args: &ServeArgs) -> Result<Self, ServerError> {
        let (file, source_file) = match explicit_file {
            Some(path) => (read_file(path)?, Some(path.to_path_buf())),
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                let path = PathBuf::from(DEFAULT_CONFIG_FILE);
                (read_file(&path)?, Some(path))
            }
            None => (FileConfig::default(), None),
        };
        Self::merge(file, args, source_file)
    }

    /// Parses configuration text; `origin` names the file in error messages.
    pub fn from_toml(text: &str, origin: &Path, args: &ServeArgs) -> Result<Self, ServerError> {
        let file = parse_file(text, origin)?;
        Self::merge(file, args, Some(origin.to_path_buf()))
    }

    fn merge(file: FileConfig, args: &ServeArgs, source_file: Option<PathBuf>) -> Result<Self, ServerError> {
        let default_addr: SocketAddr = DEFAULT_ADDR
            .parse()
            .map_err(|_| ServerError::ConfigInvalid(format!("bad built-in address {DEFAULT_ADDR}")))?;
        let data_dir = args.data_dir.clone().or(file.server.data_dir).unwrap_or_else(|| PathBuf::from("data"));
        let database_url = args
            .database_url
            .clone()
            .or(file.database.url)
            .unwrap_or_else(|| domain::database::default_sqlite_url(&data_dir));
        if model::DatabaseKind::from_url(&database_url).is_none() {
            return Err(ServerError::ConfigInvalid(format!(
                "database url `{}` is not supported: use sqlite://PATH or postgres://USER@HOST/DB",
                domain::database::redact_password(&database_url)
            )));
        }
        let database_max_connections = file.database.max_connections.unwrap_or(10);
        if database_max_connections == 0 {
            return Err(ServerError::ConfigInvalid("[database] max_connections must be at least 1".into()));
        }
        let public_url =
            args.public_url.clone().or(file.server.public_url).map(|url| url.trim_end_matches('/').to_owned());
        if let Some(url) = &public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) || url::Url::parse(url).is_err() {
                return Err(ServerError::ConfigInvalid(format!(
                    "[server] public_url `{url}` must be an http:// or https:// URL"
                )));
            }
        }
        let auth = merge_auth(file.auth, args)?;
        let catalog = merge_catalog(file.catalog, args)?;
        Ok(Self {
            catalog,
            public_url,
            trust_proxy_headers: file.server.trust_proxy_headers.unwrap_or(false),
            auth,
            addr: args.addr.or(file.server.addr).unwrap_or(default_addr),
            database_url,
            database_max_connections,
            data_dir,
            log_format: args.log_format.or(file.log.format).unwrap_or_default(),
            log_filter: args.log_filter.clone().or(file.log.filter).unwrap_or_else(|| "info".to_owned()),
            site_dir: args.site_dir.clone().or(file.server.site_dir),
            shutdown_timeout: Duration::from_secs(file.server.shutdown_timeout_secs.unwrap_or(30)),
            source_file,
        })
    }

    /// The configuration as TOML, with the database password hidden.
    pub fn to_display_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = domain::database::redact_password(&shown.database_url);
        toml::to_string_pretty(&shown).unwrap_or_else(|err| format!("# cannot show configuration: {err}"))
    }
}

fn merge_auth(file: AuthSection, args: &ServeArgs) -> Result<AuthConfig, ServerError> {
    let positive = |value: Option<u64>, key: &str, default: u64| match value {
        Some(0) => Err(ServerError::ConfigInvalid(format!("[auth] {key} must be at least 1"))),
        Some(value) => Ok(value),
        None => Ok(default),
    };
    let section = file.oidc.unwrap_or_default();
    let issuer = args.oidc_issuer.clone().or(section.issuer);
    let client_id = args.oidc_client_id.clone().or(section.client_id);
    let client_secret = args.oidc_client_secret.clone().or(section.client_secret);
    let oidc = match (issuer, client_id, client_secret) {
        (None, None, None) => None,
        (Some(issuer), Some(client_id), Some(client_secret)) => {
            if url::Url::parse(&issuer).is_err() {
                return Err(ServerError::ConfigInvalid(format!("[auth.oidc] issuer `{issuer}` is not a URL")));
            }
            Some(OidcConfig {
                issuer,
                client_id,
                client_secret,
                label: section.label.unwrap_or_else(|| "single sign-on".to_owned()),
                scopes: section.scopes.unwrap_or_else(|| vec!["openid".into(), "email".into(), "profile".into()]),
                create_users: section.create_users.unwrap_or(true),
            })
        }
        (issuer, client_id, client_secret) => {
            let missing: Vec<&str> = [
                ("issuer", issuer.is_none()),
                ("client_id", client_id.is_none()),
                ("client_secret", client_secret.is_none()),
            ]
            .into_iter()
            .filter_map(|(key, missing)| missing.then_some(key))
            .collect();
            return Err(ServerError::ConfigInvalid(format!(
                "[auth.oidc] is incomplete: set {} (or PORTICO_OIDC_*)",
                missing.join(", ")
            )));
        }
    };
    let max_failed_sign_ins = file.max_failed_sign_ins.unwrap_or(8);
    if max_failed_sign_ins < 2 {
        return Err(ServerError::ConfigInvalid("[auth] max_failed_sign_ins must be at least 2".into()));
    }
    Ok(AuthConfig {
        guest: args.auth_guest.or(file.guest).unwrap_or(false),
        demo_admin: args.demo_admin.or(file.demo_admin).unwrap_or(false),
        session_idle_minutes: positive(file.session_idle_minutes, "session_idle_minutes", 720)?,
        session_max_age_hours: positive(file.session_max_age_hours, "session_max_age_hours", 168)?,
        max_failed_sign_ins,
        lockout_minutes: positive(file.lockout_minutes, "lockout_minutes", 15)?,
        oidc,
    })
}

fn merge_catalog(file: CatalogSection, args: &ServeArgs) -> Result<CatalogConfig, ServerError> {
    let mut locations = file.locations;
    locations.extend(
        args.catalog.iter().filter(|value| !value.trim().is_empty()).map(|value| LocationConfig::from_flag(value)),
    );
    for location in &locations {
        if !domain::catalog::location::LOCATION_TYPES.contains(&location.kind.as_str()) {
            return Err(ServerError::ConfigInvalid(format!(
                "[[catalog.locations]] type `{}` is not one of {}",
                location.kind,
                domain::catalog::location::LOCATION_TYPES.join(", ")
            )));
        }
    }
    let at_least_one = |value: Option<u64>, key: &str, default: u64| match value {
        Some(0) => Err(ServerError::ConfigInvalid(format!("[catalog] {key} must be at least 1"))),
        Some(value) => Ok(value),
        None => Ok(default),
    };
    Ok(CatalogConfig {
        locations,
        allowed_hosts: file.allowed_hosts.unwrap_or_default(),
        refresh_interval_secs: at_least_one(file.refresh_interval_secs, "refresh_interval_secs", 300)?,
        max_file_kib: at_least_one(file.max_file_kib, "max_file_kib", 128 * 1024)?,
        fetch_timeout_secs: at_least_one(file.fetch_timeout_secs, "fetch_timeout_secs", 30)?,
    })
}

fn read_file(path: &Path) -> Result<FileConfig, ServerError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ServerError::ConfigUnreadable { path: path.to_path_buf(), source })?;
    parse_file(&text, path)
}

fn parse_file(text: &str, origin: &Path) -> Result<FileConfig, ServerError> {
    toml::from_str(text).map_err(|err| ServerError::ConfigInvalid(describe_toml_error(text, origin, &err)))
}

/// Turns a TOML error into `FILE:LINE:COL: [section] key: reason`.
fn describe_toml_error(text: &str, origin: &Path, err: &toml::de::Error) -> String {
    let reason = err.message().trim_end_matches('\n').to_owned();
    let Some(span) = err.span() else {
        return format!("{}: {reason}", origin.display());
    };
    let before = &text[..span.start.min(text.len())];
    let line_number = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    let line_text = text[line_start..].lines().next().unwrap_or_default();
    let section = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| line.starts_with('[') && line.ends_with(']'))
        .map(|header| header.trim_matches(|c| c == '[' || c == ']').trim().to_owned());
    let key = line_text.split_once('=').map(|(key, _)| key.trim().to_owned());
    let location = match (section, key) {
        (Some(section), Some(key)) => format!("[{section}] {key}: "),
        (None, Some(key)) => format!("{key}: "),
        (Some(section), None) => format!("[{section}]: "),
        (None, None) => String::new(),
    };
    format!("{}:{line_number}:{column}: {location}{reason}", origin.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ServerError> {
        Config::from_toml(text, Path::new("portico.toml"), &ServeArgs::default())
    }

    #[test]
    fn catalog_locations_come_from_the_file_and_the_flags() {
        let args = ServeArgs {
            catalog: vec![
                "services/*/catalog-info.yaml".into(),
                "https://example.com/c.yaml".into(),
                "git:/r#main:a.yaml".into(),
            ],
            ..ServeArgs::default()
        };
        let text = "[catalog]\nallowed_hosts = [\"example.com\"]\n[[catalog.locations]]\ntype = \"file\"\ntarget = \"all.yaml\"\n";
        let config = Config::from_toml(text, Path::new("portico.toml"), &args).unwrap();
        let kinds: Vec<(&str, &str)> =
            config.catalog.locations.iter().map(|l| (l.kind.as_str(), l.target.as_str())).collect();
        assert_eq!(
            kinds,
            [
                ("file", "all.yaml"),
                ("file", "services/*/catalog-info.yaml"),
                ("url", "https://example.com/c.yaml"),
                ("git", "/r#main:a.yaml")
            ]
        );
        assert_eq!(config.catalog.allowed_hosts, ["example.com"]);
        let message = parse("[[catalog.locations]]\ntype = \"svn\"\ntarget = \"x\"\n").unwrap_err().to_string();
        assert!(message.contains("type `svn`"), "{message}");
    }

    #[test]
    fn defaults_listen_on_7007_with_sqlite_in_data() {
        let config = parse("").unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:7007");
        assert_eq!(config.data_dir, PathBuf::from("data"));
        assert_eq!(config.database_url, "sqlite://data/portico.db?mode=rwc");
        assert_eq!(config.log_format, LogFormat::Pretty);
    }

    #[test]
    fn the_file_sets_values_and_the_data_dir_moves_the_default_database() {
        let config =
            parse("[server]\naddr = \"0.0.0.0:8080\"\ndata_dir = \"/var/lib/portico\"\n[log]\nformat = \"json\"\n")
                .unwrap();
        assert_eq!(config.addr.to_string(), "0.0.0.0:8080");
        assert_eq!(config.database_url, "sqlite:///var/lib/portico/portico.db?mode=rwc");
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn flags_and_environment_override_the_file() {
        let args = ServeArgs {
            addr: Some("127.0.0.1:9999".parse().unwrap()),
            database_url: Some("postgres://postgres@127.0.0.1/test".into()),
            log_format: Some(LogFormat::Json),
            ..ServeArgs::default()
        };
        let text =
            "[server]\naddr = \"0.0.0.0:8080\"\n[database]\nurl = \"sqlite://x.db\"\n[log]\nformat = \"pretty\"\n";
        let config = Config::from_toml(text, Path::new("portico.toml"), &args).unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:9999");
        assert_eq!(config.database_url, "postgres://postgres@127.0.0.1/test");
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn an_unknown_key_names_file_line_section_and_key() {
        let err = parse("[server]\naddr = \"127.0.0.1:1\"\nadress = \"x\"\n").unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("portico.toml:3:1: [server] adress: unknown field `adress`"), "{message}");
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn a_value_of_the_wrong_type_names_its_line_and_key() {
        let message = parse("[database]\n\nmax_connections = \"ten\"\n").unwrap_err().to_string();
        assert!(message.starts_with("portico.toml:3:"), "{message}");
        assert!(message.contains("[database] max_connections:"), "{message}");
    }

    #[test]
    fn an_invalid_address_is_reported_at_its_line() {
        let message = parse("[server]\naddr = \"localhost\"\n").unwrap_err().to_string();
        assert!(message.starts_with("portico.toml:2:"), "{message}");
        assert!(message.contains("[server] addr:"), "{message}");
    }

    #[test]
    fn broken_toml_syntax_is_reported_with_its_line() {
        let message = parse("[server\naddr = 1\n").unwrap_err().to_string();
        assert!(message.starts_with("portico.toml:1:"), "{message}");
    }

    #[test]
    fn an_unsupported_database_is_refused_without_showing_the_password() {
        let message = parse("[database]\nurl = \"mysql://root:hunter2@db/x\"\n").unwrap_err().to_string();
        assert!(message.contains("mysql://root:***@db/x"), "{message}");
        assert!(!message.contains("hunter2"));
    }

    #[test]
    fn guest_mode_is_off_unless_asked_for() {
        assert!(!parse("").unwrap().auth.guest);
        assert!(parse("[auth]\nguest = true\n").unwrap().auth.guest);
        let args = ServeArgs { auth_guest: Some(false), ..ServeArgs::default() };
        let config = Config::from_toml("[auth]\nguest = true\n", Path::new("portico.toml"), &args).unwrap();
        assert!(!config.auth.guest);
    }

    #[test]
    fn an_incomplete_oidc_section_names_what_is_missing() {
        let message = parse("[auth.oidc]\nissuer = \"https://id.example.com\"\n").unwrap_err().to_string();
        assert!(message.contains("client_id, client_secret"), "{message}");
    }

    #[test]
    fn the_oidc_secret_is_hidden_when_the_configuration_is_shown() {
        let text = "[auth.oidc]\nissuer = \"https://id.example.com\"\nclient_id = \"portico\"\nclient_secret = \"s3cret-value\"\n";
        let shown = parse(text).unwrap().to_display_toml();
        assert!(shown.contains("client_id = \"portico\""), "{shown}");
        assert!(!shown.contains("s3cret-value"), "{shown}");
    }

    #[test]
    fn an_unknown_auth_key_is_reported_with_its_section() {
        let message = parse("[auth]\nguests = true\n").unwrap_err().to_string();
        assert!(message.starts_with("portico.toml:2:1: [auth] guests: unknown field"), "{message}");
    }

    #[test]
    fn a_missing_explicit_file_is_an_error_naming_it() {
        let err = Config::load(Some(Path::new("/nonexistent/portico.toml")), &ServeArgs::default()).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/portico.toml"));
        assert_eq!(err.exit_code(), 2);
    }
}
