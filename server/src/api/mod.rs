//! Portico's REST API: the Backstage-compatible catalog API ([`catalog`]) and search API ([`search`]), and
//! Portico's own routes: who am I, personal tokens, users and the audit log. Every
//! route works with a session cookie or `Authorization: Bearer <token>`;
//! what the caller may do is decided by the domain's access policy.

pub mod admin;
pub mod catalog;
pub mod error;
pub mod search;
pub mod tokens;

use crate::state::AppState;
use axum::routing::{delete, get, patch};
use axum::Router;
use domain::identity::access::Principal;
use domain::Database;
use error::ApiError;

/// The `/api` routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/me", get(crate::auth::routes::me))
        .route("/api/auth/tokens", get(tokens::list).post(tokens::create))
        .route("/api/auth/tokens/{id}", delete(tokens::revoke))
        .route("/api/admin/users", get(admin::list_users).post(admin::create_user))
        .route("/api/admin/users/{username}", patch(admin::change_user))
        .route("/api/admin/audit", get(admin::audit_log))
        .merge(catalog::routes())
        .merge(search::routes())
}

/// The database, or 503 saying why it is not there yet.
fn database(state: &AppState) -> Result<Database, ApiError> {
    Ok(state.services().database()?)
}

/// The principal the middleware found, or 401.
fn signed_in(principal: Option<axum::Extension<Principal>>) -> Result<Principal, ApiError> {
    principal.map(|axum::Extension(principal)| principal).ok_or_else(|| ApiError::unauthenticated("sign in first"))
}
