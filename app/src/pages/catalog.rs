//! The catalog page. Until locations are registered it explains what will
//! appear here; the header search lands here with `?q=`.

use crate::ui::{icons, EmptyState, PageHeader};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn CatalogPage() -> impl IntoView {
    let query = use_query_map();
    let term = move || query.read().get("q").filter(|term| !term.trim().is_empty());
    view! {
        <Title text="Catalog" />
        <PageHeader title="Catalog" lead="Every component, API, resource, system, domain, team and person." />
        {move || match term() {
            Some(term) => {
                view! {
                    <EmptyState
                        icon=icons::search
                        title=format!("Nothing matches “{term}”")
                        description="The catalog has no entities yet, so there is nothing to search."
                    />
                }
                    .into_any()
            }
            None => {
                view! {
                    <EmptyState
                        icon=icons::layers
                        title="No entities registered yet"
                        description="Portico reads the same catalog-info.yaml files as Backstage. Once their locations are registered, everything they describe appears here with its owner and dependencies."
                    />
                }
                    .into_any()
            }
        }}
    }
}
