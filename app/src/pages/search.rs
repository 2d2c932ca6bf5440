//! `/search`: every result of a search with what matched, facets with
//! counts (kind, type, owner, lifecycle, tag), paging, and the nearest
//! names when nothing matched. The term, filters and page live in the URL;
//! every control is a link or a GET form.

use crate::error::AppError;
use crate::pages::catalog::{lifecycle_tone, short_ref};
use crate::ui::{icons, Badge, EmptyState, FacetOption, PageHeader, Tone};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use model::search::{FacetCount, SearchHit, SearchQuery, SearchResults, Segment, FACETS, PAGE_SIZE};

/// Runs a search (the header box and this page).
#[server(prefix = "/api/fn", endpoint = "search", input = Json)]
pub async fn run_search(query: SearchQuery) -> Result<SearchResults, AppError> {
    use crate::auth::server;
    use domain::identity::access::{Action, Resource};
    use domain::search::{SearchRequest, MOST_PER_PAGE};
    server::authorize(Action::Read, &Resource::Portal)?;
    let search = use_context::<domain::Search>().ok_or(AppError::Internal)?;
    let per_page = query.per_page.clamp(1, MOST_PER_PAGE);
    let request = SearchRequest {
        term: query.term,
        types: Vec::new(),
        filters: query.filters,
        offset: query.page.saturating_sub(1).saturating_mul(per_page),
        limit: per_page,
        facets: query.facets,
    };
    Ok(search.query(&request)?)
}

/// The search from the URL.
fn search_query(params: &ParamsMap) -> SearchQuery {
    let mut filters = Vec::new();
    for (key, _) in FACETS {
        for value in params.get_all(key).unwrap_or_default() {
            if !value.is_empty() {
                filters.push((key.to_owned(), value));
            }
        }
    }
    SearchQuery {
        term: params.get("q").unwrap_or_default(),
        filters,
        page: params.get("page").and_then(|page| page.parse().ok()).filter(|page| *page > 0).unwrap_or(1),
        per_page: PAGE_SIZE,
        facets: true,
    }
}

/// `/search?...` for the current search changed by `change`; the page goes
/// back to 1 unless the change sets it.
fn search_href(query: &SearchQuery, change: impl FnOnce(&mut Vec<(String, String)>)) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    if !query.term.is_empty() {
        pairs.push(("q".to_owned(), query.term.clone()));
    }
    pairs.extend(query.filters.iter().cloned());
    change(&mut pairs);
    crate::links::with_query("/search", &pairs)
}

/// Text with the matched words marked.
pub fn marked(segments: Vec<Segment>) -> impl IntoView {
    segments
        .into_iter()
        .map(
            |segment| {
                if segment.matched {
                    view! { <mark>{segment.text}</mark> }.into_any()
                } else {
                    segment.text.into_any()
                }
            },
        )
        .collect_view()
}

/// The title with its matches, or the plain title.
pub fn hit_title(hit: &SearchHit) -> AnyView {
    match hit.snippet("title") {
        Some(snippet) => marked(snippet.segments.clone()).into_any(),
        None => hit.document.title.clone().into_any(),
    }
}

/// The best snippet of a field other than the title: description first.
pub fn hit_snippet(hit: &SearchHit) -> Option<Vec<Segment>> {
    ["text", "definition", "name", "about"]
        .into_iter()
        .find_map(|field| hit.snippet(field))
        .map(|snippet| snippet.segments.clone())
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let params = use_query_map();
    let results = Resource::new(move || search_query(&params.read()), run_search);
    view! {
        <Title text="Search" />
        <PageHeader title="Search" lead="Services, APIs and their operations, templates, teams and people." />
        {move || {
            let query = search_query(&params.read());
            view! { <SearchForm query /> }
        }}
        <Transition fallback=|| {
            view! { <p class="muted">"Searching…"</p> }
        }>
            {move || Suspend::new(async move {
                let query = search_query(&params.read_untracked());
                match results.await {
                    Ok(data) => view! { <Results data query /> }.into_any(),
                    Err(error) => view! { <p class="field-error">{error.message()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SearchForm(query: SearchQuery) -> impl IntoView {
    view! {
        <form class="catalog-search search-page-form" method="get" action="/search" role="search">
            <label class="sr-only" for="search-page-input">
                "Search"
            </label>
            {icons::search()}
            <input
                id="search-page-input"
                class="input"
                type="search"
                name="q"
                value=query.term.clone()
                placeholder="Try a name, an API path like /orders/{id}, or kind:api"
                autocomplete="off"
            />
            {query
                .filters
                .iter()
                .map(|(key, value)| view! { <input type="hidden" name=key.clone() value=value.clone() /> })
                .collect_view()}
            <button class="btn btn-primary" type="submit">
                "Search"
            </button>
        </form>
    }
}

#[component]
fn Results(data: SearchResults, query: SearchQuery) -> impl IntoView {
    if data.hits.is_empty() {
        return view! { <NoResults data query /> }.into_any();
    }
    let facets = data.facets.clone();
    view! {
        <div class="catalog-layout">
            <details class="facets" open>
                <summary class="facets-summary">{icons::filter()} "Filters"</summary>
                {facets
                    .into_iter()
                    .filter(|(_, values)| !values.is_empty())
                    .map(|(key, values)| view! { <FacetList key values query=query.clone() /> })
                    .collect_view()}
            </details>
            <section class="catalog-results" aria-label="Results">
                <ResultList data query />
            </section>
        </div>
    }
    .into_any()
}

#[component]
fn FacetList(key: String, values: Vec<FacetCount>, query: SearchQuery) -> impl IntoView {
    let label = FACETS.iter().find(|(name, _)| *name == key).map_or("Other", |(_, label)| *label);
    let heading_id = format!("search-facet-{key}");
    view! {
        <div class="facet">
            <h2 class="facet-title" id=heading_id.clone()>
                {label}
            </h2>
            <ul class="facet-values" aria-labelledby=heading_id>
                {values
                    .into_iter()
                    .map(|value| {
                        let selected = query
                            .filters
                            .iter()
                            .any(|(k, v)| *k == key && v.eq_ignore_ascii_case(&value.value));
                        let href = search_href(&query, |pairs| crate::links::toggle(pairs, &key, &value.value));
                        let shown = if key == "owner" { short_ref(&value.value, "group") } else { value.value.clone() };
                        view! {
                            <FacetOption
                                href
                                selected
                                label=shown
                                count=value.count
                                test_id=format!("search-facet-{}-{}", key, value.value)
                            />
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn ResultList(data: SearchResults, query: SearchQuery) -> impl IntoView {
    let first = data.hits.first().map_or(0, |hit| hit.rank);
    let last = data.hits.last().map_or(0, |hit| hit.rank);
    let page = query.page.max(1);
    let pages = data.total.div_ceil(query.per_page.max(1) as u64).max(1);
    let previous = (page > 1).then(|| search_href(&query, |pairs| pairs.push(("page".into(), (page - 1).to_string()))));
    let next = ((last as u64) < data.total)
        .then(|| search_href(&query, |pairs| pairs.push(("page".into(), (page + 1).to_string()))));
    view! {
        <p class="results-count" aria-live="polite">
            {format!("{first}–{last} of {}", data.total)}
        </p>
        <ol class="search-results" start=first>
            {data.hits.into_iter().map(|hit| view! { <ResultItem hit /> }).collect_view()}
        </ol>
        <nav class="pager" aria-label="Pages">
            {previous
                .map(|href| {
                    view! {
                        <a class="btn btn-secondary" href=href rel="prev">
                            "Previous"
                        </a>
                    }
                })}
            <span class="muted">{format!("Page {page} of {pages}")}</span>
            {next
                .map(|href| {
                    view! {
                        <a class="btn btn-secondary" href=href rel="next">
                            "Next"
                        </a>
                    }
                })}
        </nav>
    }
}

#[component]
fn ResultItem(hit: SearchHit) -> impl IntoView {
    let document = hit.document.clone();
    let title = hit_title(&hit);
    let snippet = hit_snippet(&hit);
    let lifecycle = (!document.lifecycle.is_empty()).then(|| document.lifecycle.clone());
    let owner = (!document.owner.is_empty()).then(|| short_ref(&document.owner, "group"));
    view! {
        <li class="search-result">
            <div class="search-result-head">
                <a class="search-result-title" href=document.location.clone()>
                    {title}
                </a>
                <Badge tone=Tone::Neutral>{document.kind.clone()}</Badge>
                {(document.entity_type != "other")
                    .then(|| view! { <span class="muted">{document.entity_type.clone()}</span> })}
                {lifecycle
                    .map(|lifecycle| view! { <Badge tone=lifecycle_tone(&lifecycle)>{lifecycle.clone()}</Badge> })}
            </div>
            {snippet.map(|segments| view! { <p class="search-result-snippet">{marked(segments)}</p> })}
            {owner.map(|owner| view! { <p class="search-result-meta muted">"Owned by " {owner}</p> })}
        </li>
    }
}

/// "Did you mean a, b?" with each name linking to its entity.
#[component]
pub fn DidYouMean(names: Vec<(String, String)>) -> impl IntoView {
    view! {
        "Did you mean "
        {names
            .into_iter()
            .enumerate()
            .map(|(at, (name, location))| {
                view! {
                    {(at > 0).then_some(", ")}
                    <a href=location>{name}</a>
                }
            })
            .collect_view()}
        "?"
    }
}

#[component]
fn NoResults(data: SearchResults, query: SearchQuery) -> impl IntoView {
    let title = if query.term.trim().is_empty() {
        "Nothing matches these filters".to_owned()
    } else {
        format!("No results for “{}”", query.term.trim())
    };
    let filtered = !query.filters.is_empty();
    let without_filters = search_href(&query, |pairs| pairs.retain(|(key, _)| key == "q"));
    view! {
        <EmptyState
            icon=icons::search
            title=title
            description="Check the spelling, use fewer words, or remove a filter."
        >
            {(!data.did_you_mean.is_empty())
                .then(|| {
                    view! {
                        <p class="did-you-mean">
                            <DidYouMean names=data.did_you_mean.clone() />
                        </p>
                    }
                })}
            {filtered
                .then(|| {
                    view! {
                        <a class="btn btn-secondary" href=without_filters.clone()>
                            "Search without filters"
                        </a>
                    }
                })}
        </EmptyState>
    }
}
