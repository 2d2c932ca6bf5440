//! `/api/admin`: users, roles and the audit log, for admins only (the
//! domain's policy refuses everyone else with 401 or 403).

use super::error::{ApiError, JsonBody};
use super::{database, signed_in};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use domain::identity::access::Principal;
use domain::identity::sessions::Client;
use domain::identity::users::NewUser;
use model::{AuditOutcome, AuditPage, AuditQuery, Role, UserChange, UserSummary};
use serde::Deserialize;

pub async fn list_users(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
) -> Result<Json<Vec<UserSummary>>, ApiError> {
    let principal = principal.map(|Extension(principal)| principal);
    let database = database(&state)?;
    let users = state.identity().list_users(database.connection(), principal.as_ref()).await?;
    Ok(Json(users.iter().map(|user| user.summary()).collect()))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewUserBody {
    pub username: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub password: Option<String>,
    #[serde(default = "member")]
    pub role: Role,
    pub entity_ref: Option<String>,
}

fn member() -> Role {
    Role::Member
}

pub async fn create_user(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Extension(client): Extension<Client>,
    JsonBody(body): JsonBody<NewUserBody>,
) -> Result<Response, ApiError> {
    let principal = signed_in(principal)?;
    let database = database(&state)?;
    let new = NewUser {
        username: body.username,
        email: body.email,
        display_name: body.display_name,
        password: body.password,
        role: body.role,
        entity_ref: body.entity_ref,
    };
    let user = state.identity().add_user(database.connection(), Some(&principal), new, client.ip).await?;
    Ok((StatusCode::CREATED, Json(user.summary())).into_response())
}

pub async fn change_user(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Extension(client): Extension<Client>,
    Path(username): Path<String>,
    JsonBody(change): JsonBody<UserChange>,
) -> Result<Json<UserSummary>, ApiError> {
    let principal = signed_in(principal)?;
    let database = database(&state)?;
    let user = state.identity().change_user(database.connection(), &principal, &username, &change, client.ip).await?;
    Ok(Json(user.summary()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditParams {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

pub async fn audit_log(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Query(params): Query<AuditParams>,
) -> Result<Json<AuditPage>, ApiError> {
    let principal = principal.map(|Extension(principal)| principal);
    let outcome = match params.outcome.as_deref().filter(|text| !text.is_empty()) {
        Some(text) => Some(AuditOutcome::parse(text).ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, format!("outcome `{text}` is not one of success, failure, denied"))
        })?),
        None => None,
    };
    let query =
        AuditQuery { actor: params.actor, action: params.action, outcome, limit: params.limit, offset: params.offset };
    let database = database(&state)?;
    Ok(Json(state.identity().audit_log(database.connection(), principal.as_ref(), &query).await?))
}
