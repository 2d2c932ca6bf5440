//! Who is asking, on every request. The middleware here finds the principal
//! (bearer token, session cookie, or guest), refuses cross-origin writes
//! (CSRF), and keeps everything but the sign-in pages, probes and assets
//! behind sign-in when guest mode is off: pages redirect to `/sign-in`, API
//! routes answer 401. What a principal may do is decided later, by the
//! domain's access policy, where the action happens.

pub mod cookies;
pub mod routes;

use crate::api::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::identity::access::Principal;
use domain::identity::sessions::Client;
use std::net::SocketAddr;

/// How the request reached Portico: used for cookies and redirect URLs.
#[derive(Debug, Clone)]
pub struct RequestOrigin {
    /// Served over https (directly or behind a trusted proxy).
    pub secure: bool,
    /// `scheme://host[:port]` as the browser sees Portico.
    pub base_url: String,
}

/// Paths anyone may reach: sign-in and setup, their form targets, probes,
/// metrics and static assets.
fn is_public(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics" | "/sign-in" | "/setup" | "/favicon.svg" | "/robots.txt")
        || path.starts_with("/pkg/")
        || path.starts_with("/auth/")
}

/// The authentication middleware; see the module documentation.
pub async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let origin = request_origin(&state, request.headers());
    let client = client_of(&state, &request);
    let bearer = bearer_token(request.headers());
    let method = request.method().clone();
    let uri = request.uri().clone();
    let path = uri.path().to_owned();

    let writes = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    // Only a browser's ambient credential (the session cookie) can be abused
    // across sites, and the sign-in forms make one (login CSRF). A request
    // with neither, like a script's `POST /entities/by-refs`, is anonymous.
    let ambient = cookies::read(request.headers(), cookies::SESSION_COOKIE).is_some() || path.starts_with("/auth/");
    if writes && bearer.is_none() && ambient && !same_origin(&state, request.headers()) {
        tracing::warn!(%method, path, "refused a cross-origin write (CSRF check)");
        return refuse(
            ApiError::new(StatusCode::FORBIDDEN, "cross-origin request refused: the Origin does not match Portico")
                .for_request(&method, &uri),
            &path,
        );
    }

    let mut forget_session_cookie = false;
    let mut principal = None;
    if let Some(bearer) = bearer {
        let Some(token) = bearer else {
            return refuse(
                ApiError::unauthenticated("the Authorization header must be `Bearer <token>`")
                    .for_request(&method, &uri),
                &path,
            );
        };
        let Some(database) = state.database() else {
            let not_ready = domain::DomainError::NotReady(state.services().readiness().describe());
            return refuse(ApiError::from(not_ready).for_request(&method, &uri), &path);
        };
        match state.identity().token_principal(database.connection(), &token).await {
            Ok(Some(found)) => principal = Some(found),
            Ok(None) => {
                return refuse(
                    ApiError::unauthenticated("the API token is invalid, expired or revoked")
                        .for_request(&method, &uri),
                    &path,
                )
            }
            Err(err) => return refuse(ApiError::from(err).for_request(&method, &uri), &path),
        }
    } else if let Some(secret) = cookies::read(request.headers(), cookies::SESSION_COOKIE) {
        if let Some(database) = state.database() {
            match state.identity().session_principal(database.connection(), &secret).await {
                Ok(Some(found)) => principal = Some(found),
                Ok(None) => forget_session_cookie = true,
                Err(err) => return refuse(ApiError::from(err).for_request(&method, &uri), &path),
            }
        }
    }
    if principal.is_none() && state.identity().guest_mode() {
        principal = Some(Principal::Guest);
    }
    if principal.is_none() && !is_public(&path) {
        let mut response = if matches!(method, Method::GET | Method::HEAD) && !path.starts_with("/api/") {
            Redirect::to(&sign_in_url(&uri)).into_response()
        } else {
            refuse(
                ApiError::unauthenticated("sign in, or send `Authorization: Bearer <token>`")
                    .for_request(&method, &uri),
                &path,
            )
        };
        if forget_session_cookie {
            append_cookie(&mut response, cookies::clear(cookies::SESSION_COOKIE, "/", origin.secure));
        }
        return response;
    }

    request.extensions_mut().insert(client);
    request.extensions_mut().insert(origin.clone());
    if let Some(principal) = principal {
        request.extensions_mut().insert(principal);
    }
    let mut response = next.run(request).await;
    if forget_session_cookie {
        append_cookie(&mut response, cookies::clear(cookies::SESSION_COOKIE, "/", origin.secure));
    }
    response
}

/// A refusal in the shape its caller reads: server functions (`/api/fn/...`)
/// get the app's own error type, so the page can tell "sign in" from "not
/// allowed"; everything else gets Backstage's error JSON.
fn refuse(error: ApiError, path: &str) -> Response {
    if !path.starts_with("/api/fn/") {
        return error.into_response();
    }
    let app_error = match error.status.as_u16() {
        401 => app::AppError::Unauthorized(error.message),
        403 => app::AppError::Forbidden(error.message),
        503 => app::AppError::NotReady(error.message),
        _ => app::AppError::Internal,
    };
    let mut response = (error.status, axum::Json(app_error)).into_response();
    if error.status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"portico\""));
    }
    response
}

/// `/sign-in?next=<where the visitor wanted to go>`.
fn sign_in_url(uri: &Uri) -> String {
    let target = uri.path_and_query().map(|target| target.as_str()).unwrap_or("/");
    format!("/sign-in?next={}", encode(target))
}

/// Percent-encodes a query parameter value.
fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub fn append_cookie(response: &mut Response, cookie: Option<HeaderValue>) {
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
}

/// `None`: no Authorization header. `Some(None)`: one that is not a bearer token.
fn bearer_token(headers: &HeaderMap) -> Option<Option<String>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let text = value.to_str().ok();
    Some(text.and_then(|text| {
        let (scheme, token) = text.trim().split_once(' ')?;
        (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim().to_owned())
    }))
}

/// A write must come from a page Portico served: its Origin (or, lacking
/// one, its Referer) must name the host the request was sent to, or the
/// configured public URL.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let claimed = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .filter(|origin| *origin != "null")
        .or_else(|| headers.get(header::REFERER).and_then(|value| value.to_str().ok()));
    let Some(claimed) = claimed.and_then(|text| url::Url::parse(text).ok()) else {
        return false;
    };
    let authority = |url: &url::Url| match (url.host_str(), url.port_or_known_default()) {
        (Some(host), Some(port)) => Some(format!("{}:{port}", host.to_ascii_lowercase())),
        _ => None,
    };
    let Some(claimed_authority) = authority(&claimed) else { return false };
    if let Some(public) = state.config().public_url.as_deref().and_then(|url| url::Url::parse(url).ok()) {
        if authority(&public).as_deref() == Some(claimed_authority.as_str()) {
            return true;
        }
    }
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let host_url = url::Url::parse(&format!("{}://{host}", claimed.scheme())).ok();
    host_url.as_ref().and_then(authority).as_deref() == Some(claimed_authority.as_str())
}

fn request_origin(state: &AppState, headers: &HeaderMap) -> RequestOrigin {
    if let Some(public) = &state.config().public_url {
        return RequestOrigin { secure: public.starts_with("https://"), base_url: public.clone() };
    }
    let forwarded_https = state.config().trust_proxy_headers
        && headers
            .get("x-forwarded-proto")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|proto| proto.eq_ignore_ascii_case("https"));
    let scheme = if forwarded_https { "https" } else { "http" };
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("localhost");
    RequestOrigin { secure: forwarded_https, base_url: format!("{scheme}://{host}") }
}

fn client_of(state: &AppState, request: &Request) -> Client {
    let forwarded = state
        .config()
        .trust_proxy_headers
        .then(|| request.headers().get("x-forwarded-for").and_then(|value| value.to_str().ok()))
        .flatten()
        .and_then(|list| list.split(',').next())
        .map(|ip| ip.trim().to_owned())
        .filter(|ip| !ip.is_empty());
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip().to_string());
    let user_agent = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(|agent| agent.chars().take(256).collect());
    Client { ip: forwarded.or(peer), user_agent }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sign_in_probes_and_assets_are_public() {
        for path in ["/healthz", "/readyz", "/sign-in", "/setup", "/auth/sign-in", "/pkg/portico.wasm"] {
            assert!(is_public(path), "{path}");
        }
        for path in ["/", "/catalog", "/admin", "/api/fn/system_status", "/api/auth/me", "/sign-in-x"] {
            assert!(!is_public(path), "{path}");
        }
    }

    #[test]
    fn the_sign_in_redirect_keeps_where_the_visitor_was_going() {
        let uri: Uri = "/catalog?kind=api".parse().unwrap();
        assert!(sign_in_url(&uri).starts_with("/sign-in?next=%2Fcatalog%3Fkind%3Dapi"));
    }

    #[test]
    fn bearer_tokens_are_recognised_and_other_schemes_are_malformed() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer pt_abc"));
        assert_eq!(bearer_token(&headers), Some(Some("pt_abc".to_owned())));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic dXNlcjpwYXNz"));
        assert_eq!(bearer_token(&headers), Some(None));
    }
}
