//! Connecting to SQLite or PostgreSQL, running migrations, and telling whether
//! the schema is current.
//!
//! Both engines go through one `Database` handle; code that needs the engine's
//! name asks `kind()` rather than matching on URLs.

use crate::error::{DomainError, Result};
use migration::{Migrator, MigratorTrait};
use model::DatabaseKind;
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::path::Path;
use std::time::{Duration, Instant};

/// Prepared statements each SQLite connection keeps for reuse: none. A
/// compiled SQLite statement lives in this process, and a batch insert of
/// 3,000 rows compiles to megabytes; with sqlx's default of 100 per
/// connection they held 25 MB at 100,000 entities. Compiling again costs
/// about 0.5 s of a 100,000-entity ingest. PostgreSQL keeps sqlx's cache:
/// its statements live in the server, and planning each batch again there
/// cost 2 s of the same ingest.
const SQLITE_STATEMENT_CACHE: usize = 0;

/// A pooled connection to Portico's database.
#[derive(Clone, Debug)]
pub struct Database {
    connection: DatabaseConnection,
    kind: DatabaseKind,
}

/// How busy the connection pool is, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// The default database: an SQLite file inside the data directory.
pub fn default_sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("portico.db").display())
}

impl Database {
    /// Opens a pool on `url` (sqlite:// or postgres://). For SQLite the file
    /// and its directory are created when missing.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        let kind = DatabaseKind::from_url(url)
            .ok_or_else(|| DomainError::UnsupportedDatabaseUrl { url: redact_password(url) })?;
        if kind == DatabaseKind::Sqlite {
            create_sqlite_parent_dir(url)?;
        }
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(5))
            .sqlx_logging(false)
            // SQLite's page cache, per connection: 256 KiB instead of 2 MiB (ten
            // connections); the catalog answers reads from its own index.
            // With WAL, NORMAL is SQLite's recommended durability: a commit is
            // not synced to disk until the next checkpoint, which a power
            // loss can undo but nothing can corrupt.
            .map_sqlx_sqlite_opts(|sqlite| {
                sqlite
                    .pragma("cache_size", "-256")
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .statement_cache_capacity(SQLITE_STATEMENT_CACHE)
            })
            // A connection's send buffer grows to the largest message it sent
            // (a batch of 3,000 entities is megabytes) and stays that size;
            // it is cut back whenever the connection returns to the pool.
            .map_sqlx_postgres_pool_opts(|pool| {
                pool.after_release(|connection, _| {
                    sea_orm::sqlx::Connection::shrink_buffers(connection);
                    Box::pin(std::future::ready(Ok(true)))
                })
            });
        let connection = sea_orm::Database::connect(options).await?;
        if kind == DatabaseKind::Sqlite {
            // WAL lets readers proceed while one writer writes; the setting is
            // stored in the file, so once is enough.
            connection.execute_unprepared("PRAGMA journal_mode=WAL").await?;
        }
        Ok(Self { connection, kind })
    }

    pub fn kind(&self) -> DatabaseKind {
        self.kind
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }

    /// Brings the schema up to date. Safe to run from several replicas at once
    /// on PostgreSQL: sea-orm takes a lock while it migrates.
    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.connection, None).await?;
        Ok(())
    }

    /// Migrations this binary knows that the database has not applied yet.
    pub async fn pending_migrations(&self) -> Result<usize> {
        Ok(Migrator::get_pending_migrations(&self.connection).await?.len())
    }

    /// Migrations the database has applied.
    pub async fn applied_migrations(&self) -> Result<usize> {
        Ok(Migrator::get_applied_migrations(&self.connection).await?.len())
    }

    /// One trivial query; returns how long the round trip took.
    pub async fn ping(&self) -> Result<Duration> {
        let started = Instant::now();
        self.connection.query_one_raw(Statement::from_string(self.backend(), "SELECT 1")).await?;
        Ok(started.elapsed())
    }

    /// The engine's own version string.
    pub async fn server_version(&self) -> Result<String> {
        let sql = match self.kind {
            DatabaseKind::Sqlite => "SELECT sqlite_version() AS version",
            DatabaseKind::Postgres => "SELECT current_setting('server_version') AS version",
        };
        let row = self.connection.query_one_raw(Statement::from_string(self.backend(), sql)).await?;
        let version = match row {
            Some(row) => row.try_get::<String>("", "version")?,
            None => String::new(),
        };
        Ok(version)
    }

    pub fn pool_stats(&self) -> PoolStats {
        match self.kind {
            DatabaseKind::Sqlite => {
                let pool = self.connection.get_sqlite_connection_pool();
                PoolStats {
                    size: pool.size(),
                    idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                    max: pool.options().get_max_connections(),
                }
            }
            DatabaseKind::Postgres => {
                let pool = self.connection.get_postgres_connection_pool();
                PoolStats {
                    size: pool.size(),
                    idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                    max: pool.options().get_max_connections(),
                }
            }
        }
    }

    /// Closes every pooled connection, waiting for those in use to be returned.
    pub async fn close(&self) -> Result<()> {
        self.connection.close_by_ref().await?;
        Ok(())
    }

    fn backend(&self) -> DbBackend {
        self.connection.get_database_backend()
    }
}

/// Hides the password in a database URL so it can be logged or shown.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

fn create_sqlite_parent_dir(url: &str) -> Result<()> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:").split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| DomainError::Io {
            what: format!("cannot create the data directory {}", parent.display()),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_urls() {
        assert_eq!(redact_password("postgres://app:s3cret@db:5432/portico"), "postgres://app:***@db:5432/portico");
        assert_eq!(redact_password("postgres://postgres@127.0.0.1/test"), "postgres://postgres@127.0.0.1/test");
        assert_eq!(redact_password("sqlite://data/portico.db"), "sqlite://data/portico.db");
    }

    #[tokio::test]
    async fn an_unknown_url_scheme_is_refused_with_the_url_named() {
        let err = Database::connect("mysql://root@localhost/db", 1).await.unwrap_err();
        assert!(err.to_string().contains("mysql://root@localhost/db"), "{err}");
    }

    #[test]
    fn the_default_database_is_a_file_in_the_data_directory() {
        assert_eq!(default_sqlite_url(Path::new("data")), "sqlite://data/portico.db?mode=rwc");
    }

    async fn a_new_database_is_migrated_and_current(test_db: testkit::TestDatabase) {
        let db = Database::connect(&test_db.url, 2).await.unwrap();
        assert_eq!(db.kind(), test_db.kind);
        assert_eq!(db.pending_migrations().await.unwrap(), Migrator::migrations().len());
        db.migrate().await.unwrap();
        assert_eq!(db.pending_migrations().await.unwrap(), 0);
        assert_eq!(db.applied_migrations().await.unwrap(), Migrator::migrations().len());
        // Migrating twice is harmless: a second replica starting does the same.
        db.migrate().await.unwrap();
        assert!(!db.server_version().await.unwrap().is_empty());
        assert!(db.pool_stats().max >= 1);
        db.close().await.unwrap();
    }
    testkit::on_both_databases!(new_database, a_new_database_is_migrated_and_current);

    async fn the_installation_is_recorded_once(test_db: testkit::TestDatabase) {
        let db = Database::connect(&test_db.url, 2).await.unwrap();
        db.migrate().await.unwrap();
        let first = crate::settings::ensure_installation(db.connection()).await.unwrap();
        let second = crate::settings::ensure_installation(db.connection()).await.unwrap();
        assert_eq!(first, second);
        db.close().await.unwrap();
    }
    testkit::on_both_databases!(installation, the_installation_is_recorded_once);
}
