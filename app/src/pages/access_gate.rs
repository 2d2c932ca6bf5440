//! Gates for pages that need a signed-in user or an admin. On the server the
//! decision is made before the page streams, so the HTTP status is right:
//! a guest is redirected to sign-in, a member gets 403 on admin pages. In the
//! browser the same decision comes from the shared access info.

use crate::auth::use_access;
use crate::ui::{icons, EmptyState};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// Who may see the gated content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    SignedIn,
    Admin,
}

#[component]
pub fn Gated(gate: Gate, children: ChildrenFn) -> impl IntoView {
    #[cfg(feature = "ssr")]
    decide_on_the_server(gate);
    let access = use_access();
    let children = StoredValue::new(children);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let viewer = access.await.map(|info| info.viewer).unwrap_or(model::Viewer::Anonymous);
                let allowed = match gate {
                    Gate::SignedIn => viewer.is_signed_in(),
                    Gate::Admin => viewer.is_admin(),
                };
                if allowed {
                    children.with_value(|children| children()).into_any()
                } else if viewer.is_signed_in() {
                    view! { <Forbidden /> }.into_any()
                } else {
                    view! { <SignInRequired /> }.into_any()
                }
            })}
        </Suspense>
    }
}

#[cfg(feature = "ssr")]
fn decide_on_the_server(gate: Gate) {
    use domain::identity::access::Principal;
    match crate::auth::server::principal() {
        Some(Principal::User(user)) => {
            if gate == Gate::Admin && user.role != model::Role::Admin {
                crate::AppError::Forbidden(String::new()).set_response_status();
            }
        }
        _ => {
            let target = use_context::<http::request::Parts>()
                .and_then(|parts| parts.uri.path_and_query().map(|target| target.as_str().to_owned()))
                .unwrap_or_else(|| "/".to_owned());
            let location = crate::auth::sign_in_href(&target);
            if let (Some(response), Ok(location)) =
                (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&location))
            {
                response.set_status(http::StatusCode::SEE_OTHER);
                response.insert_header(http::header::LOCATION, location);
            }
        }
    }
}

#[component]
fn Forbidden() -> impl IntoView {
    view! {
        <div class="centered" data-testid="forbidden">
            <p class="eyebrow">"403"</p>
            <EmptyState
                icon=icons::alert
                title="Admins only"
                description="This page is for Portico admins. Ask one if you need something changed."
            >
                <a class="btn btn-secondary" href="/">
                    "Go to the home page"
                </a>
            </EmptyState>
        </div>
    }
}

#[component]
fn SignInRequired() -> impl IntoView {
    let location = use_location();
    let href = move || crate::auth::sign_in_href(&location.pathname.get());
    view! {
        <div class="centered" data-testid="sign-in-required">
            <EmptyState
                icon=icons::user
                title="Sign in to continue"
                description="This page belongs to a signed-in account."
            >
                <a class="btn btn-primary" href=href>
                    "Sign in"
                </a>
            </EmptyState>
        </div>
    }
}
