//! The "Create" page, where software templates will be offered.

use crate::ui::{icons, EmptyState, PageHeader};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn CreatePage() -> impl IntoView {
    view! {
        <Title text="Create" />
        <PageHeader title="Create" lead="Start new services the standard way, from your company's templates." />
        <EmptyState
            icon=icons::plus
            title="No templates yet"
            description="Software templates (scaffolder.backstage.io/v1beta3) registered in the catalog are offered here."
        />
    }
}
