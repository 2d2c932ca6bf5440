//! The one error type of the domain crate.

use sea_orm::DbErr;

/// What can go wrong inside Portico's domain logic.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The database URL is not one Portico can use (HTTP 500 at start-up: a config error).
    #[error("unsupported database URL `{url}`: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedDatabaseUrl { url: String },

    /// The database could not be reached or answered with an error (HTTP 503).
    #[error("database error: {0}")]
    Database(#[from] DbErr),

    /// The database is not connected or migrated yet; the text says why (HTTP 503).
    #[error("Portico is not ready: {0}")]
    NotReady(String),

    /// Something the domain needs on disk could not be prepared (HTTP 500).
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = DomainError> = std::result::Result<T, E>;
