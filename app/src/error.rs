//! The error type of Portico's server functions, so that a page can tell
//! "sign in first" from "not allowed", "fix this field", "the database is not
//! ready yet" and "something broke". On the server, each error also sets the
//! HTTP status of the server function's response (401, 403, 400, ...).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What a server function can report to the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Nobody is signed in (or the session ended): sign in and try again.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// The input is not acceptable; `field` names what to fix.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The change collides with what is stored.
    #[error("{0}")]
    Conflict(String),
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

impl AppError {
    /// The HTTP status a server function answers with for this error.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::Invalid { .. } => 400,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::NotReady(_) => 503,
            Self::Internal | Self::Transport(_) => 500,
        }
    }

    /// The text to show beside a form: the reason alone for a field error.
    pub fn message(&self) -> String {
        match self {
            Self::Invalid { reason, .. } => reason.clone(),
            other => other.to_string(),
        }
    }
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
        use domain::DomainError;
        let app_error = match error {
            DomainError::NotReady(reason) => Self::NotReady(reason),
            DomainError::Unauthenticated(reason) => Self::Unauthorized(reason),
            DomainError::Forbidden(reason) => Self::Forbidden(reason),
            DomainError::Invalid { field, reason } => Self::Invalid { field, reason },
            DomainError::NotFound(what) => Self::NotFound(what),
            DomainError::Conflict(reason) => Self::Conflict(reason),
            DomainError::Throttled { .. } => Self::Forbidden(error.to_string()),
            other => {
                tracing::error!("server function failed: {other}");
                Self::Internal
            }
        };
        app_error.set_response_status();
        app_error
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Makes the current server function (or page) answer with this error's status.
    pub fn set_response_status(&self) {
        use leptos::prelude::use_context;
        if let (Some(response), Ok(status)) =
            (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(self.status_code()))
        {
            response.set_status(status);
        }
    }
}
