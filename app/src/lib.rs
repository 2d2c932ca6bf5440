//! Portico's user interface: the HTML shell, the app's routes and pages, the UI
//! kit they are built from, and the server functions the pages call.
//!
//! Compiled twice: with `ssr` into the server (rendering pages, running server
//! functions against `domain`), and with `hydrate` into the wasm frontend
//! (making the rendered page interactive). A page lives next to the server
//! functions it calls; shared look-and-feel lives in `ui/`.

pub mod auth;
pub mod error;
pub mod layout;
pub mod links;
pub mod pages;
pub mod theme;
pub mod ui;

use leptos::nonce::use_nonce;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub use error::AppError;

/// Where the built stylesheet is; provided by the server as context.
#[derive(Clone, Debug)]
pub struct Assets {
    pub css_href: String,
}

/// The HTML document around the app, rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    provide_request_nonce();
    let css_href =
        use_context::<Assets>().map(|assets| assets.css_href).unwrap_or_else(|| "/pkg/portico.css".to_owned());
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta name="description" content="Portico: every service, API and team in one place." />
                // Runs before first paint so the page never flashes the wrong theme.
                <script nonce=use_nonce() inner_html=theme::BOOT_SCRIPT></script>
                <link rel="stylesheet" href=css_href />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Makes the CSP nonce that the server's security middleware put on the
/// request available to Leptos, which adds it to its own inline scripts.
#[cfg(feature = "ssr")]
fn provide_request_nonce() {
    use leptos::nonce::Nonce;
    if let Some(parts) = use_context::<http::request::Parts>() {
        if let Some(nonce) = parts.extensions.get::<Nonce>() {
            provide_context(nonce.clone());
        }
    }
}

/// The whole application: layout, routes, and the 404 page for the rest.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    ui::toast::provide_toasts();
    view! {
        <Title formatter=|page: String| {
            if page.is_empty() { "Portico".to_owned() } else { format!("{page} · Portico") }
        } />
        <Router>
            <layout::Shell>
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::HomePage />
                    <Route path=path!("/catalog") view=pages::catalog::CatalogPage />
                    <Route path=path!("/catalog/register") view=pages::catalog::register::RegisterPage />
                    <Route path=path!("/catalog/health") view=pages::catalog::health::HealthPage />
                    <Route path=path!("/catalog/:namespace/:kind/:name") view=pages::catalog::entity::EntityPage />
                    <Route path=path!("/search") view=pages::search::SearchPage />
                    <Route path=path!("/create") view=pages::create::CreatePage />
                    <Route path=path!("/docs") view=pages::docs::DocsPage />
                    <Route path=path!("/sign-in") view=pages::sign_in::SignInPage />
                    <Route path=path!("/setup") view=pages::sign_in::SetupPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/tokens") view=pages::tokens::TokensPage />
                    <Route path=path!("/admin") view=pages::admin::AdminUsersPage />
                    <Route path=path!("/admin/audit") view=pages::admin::AuditLogPage />
                </Routes>
            </layout::Shell>
        </Router>
    }
}
