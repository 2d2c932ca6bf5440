//! The top of every page: its one `<h1>`, a lead sentence, and optional actions.

use leptos::prelude::*;

#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(into)] lead: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="page-header">
            <div>
                <h1 class="h1">{title}</h1>
                <p class="lead">{lead}</p>
            </div>
            {children.map(|actions| actions())}
        </div>
    }
}

/// `"true"`/`"false"` for ARIA state attributes such as `aria-expanded`.
pub fn aria_bool(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}
