//! `/admin` (users and roles) and `/admin/audit` (the audit log), for admins.
//! Every server function here checks the caller itself, so calling one
//! directly as a member is refused with 403 just like the page.

use super::access_gate::{Gate, Gated};
use super::tokens::day;
use crate::error::AppError;
use crate::ui::{icons, Badge, Card, Field, PageHeader, Table, Tone};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_query_map};
use model::{AuditOutcome, AuditPage, AuditQuery, Role, UserChange, UserSummary};

#[server(prefix = "/api/fn", endpoint = "admin/users")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    use crate::auth::server;
    let principal = server::principal();
    let database = server::database()?;
    let users = server::identity()?.list_users(database.connection(), principal.as_ref()).await?;
    Ok(users.iter().map(|user| user.summary()).collect())
}

#[server(prefix = "/api/fn", endpoint = "admin/update_user", input = Json)]
pub async fn update_user(username: String, change: UserChange) -> Result<UserSummary, AppError> {
    use crate::auth::server;
    let principal = server::signed_in()?;
    let database = server::database()?;
    let ip = server::client().ip;
    let user = server::identity()?.change_user(database.connection(), &principal, &username, &change, ip).await?;
    Ok(user.summary())
}

#[server(prefix = "/api/fn", endpoint = "admin/create_user")]
pub async fn create_user(
    username: String,
    display_name: String,
    email: String,
    password: String,
    role: String,
) -> Result<UserSummary, AppError> {
    use crate::auth::server;
    let principal = server::signed_in()?;
    let role = Role::parse(&role)
        .ok_or_else(|| AppError::Invalid { field: "role".into(), reason: "admin or member".into() })?;
    let new = domain::identity::users::NewUser {
        username,
        email: Some(email).filter(|email| !email.trim().is_empty()),
        display_name: Some(display_name),
        password: Some(password).filter(|password| !password.is_empty()),
        role,
        entity_ref: None,
    };
    let database = server::database()?;
    let ip = server::client().ip;
    let user = server::identity()?.add_user(database.connection(), Some(&principal), new, ip).await?;
    Ok(user.summary())
}

#[server(prefix = "/api/fn", endpoint = "admin/audit", input = Json)]
pub async fn load_audit_log(query: AuditQuery) -> Result<AuditPage, AppError> {
    use crate::auth::server;
    let principal = server::principal();
    let database = server::database()?;
    Ok(server::identity()?.audit_log(database.connection(), principal.as_ref(), &query).await?)
}

#[component]
fn AdminNav() -> impl IntoView {
    let location = use_location();
    let current = move |path: &'static str| (location.pathname.get() == path).then_some("page");
    view! {
        <nav class="subnav" aria-label="Admin">
            <a href="/admin" aria-current=move || current("/admin")>
                "Users"
            </a>
            <a href="/admin/audit" aria-current=move || current("/admin/audit")>
                "Audit log"
            </a>
        </nav>
    }
}

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    view! {
        <Title text="Users" />
        <PageHeader title="Admin" lead="Who can sign in, and what they may do." />
        <Gated gate=Gate::Admin>
            <AdminNav />
            <Users />
        </Gated>
    }
}

#[component]
fn Users() -> impl IntoView {
    let update = ServerAction::<UpdateUser>::new();
    let create = ServerAction::<CreateUser>::new();
    let users = Resource::new(move || (update.version().get(), create.version().get()), |_| list_users());
    let toasts = crate::ui::use_toasts();
    Effect::new(move |_| match update.value().get() {
        Some(Ok(user)) => toasts.show(Tone::Success, format!("Saved {}", user.username)),
        Some(Err(error)) => toasts.show(Tone::Danger, error.message()),
        None => {}
    });
    view! {
        <div class="stack">
            <Transition fallback=|| {
                view! { <p class="muted">"Loading users…"</p> }
            }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(list) => view! { <UserTable list update /> }.into_any(),
                        Err(error) => view! { <p class="field-error">{error.message()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <Card
                title="Add a user"
                description="They can sign in with this password, or with single sign-on by email."
            >
                <ActionForm action=create attr:class="form" attr:data-testid="add-user-form">
                    <div class="form-row">
                        <Field label="Username" grow=true>
                            <input class="input" name="username" required autocapitalize="none" />
                        </Field>
                        <Field label="Display name" grow=true>
                            <input class="input" name="display_name" />
                        </Field>
                        <Field label="Email" grow=true>
                            <input class="input" name="email" type="email" />
                        </Field>
                    </div>
                    <div class="form-row">
                        <Field
                            label="Password"
                            grow=true
                            hint="At least 10 characters; leave empty for single sign-on only."
                        >
                            <input class="input" name="password" type="password" autocomplete="new-password" />
                        </Field>
                        <Field label="Role">
                            <select class="select" name="role">
                                <option value="member">"Member"</option>
                                <option value="admin">"Admin"</option>
                            </select>
                        </Field>
                        <button class="btn btn-primary" type="submit">
                            {icons::plus()}
                            "Add user"
                        </button>
                    </div>
                    {move || {
                        create
                            .value()
                            .get()
                            .map(|outcome| match outcome {
                                Ok(user) => {
                                    view! {
                                        <p class="alert alert-success" role="status">
                                            {format!("Added {}.", user.username)}
                                        </p>
                                    }
                                        .into_any()
                                }
                                Err(error) => {
                                    view! {
                                        <p class="field-error" role="alert">
                                            {error.message()}
                                        </p>
                                    }
                                        .into_any()
                                }
                            })
                    }}
                </ActionForm>
            </Card>
        </div>
    }
}

#[component]
fn UserTable(list: Vec<UserSummary>, update: ServerAction<UpdateUser>) -> impl IntoView {
    view! {
        <Table caption="Users" headers=vec!["User", "Email", "Role", "Catalog entity", "Last sign-in", "Status", ""]>
            {list
                .into_iter()
                .map(|user| {
                    let username = user.username.clone();
                    let role_username = username.clone();
                    let entity_username = username.clone();
                    let stored_entity_ref = user.entity_ref.clone().unwrap_or_default();
                    let disabled = user.disabled;
                    view! {
                        <tr data-testid=format!("user-row-{}", user.username)>
                            <td>
                                <div class="font-semibold">{user.display_name.clone()}</div>
                                <div class="muted mono text-xs">{user.username.clone()}</div>
                            </td>
                            <td>{user.email.clone().unwrap_or_default()}</td>
                            <td>
                                <select
                                    class="select"
                                    aria-label=format!("Role of {}", user.username)
                                    on:change=move |event| {
                                        let role = Role::parse(&event_target_value(&event));
                                        update
                                            .dispatch(UpdateUser {
                                                username: role_username.clone(),
                                                change: UserChange {
                                                    role,
                                                    ..UserChange::default()
                                                },
                                            });
                                    }
                                >
                                    {Role::ALL
                                        .into_iter()
                                        .map(|role| {
                                            view! {
                                                <option value=role.as_str() selected=role == user.role>
                                                    {role.label()}
                                                </option>
                                            }
                                        })
                                        .collect_view()}
                                </select>
                            </td>
                            <td>
                                <input
                                    class="input mono text-xs"
                                    aria-label=format!("Catalog entity of {}", user.username)
                                    placeholder="user:default/name"
                                    value=user.entity_ref.clone().unwrap_or_default()
                                    on:change=move |event| {
                                        let entity_ref = event_target_value(&event);
                                        if entity_ref != stored_entity_ref {
                                            update
                                                .dispatch(UpdateUser {
                                                    username: entity_username.clone(),
                                                    change: UserChange {
                                                        entity_ref: Some(entity_ref),
                                                        ..UserChange::default()
                                                    },
                                                });
                                        }
                                    }
                                />
                            </td>
                            <td class="tabular">
                                {user.last_sign_in_at.as_deref().map(day).unwrap_or_else(|| "never".into())}
                            </td>
                            <td>
                                {if disabled {
                                    view! { <Badge tone=Tone::Danger>"disabled"</Badge> }
                                } else {
                                    view! { <Badge tone=Tone::Success>"active"</Badge> }
                                }}
                            </td>
                            <td class="text-right">
                                <button
                                    type="button"
                                    class=if disabled { "btn btn-secondary" } else { "btn btn-ghost" }
                                    on:click=move |_| {
                                        update
                                            .dispatch(UpdateUser {
                                                username: username.clone(),
                                                change: UserChange {
                                                    disabled: Some(!disabled),
                                                    ..UserChange::default()
                                                },
                                            });
                                    }
                                >
                                    {if disabled { "Enable" } else { "Disable" }}
                                </button>
                            </td>
                        </tr>
                    }
                })
                .collect_view()}
        </Table>
    }
}

/// Entries per audit page.
const AUDIT_PAGE_SIZE: u64 = 50;

#[component]
pub fn AuditLogPage() -> impl IntoView {
    view! {
        <Title text="Audit log" />
        <PageHeader title="Admin" lead="Who did what, when, and from where." />
        <Gated gate=Gate::Admin>
            <AdminNav />
            <AuditLog />
        </Gated>
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        let params = query_map.read();
        let text = |key: &str| params.get(key).filter(|value| !value.trim().is_empty());
        AuditQuery {
            actor: text("actor"),
            action: text("action"),
            outcome: text("outcome").and_then(|outcome| AuditOutcome::parse(&outcome)),
            limit: Some(AUDIT_PAGE_SIZE),
            offset: text("offset").and_then(|offset| offset.parse().ok()),
        }
    });
    let page = Resource::new(move || query.get(), load_audit_log);
    view! {
        <Form method="GET" action="" attr:class="toolbar" attr:data-testid="audit-filters">
            <Field label="Who">
                <input
                    class="input"
                    name="actor"
                    placeholder="username"
                    prop:value=move || query.get().actor.unwrap_or_default()
                />
            </Field>
            <Field label="Action">
                <select class="select" name="action">
                    <option value="">"Any action"</option>
                    {[("auth.", "Sign-ins and sign-outs"), ("user.", "User changes"), ("token.", "Token changes")]
                        .into_iter()
                        .map(|(value, label)| {
                            view! {
                                <option value=value selected=move || query.get().action.as_deref() == Some(value)>
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                    {model::identity::AUDIT_ACTIONS
                        .iter()
                        .map(|action| {
                            view! {
                                <option value=*action selected=move || query.get().action.as_deref() == Some(*action)>
                                    {*action}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </Field>
            <Field label="Outcome">
                <select class="select" name="outcome">
                    <option value="">"Any outcome"</option>
                    {AuditOutcome::ALL
                        .into_iter()
                        .map(|outcome| {
                            view! {
                                <option value=outcome.as_str() selected=move || query.get().outcome == Some(outcome)>
                                    {outcome.as_str()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </Field>
            <button class="btn btn-secondary" type="submit">
                "Filter"
            </button>
        </Form>
        <Transition fallback=|| {
            view! { <p class="muted">"Loading the audit log…"</p> }
        }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <AuditTable page query=query.get_untracked() /> }.into_any(),
                    Err(error) => view! { <p class="field-error">{error.message()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AuditTable(page: AuditPage, query: AuditQuery) -> impl IntoView {
    let link = move |offset: u64| {
        let mut params = Vec::new();
        for (key, value) in [
            ("actor", query.actor.clone()),
            ("action", query.action.clone()),
            ("outcome", query.outcome.map(|outcome| outcome.as_str().to_owned())),
        ] {
            if let Some(value) = value {
                params.push(format!("{key}={value}"));
            }
        }
        params.push(format!("offset={offset}"));
        format!("/admin/audit?{}", params.join("&"))
    };
    let first = page.offset + 1;
    let last = page.offset + page.events.len() as u64;
    let previous = (page.offset > 0).then(|| link(page.offset.saturating_sub(page.limit)));
    let next = (last < page.total).then(|| link(last));
    view! {
        <Table caption="Audit log" headers=vec!["When", "Who", "Action", "Target", "Outcome", "From"]>
            {page
                .events
                .into_iter()
                .map(|event| {
                    let tone = match event.outcome {
                        AuditOutcome::Success => Tone::Success,
                        AuditOutcome::Failure => Tone::Danger,
                        AuditOutcome::Denied => Tone::Warning,
                    };
                    view! {
                        <tr data-testid="audit-row">
                            <td class="tabular">{day(&event.at)}</td>
                            <td>
                                {event.actor.clone().unwrap_or_else(|| "—".into())}
                                <span class="muted text-xs">" · " {event.actor_kind.clone()}</span>
                            </td>
                            <td class="mono text-xs">{event.action.clone()}</td>
                            <td>{event.target.clone().unwrap_or_default()}</td>
                            <td>
                                <Badge tone>{event.outcome.as_str()}</Badge>
                            </td>
                            <td class="mono text-xs">{event.ip.clone().unwrap_or_default()}</td>
                        </tr>
                    }
                })
                .collect_view()}
        </Table>
        <div class="pager">
            <span data-testid="audit-count">
                {if page.total == 0 {
                    "No entries match.".to_owned()
                } else {
                    format!("{first}–{last} of {}", page.total)
                }}
            </span>
            <span class="row">
                {previous
                    .map(|href| {
                        view! {
                            <a class="btn btn-secondary" href=href>
                                "Newer"
                            </a>
                        }
                    })}
                {next
                    .map(|href| {
                        view! {
                            <a class="btn btn-secondary" href=href>
                                "Older"
                            </a>
                        }
                    })}
            </span>
        </div>
    }
}
