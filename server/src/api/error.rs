//! Errors on the REST API in Backstage's shape, so Backstage clients read
//! them: `{"error": {"name", "message"}, "request": {"method", "url"},
//! "response": {"statusCode"}}`, with the matching status code.

use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use domain::DomainError;

/// An API failure: status, Backstage error name and a message for people.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub name: &'static str,
    pub message: String,
    /// The method and path, for the body's `request` field.
    pub request: Option<(String, String)>,
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let name = match status.as_u16() {
            400 | 422 => "InputError",
            401 => "AuthenticationError",
            403 => "NotAllowedError",
            404 => "NotFoundError",
            409 => "ConflictError",
            429 => "TooManyRequestsError",
            503 => "ServiceUnavailableError",
            _ => "Error",
        };
        Self { status, name, message: message.into(), request: None, retry_after_secs: None }
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// Names the request in the body, as Backstage does.
    pub fn for_request(mut self, method: &Method, uri: &Uri) -> Self {
        self.request = Some((method.as_str().to_owned(), uri.path().to_owned()));
        self
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, format!("the request body is not acceptable: {}", rejection.body_text()))
    }
}

/// A JSON request body whose rejection is a Backstage-shaped `InputError`
/// naming what was wrong (line, column, field) instead of plain text.
#[derive(Debug, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct JsonBody<T>(pub T);

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
            tracing::error!("request failed: {error}");
            "internal server error (details are in the server log)".to_owned()
        } else {
            error.to_string()
        };
        let retry_after_secs = match error {
            DomainError::Throttled { retry_after_secs } => Some(retry_after_secs),
            _ => None,
        };
        Self { retry_after_secs, ..Self::new(status, message) }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({
            "error": { "name": self.name, "message": self.message },
            "response": { "statusCode": self.status.as_u16() },
        });
        if let Some((method, uri)) = &self.request {
            body["request"] = serde_json::json!({ "method": method, "url": uri });
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"portico\""));
        }
        if let Some(seconds) = self.retry_after_secs {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}
