//! `/catalog/:namespace/:kind/:name`: one entity. What it is, who owns it,
//! where it belongs, its links, its relations (as lists and as a graph), its
//! API definition, what a team or person owns, and where it came from. Its
//! owners (and admins) can refresh or unregister it; anyone signed in can
//! star it.

use super::graph::RelationGraph;
use super::highlight::CodeBlock;
use super::{entity_href, lifecycle_tone, short_ref};
use crate::error::AppError;
use crate::ui::{icons, Badge, Card, Dialog, EmptyState, Tone};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use model::catalog::view::{EntityLink, EntityPage, RefLink};

#[server(prefix = "/api/fn", endpoint = "catalog/entity")]
pub async fn load_entity(kind: String, namespace: String, name: String) -> Result<EntityPage, AppError> {
    use crate::auth::server;
    use domain::identity::access::{Action, Resource};
    use model::catalog::EntityRef;
    let principal = server::authorize(Action::Read, &Resource::Portal)?;
    let viewer = server::catalog_viewer().await?;
    let catalog = server::catalog()?;
    let entity_ref = EntityRef::new(&kind, &namespace, &name).canonical();
    let page = domain::catalog::browse::entity_page(&catalog, &server::database()?, &entity_ref, &viewer).await?;
    let Some(mut page) = page else {
        let error = AppError::NotFound(format!("No {kind} named {name} in namespace {namespace}"));
        error.set_response_status();
        return Err(error);
    };
    let identity = server::identity()?;
    let caller = domain::catalog::actions::Caller { identity: &identity, principal: principal.as_ref(), ip: None };
    page.can_change = catalog.authorize_change(caller, &entity_ref).is_ok();
    Ok(page)
}

#[server(prefix = "/api/fn", endpoint = "catalog/refresh")]
pub async fn refresh_entity(entity_ref: String) -> Result<(), AppError> {
    use crate::auth::server;
    let actor = server::actor()?;
    Ok(server::catalog()?.refresh_as(&server::database()?, actor.caller(), &entity_ref).await?)
}

#[server(prefix = "/api/fn", endpoint = "catalog/unregister")]
pub async fn unregister_entity(entity_ref: String) -> Result<(), AppError> {
    use crate::auth::server;
    let actor = server::actor()?;
    Ok(server::catalog()?.unregister_as(&server::database()?, actor.caller(), &entity_ref).await?)
}

#[server(prefix = "/api/fn", endpoint = "catalog/star")]
pub async fn star_entity(entity_ref: String, star: bool) -> Result<bool, AppError> {
    use crate::auth::server;
    let principal = server::signed_in()?;
    let user = principal.user().ok_or(AppError::Internal)?;
    let database = server::database()?;
    Ok(domain::catalog::stars::set_star(database.connection(), &user.id, &entity_ref, star).await?)
}

#[component]
pub fn EntityPage() -> impl IntoView {
    let params = use_params_map();
    let refresh = ServerAction::<RefreshEntity>::new();
    let entity = Resource::new(
        move || {
            let params = params.read();
            (
                params.get("kind").unwrap_or_default(),
                params.get("namespace").unwrap_or_default(),
                params.get("name").unwrap_or_default(),
                refresh.version().get(),
            )
        },
        |(kind, namespace, name, _)| load_entity(kind, namespace, name),
    );
    // Here, not in the actions: they are rebuilt when the page reloads after a refresh.
    let toasts = crate::ui::use_toasts();
    Effect::new(move |_| match refresh.value().get() {
        Some(Ok(())) => toasts.show(Tone::Success, "Refreshed from its source".to_owned()),
        Some(Err(error)) => toasts.show(Tone::Danger, error.message()),
        None => {}
    });
    view! {
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match entity.await {
                    Ok(page) => view! { <Entity page refresh /> }.into_any(),
                    Err(AppError::NotFound(message)) => {
                        view! {
                            <Title text="Not found" />
                            <EmptyState icon=icons::search title="No such entity" description=message>
                                <a class="btn btn-secondary" href="/catalog">
                                    "Back to the catalog"
                                </a>
                            </EmptyState>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="field-error">{error.message()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn ref_view(link: RefLink, context_kind: &'static str) -> AnyView {
    let label = link.title.clone().unwrap_or_else(|| short_ref(&link.entity_ref, context_kind));
    if link.exists {
        view! { <a href=entity_href(&link.entity_ref)>{label}</a> }.into_any()
    } else {
        view! {
            <span class="missing-ref" title="Not in the catalog">
                {label}
                " "
                <Badge tone=Tone::Warning>"missing"</Badge>
            </span>
        }
        .into_any()
    }
}

#[component]
fn Entity(page: EntityPage, refresh: ServerAction<RefreshEntity>) -> impl IntoView {
    let heading = page.title.clone().unwrap_or_else(|| page.name.clone());
    let kind_lower = page.kind.to_lowercase();
    let namespace_note = (page.namespace != "default").then(|| page.namespace.clone());
    view! {
        <Title text=heading.clone() />
        <div class="entity-header">
            <div class="entity-heading">
                <p class="eyebrow">
                    {page.kind.clone()} {page.spec_type.clone().map(|spec_type| format!(" · {spec_type}"))}
                    {namespace_note.map(|namespace| format!(" · {namespace}"))}
                </p>
                <h1 class="h1">{heading.clone()}</h1>
                {page.description.clone().map(|description| view! { <p class="lead">{description}</p> })}
                <div class="entity-badges">
                    {page
                        .lifecycle
                        .clone()
                        .map(|lifecycle| view! { <Badge tone=lifecycle_tone(&lifecycle)>{lifecycle.clone()}</Badge> })}
                    {page.tags.iter().map(|tag| view! { <span class="tag">{tag.clone()}</span> }).collect_view()}
                </div>
            </div>
            <EntityActions page=page.clone() refresh />
        </div>
        {(!page.problems.is_empty())
            .then(|| {
                view! {
                    <div class="alert alert-danger" role="alert">
                        <strong>"The latest read of its file failed; this is the last good version."</strong>
                        <ul>
                            {page
                                .problems
                                .iter()
                                .map(|problem| view! { <li>{problem.to_string()}</li> })
                                .collect_view()}
                        </ul>
                    </div>
                }
            })}
        <div class="entity-grid">
            <Card title="About">
                <dl class="facts">
                    {page
                        .owner
                        .clone()
                        .map(|owner| {
                            view! {
                                <dt>"Owner"</dt>
                                <dd>{ref_view(owner, "group")}</dd>
                            }
                        })}
                    {page
                        .system
                        .clone()
                        .map(|system| {
                            view! {
                                <dt>"System"</dt>
                                <dd>{ref_view(system, "system")}</dd>
                            }
                        })}
                    {page
                        .domain
                        .clone()
                        .map(|domain| {
                            view! {
                                <dt>"Domain"</dt>
                                <dd>{ref_view(domain, "domain")}</dd>
                            }
                        })}
                    {page
                        .email
                        .clone()
                        .map(|email| {
                            view! {
                                <dt>"Email"</dt>
                                <dd>
                                    <a href=format!("mailto:{email}")>{email.clone()}</a>
                                </dd>
                            }
                        })} <dt>"Reference"</dt> <dd>
                        <code>{page.entity_ref.clone()}</code>
                    </dd>
                </dl>
                <Links links=page.links.clone() />
            </Card>
            <Card title="Where it comes from">
                <dl class="facts">
                    <dt>"Source"</dt>
                    <dd class="break">{page.source.clone()}</dd>
                    <dt>"Last refreshed"</dt>
                    <dd>
                        <time datetime=page.refreshed_at.clone()>{when(&page.refreshed_at)}</time>
                    </dd>
                    <dt>"Location"</dt>
                    <dd>
                        <a href=format!("/catalog/health#location-{}", page.location_id)>"See its health"</a>
                    </dd>
                </dl>
            </Card>
        </div>
        {(!page.relations.is_empty())
            .then(|| {
                view! {
                    <section class="section" aria-labelledby="relations-heading">
                        <h2 class="h2" id="relations-heading">
                            "Relations"
                        </h2>
                        <RelationGraph center=heading.clone() groups=page.relations.clone() />
                        <div class="relation-lists">
                            {page
                                .relations
                                .iter()
                                .map(|group| {
                                    view! {
                                        <div class="relation-list">
                                            <h3 class="h3">{group.label.clone()}</h3>
                                            <ul>
                                                {group
                                                    .targets
                                                    .iter()
                                                    .map(|target| {
                                                        view! { <li>{ref_view(target.clone(), "component")}</li> }
                                                    })
                                                    .collect_view()}
                                            </ul>
                                        </div>
                                    }
                                })
                                .collect_view()}
                        </div>
                    </section>
                }
            })}
        {page
            .definition
            .clone()
            .map(|(language, text)| {
                view! {
                    <section class="section" aria-labelledby="definition-heading">
                        <h2 class="h2" id="definition-heading">
                            "Definition"
                            <span class="muted">{format!(" · {language}")}</span>
                        </h2>
                        <CodeBlock text language label="API definition" />
                    </section>
                }
            })}
        {(kind_lower == "group" || kind_lower == "user")
            .then(|| {
                let heading = if kind_lower == "user" {
                    "Owned by them or their groups"
                } else {
                    "Owned by this group"
                };
                view! {
                    <section class="section" aria-labelledby="owned-heading">
                        <h2 class="h2" id="owned-heading">
                            {heading}
                        </h2>
                        <OwnedList rows=page.owned.clone() />
                    </section>
                }
            })}
        {(!page.suggestions.is_empty())
            .then(|| view! { <Suggestions suggestions=page.suggestions.clone() team=kind_lower == "group" /> })}
        <details class="section raw">
            <summary>{icons::code()} "Entity as JSON"</summary>
            <CodeBlock text=page.raw.clone() language="json" label="Entity JSON" />
        </details>
    }
}

/// "Services you may need": what similar components use and this one does not.
#[component]
fn Suggestions(suggestions: Vec<model::search::Suggestion>, team: bool) -> impl IntoView {
    let lead = if team {
        "APIs and services that components like this team's use, and its own components do not yet."
    } else {
        "APIs and services that similar components use, and this one does not yet."
    };
    view! {
        <section class="section" aria-labelledby="suggestions-heading">
            <h2 class="h2" id="suggestions-heading">
                "Services you may need"
            </h2>
            <p class="muted">{lead}</p>
            <ul class="suggestions" data-testid="suggestions">
                {suggestions
                    .into_iter()
                    .map(|suggestion| {
                        let kind = suggestion.entity_ref.split(':').next().unwrap_or_default().to_owned();
                        let name = suggestion
                            .title
                            .clone()
                            .unwrap_or_else(|| {
                                suggestion.entity_ref.rsplit(['/', ':']).next().unwrap_or_default().to_owned()
                            });
                        let used_by: Vec<String> = suggestion
                            .used_by
                            .iter()
                            .map(|user| short_ref(user, "component"))
                            .collect();
                        view! {
                            <li class="suggestion">
                                <a class="suggestion-name" href=entity_href(&suggestion.entity_ref)>
                                    {name}
                                </a>
                                <Badge tone=Tone::Neutral>{kind}</Badge>
                                <span class="muted">
                                    {format!("Used by {} · {}", used_by.join(", "), suggestion.because.join(", "))}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

fn when(rfc3339: &str) -> String {
    rfc3339
        .get(..16)
        .map(|text| text.replace('T', " "))
        .map_or_else(|| rfc3339.to_owned(), |text| format!("{text} UTC"))
}

#[component]
fn Links(links: Vec<EntityLink>) -> impl IntoView {
    (!links.is_empty()).then(|| {
        view! {
            <ul class="link-list">
                {links
                    .into_iter()
                    .map(|link| {
                        let internal = link.url.starts_with('/');
                        view! {
                            <li>
                                <a
                                    href=link.url
                                    class=format!("entity-extlink link-{}", link.icon)
                                    rel=(!internal).then_some("noopener noreferrer")
                                    target=(!internal).then_some("_blank")
                                >
                                    {if internal { icons::book() } else { icons::external() }}
                                    {link.title}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
    })
}

#[component]
fn OwnedList(rows: Vec<model::catalog::view::EntityRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"Nothing yet."</p> }.into_any();
    }
    view! {
        <ul class="owned-list">
            {rows
                .into_iter()
                .map(|row| {
                    let label = row.title.clone().unwrap_or_else(|| row.name.clone());
                    view! {
                        <li>
                            <a href=entity_href(&row.entity_ref)>{label}</a>
                            <span class="muted">
                                {format!(
                                    " {}{}",
                                    row.kind,
                                    row.spec_type.map(|t| format!(" · {t}")).unwrap_or_default(),
                                )}
                            </span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn EntityActions(page: EntityPage, refresh: ServerAction<RefreshEntity>) -> impl IntoView {
    let entity_ref = page.entity_ref.clone();
    let star = ServerAction::<StarEntity>::new();
    let starred = Signal::derive(move || match star.value().get() {
        Some(Ok(now)) => now,
        _ => page.starred,
    });
    let unregister = ServerAction::<UnregisterEntity>::new();
    let confirm = RwSignal::new(false);
    let navigate = use_navigate();
    let toasts = crate::ui::use_toasts();
    Effect::new(move |_| match unregister.value().get() {
        Some(Ok(())) => navigate("/catalog", Default::default()),
        Some(Err(error)) => toasts.show(Tone::Danger, error.message()),
        None => {}
    });
    let star_ref = entity_ref.clone();
    let refresh_ref = entity_ref.clone();
    let unregister_ref = entity_ref.clone();
    view! {
        <div class="entity-actions">
            {page
                .can_star
                .then(|| {
                    let star_ref = star_ref.clone();
                    view! {
                        <button
                            type="button"
                            class="btn btn-secondary"
                            aria-pressed=move || if starred.get() { "true" } else { "false" }
                            on:click=move |_| {
                                star.dispatch(StarEntity {
                                    entity_ref: star_ref.clone(),
                                    star: !starred.get(),
                                });
                            }
                        >
                            <span class=move || {
                                if starred.get() { "star star-on" } else { "star" }
                            }>{icons::star()}</span>
                            {move || if starred.get() { "Starred" } else { "Star" }}
                        </button>
                    }
                })}
            {page
                .can_change
                .then(|| {
                    let refresh_ref = refresh_ref.clone();
                    view! {
                        <button
                            type="button"
                            class="btn btn-secondary"
                            disabled=move || refresh.pending().get()
                            on:click=move |_| {
                                refresh
                                    .dispatch(RefreshEntity {
                                        entity_ref: refresh_ref.clone(),
                                    });
                            }
                        >
                            {icons::refresh()}
                            {move || if refresh.pending().get() { "Refreshing…" } else { "Refresh" }}
                        </button>
                        <button type="button" class="btn btn-danger" on:click=move |_| confirm.set(true)>
                            {icons::trash()}
                            "Unregister"
                        </button>
                    }
                })} <Dialog open=confirm title="Unregister this entity?">
                <p>
                    "It disappears from the catalog until its file is read again. To remove it for good, delete it from its file or remove its location."
                </p>
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| confirm.set(false)>
                        "Cancel"
                    </button>
                    <button
                        type="button"
                        class="btn btn-danger"
                        on:click={
                            let unregister_ref = unregister_ref.clone();
                            move |_| {
                                unregister
                                    .dispatch(UnregisterEntity {
                                        entity_ref: unregister_ref.clone(),
                                    });
                                confirm.set(false);
                            }
                        }
                    >
                        "Unregister"
                    </button>
                </div>
            </Dialog>
        </div>
    }
}
