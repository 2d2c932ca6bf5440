//! What Portico reports about itself: the status snapshot on the home page and
//! the live database check behind its "Check database" button.

use crate::database::Database;
use crate::error::Result;
use crate::settings;
use chrono::Utc;
use model::{DatabaseCheck, SystemStatus};
use std::time::Instant;

/// Facts about the running process that the database does not know.
#[derive(Debug, Clone)]
pub struct ProcessInfo {
    pub version: &'static str,
    pub started: Instant,
}

/// Gathers the status snapshot shown on the home page.
pub async fn status(db: &Database, process: &ProcessInfo) -> Result<SystemStatus> {
    let installation = settings::ensure_installation(db.connection()).await?;
    Ok(SystemStatus {
        version: process.version.to_owned(),
        database: db.kind(),
        database_version: db.server_version().await?,
        uptime_seconds: process.started.elapsed().as_secs(),
        migrations_applied: u32::try_from(db.applied_migrations().await?).unwrap_or(u32::MAX),
        installed_at: installation.installed_at.to_rfc3339(),
        installation_id: installation.id,
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
