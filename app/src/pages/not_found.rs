//! The 404 page, for any path no route matches; the server answers 404 too.

use crate::ui::{icons, ButtonLink, EmptyState, Variant};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let path = use_location().pathname;
    view! {
        <Title text="Page not found" />
        <div class="centered" data-testid="not-found">
            <p class="eyebrow">"404"</p>
            <EmptyState
                icon=icons::compass
                title="Page not found"
                description=format!(
                    "There is nothing at {}. It may have moved, or the link is mistyped.",
                    path.get_untracked(),
                )
            >
                <ButtonLink href="/">"Go to the home page"</ButtonLink>
                <ButtonLink href="/catalog" variant=Variant::Secondary>
                    "Browse the catalog"
                </ButtonLink>
            </EmptyState>
        </div>
    }
}
