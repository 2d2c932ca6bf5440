//! The handle through which the server and the app reach the domain: the
//! database (once it is connected and migrated), the readiness story while it
//! is not, and facts about the running process.
//!
//! One `Services` is built at start-up and cloned cheaply into every request.

use crate::database::Database;
use crate::error::{DomainError, Result};
use crate::system::{DatabaseFacts, ProcessInfo};
use std::sync::{Arc, RwLock};
use std::time::Instant;

/// Where start-up stands; `/readyz` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Trying to reach the database; `last_error` says why the last try failed.
    Connecting { attempt: u32, last_error: Option<String> },
    /// Connected; applying migrations.
    Migrating,
    /// Database reachable and migrated.
    Ready,
    /// Start-up failed in a way that retrying will not fix.
    Failed(String),
    /// Shutting down; the database is closing.
    Stopping,
}

impl Readiness {
    /// A sentence for `/readyz` and the error page.
    pub fn describe(&self) -> String {
        match self {
            Self::Connecting { attempt, last_error: Some(error) } => {
                format!("database unreachable (attempt {attempt}): {error}")
            }
            Self::Connecting { .. } => "connecting to the database".to_owned(),
            Self::Migrating => "applying database migrations".to_owned(),
            Self::Ready => "ready".to_owned(),
            Self::Failed(reason) => format!("start-up failed: {reason}"),
            Self::Stopping => "shutting down".to_owned(),
        }
    }
}

/// Shared access to everything the domain needs at run time.
#[derive(Clone, Debug)]
pub struct Services {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    database: RwLock<Option<(Database, Arc<DatabaseFacts>)>>,
    readiness: RwLock<Readiness>,
    process: ProcessInfo,
}

impl Services {
    /// A handle with no database yet, for a process that started at `started`.
    pub fn new(version: &'static str, started: Instant) -> Self {
        Self {
            inner: Arc::new(Inner {
                database: RwLock::new(None),
                readiness: RwLock::new(Readiness::Connecting { attempt: 0, last_error: None }),
                process: ProcessInfo { version, started },
            }),
        }
    }

    pub fn process(&self) -> &ProcessInfo {
        &self.inner.process
    }

    /// The database, or `NotReady` saying why it cannot be used yet.
    pub fn database(&self) -> Result<Database> {
        self.ready().map(|(database, _)| database)
    }

    /// The database and what start-up learned about it, read together, or
    /// `NotReady` saying why they cannot be used yet.
    pub fn ready(&self) -> Result<(Database, Arc<DatabaseFacts>)> {
        let ready = self.inner.database.read().ok().and_then(|slot| slot.clone());
        ready.ok_or_else(|| DomainError::NotReady(self.readiness().describe()))
    }

    pub fn readiness(&self) -> Readiness {
        self.inner
            .readiness
            .read()
            .map(|readiness| readiness.clone())
            .unwrap_or_else(|_| Readiness::Failed("internal state poisoned".to_owned()))
    }

    pub fn set_readiness(&self, readiness: Readiness) {
        if let Ok(mut slot) = self.inner.readiness.write() {
            *slot = readiness;
        }
    }

    /// Makes a connected, migrated database available and marks the service ready.
    pub fn set_database(&self, database: Database, facts: DatabaseFacts) {
        if let Ok(mut slot) = self.inner.database.write() {
            *slot = Some((database, Arc::new(facts)));
        }
        self.set_readiness(Readiness::Ready);
    }

    /// Takes the database out of service (at shutdown) and returns it for closing.
    pub fn take_database(&self) -> Option<Database> {
        self.set_readiness(Readiness::Stopping);
        self.inner.database.write().ok().and_then(|mut slot| slot.take()).map(|(database, _)| database)
    }
}
