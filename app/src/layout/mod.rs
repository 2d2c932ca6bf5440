//! The frame around every page: skip link, header with navigation, search and
//! user menu, the page itself inside an error boundary, footer and toasts.

mod header;
mod search_box;
mod user_menu;

use crate::pages::error::ErrorPage;
use crate::ui::Toaster;
use leptos::prelude::*;

pub use header::Header;

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    crate::theme::ThemeState::provide();
    crate::auth::provide_access();
    mark_hydrated();
    view! {
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
        <div class="app">
            <Header />
            <main id="main" class="page" tabindex="-1">
                <ErrorBoundary fallback=|errors| view! { <ErrorPage errors /> }>{children()}</ErrorBoundary>
            </main>
            <footer class="footer">
                <span>"Portico " {env!("CARGO_PKG_VERSION")}</span>
                <span aria-hidden="true">"·"</span>
                <a href="/healthz">"Health"</a>
                <a href="/metrics">"Metrics"</a>
            </footer>
        </div>
        <Toaster />
    }
}

/// Marks `<body data-hydrated="true">` once the wasm app has taken over the
/// page (effects run only in the browser), so tests and scripts can tell.
fn mark_hydrated() {
    Effect::new(move |_| {
        #[cfg(any(feature = "hydrate", feature = "csr"))]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
