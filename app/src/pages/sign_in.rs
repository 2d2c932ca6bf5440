//! Signing in, and the one-time "create the first admin" page of a fresh
//! installation. Both are plain HTML forms that post to `/auth/...` and work
//! before (or without) the wasm app; errors come back as a code in the URL,
//! turned into a message here, so no text is ever reflected from the URL.

use crate::auth::use_access;
use crate::ui::{icons, EmptyState, Field};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The message for an error code the sign-in routes redirect with.
fn sign_in_message(code: &str, retry_minutes: Option<&str>) -> String {
    match code {
        "invalid" => "Wrong username or password.".to_owned(),
        "locked" => format!(
            "Too many failed attempts. Sign-in is paused for {} minute(s); try again later.",
            retry_minutes.and_then(|minutes| minutes.parse::<u64>().ok()).unwrap_or(15)
        ),
        "unavailable" => "Portico cannot sign you in right now; try again in a moment.".to_owned(),
        "oidc_no_account" => "Your single sign-on account has no Portico user; ask an admin to add you.".to_owned(),
        "oidc_disabled" => "This account is disabled.".to_owned(),
        "oidc_refused" => "The identity provider did not share a verified email address.".to_owned(),
        "oidc_failed" => "Single sign-on did not work; try again, or sign in with a password.".to_owned(),
        _ => "Sign-in did not work; try again.".to_owned(),
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |key: &str| query.read_untracked().get(key).filter(|value| !value.is_empty());
    let next = param("next").unwrap_or_else(|| "/".to_owned());
    let error = param("error").map(|code| sign_in_message(&code, param("retry").as_deref()));
    let signed_out = param("signed_out").is_some();
    let access = use_access();
    let oidc_next = next.clone();
    view! {
        <Title text="Sign in" />
        <div class="auth-page">
            <div class="card auth-card">
                <div class="card-body stack">
                    <div>
                        <h1 class="h1">"Sign in to Portico"</h1>
                        <p class="muted">"Everything your company builds, and who owns it."</p>
                    </div>
                    {error
                        .map(|message| {
                            view! {
                                <div class="alert alert-danger" role="alert" data-testid="sign-in-error">
                                    {icons::alert()}
                                    <span>{message}</span>
                                </div>
                            }
                        })}
                    {signed_out
                        .then(|| {
                            view! {
                                <div class="alert alert-success" role="status">
                                    "You are signed out."
                                </div>
                            }
                        })}
                    <Suspense>
                        {move || {
                            let next = oidc_next.clone();
                            Suspend::new(async move {
                                let info = access.await.ok()?;
                                let setup = info
                                    .needs_setup
                                    .then(|| {
                                        view! {
                                            <div class="alert alert-info" data-testid="setup-banner">
                                                <span>
                                                    "No one has an account yet. "
                                                    <a href="/setup">"Create the first admin"</a>
                                                </span>
                                            </div>
                                        }
                                    });
                                let sso = info
                                    .oidc_provider
                                    .map(|label| {
                                        let href = format!(
                                            "/auth/oidc/start?next={}",
                                            crate::auth::encode_query_value(&next),
                                        );
                                        view! {
                                            <a class="btn btn-secondary btn-block" href=href data-testid="oidc-sign-in">
                                                {format!("Sign in with {label}")}
                                            </a>
                                            <div class="divider">"or"</div>
                                        }
                                    });
                                Some(
                                    view! {
                                        {setup}
                                        {sso}
                                    },
                                )
                            })
                        }}
                    </Suspense>
                    <form class="form" method="post" action="/auth/sign-in" data-testid="sign-in-form">
                        <input type="hidden" name="next" value=next.clone() />
                        <Field label="Username or email">
                            <input
                                class="input"
                                name="login"
                                type="text"
                                autocomplete="username"
                                autocapitalize="none"
                                spellcheck="false"
                                required
                                autofocus
                            />
                        </Field>
                        <Field label="Password">
                            <input
                                class="input"
                                name="password"
                                type="password"
                                autocomplete="current-password"
                                required
                            />
                        </Field>
                        <button class="btn btn-primary btn-block" type="submit">
                            "Sign in"
                        </button>
                    </form>
                    <Suspense>
                        {move || Suspend::new(async move {
                            let info = access.await.ok()?;
                            info.guest_mode
                                .then(|| {
                                    view! {
                                        <p class="muted text-center text-sm">
                                            <a href="/">"Continue as a guest"</a>
                                            " (read-only)"
                                        </p>
                                    }
                                })
                        })}
                    </Suspense>
                </div>
            </div>
        </div>
    }
}

/// The message for an error code `/auth/setup` redirects with.
fn setup_message(code: &str) -> &'static str {
    match code {
        "username" => "Choose a username of lowercase letters, digits, '.', '_' or '-' (up to 64).",
        "email" => "That is not an email address.",
        "password" => "The password must be at least 10 characters long.",
        "mismatch" => "The two passwords differ.",
        "taken_username" | "taken_email" => "That user already exists.",
        "closed" => "An admin already exists; sign in instead.",
        _ => "The admin could not be created; try again in a moment.",
    }
}

/// `/setup`: only while no user exists; afterwards it is a 404.
#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query_map();
    let error = query.read_untracked().get("error").map(|code| (code.clone(), setup_message(&code)));
    let access = use_access();
    view! {
        <Title text="Create the first admin" />
        <Suspense>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    let open = access.await.map(|info| info.needs_setup).unwrap_or(false);
                    if open { view! { <SetupForm error /> }.into_any() } else { view! { <SetupClosed /> }.into_any() }
                })
            }}
        </Suspense>
    }
}

#[component]
fn SetupForm(error: Option<(String, &'static str)>) -> impl IntoView {
    let field_error = error.as_ref().map(|(code, _)| code.clone()).unwrap_or_default();
    let invalid = |field: &str| if field_error == field { "true" } else { "false" };
    let (username_invalid, email_invalid, password_invalid, mismatch_invalid) =
        (invalid("username"), invalid("email"), invalid("password"), invalid("mismatch"));
    view! {
        <div class="auth-page">
            <div class="card auth-card">
                <div class="card-body stack">
                    <div>
                        <p class="eyebrow">"Welcome"</p>
                        <h1 class="h1">"Create the first admin"</h1>
                        <p class="muted">
                            "This Portico has no users yet. The account you create now can add everyone else. This page closes once it exists."
                        </p>
                    </div>
                    {error
                        .map(|(_, message)| {
                            view! {
                                <div class="alert alert-danger" role="alert" data-testid="setup-error">
                                    {icons::alert()}
                                    <span>{message}</span>
                                </div>
                            }
                        })}
                    <form class="form" method="post" action="/auth/setup" data-testid="setup-form">
                        <Field label="Username" hint="Lowercase letters, digits, '.', '_' and '-'.">
                            <input
                                class="input"
                                name="username"
                                autocomplete="username"
                                autocapitalize="none"
                                required
                                autofocus
                                pattern="[a-z0-9][a-z0-9._\\-]*"
                                aria-invalid=username_invalid
                            />
                        </Field>
                        <Field label="Display name">
                            <input class="input" name="display_name" autocomplete="name" />
                        </Field>
                        <Field label="Email">
                            <input
                                class="input"
                                name="email"
                                type="email"
                                autocomplete="email"
                                aria-invalid=email_invalid
                            />
                        </Field>
                        <Field label="Password" hint="At least 10 characters.">
                            <input
                                class="input"
                                name="password"
                                type="password"
                                autocomplete="new-password"
                                minlength="10"
                                required
                                aria-invalid=password_invalid
                            />
                        </Field>
                        <Field label="Repeat the password">
                            <input
                                class="input"
                                name="password_confirm"
                                type="password"
                                autocomplete="new-password"
                                required
                                aria-invalid=mismatch_invalid
                            />
                        </Field>
                        <button class="btn btn-primary btn-block" type="submit">
                            "Create admin and sign in"
                        </button>
                    </form>
                </div>
            </div>
        </div>
    }
}

#[component]
fn SetupClosed() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <div class="centered" data-testid="setup-closed">
            <EmptyState
                icon=icons::user
                title="Portico is already set up"
                description="An admin account exists, so this page is closed. Sign in, or ask an admin for an account."
            >
                <a class="btn btn-primary" href="/sign-in">
                    "Sign in"
                </a>
            </EmptyState>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_become_fixed_messages() {
        assert_eq!(sign_in_message("invalid", None), "Wrong username or password.");
        assert!(sign_in_message("locked", Some("7")).contains("7 minute"));
        assert_eq!(sign_in_message("<script>", None), "Sign-in did not work; try again.");
        assert_eq!(setup_message("<b>bold</b>"), "The admin could not be created; try again in a moment.");
    }

    #[test]
    fn the_next_path_is_encoded_for_the_query_string() {
        assert_eq!(crate::auth::encode_query_value("/catalog?kind=api&x=1"), "/catalog%3Fkind%3Dapi%26x%3D1");
        assert_eq!(crate::auth::sign_in_href("/admin"), "/sign-in?next=/admin");
    }
}
