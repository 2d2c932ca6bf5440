//! One value of a facet: a link that adds or removes it as a filter, with
//! a check mark when chosen and how many results have it.

use super::icons;
use leptos::prelude::*;

#[component]
pub fn FacetOption(href: String, selected: bool, label: String, count: u64, test_id: String) -> impl IntoView {
    view! {
        <li>
            <a
                class="facet-value"
                href=href
                role="checkbox"
                aria-checked=if selected { "true" } else { "false" }
                data-testid=test_id
            >
                <span class="facet-check" aria-hidden="true">
                    {selected.then(icons::check)}
                </span>
                <span class="facet-label">{label}</span>
                <span class="facet-count">{count}</span>
            </a>
        </li>
    }
}
