//! Probes for orchestrators: `/healthz` says the process answers, `/readyz`
//! says it can do real work (database reachable and migrated).

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::Readiness;
use serde_json::json;

/// `GET /healthz`: 200 while the process is up.
pub async fn healthz() -> Response {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") })).into_response()
}

/// `GET /readyz`: 200 when the database answers and is migrated; 503 with the
/// reason otherwise.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let services = state.services();
    let readiness = services.readiness();
    if readiness != Readiness::Ready {
        return unavailable(readiness.describe());
    }
    let Ok(database) = services.database() else {
        return unavailable(services.readiness().describe());
    };
    match database.ping().await {
        Ok(_) => Json(json!({
            "status": "ready",
            "database": database.kind(),
        }))
        .into_response(),
        Err(err) => unavailable(format!("database unreachable: {err}")),
    }
}

fn unavailable(reason: String) -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "reason": reason }))).into_response()
}
