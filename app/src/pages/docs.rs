//! The documentation page, listing docs that live next to the code.

use crate::ui::{icons, EmptyState, PageHeader};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DocsPage() -> impl IntoView {
    view! {
        <Title text="Docs" />
        <PageHeader title="Docs" lead="Documentation written next to the code, in one place." />
        <EmptyState
            icon=icons::book
            title="No documentation yet"
            description="Entities that carry a backstage.io/techdocs-ref annotation have their Markdown docs listed here."
        />
    }
}
