//! `/settings/tokens`: personal API tokens. Create one (shown once, then only
//! its first characters), see when each was last used, revoke it.

use super::access_gate::{Gate, Gated};
use crate::error::AppError;
use crate::ui::{icons, Badge, Card, Dialog, EmptyState, Field, PageHeader, Table, Tone};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use model::{CreatedToken, TokenScope, TokenSummary};

#[server(prefix = "/api/fn", endpoint = "tokens/list")]
pub async fn list_my_tokens() -> Result<Vec<TokenSummary>, AppError> {
    use crate::auth::server;
    let principal = server::signed_in()?;
    let database = server::database()?;
    let tokens = server::identity()?.list_tokens(database.connection(), &principal).await?;
    Ok(tokens.iter().map(|token| token.summary()).collect())
}

#[server(prefix = "/api/fn", endpoint = "tokens/create")]
pub async fn create_my_token(name: String, scope: String, expires_in_days: String) -> Result<CreatedToken, AppError> {
    use crate::auth::server;
    let principal = server::signed_in()?;
    let scope = TokenScope::parse(&scope)
        .ok_or_else(|| AppError::Invalid { field: "scope".into(), reason: "choose read or write".into() })?;
    let expires_in_days = match expires_in_days.trim() {
        "" | "never" => None,
        days => Some(days.parse::<i64>().map_err(|_| AppError::Invalid {
            field: "expires_in_days".into(),
            reason: "enter a number of days".into(),
        })?),
    };
    let database = server::database()?;
    let ip = server::client().ip;
    Ok(server::identity()?.create_token(database.connection(), &principal, &name, scope, expires_in_days, ip).await?)
}

#[server(prefix = "/api/fn", endpoint = "tokens/revoke")]
pub async fn revoke_my_token(id: String) -> Result<(), AppError> {
    use crate::auth::server;
    let principal = server::signed_in()?;
    let database = server::database()?;
    let ip = server::client().ip;
    server::identity()?.revoke_token(database.connection(), &principal, &id, ip).await?;
    Ok(())
}

#[component]
pub fn TokensPage() -> impl IntoView {
    view! {
        <Title text="API tokens" />
        <PageHeader
            title="API tokens"
            lead="Personal tokens for scripts and CI: send them as Authorization: Bearer <token>. They act as you, within their scope."
        />
        <Gated gate=Gate::SignedIn>
            <Tokens />
        </Gated>
    }
}

#[component]
fn Tokens() -> impl IntoView {
    let create = ServerAction::<CreateMyToken>::new();
    let revoke = ServerAction::<RevokeMyToken>::new();
    let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| list_my_tokens());
    let confirm = RwSignal::new(None::<TokenSummary>);
    let confirm_open = RwSignal::new(false);
    let toasts = crate::ui::use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(())) = revoke.value().get() {
            toasts.show(Tone::Success, "Token revoked");
        }
    });
    view! {
        <div class="stack">
            <Card title="New token" description="The token is shown once, right after you create it.">
                <ActionForm action=create attr:class="form" attr:data-testid="token-form">
                    <div class="form-row">
                        <Field label="Name" grow=true>
                            <input
                                class="input"
                                name="name"
                                required
                                maxlength="100"
                                placeholder="e.g. deploy pipeline"
                            />
                        </Field>
                        <Field label="Scope">
                            <select class="select" name="scope">
                                <option value="read">{TokenScope::Read.label()}</option>
                                <option value="write">{TokenScope::Write.label()}</option>
                            </select>
                        </Field>
                        <Field label="Expires">
                            <select class="select" name="expires_in_days">
                                <option value="30">"in 30 days"</option>
                                <option value="90">"in 90 days"</option>
                                <option value="365">"in a year"</option>
                                <option value="">"never"</option>
                            </select>
                        </Field>
                        <button class="btn btn-primary" type="submit" disabled=move || create.pending().get()>
                            {icons::plus()}
                            "Create token"
                        </button>
                    </div>
                </ActionForm>
                {move || match create.value().get() {
                    Some(Ok(created)) => view! { <NewTokenSecret created /> }.into_any(),
                    Some(Err(error)) => {
                        view! {
                            <p class="field-error mt-3" role="alert">
                                {error.message()}
                            </p>
                        }
                            .into_any()
                    }
                    None => ().into_any(),
                }}
            </Card>
            <Transition fallback=|| {
                view! { <p class="muted">"Loading tokens…"</p> }
            }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => {
                            view! {
                                <EmptyState
                                    icon=icons::package
                                    title="No tokens yet"
                                    description="Create one above for a script or a CI job."
                                />
                            }
                                .into_any()
                        }
                        Ok(list) => {
                            view! {
                                <TokenTable
                                    list
                                    on_revoke=Callback::new(move |token| {
                                        confirm.set(Some(token));
                                        confirm_open.set(true);
                                    })
                                />
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="field-error">{error.message()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
        <Dialog open=confirm_open title="Revoke this token?">
            <p>
                {move || {
                    confirm
                        .get()
                        .map(|token| {
                            format!(
                                "Anything using “{}” ({}…) stops working at once. This cannot be undone.",
                                token.name,
                                token.hint,
                            )
                        })
                }}
            </p>
            <div class="row mt-4">
                <button
                    class="btn btn-danger"
                    type="button"
                    data-testid="confirm-revoke"
                    on:click=move |_| {
                        if let Some(token) = confirm.get_untracked() {
                            revoke.dispatch(RevokeMyToken { id: token.id });
                        }
                        confirm_open.set(false);
                    }
                >
                    "Revoke token"
                </button>
                <button class="btn btn-secondary" type="button" on:click=move |_| confirm_open.set(false)>
                    "Cancel"
                </button>
            </div>
        </Dialog>
    }
}

#[component]
fn NewTokenSecret(created: CreatedToken) -> impl IntoView {
    let token = created.token.clone();
    let copied = RwSignal::new(false);
    view! {
        <div class="alert alert-success mt-4 stack" role="status" data-testid="new-token">
            <p>
                <strong>{format!("Token “{}” created.", created.summary.name)}</strong>
                " Copy it now: Portico keeps only a hash and cannot show it again."
            </p>
            <div class="secret">
                <code data-testid="new-token-value">{token.clone()}</code>
                <button
                    type="button"
                    class="btn btn-secondary"
                    on:click=move |_| {
                        copy_to_clipboard(&token);
                        copied.set(true);
                    }
                >
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
        </div>
    }
}

fn copy_to_clipboard(text: &str) {
    #[cfg(any(feature = "hydrate", feature = "csr"))]
    {
        let _ = window().navigator().clipboard().write_text(text);
    }
    #[cfg(not(any(feature = "hydrate", feature = "csr")))]
    let _ = text;
}

#[component]
fn TokenTable(list: Vec<TokenSummary>, on_revoke: Callback<TokenSummary>) -> impl IntoView {
    view! {
        <Table caption="Your API tokens" headers=vec!["Name", "Scope", "Token", "Created", "Last used", "Expires", ""]>
            {list
                .into_iter()
                .map(|token| {
                    let revoked = token.revoked_at.is_some();
                    let row_token = token.clone();
                    view! {
                        <tr data-testid="token-row">
                            <td>{token.name.clone()}</td>
                            <td>
                                <Badge tone=if token.scope == TokenScope::Write {
                                    Tone::Warning
                                } else {
                                    Tone::Neutral
                                }>{token.scope.as_str()}</Badge>
                            </td>
                            <td class="mono">{format!("{}…", token.hint)}</td>
                            <td class="tabular">{day(&token.created_at)}</td>
                            <td class="tabular">
                                {token.last_used_at.as_deref().map(day).unwrap_or_else(|| "never".into())}
                            </td>
                            <td class="tabular">
                                {token.expires_at.as_deref().map(day).unwrap_or_else(|| "never".into())}
                            </td>
                            <td class="text-right">
                                {if revoked {
                                    view! { <Badge tone=Tone::Danger>"revoked"</Badge> }.into_any()
                                } else {
                                    view! {
                                        <button
                                            type="button"
                                            class="btn btn-ghost"
                                            aria-label=format!("Revoke {}", token.name)
                                            on:click=move |_| on_revoke.run(row_token.clone())
                                        >
                                            "Revoke"
                                        </button>
                                    }
                                        .into_any()
                                }}
                            </td>
                        </tr>
                    }
                })
                .collect_view()}
        </Table>
    }
}

/// `2026-11-26T10:00:00+00:00` → `2026-11-26 10:00`.
pub fn day(rfc3339: &str) -> String {
    let text: String = rfc3339.chars().take(16).collect();
    text.replace('T', " ")
}
