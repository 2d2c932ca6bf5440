//! What the portal tells about itself: version, database, uptime, schema.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The database engine behind a Portico installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    /// Tells the engine from a connection URL, or `None` for one Portico does not speak.
    pub fn from_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme)?;
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            _ => None,
        }
    }

    /// The name people know the engine by.
    pub fn label(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

impl fmt::Display for DatabaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A snapshot of the running installation, shown on the home page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemStatus {
    /// Portico's own version (the crate version of the server).
    pub version: String,
    pub database: DatabaseKind,
    /// The engine's own version string, e.g. `3.46.0` or `15.19`.
    pub database_version: String,
    /// Seconds since this process started.
    pub uptime_seconds: u64,
    /// Migrations applied to the database.
    pub migrations_applied: u32,
    /// When this installation first started (RFC 3339).
    pub installed_at: String,
    /// Stable identifier of this installation, shared by all replicas on one database.
    pub installation_id: String,
}

/// The result of one live round trip to the database, run on request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseCheck {
    pub database: DatabaseKind,
    /// Round-trip time of a trivial query, in microseconds.
    pub round_trip_micros: u64,
    /// When the check ran (RFC 3339, server clock).
    pub checked_at: String,
}

/// Formats a duration in seconds the way a person reads it: `3d 4h`, `5m 2s`.
pub fn human_duration(seconds: u64) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    match seconds {
        s if s >= DAY => format!("{}d {}h", s / DAY, (s % DAY) / HOUR),
        s if s >= HOUR => format!("{}h {}m", s / HOUR, (s % HOUR) / MINUTE),
        s if s >= MINUTE => format!("{}m {}s", s / MINUTE, s % MINUTE),
        s => format!("{s}s"),
    }
}

/// Formats a round-trip time in microseconds as milliseconds with useful precision.
pub fn human_latency(micros: u64) -> String {
    if micros < 10_000 {
        format!("{:.2} ms", micros as f64 / 1000.0)
    } else {
        format!("{} ms", micros / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_kind_is_read_from_the_url_scheme() {
        assert_eq!(DatabaseKind::from_url("sqlite://data/portico.db?mode=rwc"), Some(DatabaseKind::Sqlite));
        assert_eq!(DatabaseKind::from_url("postgres://postgres@127.0.0.1/test"), Some(DatabaseKind::Postgres));
        assert_eq!(DatabaseKind::from_url("PostgreSQL://h/db"), Some(DatabaseKind::Postgres));
        assert_eq!(DatabaseKind::from_url("mysql://h/db"), None);
        assert_eq!(DatabaseKind::from_url("no-scheme"), None);
    }

    #[test]
    fn durations_read_like_a_person_would_say_them() {
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(59), "59s");
        assert_eq!(human_duration(61), "1m 1s");
        assert_eq!(human_duration(3 * 3600 + 120), "3h 2m");
        assert_eq!(human_duration(2 * 86400 + 5 * 3600), "2d 5h");
    }

    #[test]
    fn latencies_keep_precision_below_ten_milliseconds() {
        assert_eq!(human_latency(250), "0.25 ms");
        assert_eq!(human_latency(12_345), "12 ms");
    }

    #[test]
    fn status_serialises_database_kind_in_lowercase() {
        let json = serde_json::to_value(DatabaseKind::Postgres).unwrap();
        assert_eq!(json, "postgres");
    }
}
