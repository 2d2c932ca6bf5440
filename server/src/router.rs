//! The route table: probes, metrics, built assets, sign-in, the REST API, then
//! every Leptos page and server function, behind authentication and wrapped
//! in the layers that every response passes through.

use crate::state::AppState;
use crate::{api, auth, health, metrics, middleware};
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::OnceLock;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel, DefaultPredicate};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// Builds the complete router for one server.
pub fn build(state: AppState) -> Router {
    let routes = page_routes().to_vec();
    let services = state.services().clone();
    let identity = state.identity().clone();
    let catalog = state.catalog().clone();
    let search = state.search().clone();
    let assets = state.assets().clone();
    let leptos_context = move || {
        provide_context(services.clone());
        provide_context(identity.clone());
        provide_context(catalog.clone());
        provide_context(search.clone());
        provide_context(app::Assets { css_href: assets.css_href.clone() });
    };
    let options = LeptosOptions::from_ref(&state);
    let shell = move || app::shell(options.clone());

    // Compress text and wasm; leave images and already-compressed files alone.
    // Level 4 keeps brotli cheap enough to run per request on HTML.
    let compress_predicate =
        DefaultPredicate::new().and(SizeAbove::new(256)).and(NotForContentType::const_new("application/octet-stream"));

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .nest("/pkg", state.assets().pkg_router())
        .route("/auth/sign-in", post(auth::routes::sign_in))
        .route("/auth/sign-out", post(auth::routes::sign_out))
        .route("/auth/setup", post(auth::routes::set_up))
        .route("/auth/oidc/start", get(auth::routes::oidc_start))
        .route("/auth/oidc/callback", get(auth::routes::oidc_callback))
        .merge(api::routes())
        .leptos_routes_with_context(&state, routes, leptos_context.clone(), shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(leptos_context, app::shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(middleware::REQUEST_ID_HEADER, middleware::UuidRequestId))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(middleware::RequestSpan)
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(middleware::REQUEST_ID_HEADER))
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(axum::middleware::from_fn(middleware::security_headers))
                .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)).compress_when(compress_predicate))
                .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60))),
        )
        .with_state(state)
}

/// Every Leptos page route, listed once per process.
///
/// Listing the routes renders the app with resource loading switched off by a
/// process-wide flag (leptos_router's `SuppressResourceLoad`). A page that
/// another server in the same process renders at that moment waits forever for
/// its data (leptos issue #4773), so the list is made once, before any server
/// in the process can answer, and shared.
fn page_routes() -> &'static [AxumRouteListing] {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App))
}

/// A panic inside a handler becomes a plain 500 without any detail.
fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    tracing::error!("a request handler panicked");
    let body = serde_json::json!({
        "error": { "name": "InternalServerError", "message": "internal server error" },
        "response": { "statusCode": 500 }
    });
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}
