//! The documentation page, listing docs that live next to the code.

use crate::ui::{icons, EmptyState};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DocsPage() -> impl IntoView {
    view! {
        <Title text="Docs" />
        <div class="page-header">
            <div>
                <h1 class="h1">"Docs"</h1>
                <p class="lead">"Documentation written next to the code, in one place."</p>
            </div>
        </div>
        <EmptyState
            icon=icons::book
            title="No documentation yet"
            description="Entities that carry a backstage.io/techdocs-ref annotation have their Markdown docs listed here."
        />
    }
}
