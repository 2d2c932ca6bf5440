//! The user menu: who is signed in, the theme choice, and "About Portico".
//! Until sign-in exists every visitor is a read-only guest.

use crate::theme::{use_theme, ThemeChoice};
use crate::ui::{aria_bool, icons, Dialog};
use leptos::prelude::*;

#[component]
pub fn UserMenu() -> impl IntoView {
    let open = RwSignal::new(false);
    let about_open = RwSignal::new(false);
    let theme = use_theme();
    view! {
        <div
            class="menu"
            on:keydown=move |event| {
                if event.key() == "Escape" {
                    open.set(false);
                }
            }
        >
            <button
                type="button"
                class="btn btn-ghost btn-icon avatar-button"
                aria-label="User menu"
                aria-haspopup="true"
                aria-expanded=move || aria_bool(open.get())
                aria-controls="user-menu"
                data-testid="user-menu"
                on:click=move |_| open.update(|open| *open = !*open)
            >
                <span class="avatar" aria-hidden="true">
                    "G"
                </span>
            </button>
            <div id="user-menu" class="menu-panel" hidden=move || !open.get()>
                <div class="menu-section">
                    <p class="menu-title">"Guest"</p>
                    <p class="menu-subtitle">"Read-only access"</p>
                </div>
                <fieldset class="menu-section">
                    <legend class="menu-label">"Theme"</legend>
                    <div class="segmented">
                        {ThemeChoice::ALL
                            .into_iter()
                            .map(|choice| {
                                view! {
                                    <button
                                        type="button"
                                        class="segment"
                                        aria-pressed=move || aria_bool(theme.choice.get() == choice)
                                        data-testid=format!("theme-{}", choice.as_str())
                                        on:click=move |_| theme.choose(choice)
                                    >
                                        {choice.label()}
                                    </button>
                                }
                            })
                            .collect_view()}
                    </div>
                </fieldset>
                <div class="menu-section">
                    <button
                        type="button"
                        class="menu-item"
                        on:click=move |_| {
                            open.set(false);
                            about_open.set(true);
                        }
                    >
                        {icons::compass()}
                        "About Portico"
                    </button>
                </div>
            </div>
        </div>
        <Dialog open=about_open title="About Portico">
            <p>
                "Portico is a developer portal in one binary: the catalog of everything your company builds, who owns it and how it fits together."
            </p>
            <p class="muted">"Version " {env!("CARGO_PKG_VERSION")} " · Reads Backstage catalog-info.yaml files."</p>
        </Dialog>
    }
}
