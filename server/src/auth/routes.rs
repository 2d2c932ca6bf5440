//! The sign-in, sign-out and first-admin form targets, single sign-on, and
//! `/api/auth/me`. Forms post here (no JavaScript needed) and are answered
//! with a redirect: to where the visitor was going on success, or back to the
//! form with an error code the page turns into a message. Clients that ask
//! for JSON get JSON and the proper status code instead.

use super::{append_cookie, cookies, encode, RequestOrigin};
use crate::api::error::ApiError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use domain::identity::access::Principal;
use domain::identity::sessions::Client;
use domain::identity::{users, SignedIn};
use domain::DomainError;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInForm {
    pub login: String,
    pub password: String,
    pub next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupForm {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub password: String,
    pub password_confirm: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    pub next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// `POST /auth/sign-in`: password sign-in.
pub async fn sign_in(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Extension(origin): Extension<RequestOrigin>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let json = wants_json(&headers);
    // Back to the form with an error code (and whatever else `extra` adds).
    let back = |code: &str, extra: &str| format!("/sign-in?error={code}{extra}&next={}", encode(&next));
    let database = match state.services().database() {
        Ok(database) => database,
        Err(err) => return failure(json, err, &back("unavailable", "")),
    };
    match state.identity().sign_in_with_password(database.connection(), &form.login, &form.password, &client).await {
        Ok(signed_in) => {
            end_previous_session(&state, &headers, &client).await;
            signed_in_response(&state, &origin, signed_in, &next, json)
        }
        Err(DomainError::Throttled { retry_after_secs }) => {
            let retry = format!("&retry={}", retry_after_secs.div_ceil(60));
            failure(json, DomainError::Throttled { retry_after_secs }, &back("locked", &retry))
        }
        Err(err @ DomainError::Unauthenticated(_)) => failure(json, err, &back("invalid", "")),
        Err(err) => failure(json, err, &back("unavailable", "")),
    }
}

/// `POST /auth/sign-out`: ends this browser's session.
pub async fn sign_out(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Extension(origin): Extension<RequestOrigin>,
    headers: HeaderMap,
) -> Response {
    end_previous_session(&state, &headers, &client).await;
    let target = if state.identity().guest_mode() { "/" } else { "/sign-in?signed_out=1" };
    let mut response = if wants_json(&headers) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        Redirect::to(target).into_response()
    };
    append_cookie(&mut response, cookies::clear(cookies::SESSION_COOKIE, "/", origin.secure));
    response
}

/// `POST /auth/setup`: the first admin of a fresh installation.
pub async fn set_up(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Extension(origin): Extension<RequestOrigin>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Response {
    let json = wants_json(&headers);
    if form.password != form.password_confirm {
        let err = DomainError::invalid("password_confirm", "the two passwords differ");
        return failure(json, err, "/setup?error=mismatch");
    }
    let database = match state.services().database() {
        Ok(database) => database,
        Err(err) => return failure(json, err, "/setup?error=unavailable"),
    };
    let new = users::NewUser {
        username: form.username,
        email: Some(form.email).filter(|email| !email.trim().is_empty()),
        display_name: Some(form.display_name),
        password: Some(form.password),
        role: model::Role::Admin,
        entity_ref: None,
    };
    match state.identity().set_up_first_admin(database.connection(), new, &client).await {
        Ok(signed_in) => {
            end_previous_session(&state, &headers, &client).await;
            signed_in_response(&state, &origin, signed_in, "/", json)
        }
        Err(err) => {
            let code = match &err {
                DomainError::Invalid { field, .. } => field.as_str(),
                DomainError::Conflict(message) if message.contains("email") => "taken_email",
                DomainError::Conflict(_) => "taken_username",
                DomainError::NotFound(_) => "closed",
                _ => "unavailable",
            };
            let back = format!("/setup?error={code}");
            failure(json, err, &back)
        }
    }
}

/// `GET /auth/oidc/start?next=`: off to the identity provider.
pub async fn oidc_start(
    State(state): State<AppState>,
    Extension(origin): Extension<RequestOrigin>,
    Query(query): Query<NextQuery>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    let Some(oidc) = state.identity().oidc().cloned() else {
        return ApiError::new(StatusCode::NOT_FOUND, "single sign-on is not configured").into_response();
    };
    let database = match state.services().database() {
        Ok(database) => database,
        Err(_) => return Redirect::to("/sign-in?error=unavailable").into_response(),
    };
    match oidc.start_login(database.connection(), &callback_url(&origin), &next).await {
        Ok(started) => {
            let mut response = Redirect::to(&started.redirect_url).into_response();
            let cookie = cookies::set(cookies::OIDC_STATE_COOKIE, &started.state, "/auth/oidc", 600, origin.secure);
            append_cookie(&mut response, cookie);
            response
        }
        Err(err) => {
            tracing::warn!("single sign-on could not start: {err}");
            Redirect::to("/sign-in?error=oidc_failed").into_response()
        }
    }
}

/// `GET /auth/oidc/callback`: back from the identity provider.
pub async fn oidc_callback(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Extension(origin): Extension<RequestOrigin>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let outcome = complete_oidc(&state, &client, &origin, &headers, query).await;
    let mut response = match outcome {
        Ok((signed_in, return_to)) => {
            end_previous_session(&state, &headers, &client).await;
            signed_in_response(&state, &origin, signed_in, &return_to, false)
        }
        Err(err) => {
            tracing::warn!("single sign-on failed: {err}");
            let code = match &err {
                DomainError::Forbidden(message) if message.contains("no Portico account") => "oidc_no_account",
                DomainError::Forbidden(message) if message.contains("disabled") => "oidc_disabled",
                DomainError::Forbidden(_) => "oidc_refused",
                _ => "oidc_failed",
            };
            Redirect::to(&format!("/sign-in?error={code}")).into_response()
        }
    };
    append_cookie(&mut response, cookies::clear(cookies::OIDC_STATE_COOKIE, "/auth/oidc", origin.secure));
    response
}

async fn complete_oidc(
    state: &AppState,
    client: &Client,
    origin: &RequestOrigin,
    headers: &HeaderMap,
    query: CallbackQuery,
) -> Result<(SignedIn, String), DomainError> {
    let oidc = state.identity().oidc().cloned().ok_or_else(|| DomainError::NotFound("single sign-on".into()))?;
    if let Some(error) = query.error {
        return Err(DomainError::Upstream(format!("the identity provider answered `{error}`")));
    }
    let (Some(code), Some(returned_state)) = (query.code, query.state) else {
        return Err(DomainError::invalid("code", "the callback carries no code or state"));
    };
    if cookies::read(headers, cookies::OIDC_STATE_COOKIE).as_deref() != Some(returned_state.as_str()) {
        return Err(DomainError::Unauthenticated("this sign-in was not started in this browser".into()));
    }
    let database = state.services().database()?;
    let completed = oidc.complete_login(database.connection(), &callback_url(origin), &code, &returned_state).await?;
    let signed_in = state.identity().sign_in_with_oidc(database.connection(), &completed.identity, client).await?;
    Ok((signed_in, safe_next(Some(&completed.return_to))))
}

/// `GET /api/auth/me`: who the caller is.
pub async fn me(principal: Option<Extension<Principal>>) -> Response {
    match principal {
        Some(Extension(principal)) => Json(principal.viewer()).into_response(),
        None => ApiError::unauthenticated("not signed in").into_response(),
    }
}

fn callback_url(origin: &RequestOrigin) -> String {
    format!("{}/auth/oidc/callback", origin.base_url)
}

fn signed_in_response(
    state: &AppState,
    origin: &RequestOrigin,
    signed_in: SignedIn,
    next: &str,
    json: bool,
) -> Response {
    let max_age = i64::try_from(state.config().auth.session_max_age_hours.saturating_mul(3600)).unwrap_or(i64::MAX);
    let cookie = cookies::set(cookies::SESSION_COOKIE, &signed_in.session_secret, "/", max_age, origin.secure);
    let mut response = if json {
        Json(model::Viewer::User(signed_in.user.signed_in())).into_response()
    } else {
        Redirect::to(next).into_response()
    };
    append_cookie(&mut response, cookie);
    response
}

fn failure(json: bool, error: DomainError, back: &str) -> Response {
    if json {
        ApiError::from(error).into_response()
    } else {
        if error.status_code() >= 500 {
            tracing::warn!("sign-in form failed: {error}");
        }
        Redirect::to(back).into_response()
    }
}

/// Signing in or out ends whatever session this browser had, so a session
/// id planted before sign-in is worthless afterwards.
async fn end_previous_session(state: &AppState, headers: &HeaderMap, client: &Client) {
    let (Some(secret), Ok(database)) = (cookies::read(headers, cookies::SESSION_COOKIE), state.services().database())
    else {
        return;
    };
    if let Err(err) = state.identity().sign_out(database.connection(), &secret, client).await {
        tracing::warn!("could not end the previous session: {err}");
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json") && !accept.contains("text/html"))
}

/// Only a local path may be a redirect target: no other site, no `//host`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(next)
            if next.starts_with('/')
                && !next.starts_with("//")
                && !next.starts_with("/\\")
                && !next.chars().any(char::is_control)
                && !next.starts_with("/auth/") =>
        {
            next.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_after_sign_in_stay_on_this_site() {
        assert_eq!(safe_next(Some("/catalog?kind=api")), "/catalog?kind=api");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/auth/sign-out")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
