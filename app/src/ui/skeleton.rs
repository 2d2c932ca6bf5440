//! Loading placeholders shaped like the content that is on its way.

use leptos::prelude::*;

/// A shimmering block; size it with utility classes (`h-6 w-24`).
#[component]
pub fn Skeleton(#[prop(into)] class: String) -> impl IntoView {
    view! { <span class=format!("skeleton {class}") aria-hidden="true"></span> }
}
