//! `/catalog/register`: "Register existing component". Enter where the
//! `catalog-info.yaml` lives (a URL, a path or a git repository), see what
//! would be imported and what is wrong with it, then import it.

use super::{entity_href, short_ref};
use crate::error::AppError;
use crate::pages::access_gate::{Gate, Gated};
use crate::ui::{icons, Badge, Card, Field, PageHeader};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use model::catalog::LocationProblem;
use serde::{Deserialize, Serialize};

/// What a location holds (before or after importing it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationPreview {
    pub kind: String,
    pub target: String,
    /// How many entities it holds.
    pub total: usize,
    /// (entity ref, kind, title or name) of the first 500 of them.
    pub entities: Vec<(String, String, String)>,
    pub problems: Vec<LocationProblem>,
    /// Registered already (preview) or just now (import).
    pub registered: bool,
}

/// Entities listed on the page; a location may hold a hundred thousand.
#[cfg(feature = "ssr")]
const LISTED: usize = 500;

#[cfg(feature = "ssr")]
fn preview_of(registered: domain::catalog::Registered, done: bool) -> LocationPreview {
    let total = if done { registered.imported.len() } else { registered.entities.len() };
    let read = registered.entities.iter().take(LISTED).filter_map(|entity| {
        let kind = entity.get("kind")?.as_str()?.to_owned();
        let metadata = entity.get("metadata")?;
        let name = metadata.get("name")?.as_str()?;
        let namespace = metadata.get("namespace").and_then(|n| n.as_str()).unwrap_or("default");
        let title = metadata.get("title").and_then(|t| t.as_str()).unwrap_or(name).to_owned();
        Some((model::catalog::EntityRef::new(&kind, namespace, name).canonical(), kind, title))
    });
    LocationPreview {
        kind: registered.location.kind.clone(),
        target: registered.location.target.clone(),
        total,
        entities: read.collect(),
        problems: registered.problems,
        registered: done || registered.exists,
    }
}

#[server(prefix = "/api/fn", endpoint = "catalog/preview")]
pub async fn preview_location(kind: String, target: String) -> Result<LocationPreview, AppError> {
    use crate::auth::server;
    use domain::identity::access::{Action, Resource};
    server::authorize(Action::Write, &Resource::Portal)?;
    let preview = server::catalog()?.preview(&server::database()?, &kind, &target).await?;
    Ok(preview_of(preview, false))
}

#[server(prefix = "/api/fn", endpoint = "catalog/register")]
pub async fn register_location(kind: String, target: String) -> Result<LocationPreview, AppError> {
    use crate::auth::server;
    let actor = server::actor()?;
    let (catalog, database) = (server::catalog()?, server::database()?);
    let mut registered = catalog.register_as(&database, actor.caller(), &kind, &target).await?;
    // Like Backstage, a registration answers without the entities; the page
    // lists the first of them, with their titles, read in one go.
    let listed: Vec<String> = registered.imported.iter().take(LISTED).cloned().collect();
    let fields = ["kind", "metadata.name", "metadata.namespace", "metadata.title"].map(str::to_owned).to_vec();
    registered.entities = catalog.entities_by_refs(&database, &listed, fields).await?;
    Ok(preview_of(registered, true))
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    view! {
        <Title text="Register existing component" />
        <PageHeader
            title="Register existing component"
            lead="Point Portico at a catalog-info.yaml (or a pattern of them). It is read now and again on every refresh."
        />
        <Gated gate=Gate::SignedIn>
            <Register />
        </Gated>
    }
}

#[component]
fn Register() -> impl IntoView {
    let preview = ServerAction::<PreviewLocation>::new();
    let register = ServerAction::<RegisterLocation>::new();
    view! {
        <div class="stack">
            <Card
                title="Where is it?"
                description="A URL (https://…/catalog-info.yaml), a file or pattern on the server (services/*/catalog-info.yaml), or a git repository as REPOSITORY#BRANCH:PATH."
            >
                <ActionForm action=preview attr:class="form" attr:data-testid="preview-form">
                    <div class="form-row">
                        <Field label="Type">
                            <select class="select" name="kind">
                                <option value="url">"URL"</option>
                                <option value="file">"File or pattern"</option>
                                <option value="git">"Git repository"</option>
                            </select>
                        </Field>
                        <Field label="Target" grow=true>
                            <input
                                class="input"
                                name="target"
                                required
                                autocomplete="off"
                                placeholder="https://git.example.com/org/repo/raw/main/catalog-info.yaml"
                            />
                        </Field>
                        <button class="btn btn-secondary" type="submit" disabled=move || preview.pending().get()>
                            {icons::search()}
                            {move || if preview.pending().get() { "Reading…" } else { "Preview" }}
                        </button>
                    </div>
                </ActionForm>
            </Card>
            {move || {
                let done = register.value().get();
                match done {
                    Some(Ok(result)) => view! { <Outcome result /> }.into_any(),
                    Some(Err(error)) => {
                        view! {
                            <p class="alert alert-danger" role="alert">
                                {error.message()}
                            </p>
                        }
                            .into_any()
                    }
                    None => {
                        match preview.value().get() {
                            Some(Ok(result)) => view! { <Preview result register /> }.into_any(),
                            Some(Err(error)) => {
                                view! {
                                    <p class="alert alert-danger" role="alert">
                                        {error.message()}
                                    </p>
                                }
                                    .into_any()
                            }
                            None => ().into_any(),
                        }
                    }
                }
            }}
        </div>
    }
}

#[component]
fn EntityList(entities: Vec<(String, String, String)>, total: usize, linked: bool) -> impl IntoView {
    let more = total.saturating_sub(entities.len());
    view! {
        <ul class="preview-list">
            {entities
                .into_iter()
                .map(|(entity_ref, kind, title)| {
                    let label = if linked {
                        view! { <a href=entity_href(&entity_ref)>{title}</a> }.into_any()
                    } else {
                        view! { <span>{title}</span> }.into_any()
                    };
                    view! {
                        <li>
                            <Badge>{kind}</Badge>
                            " "
                            {label}
                            <span class="muted">{format!(" {}", short_ref(&entity_ref, "component"))}</span>
                        </li>
                    }
                })
                .collect_view()} {(more > 0).then(|| view! { <li class="muted">{format!("… and {more} more")}</li> })}
        </ul>
    }
}

#[component]
fn Problems(problems: Vec<LocationProblem>) -> impl IntoView {
    (!problems.is_empty()).then(|| {
        view! {
            <div class="alert alert-danger" role="alert">
                <strong>{format!("{} problem(s) found", problems.len())}</strong>
                <ul>{problems.iter().map(|problem| view! { <li>{problem.to_string()}</li> }).collect_view()}</ul>
            </div>
        }
    })
}

#[component]
fn Preview(result: LocationPreview, register: ServerAction<RegisterLocation>) -> impl IntoView {
    let count = result.total;
    let (kind, target) = (result.kind.clone(), result.target.clone());
    view! {
        <Card title="What would be imported" description=format!("{count} entities from {}", result.target)>
            <Problems problems=result.problems.clone() />
            <EntityList entities=result.entities.clone() total=result.total linked=false />
            {if result.registered {
                view! {
                    <p class="alert alert-warning" role="status">
                        "This location is registered already. Refresh it from the health page."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <ActionForm action=register attr:class="form" attr:data-testid="import-form">
                        <input type="hidden" name="kind" value=kind />
                        <input type="hidden" name="target" value=target />
                        <button class="btn btn-primary" type="submit" disabled=move || register.pending().get()>
                            {icons::check()}
                            {move || if register.pending().get() { "Importing…" } else { "Import" }}
                        </button>
                    </ActionForm>
                }
                    .into_any()
            }}
        </Card>
    }
}

#[component]
fn Outcome(result: LocationPreview) -> impl IntoView {
    view! {
        <Card title="Imported" description=format!("{} entities from {}", result.total, result.target)>
            <p class="alert alert-success" role="status">
                "Registered. Portico reads this location again on every refresh."
            </p>
            <Problems problems=result.problems.clone() />
            <EntityList entities=result.entities.clone() total=result.total linked=true />
            <a class="btn btn-secondary" href="/catalog">
                "Go to the catalog"
            </a>
        </Card>
    }
}
