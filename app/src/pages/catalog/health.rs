//! `/catalog/health`: every location with how its last read went (file,
//! document, line, field and reason of each problem), and every relation that
//! points at an entity the catalog does not have.

use super::{entity_href, short_ref};
use crate::error::AppError;
use crate::ui::{icons, Badge, Card, EmptyState, PageHeader, Tone};
use leptos::prelude::*;
use leptos_meta::Title;
use model::catalog::LocationHealth;
use serde::{Deserialize, Serialize};

/// The health page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogHealth {
    pub locations: Vec<LocationHealth>,
    /// (source ref, relation type, missing target ref).
    pub dangling: Vec<(String, String, String)>,
    pub entity_count: u64,
    pub can_refresh: bool,
}

#[server(prefix = "/api/fn", endpoint = "catalog/health")]
pub async fn load_health() -> Result<CatalogHealth, AppError> {
    use crate::auth::server;
    use domain::identity::access::{Action, Resource};
    let principal = server::authorize(Action::Read, &Resource::Portal)?;
    let catalog = server::catalog()?;
    let locations = catalog.health(&server::database()?).await?;
    let (dangling, entity_count) = {
        let index = catalog.index();
        let dangling = index
            .dangling_relations()
            .into_iter()
            .map(|(source, kind, target)| (source, kind.to_owned(), target))
            .collect();
        (dangling, index.len())
    };
    let can_refresh = server::identity()?.authorize(principal.as_ref(), Action::Write, &Resource::Portal).is_ok();
    Ok(CatalogHealth { locations, dangling, entity_count, can_refresh })
}

#[server(prefix = "/api/fn", endpoint = "catalog/refresh_location")]
pub async fn refresh_location(id: String) -> Result<(), AppError> {
    use crate::auth::server;
    use domain::identity::access::{Action, Resource};
    server::authorize(Action::Write, &Resource::Portal)?;
    server::catalog()?.refresh_location(&server::database()?, &id).await?;
    Ok(())
}

#[component]
pub fn HealthPage() -> impl IntoView {
    let refresh = ServerAction::<RefreshLocation>::new();
    let health = Resource::new(move || refresh.version().get(), |_| load_health());
    view! {
        <Title text="Catalog health" />
        <PageHeader
            title="Catalog health"
            lead="Where entities come from, how each location's last read went, and references to entities that do not exist."
        />
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match health.await {
                    Ok(health) => view! { <Health health refresh /> }.into_any(),
                    Err(error) => view! { <p class="field-error">{error.message()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn status_badge(status: &str) -> AnyView {
    let tone = match status {
        "ok" => Tone::Success,
        "error" => Tone::Danger,
        _ => Tone::Neutral,
    };
    let status = status.to_owned();
    view! { <Badge tone>{status}</Badge> }.into_any()
}

#[component]
fn Health(health: CatalogHealth, refresh: ServerAction<RefreshLocation>) -> impl IntoView {
    let failing = health.locations.iter().filter(|location| location.status == "error").count();
    let summary = format!(
        "{} locations, {} entities, {failing} locations with problems, {} missing references",
        health.locations.len(),
        health.entity_count,
        health.dangling.len()
    );
    if health.locations.is_empty() {
        return view! {
            <EmptyState
                icon=icons::activity
                title="No locations yet"
                description="Start Portico with --catalog PATH, list [[catalog.locations]] in portico.toml, or register one."
            >
                <a class="btn btn-primary" href="/catalog/register">
                    "Register existing component"
                </a>
            </EmptyState>
        }
        .into_any();
    }
    let can_refresh = health.can_refresh;
    view! {
        <p class="results-count" role="status">
            {summary}
        </p>
        <div class="stack">
            {health
                .locations
                .into_iter()
                .map(|location| {
                    let id = location.id.clone();
                    view! {
                        <section class="card location-card" id=format!("location-{}", location.id)>
                            <header class="card-header location-header">
                                <div>
                                    <h2 class="card-title break">
                                        {format!("{}: {}", location.kind, location.target)}
                                    </h2>
                                    <p class="card-description">
                                        {format!(
                                            "{} entities · {} · last read {}",
                                            location.entity_count,
                                            if location.origin == "config" {
                                                "from the configuration"
                                            } else {
                                                "registered"
                                            },
                                            location
                                                .refreshed_at
                                                .as_deref()
                                                .and_then(|at| at.get(..19))
                                                .unwrap_or("never")
                                                .replace('T', " "),
                                        )}
                                    </p>
                                </div>
                                <div class="location-actions">
                                    {status_badge(&location.status)}
                                    {can_refresh
                                        .then(|| {
                                            let id = id.clone();
                                            view! {
                                                <button
                                                    type="button"
                                                    class="btn btn-secondary btn-sm"
                                                    on:click=move |_| {
                                                        refresh.dispatch(RefreshLocation { id: id.clone() });
                                                    }
                                                >
                                                    {icons::refresh()}
                                                    "Refresh"
                                                </button>
                                            }
                                        })}
                                </div>
                            </header>
                            {(!location.problems.is_empty())
                                .then(|| {
                                    view! {
                                        <div class="card-body">
                                            <ul class="problem-list">
                                                {location
                                                    .problems
                                                    .iter()
                                                    .map(|problem| {
                                                        view! {
                                                            <li>
                                                                <div class="problem-place">
                                                                    {problem.source.clone()}
                                                                    {problem.document.map(|d| format!(" · document {d}"))}
                                                                    {problem.line.map(|l| format!(" · line {l}"))}
                                                                    {problem.field.clone().map(|f| format!(" · {f}"))}
                                                                </div>
                                                                <div class="problem-message">{problem.message.clone()}</div>
                                                            </li>
                                                        }
                                                    })
                                                    .collect_view()}
                                            </ul>
                                        </div>
                                    }
                                })}
                        </section>
                    }
                })
                .collect_view()}
            {(!health.dangling.is_empty())
                .then(|| {
                    view! {
                        <Card
                            title="References to missing entities"
                            description="Relations whose target is not in the catalog. They are kept and shown as missing."
                        >
                            <ul class="problem-list">
                                {health
                                    .dangling
                                    .into_iter()
                                    .map(|(source, kind, target)| {
                                        view! {
                                            <li>
                                                <a href=entity_href(&source)>{short_ref(&source, "component")}</a>
                                                <span class="muted">{format!(" {kind} ")}</span>
                                                <span class="missing-ref">{target}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        </Card>
                    }
                })}
        </div>
    }
    .into_any()
}
