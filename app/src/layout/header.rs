//! The header: product name, main navigation (collapsing into a menu on a
//! phone), the search box, the theme toggle and the user menu.

use super::search_box::SearchBox;
use super::user_menu::UserMenu;
use crate::theme::use_theme;
use crate::ui::{aria_bool, icons};
use leptos::prelude::*;
use leptos_router::components::A;

/// The main sections, in navigation order.
const SECTIONS: [(&str, &str); 4] = [("/", "Home"), ("/catalog", "Catalog"), ("/create", "Create"), ("/docs", "Docs")];

#[component]
pub fn Header() -> impl IntoView {
    let menu_open = RwSignal::new(false);
    view! {
        <header class="header">
            <div class="header-inner">
                <A href="/" attr:class="brand" attr:aria-label="Portico home">
                    {icons::logo()}
                    <span class="brand-name">"Portico"</span>
                </A>
                <nav class="nav-desktop" aria-label="Main">
                    <NavLinks />
                </nav>
                <SearchBox />
                <div class="header-actions">
                    <ThemeToggle />
                    <UserMenu />
                    <button
                        type="button"
                        class="btn btn-ghost btn-icon nav-toggle"
                        aria-label="Menu"
                        aria-controls="mobile-nav"
                        aria-expanded=move || aria_bool(menu_open.get())
                        data-testid="nav-toggle"
                        on:click=move |_| menu_open.update(|open| *open = !*open)
                    >
                        {move || if menu_open.get() { icons::close() } else { icons::menu() }}
                    </button>
                </div>
            </div>
            // Following one of its links closes the phone menu.
            <nav
                id="mobile-nav"
                class="nav-mobile"
                aria-label="Main (mobile)"
                hidden=move || !menu_open.get()
                on:click=move |_| menu_open.set(false)
            >
                <NavLinks />
            </nav>
        </header>
    }
}

#[component]
fn NavLinks() -> impl IntoView {
    SECTIONS
        .into_iter()
        .map(|(href, label)| {
            view! {
                <A href=href attr:class="nav-link" exact=href == "/">
                    {label}
                </A>
            }
        })
        .collect_view()
}

/// Switches between light and dark; the choice is remembered.
#[component]
fn ThemeToggle() -> impl IntoView {
    let theme = use_theme();
    view! {
        <button
            type="button"
            class="btn btn-ghost btn-icon theme-toggle"
            data-testid="theme-toggle"
            aria-label=move || if theme.dark.get() { "Switch to light theme" } else { "Switch to dark theme" }
            on:click=move |_| theme.toggle()
        >
            <span class="icon-when-light">{icons::moon()}</span>
            <span class="icon-when-dark">{icons::sun()}</span>
        </button>
    }
}
