//! Running real `portico` processes for the end2end suite and benchmarks:
//! a fresh database each (SQLite file or PostgreSQL database), a free port,
//! readiness polling, and a SIGTERM at the end that must stop it cleanly.

use crate::http;
use crate::shell::{self, Cmd};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

/// Which database a test server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

impl Db {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// The PostgreSQL server that tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("PORTICO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A running `portico` with its own database; stopped and cleaned up on drop.
pub struct Portico {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub ready_after: Duration,
    pub log: PathBuf,
    data_dir: PathBuf,
    database_url: Option<String>,
    postgres_database: Option<String>,
}

impl Portico {
    /// Starts `binary` on a free port with a fresh database and waits until
    /// `/readyz` answers 200.
    pub fn start(binary: &Path, db: Db, label: &str) -> Result<Self, String> {
        Self::start_with(binary, db, label, http::free_port()?, &[])
    }

    /// Like [`Portico::start`], on `port` and with extra environment variables.
    pub fn start_with(binary: &Path, db: Db, label: &str, port: u16, env: &[(&str, String)]) -> Result<Self, String> {
        let unique = format!("{label}-{}-{}", std::process::id(), nanos());
        let data_dir = std::env::temp_dir().join(format!("portico-{unique}"));
        std::fs::create_dir_all(&data_dir).map_err(|err| format!("cannot create {}: {err}", data_dir.display()))?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut command = Cmd::new(binary)
            .args(["serve", "--addr", &addr.to_string()])
            .env("PORTICO_DATA_DIR", &data_dir)
            .env("PORTICO_LOG_FORMAT", "json")
            .current_dir(&data_dir);
        for (key, value) in env {
            command = command.env(key, value);
        }
        let mut postgres_database = None;
        let mut database_url = None;
        if db == Db::Postgres {
            let name = format!("portico_e2e_{}", unique.replace('-', "_"));
            psql(&format!("CREATE DATABASE \"{name}\""))?;
            let admin = postgres_admin_url();
            let base = admin.rsplit_once('/').map(|(base, _)| base.to_owned()).unwrap_or(admin);
            let url = format!("{base}/{name}");
            command = command.env("PORTICO_DATABASE_URL", &url);
            database_url = Some(url);
            postgres_database = Some(name);
        }
        let log = shell::target_dir().join(format!("portico-{label}-{}.log", db.name()));
        let started = Instant::now();
        let child = command.spawn_logged(&log)?;
        let mut portico = Self {
            child: Some(child),
            addr,
            ready_after: Duration::ZERO,
            log,
            data_dir,
            database_url,
            postgres_database,
        };
        portico.ready_after = portico.wait_until_ready(started)?;
        Ok(portico)
    }

    fn wait_until_ready(&mut self, started: Instant) -> Result<Duration, String> {
        while started.elapsed() < Duration::from_secs(60) {
            if let Some((200, _)) = http::get(self.addr, "/readyz") {
                return Ok(started.elapsed());
            }
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!("portico exited ({status}) before it was ready; log: {}", self.log.display()));
                }
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        Err(format!("portico was not ready within 60 s; log: {}", self.log.display()))
    }

    /// A one-off `portico` command on this server's database.
    pub fn command(&self, binary: &Path) -> Cmd {
        let mut command = Cmd::new(binary).env("PORTICO_DATA_DIR", &self.data_dir).current_dir(&self.data_dir);
        if let Some(url) = &self.database_url {
            command = command.env("PORTICO_DATABASE_URL", url);
        }
        command
    }

    /// The SQLite database in this server's data directory.
    pub fn sqlite_url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.data_dir.join("portico.db").display())
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends SIGTERM and waits for a clean exit (status 0).
    pub fn stop(&mut self) -> Result<(), String> {
        let Some(mut child) = self.child.take() else { return Ok(()) };
        let _ = Cmd::new("kill").args(["-TERM", &child.id().to_string()]).output();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(format!("portico stopped with {status}; log: {}", self.log.display())),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                _ => {
                    let _ = child.kill();
                    return Err("portico did not stop within 20 s of SIGTERM".to_owned());
                }
            }
        }
    }
}

impl Drop for Portico {
    fn drop(&mut self) {
        let _ = self.stop();
        if let Some(name) = self.postgres_database.take() {
            let _ = psql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

fn psql(sql: &str) -> Result<(), String> {
    Cmd::new("psql")
        .args([postgres_admin_url().as_str(), "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .map(|_| ())
        .ok_or_else(|| format!("psql could not run `{sql}` on {}", postgres_admin_url()))
}

fn nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default()
}

/// The users the end2end suite signs in as (created with `portico user add`).
/// `e2e-owner` is the demo catalog's Jane Doe (by email), a member of team-platform.
const E2E_USERS: [(&str, &str, &str); 3] = [
    ("e2e-admin", "admin@example.com", "--admin"),
    ("e2e-member", "member@example.com", ""),
    ("e2e-owner", "jane.doe@fernhill.example", ""),
];
const E2E_PASSWORD: &str = "end2end password 2026";
const OIDC_CLIENT_SECRET: &str = "portico-e2e-client-secret";

/// The end2end suite against a server on `db` in guest mode, with two users
/// and single sign-on through a real OpenID Connect provider (the npm package
/// `oidc-provider`) running beside it; returns Playwright's output.
pub fn run_suite(binary: &Path, db: Db) -> (Result<(), String>, String) {
    match start_suite_servers(binary, db) {
        Ok((mut portico, mut provider)) => {
            // The client test first: it counts the demo catalog as it is.
            let (client_outcome, mut output) = run_catalog_client(binary, &portico);
            let (outcome, playwright_output) = Cmd::new("npx")
                .args(["playwright", "test", "--config", "end2end/playwright.config.ts"])
                .env("PORTICO_BASE_URL", portico.base_url())
                .env("PORTICO_E2E_DATABASE", db.name())
                .env("PORTICO_E2E_PASSWORD", E2E_PASSWORD)
                .run_capturing();
            output.push_str(&playwright_output);
            let _ = provider.kill();
            let _ = provider.wait();
            let stopped = portico.stop();
            (outcome.and(client_outcome).and(stopped), output)
        }
        Err(err) => (Err(err), String::new()),
    }
}

/// Backstage's `@backstage/catalog-client`, unmodified, against the same
/// server, with an admin's write token made by `portico token create`.
fn run_catalog_client(binary: &Path, portico: &Portico) -> (Result<(), String>, String) {
    let token = portico
        .command(binary)
        .args(["token", "create", "--user", "e2e-admin", "--scope", "write", "--name", "catalog-client"])
        .output()
        .and_then(|output| output.lines().last().map(str::to_owned));
    let Some(token) = token else {
        return (Err("cannot create a token for the catalog-client test".to_owned()), String::new());
    };
    Cmd::new("node")
        .args(["--test", "--test-reporter=spec", "end2end/catalog-client/compat.test.mjs"])
        .env("PORTICO_BASE_URL", portico.base_url())
        .env("PORTICO_E2E_TOKEN", token)
        .run_capturing()
}

fn start_suite_servers(binary: &Path, db: Db) -> Result<(Portico, Child), String> {
    let port = http::free_port()?;
    let oidc_port = http::free_port()?;
    let base_url = format!("http://127.0.0.1:{port}");
    let provider_log = shell::target_dir().join(format!("oidc-provider-{}.log", db.name()));
    let mut provider = Cmd::new("node")
        .args(["end2end/oidc/provider.mjs", &oidc_port.to_string(), &base_url])
        .spawn_logged(&provider_log)?;
    let issuer = format!("http://127.0.0.1:{oidc_port}");
    let oidc_addr: SocketAddr = ([127, 0, 0, 1], oidc_port).into();
    let started = Instant::now();
    while !matches!(http::get(oidc_addr, "/.well-known/openid-configuration"), Some((200, _))) {
        if started.elapsed() > Duration::from_secs(30) || matches!(provider.try_wait(), Ok(Some(_))) {
            let _ = provider.kill();
            return Err(format!("the OIDC provider did not start; log: {}", provider_log.display()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let env = [
        ("PORTICO_AUTH_GUEST", "true".to_owned()),
        ("PORTICO_CATALOG", shell::project_root().join("catalog/all.yaml").to_string_lossy().into_owned()),
        ("PORTICO_OIDC_ISSUER", issuer),
        ("PORTICO_OIDC_CLIENT_ID", "portico".to_owned()),
        ("PORTICO_OIDC_CLIENT_SECRET", OIDC_CLIENT_SECRET.to_owned()),
    ];
    let portico = match Portico::start_with(binary, db, "e2e", port, &env) {
        Ok(portico) => portico,
        Err(err) => {
            let _ = provider.kill();
            return Err(err);
        }
    };
    // The demo catalog is read in the background after start-up.
    let loading = Instant::now();
    while !matches!(
        http::get(portico.addr, "/api/catalog/entities/by-name/component/default/checkout-service"),
        Some((200, _))
    ) {
        if loading.elapsed() > Duration::from_secs(60) {
            let _ = provider.kill();
            return Err(format!("the demo catalog did not load; log: {}", portico.log.display()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for (name, email, role) in E2E_USERS {
        let mut args = vec!["user", "add", name, "--email", email];
        if !role.is_empty() {
            args.push(role);
        }
        if let Err(err) = portico.command(binary).args(args).run_with_input(&format!("{E2E_PASSWORD}\n")) {
            let _ = provider.kill();
            return Err(err);
        }
    }
    Ok((portico, provider))
}
