//! The header search box: `/` or Ctrl/Cmd-K focuses it from anywhere;
//! results appear as you type, grouped by what they are; up and down move
//! through them, Enter opens one (or the full results page), Escape closes
//! the list. It is a GET form to `/search`, so it works before hydration.

use crate::pages::search::{hit_snippet, hit_title, marked, run_search, DidYouMean};
use crate::ui::{aria_bool, icons};
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_query_map};
use model::search::{group_of, SearchHit, SearchQuery, SearchResults, GROUP_ORDER};

/// Results shown in the box.
const SHOWN: usize = 8;

/// The results in the order they are listed (group by group).
fn listed(results: &SearchResults) -> Vec<SearchHit> {
    let mut hits = results.hits.clone();
    hits.sort_by_key(|hit| GROUP_ORDER.iter().position(|group| *group == group_of(&hit.document.kind)));
    hits
}

fn search_page_href(term: &str) -> String {
    format!("/search?q={}", crate::auth::encode_query_value(term.trim()))
}

#[component]
pub fn SearchBox() -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let query = use_query_map();
    let location = use_location();
    let on_search_page = move || location.pathname.get() == "/search";
    let current = move || if on_search_page() { query.read().get("q").unwrap_or_default() } else { String::new() };
    let term = RwSignal::new(String::new());
    // The latest results and the text they are for.
    let results = RwSignal::new(None::<(String, SearchResults)>);
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    // Only the answer to the latest keystroke is shown.
    let asked = StoredValue::new(0u64);

    // Opening a result (or any navigation) closes the list.
    Effect::new(move |_| {
        location.pathname.track();
        location.search.track();
        open.set(false);
        active.set(None);
    });

    #[cfg(any(feature = "hydrate", feature = "csr"))]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |event| {
            let typing = event
                .target()
                .and_then(|target| {
                    use leptos::wasm_bindgen::JsCast;
                    target.dyn_into::<web_sys::Element>().ok()
                })
                .is_some_and(|element| matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
            let shortcut =
                (event.key() == "/" && !typing) || (event.key() == "k" && (event.ctrl_key() || event.meta_key()));
            if shortcut {
                if let Some(input) = input.get_untracked() {
                    event.prevent_default();
                    let _ = input.focus();
                    input.select();
                }
            }
        });
        on_cleanup(move || handle.remove());
    }

    let ask = move |text: String| {
        term.set(text.clone());
        active.set(None);
        if text.trim().is_empty() {
            results.set(None);
            open.set(false);
            return;
        }
        open.set(true);
        let ticket = asked.get_value() + 1;
        asked.set_value(ticket);
        leptos::task::spawn_local(async move {
            let query = SearchQuery { term: text.clone(), per_page: SHOWN, page: 1, ..SearchQuery::default() };
            if let Ok(found) = run_search(query).await {
                if asked.get_value() == ticket {
                    results.set(Some((text, found)));
                }
            }
        });
    };

    // Every option's link, in list order, then "all results".
    let hrefs = move || -> Vec<String> {
        let mut hrefs: Vec<String> = results
            .with(|results| results.as_ref().map(|(_, found)| listed(found)).unwrap_or_default())
            .into_iter()
            .map(|hit| hit.document.location)
            .collect();
        hrefs.push(search_page_href(&term.get_untracked()));
        hrefs
    };
    let navigate = leptos_router::hooks::use_navigate();
    let on_keydown = move |event: leptos::ev::KeyboardEvent| {
        let count = hrefs().len();
        match event.key().as_str() {
            "ArrowDown" | "ArrowUp" if open.get_untracked() || results.with_untracked(Option::is_some) => {
                event.prevent_default();
                open.set(true);
                let down = event.key() == "ArrowDown";
                active.update(|active| {
                    *active = match (*active, down) {
                        (None, true) => Some(0),
                        (None, false) => Some(count - 1),
                        (Some(at), true) => Some((at + 1) % count),
                        (Some(at), false) => Some((at + count - 1) % count),
                    }
                });
            }
            "Enter" => {
                if let (true, Some(at)) = (open.get_untracked(), active.get_untracked()) {
                    if let Some(href) = hrefs().get(at) {
                        event.prevent_default();
                        open.set(false);
                        navigate(href, Default::default());
                    }
                }
            }
            "Escape" if open.get_untracked() => {
                event.prevent_default();
                open.set(false);
                active.set(None);
            }
            _ => {}
        }
    };
    let option_id = |at: usize| format!("search-option-{at}");

    view! {
        <div
            class="search-combo"
            on:focusout=move |event| {
                #[cfg(any(feature = "hydrate", feature = "csr"))]
                {
                    use leptos::wasm_bindgen::JsCast;
                    let inside = event
                        .related_target()
                        .and_then(|target| target.dyn_into::<web_sys::Node>().ok())
                        .zip(event.current_target().and_then(|target| target.dyn_into::<web_sys::Node>().ok()))
                        .is_some_and(|(target, combo)| combo.contains(Some(&target)));
                    if !inside {
                        open.set(false);
                    }
                }
                #[cfg(not(any(feature = "hydrate", feature = "csr")))]
                let _ = event;
            }
        >
            <Form action="/search" attr:class="search" attr:role="search">
                <label class="sr-only" for="site-search">
                    "Search Portico"
                </label>
                <span class="search-icon">{icons::search()}</span>
                <input
                    id="site-search"
                    node_ref=input
                    class="search-input"
                    type="search"
                    name="q"
                    role="combobox"
                    aria-autocomplete="list"
                    aria-controls="search-listbox"
                    aria-expanded=move || aria_bool(open.get())
                    aria-activedescendant=move || active.get().map(option_id)
                    placeholder="Search services, APIs, teams…"
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=current
                    on:input=move |event| ask(event_target_value(&event))
                    on:focus=move |_| {
                        if results.with_untracked(Option::is_some) && !term.get_untracked().trim().is_empty() {
                            open.set(true);
                        }
                    }
                    on:keydown=on_keydown
                />
                <kbd class="search-hint" aria-hidden="true">
                    "/"
                </kbd>
            </Form>
            <div id="search-popup" class="search-popup" hidden=move || !open.get()>
                {move || {
                    match results.get() {
                        None => view! { <p class="search-popup-note">"Searching…"</p> }.into_any(),
                        Some((typed, found)) => view! { <Popup found typed active /> }.into_any(),
                    }
                }}
            </div>
        </div>
    }
}

#[component]
fn Popup(found: SearchResults, typed: String, active: RwSignal<Option<usize>>) -> impl IntoView {
    let hits = listed(&found);
    let all_at = hits.len();
    let mut groups: Vec<(&'static str, Vec<(usize, SearchHit)>)> = Vec::new();
    for (at, hit) in hits.into_iter().enumerate() {
        let group = group_of(&hit.document.kind);
        match groups.iter_mut().find(|(name, _)| *name == group) {
            Some((_, members)) => members.push((at, hit)),
            None => groups.push((group, vec![(at, hit)])),
        }
    }
    let nothing = groups.is_empty();
    let suggestions = found.did_you_mean.clone();
    view! {
        {nothing
            .then(|| {
                view! {
                    <p class="search-popup-note">
                        {format!("Nothing matches “{}”.", typed.trim())}
                        {(!suggestions.is_empty())
                            .then(|| {
                                view! {
                                    " "
                                    <DidYouMean names=suggestions.clone() />
                                }
                            })}
                    </p>
                }
            })}
        <div id="search-listbox" role="listbox" aria-label="Search results" data-for=typed.clone()>
            {groups
                .into_iter()
                .enumerate()
                .map(|(number, (group, members))| {
                    let label_id = format!("search-group-{number}");
                    let labelled_by = label_id.clone();
                    view! {
                        <div role="group" aria-labelledby=labelled_by class="search-group">
                            <div class="search-group-label" id=label_id>
                                {group}
                            </div>
                            {members
                                .into_iter()
                                .map(|(at, hit)| view! { <SearchOption at hit active /> })
                                .collect_view()}
                        </div>
                    }
                })
                .collect_view()}
            <a
                id=format!("search-option-{all_at}")
                role="option"
                class="search-option search-option-all"
                aria-selected=move || aria_bool(active.get() == Some(all_at))
                href=search_page_href(&typed)
                tabindex="-1"
            >
                {if found.total > 0 {
                    format!("See all {} results for “{}”", found.total, typed.trim())
                } else {
                    format!("Search everything for “{}”", typed.trim())
                }}
            </a>
        </div>
    }
}

#[component]
fn SearchOption(at: usize, hit: SearchHit, active: RwSignal<Option<usize>>) -> impl IntoView {
    let title = hit_title(&hit);
    let snippet = hit_snippet(&hit);
    let kind = match hit.document.entity_type.as_str() {
        "other" => hit.document.kind.clone(),
        kind_type => format!("{} · {kind_type}", hit.document.kind),
    };
    view! {
        <a
            id=format!("search-option-{at}")
            role="option"
            class="search-option"
            aria-selected=move || aria_bool(active.get() == Some(at))
            href=hit.document.location.clone()
            tabindex="-1"
            data-testid="search-option"
        >
            <span class="search-option-title">{title}</span>
            <span class="search-option-kind">{kind}</span>
            {snippet.map(|segments| view! { <span class="search-option-snippet">{marked(segments)}</span> })}
        </a>
    }
}
