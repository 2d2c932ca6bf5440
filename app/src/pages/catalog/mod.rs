//! `/catalog`: every entity in a table with facets (counted under the other
//! filters), a text filter, sorting and paging. Every choice lives in the
//! URL, so a filtered view can be bookmarked and shared; every control is a
//! link or a GET form, so it works before the page is hydrated.

pub mod entity;
pub mod graph;
pub mod health;
pub mod highlight;
pub mod register;

use crate::error::AppError;
use crate::ui::{icons, Badge, EmptyState, FacetOption, PageHeader, Tone};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use model::catalog::view::{BrowsePage, BrowseQuery, EntityRow, Facet, FACETS, PAGE_SIZE, SORT_COLUMNS};
use model::catalog::EntityRef;

#[server(prefix = "/api/fn", endpoint = "catalog/browse", input = Json)]
pub async fn load_catalog(query: BrowseQuery) -> Result<BrowsePage, AppError> {
    use crate::auth::server;
    use domain::identity::access::{Action, Resource};
    server::authorize(Action::Read, &Resource::Portal)?;
    let viewer = server::catalog_viewer().await?;
    let catalog = server::catalog()?;
    Ok(domain::catalog::browse::browse(&catalog, &server::database()?, &query, &viewer).await?)
}

/// The table's state from the URL.
pub fn browse_query(params: &ParamsMap) -> BrowseQuery {
    let mut selected = Vec::new();
    for (key, _, _) in FACETS {
        for value in params.get_all(key).unwrap_or_default() {
            if !value.is_empty() {
                selected.push(((*key).to_owned(), value));
            }
        }
    }
    BrowseQuery {
        selected,
        text: params.get("q").unwrap_or_default(),
        sort: params.get("sort").unwrap_or_else(|| "name".to_owned()),
        descending: params.get("dir").as_deref() == Some("desc"),
        page: params.get("page").and_then(|page| page.parse().ok()).unwrap_or(1),
        mine: params.get("mine").as_deref() == Some("1"),
        starred: params.get("starred").as_deref() == Some("1"),
    }
}

/// `/catalog?...` for the current state changed by `change`; the page goes
/// back to 1 unless the change sets it.
fn catalog_href(params: &ParamsMap, change: impl FnOnce(&mut Vec<(String, String)>)) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (key, _, _) in FACETS {
        for value in params.get_all(key).unwrap_or_default() {
            pairs.push(((*key).to_owned(), value));
        }
    }
    for key in ["q", "sort", "dir", "mine", "starred"] {
        if let Some(value) = params.get(key).filter(|value| !value.is_empty()) {
            pairs.push((key.to_owned(), value));
        }
    }
    change(&mut pairs);
    crate::links::with_query("/catalog", &pairs)
}

fn toggled(params: &ParamsMap, key: &str, value: &str) -> String {
    catalog_href(params, |pairs| crate::links::toggle(pairs, key, value))
}

fn with_only(params: &ParamsMap, key: &str, value: Option<&str>) -> String {
    catalog_href(params, |pairs| {
        pairs.retain(|(k, _)| k != key);
        if let Some(value) = value {
            pairs.push((key.to_owned(), value.to_owned()));
        }
    })
}

/// The path of an entity's page.
pub fn entity_href(entity_ref: &str) -> String {
    match EntityRef::parse(entity_ref, Some("component"), None) {
        Ok(reference) => format!(
            "/catalog/{}/{}/{}",
            crate::auth::encode_query_value(&reference.namespace.to_lowercase()),
            crate::auth::encode_query_value(&reference.kind.to_lowercase()),
            crate::auth::encode_query_value(&reference.name)
        ),
        Err(_) => "/catalog".to_owned(),
    }
}

/// `group:default/team-a` → `team-a`; other namespaces and kinds stay visible.
pub fn short_ref(entity_ref: &str, context_kind: &str) -> String {
    EntityRef::parse(entity_ref, Some(context_kind), None)
        .map(|reference| reference.short(Some(context_kind)))
        .unwrap_or_else(|_| entity_ref.to_owned())
}

/// The badge tone of a lifecycle.
pub fn lifecycle_tone(lifecycle: &str) -> Tone {
    match lifecycle {
        "production" => Tone::Success,
        "experimental" => Tone::Accent,
        "deprecated" => Tone::Warning,
        _ => Tone::Neutral,
    }
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new(move || browse_query(&query.read()), load_catalog);
    view! {
        <Title text="Catalog" />
        <PageHeader title="Catalog" lead="Every component, API, resource, system, domain, team and person.">
            <div class="page-actions">
                <a class="btn btn-secondary" href="/catalog/health">
                    {icons::activity()}
                    "Health"
                </a>
                <a class="btn btn-primary" href="/catalog/register">
                    {icons::plus()}
                    "Register existing component"
                </a>
            </div>
        </PageHeader>
        <Transition fallback=|| {
            view! { <p class="muted">"Loading the catalog…"</p> }
        }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <Browse data params=query.get_untracked() /> }.into_any(),
                    Err(error) => view! { <p class="field-error">{error.message()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Browse(data: BrowsePage, params: ParamsMap) -> impl IntoView {
    let state = browse_query(&params);
    let text = state.text.clone();
    let quick = |label: &'static str, href: String, active: bool| {
        view! {
            <a class="chip" href=href aria-current=active.then_some("true")>
                {label}
            </a>
        }
    };
    let everything = !state.mine && !state.starred;
    let hidden_inputs: Vec<(String, String)> = {
        let mut pairs = Vec::new();
        for (key, value) in &state.selected {
            pairs.push((key.clone(), value.clone()));
        }
        for (key, on) in [("mine", state.mine), ("starred", state.starred)] {
            if on {
                pairs.push((key.to_owned(), "1".to_owned()));
            }
        }
        if state.sort != "name" {
            pairs.push(("sort".to_owned(), state.sort.clone()));
        }
        if state.descending {
            pairs.push(("dir".to_owned(), "desc".to_owned()));
        }
        pairs
    };
    view! {
        <div class="catalog-toolbar">
            <form class="catalog-search" method="get" action="/catalog" role="search">
                <label class="sr-only" for="catalog-filter">
                    "Filter the catalog"
                </label>
                {icons::search()}
                <input
                    id="catalog-filter"
                    class="input"
                    type="search"
                    name="q"
                    value=text
                    placeholder="Filter by name, title, description or tag"
                    autocomplete="off"
                />
                {hidden_inputs
                    .into_iter()
                    .map(|(key, value)| view! { <input type="hidden" name=key value=value /> })
                    .collect_view()}
                <button class="btn btn-secondary" type="submit">
                    "Filter"
                </button>
            </form>
            <nav class="chips" aria-label="Quick filters">
                {quick(
                    "All",
                    catalog_href(&params, |pairs| pairs.retain(|(k, _)| k != "mine" && k != "starred")),
                    everything,
                )}
                {data
                    .can_filter_mine
                    .then(|| quick("Owned by my teams", with_only(&params, "mine", Some("1")), state.mine))}
                {data.can_star.then(|| quick("Starred", with_only(&params, "starred", Some("1")), state.starred))}
            </nav>
        </div>
        <div class="catalog-layout">
            <details class="facets" open>
                <summary class="facets-summary">{icons::filter()} "Filters"</summary>
                {data
                    .facets
                    .iter()
                    .filter(|facet| !facet.values.is_empty())
                    .map(|facet| view! { <FacetList facet=facet.clone() params=params.clone() /> })
                    .collect_view()}
            </details>
            <section class="catalog-results" aria-label="Entities">
                <ResultsTable data=data.clone() params=params.clone() state=state.clone() />
            </section>
        </div>
    }
}

#[component]
fn FacetList(facet: Facet, params: ParamsMap) -> impl IntoView {
    let heading_id = format!("facet-{}", facet.key);
    let key = facet.key.clone();
    view! {
        <div class="facet">
            <h2 class="facet-title" id=heading_id.clone()>
                {facet.label.clone()}
            </h2>
            <ul class="facet-values" aria-labelledby=heading_id>
                {facet
                    .values
                    .into_iter()
                    .map(|value| {
                        let shown = if key == "owner" { short_ref(&value.value, "group") } else { value.value.clone() };
                        let href = toggled(&params, &key, &value.value);
                        view! {
                            <FacetOption
                                href
                                selected=value.selected
                                label=shown
                                count=value.count
                                test_id=format!("facet-{}-{}", key, value.value)
                            />
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn ResultsTable(data: BrowsePage, params: ParamsMap, state: BrowseQuery) -> impl IntoView {
    if data.rows.is_empty() {
        let filtered = !state.selected.is_empty() || !state.text.is_empty() || state.mine || state.starred;
        return if filtered {
            view! {
                <EmptyState
                    icon=icons::search
                    title="Nothing matches these filters"
                    description="Remove a filter, or clear them all."
                >
                    <a class="btn btn-secondary" href="/catalog">
                        "Clear all filters"
                    </a>
                </EmptyState>
            }
            .into_any()
        } else {
            view! {
                <EmptyState
                    icon=icons::layers
                    title="No entities registered yet"
                    description="Portico reads the same catalog-info.yaml files as Backstage. Register a location and everything it describes appears here with its owner and dependencies."
                >
                    <a class="btn btn-primary" href="/catalog/register">
                        "Register existing component"
                    </a>
                </EmptyState>
            }
            .into_any()
        };
    }
    let page = state.page.max(1);
    let first = (page - 1) * PAGE_SIZE + 1;
    let last = first + data.rows.len() - 1;
    let total = data.total;
    let has_next = (last as u64) < total;
    let header = |key: &'static str, label: &'static str| {
        let active = state.sort == key;
        let next_descending = active && !state.descending;
        let href = catalog_href(&params, |pairs| {
            pairs.retain(|(k, _)| k != "sort" && k != "dir");
            pairs.push(("sort".to_owned(), key.to_owned()));
            if next_descending {
                pairs.push(("dir".to_owned(), "desc".to_owned()));
            }
        });
        let sort = match (active, state.descending) {
            (true, true) => "descending",
            (true, false) => "ascending",
            _ => "none",
        };
        view! {
            <th scope="col" aria-sort=sort>
                <a class="sort-link" href=href>
                    {label}
                    <span class="sort-mark" aria-hidden="true">
                        {match sort {
                            "ascending" => "▲",
                            "descending" => "▼",
                            _ => "",
                        }}
                    </span>
                </a>
            </th>
        }
    };
    let pager_href = |page: usize| {
        catalog_href(&params, move |pairs| {
            if page > 1 {
                pairs.push(("page".to_owned(), page.to_string()));
            }
        })
    };
    view! {
        <p class="results-count" role="status">
            {format!("{first}–{last} of {total}")}
        </p>
        <div class="table-wrap" role="region" aria-label="Catalog entities" tabindex="0">
            <table class="table catalog-table">
                <caption class="sr-only">"Catalog entities"</caption>
                <thead>
                    <tr>
                        {SORT_COLUMNS.iter().map(|(key, label, _)| header(key, label)).collect_view()}
                        <th scope="col">"Tags"</th>
                    </tr>
                </thead>
                <tbody>{data.rows.into_iter().map(|row| view! { <Row row /> }).collect_view()}</tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Pages">
            {(page > 1)
                .then(|| {
                    view! {
                        <a class="btn btn-secondary" href=pager_href(page - 1) rel="prev">
                            "Previous"
                        </a>
                    }
                })}
            <span class="muted">{format!("Page {page} of {}", total.div_ceil(PAGE_SIZE as u64).max(1))}</span>
            {has_next
                .then(|| {
                    view! {
                        <a class="btn btn-secondary" href=pager_href(page + 1) rel="next">
                            "Next"
                        </a>
                    }
                })}
        </nav>
    }
    .into_any()
}

#[component]
fn Row(row: EntityRow) -> impl IntoView {
    let href = entity_href(&row.entity_ref);
    let shown = row.title.clone().unwrap_or_else(|| row.name.clone());
    view! {
        <tr>
            <td class="entity-cell">
                <a class="entity-link" href=href>
                    {shown}
                </a>
                {row.has_problems.then(|| view! { <Badge tone=Tone::Danger>"error"</Badge> })}
                {row.description.map(|description| view! { <div class="entity-description">{description}</div> })}
            </td>
            <td>{row.kind.clone()}</td>
            <td>{row.spec_type.unwrap_or_default()}</td>
            <td>
                {row
                    .owner
                    .map(|owner| {
                        let label = short_ref(&owner, "group");
                        view! { <a href=entity_href(&owner)>{label}</a> }
                    })}
            </td>
            <td>
                {row
                    .lifecycle
                    .map(|lifecycle| view! { <Badge tone=lifecycle_tone(&lifecycle)>{lifecycle.clone()}</Badge> })}
            </td>
            <td>
                {row
                    .system
                    .map(|system| {
                        let reference = EntityRef::parse(&system, Some("system"), Some(&row.namespace))
                            .map(|r| r.canonical())
                            .unwrap_or_default();
                        view! { <a href=entity_href(&reference)>{short_ref(&reference, "system")}</a> }
                    })}
            </td>
            <td class="tags">
                {row.tags.into_iter().map(|tag| view! { <span class="tag">{tag}</span> }).collect_view()}
            </td>
        </tr>
    }
}
