//! The error type of Portico's server functions, so that a page can tell
//! "the database is not ready yet" from "something broke".

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What a server function can report to the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The server is starting or its database is unreachable; try again soon.
    #[error("{0}")]
    NotReady(String),
    /// A failure on the server; the details are in its log, not here.
    #[error("something went wrong on the server (request logged)")]
    Internal,
    /// The call itself failed: network, encoding, or an unknown function.
    #[error("{0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<domain::DomainError> for AppError {
    fn from(error: domain::DomainError) -> Self {
        match error {
            domain::DomainError::NotReady(reason) => Self::NotReady(reason),
            other => {
                tracing::error!("server function failed: {other}");
                Self::Internal
            }
        }
    }
}
