//! A form field: its label, the control (the children), and an optional hint,
//! in the one layout every form in Portico uses.

use leptos::prelude::*;

#[component]
pub fn Field(
    label: &'static str,
    children: Children,
    #[prop(optional)] hint: Option<&'static str>,
    /// Take the free width of a form row.
    #[prop(optional)]
    grow: bool,
) -> impl IntoView {
    view! {
        <label class=if grow { "field grow" } else { "field" }>
            <span class="field-label">{label}</span>
            {children()}
            {hint.map(|hint| view! { <span class="field-hint">{hint}</span> })}
        </label>
    }
}
