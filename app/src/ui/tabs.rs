//! Tabs whose selection lives in the URL (`?tab=system`), so a tab can be
//! linked to, bookmarked and restored by the back button.

use super::page_header::aria_bool;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// One tab: its id in the URL and its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tab {
    pub id: &'static str,
    pub label: &'static str,
}

#[derive(Clone, Copy)]
struct TabsContext {
    active: Memo<&'static str>,
}

/// The tab list; `TabPanel`s go in `children`. The first tab is the default.
#[component]
pub fn Tabs(
    #[prop(into)] label: String,
    #[prop(default = "tab")] param: &'static str,
    tabs: Vec<Tab>,
    children: Children,
) -> impl IntoView {
    let query = use_query_map();
    let ids: Vec<&'static str> = tabs.iter().map(|tab| tab.id).collect();
    let default_id = ids.first().copied().unwrap_or_default();
    let active = Memo::new(move |_| {
        let requested = query.read().get(param);
        ids.iter().copied().find(|id| requested.as_deref() == Some(*id)).unwrap_or(default_id)
    });
    provide_context(TabsContext { active });
    view! {
        <div class="tabs">
            <div class="tab-list" role="tablist" aria-label=label>
                {tabs
                    .into_iter()
                    .map(|tab| {
                        let selected = move || active.get() == tab.id;
                        view! {
                            <A
                                href=format!("?{param}={}", tab.id)
                                attr:role="tab"
                                attr:id=format!("tab-{}", tab.id)
                                attr:aria-controls=format!("panel-{}", tab.id)
                                attr:aria-selected=move || aria_bool(selected())
                                attr:class=move || if selected() { "tab tab-active" } else { "tab" }
                                scroll=false
                            >
                                {tab.label}
                            </A>
                        }
                    })
                    .collect_view()}
            </div>
            {children()}
        </div>
    }
}

/// The content of one tab, hidden unless its tab is selected.
#[component]
pub fn TabPanel(id: &'static str, children: Children) -> impl IntoView {
    let active = use_context::<TabsContext>().map(|context| context.active);
    let hidden = move || active.is_some_and(|active| active.get() != id);
    view! {
        <div
            class="tab-panel"
            role="tabpanel"
            id=format!("panel-{id}")
            aria-labelledby=format!("tab-{id}")
            hidden=hidden
        >
            {children()}
        </div>
    }
}
