//! The error page shown in place of a page that failed to render.

use crate::ui::{icons, ButtonLink, EmptyState, Variant};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ErrorPage(errors: ArcRwSignal<Errors>) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    let messages = move || errors.get().into_iter().map(|(_, error)| error.to_string()).collect::<Vec<_>>();
    view! {
        <Title text="Something went wrong" />
        <div class="centered" role="alert" data-testid="error-page">
            <EmptyState
                icon=icons::alert
                title="Something went wrong"
                description="This page could not be shown. The problem has been logged; trying again often helps."
            >
                <ButtonLink href="/">"Go to the home page"</ButtonLink>
                <ButtonLink href="/catalog" variant=Variant::Secondary>
                    "Browse the catalog"
                </ButtonLink>
            </EmptyState>
            <ul class="error-list">{move || messages().into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}</ul>
        </div>
    }
}
