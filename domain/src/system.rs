//! What Portico reports about itself: the status snapshot on the home page and
//! the live database check behind its "Check database" button.

use crate::database::Database;
use crate::error::Result;
use crate::services::Services;
use crate::settings::{self, Installation};
use chrono::Utc;
use model::{DatabaseCheck, SystemStatus};
use std::time::Instant;

/// Facts about the running process that the database does not know.
#[derive(Debug, Clone)]
pub struct ProcessInfo {
    pub version: &'static str,
    pub started: Instant,
}

/// What start-up learned about the database; it does not change while the
/// process runs, so pages read it from memory instead of querying each time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseFacts {
    pub installation: Installation,
    pub server_version: String,
}

impl DatabaseFacts {
    /// Records the installation (first start only) and reads the engine version.
    pub async fn gather(db: &Database) -> Result<Self> {
        Ok(Self {
            installation: settings::ensure_installation(db.connection()).await?,
            server_version: db.server_version().await?,
        })
    }
}

/// Gathers the status snapshot shown on the home page: one query (migrations
/// applied, which another replica may change), the rest from memory.
pub async fn status(services: &Services) -> Result<SystemStatus> {
    let (db, facts) = services.ready()?;
    let process = services.process();
    Ok(SystemStatus {
        version: process.version.to_owned(),
        database: db.kind(),
        database_version: facts.server_version.clone(),
        uptime_seconds: process.started.elapsed().as_secs(),
        migrations_applied: u32::try_from(db.applied_migrations().await?).unwrap_or(u32::MAX),
        installed_at: facts.installation.installed_at.to_rfc3339(),
        installation_id: facts.installation.id.clone(),
    })
}

/// Times one round trip to the database.
pub async fn check_database(db: &Database) -> Result<DatabaseCheck> {
    let round_trip = db.ping().await?;
    Ok(DatabaseCheck {
        database: db.kind(),
        round_trip_micros: u64::try_from(round_trip.as_micros()).unwrap_or(u64::MAX),
        checked_at: Utc::now().to_rfc3339(),
    })
}
