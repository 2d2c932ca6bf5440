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
    postgres_database: Option<String>,
}

impl Portico {
    /// Starts `binary` on a free port with a fresh database and waits until
    /// `/readyz` answers 200.
    pub fn start(binary: &Path, db: Db, label: &str) -> Result<Self, String> {
        let unique = format!("{label}-{}-{}", std::process::id(), nanos());
        let data_dir = std::env::temp_dir().join(format!("portico-{unique}"));
        std::fs::create_dir_all(&data_dir).map_err(|err| format!("cannot create {}: {err}", data_dir.display()))?;
        let port = http::free_port()?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut command = Cmd::new(binary)
            .args(["serve", "--addr", &addr.to_string()])
            .env("PORTICO_DATA_DIR", &data_dir)
            .env("PORTICO_LOG_FORMAT", "json")
            .current_dir(&data_dir);
        let mut postgres_database = None;
        if db == Db::Postgres {
            let name = format!("portico_e2e_{}", unique.replace('-', "_"));
            psql(&format!("CREATE DATABASE \"{name}\""))?;
            let admin = postgres_admin_url();
            let base = admin.rsplit_once('/').map(|(base, _)| base.to_owned()).unwrap_or(admin);
            command = command.env("PORTICO_DATABASE_URL", format!("{base}/{name}"));
            postgres_database = Some(name);
        }
        let log = shell::target_dir().join(format!("portico-{label}-{}.log", db.name()));
        let started = Instant::now();
        let child = command.spawn_logged(&log)?;
        let mut portico =
            Self { child: Some(child), addr, ready_after: Duration::ZERO, log, data_dir, postgres_database };
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

/// The end2end suite against a server on `db`; returns Playwright's output.
pub fn run_suite(binary: &Path, db: Db) -> (Result<(), String>, String) {
    let mut portico = match Portico::start(binary, db, "e2e") {
        Ok(portico) => portico,
        Err(err) => return (Err(err), String::new()),
    };
    let (outcome, output) = Cmd::new("npx")
        .args(["playwright", "test", "--config", "end2end/playwright.config.ts"])
        .env("PORTICO_BASE_URL", portico.base_url())
        .env("PORTICO_E2E_DATABASE", db.name())
        .run_capturing();
    let stopped = portico.stop();
    (outcome.and(stopped), output)
}
