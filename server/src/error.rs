//! The one error type of the server crate, and how each kind ends the process.

use std::path::PathBuf;

/// What can stop `portico` from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration file cannot be read (exit status 2).
    #[error("cannot read config file {path}: {source}")]
    ConfigUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The configuration file or an option is invalid; the message names the
    /// file, line and key (exit status 2).
    #[error("{0}")]
    ConfigInvalid(String),

    /// The listening address is taken or not ours to use (exit status 1).
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: String, reason: String },

    /// The domain failed, e.g. the database during a one-off command (exit status 1).
    #[error(transparent)]
    Domain(#[from] domain::DomainError),

    /// Any other I/O failure while serving (exit status 1).
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl ServerError {
    /// The process exit status for this error: 2 for configuration mistakes
    /// (like a usage error), 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::ConfigUnreadable { .. } | Self::ConfigInvalid(_) => 2,
            _ => 1,
        }
    }
}
