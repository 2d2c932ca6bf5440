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

    /// The input is not acceptable; `field` names what was wrong (HTTP 400).
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },

    /// The thing asked for does not exist (HTTP 404).
    #[error("{0} not found")]
    NotFound(String),

    /// The change collides with what is already stored (HTTP 409).
    #[error("{0}")]
    Conflict(String),

    /// No valid session or token; or wrong credentials. Deliberately vague (HTTP 401).
    #[error("{0}")]
    Unauthenticated(String),

    /// Signed in, but not allowed to do this (HTTP 403).
    #[error("{0}")]
    Forbidden(String),

    /// Too many failed sign-ins; try again after the given seconds (HTTP 429).
    #[error("too many failed sign-in attempts; try again in {} minute(s)", retry_after_secs.div_ceil(60))]
    Throttled { retry_after_secs: u64 },

    /// A system Portico talks to (an identity provider) failed or misbehaved (HTTP 502).
    #[error("{0}")]
    Upstream(String),

    /// The search index could not be read or written; the text says how (HTTP 503).
    #[error("search index: {0}")]
    SearchIndex(String),

    /// Something the domain needs on disk could not be prepared (HTTP 500).
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl DomainError {
    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        Self::Invalid { field: field.to_owned(), reason: reason.into() }
    }

    /// The HTTP status this error maps to.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Invalid { .. } => 400,
            Self::Unauthenticated(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::Throttled { .. } => 429,
            Self::Upstream(_) => 502,
            Self::NotReady(_) | Self::SearchIndex(_) => 503,
            Self::Database(_) | Self::UnsupportedDatabaseUrl { .. } | Self::Io { .. } => 500,
        }
    }
}

pub type Result<T, E = DomainError> = std::result::Result<T, E>;

impl From<tantivy::TantivyError> for DomainError {
    fn from(error: tantivy::TantivyError) -> Self {
        Self::SearchIndex(error.to_string())
    }
}
