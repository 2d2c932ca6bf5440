//! The user menu: who is signed in (or "Guest"), links to their API tokens
//! and, for admins, the admin pages; the theme choice; "About Portico"; and
//! signing in or out.

use crate::auth::use_access;
use crate::theme::{use_theme, ThemeChoice};
use crate::ui::{aria_bool, icons, Dialog};
use leptos::prelude::*;

#[component]
pub fn UserMenu() -> impl IntoView {
    let open = RwSignal::new(false);
    let about_open = RwSignal::new(false);
    let theme = use_theme();
    let access = use_access();
    // Each part awaits the access info inside its own Suspense (the pattern
    // Leptos resolves reliably while streaming).
    let viewer = move || async move { access.await.map(|info| info.viewer).unwrap_or(model::Viewer::Anonymous) };
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
                    <Suspense fallback=|| {
                        "G"
                    }>
                        {move || Suspend::new(async move {
                            viewer().await.user().map(|user| user.initials()).unwrap_or_else(|| "G".to_owned())
                        })}
                    </Suspense>
                </span>
            </button>
            <div id="user-menu" class="menu-panel" hidden=move || !open.get()>
                <Suspense>
                    {move || Suspend::new(async move {
                        let viewer = viewer().await;
                        view! { <ViewerSection viewer /> }
                    })}
                </Suspense>
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
                <Suspense>
                    {move || Suspend::new(async move {
                        let viewer = viewer().await;
                        view! { <SignInOrOut viewer /> }
                    })}
                </Suspense>
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

/// Who is signed in, with links to their own pages.
#[component]
fn ViewerSection(viewer: model::Viewer) -> impl IntoView {
    match viewer {
        model::Viewer::User(user) => {
            let admin = user.role == model::Role::Admin;
            view! {
                <div class="menu-section">
                    <p class="menu-title" data-testid="signed-in-as">
                        {user.display_name.clone()}
                    </p>
                    <p class="menu-subtitle">{format!("{} · {}", user.username, user.role.label())}</p>
                </div>
                <div class="menu-section">
                    <a class="menu-item" href="/settings/tokens">
                        {icons::package()}
                        "API tokens"
                    </a>
                    {admin
                        .then(|| {
                            view! {
                                <a class="menu-item" href="/admin" data-testid="admin-link">
                                    {icons::user()}
                                    "Users and audit log"
                                </a>
                            }
                        })}
                </div>
            }
            .into_any()
        }
        _ => view! {
            <div class="menu-section">
                <p class="menu-title">"Guest"</p>
                <p class="menu-subtitle">"Read-only access"</p>
            </div>
        }
        .into_any(),
    }
}

/// A sign-out button (a real form post, so it works before hydration) or a
/// sign-in link.
#[component]
fn SignInOrOut(viewer: model::Viewer) -> impl IntoView {
    if viewer.is_signed_in() {
        view! {
            <form class="menu-section menu-form" method="post" action="/auth/sign-out">
                <button type="submit" class="menu-item" data-testid="sign-out">
                    "Sign out"
                </button>
            </form>
        }
        .into_any()
    } else {
        view! {
            <div class="menu-section">
                <a class="menu-item" href="/sign-in" data-testid="sign-in-link">
                    {icons::user()}
                    "Sign in"
                </a>
            </div>
        }
        .into_any()
    }
}
