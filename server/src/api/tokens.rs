//! `/api/auth/tokens`: the caller's personal API tokens.

use super::error::{ApiError, JsonBody};
use super::{database, signed_in};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use domain::identity::access::Principal;
use domain::identity::sessions::Client;
use model::{TokenScope, TokenSummary};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewToken {
    pub name: String,
    #[serde(default)]
    pub scope: TokenScope,
    pub expires_in_days: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
) -> Result<Json<Vec<TokenSummary>>, ApiError> {
    let principal = signed_in(principal)?;
    let database = database(&state)?;
    let tokens = state.identity().list_tokens(database.connection(), &principal).await?;
    Ok(Json(tokens.iter().map(|token| token.summary()).collect()))
}

pub async fn create(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Extension(client): Extension<Client>,
    JsonBody(new): JsonBody<NewToken>,
) -> Result<Response, ApiError> {
    let principal = signed_in(principal)?;
    let database = database(&state)?;
    let created = state
        .identity()
        .create_token(database.connection(), &principal, &new.name, new.scope, new.expires_in_days, client.ip)
        .await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let principal = signed_in(principal)?;
    let database = database(&state)?;
    state.identity().revoke_token(database.connection(), &principal, &id, client.ip).await?;
    Ok(StatusCode::NO_CONTENT)
}
