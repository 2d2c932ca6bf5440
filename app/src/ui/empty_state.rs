//! What a view shows when it has nothing to show yet: what is missing, why,
//! and the next step.

use leptos::prelude::*;

#[component]
pub fn EmptyState(
    #[prop(into)] title: String,
    #[prop(into)] description: String,
    #[prop(optional)] children: Option<Children>,
    #[prop(optional)] icon: Option<fn() -> AnyView>,
) -> impl IntoView {
    view! {
        <div class="empty-state">
            {icon.map(|icon| view! { <div class="empty-state-icon">{icon()}</div> })}
            <h2 class="empty-state-title">{title}</h2> <p class="empty-state-text">{description}</p>
            {children.map(|children| view! { <div class="empty-state-actions">{children()}</div> })}
        </div>
    }
}
