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
            <ul class="error-list">
                {move || messages().into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}
            </ul>
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::AppError;
    use leptos_router::components::Router;

    #[test]
    fn the_error_page_says_what_went_wrong_and_offers_a_way_on() {
        let owner = Owner::new();
        let html = owner.with(|| {
            leptos_meta::provide_meta_context();
            provide_context(leptos_router::location::RequestUrl::new("/broken"));
            let errors = ArcRwSignal::new(Errors::default());
            errors.update(|errors| errors.insert_with_default_key(AppError::NotReady("database unreachable".into())));
            view! {
                <Router>
                    <ErrorPage errors />
                </Router>
            }
            .to_html()
        });
        assert!(html.contains("Something went wrong"), "{html}");
        assert!(html.contains("database unreachable"), "{html}");
        assert!(html.contains("href=\"/\""), "{html}");
    }
}
