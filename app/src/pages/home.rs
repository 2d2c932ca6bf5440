//! The home page: what this Portico is and how it is doing, fetched live from
//! the server, and where to go next.

use crate::error::AppError;
use crate::ui::{icons, Badge, Button, ButtonLink, Card, PageHeader, Skeleton, Tab, TabPanel, Table, Tabs, Tone};
use leptos::prelude::*;
use leptos_meta::Title;
use model::{human_duration, human_latency, DatabaseCheck, SystemStatus};

/// The status snapshot shown on the home page.
#[server(prefix = "/api/fn", endpoint = "system_status")]
pub async fn load_system_status() -> Result<SystemStatus, AppError> {
    let services = use_context::<domain::Services>().ok_or(AppError::Internal)?;
    Ok(domain::system::status(&services).await?)
}

/// Times one round trip to the database, on request.
#[server(prefix = "/api/fn", endpoint = "check_database")]
pub async fn check_database() -> Result<DatabaseCheck, AppError> {
    let services = use_context::<domain::Services>().ok_or(AppError::Internal)?;
    let database = services.database()?;
    Ok(domain::system::check_database(&database).await?)
}

#[component]
pub fn HomePage() -> impl IntoView {
    let status = Resource::new(|| (), |_| load_system_status());
    view! {
        <Title text="Home" />
        <PageHeader
            title="Welcome to Portico"
            lead="Everything your company builds, who owns it, and how it fits together."
        >
            <ButtonLink href="/create">{icons::plus()} "Create a service"</ButtonLink>
        </PageHeader>
        <Tabs
            label="Home sections"
            tabs=vec![
                Tab {
                    id: "overview",
                    label: "Overview",
                },
                Tab {
                    id: "system",
                    label: "System",
                },
            ]
        >
            <TabPanel id="overview">
                <div class="stack">
                    <StatusSummary status />
                    <div class="grid-2">
                        <DatabaseCheckCard />
                        <GetStarted />
                    </div>
                </div>
            </TabPanel>
            <TabPanel id="system">
                <SystemDetails status />
            </TabPanel>
        </Tabs>
    }
}

type StatusResource = Resource<Result<SystemStatus, AppError>>;

/// Four headline figures, with skeletons while they load.
#[component]
fn StatusSummary(status: StatusResource) -> impl IntoView {
    let skeletons = || {
        (0..4)
            .map(|_| {
                view! {
                    <div class="stat">
                        <Skeleton class="h-4 w-20" />
                        <Skeleton class="mt-3 h-7 w-28" />
                        <Skeleton class="mt-2 h-4 w-24" />
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <section class="stat-grid" aria-label="Status">
            <Suspense fallback=skeletons>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(status) => view! { <StatusFigures status /> }.into_any(),
                        Err(error) => view! { <StatusUnavailable error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn StatusFigures(status: SystemStatus) -> impl IntoView {
    let uptime = live_uptime(status.uptime_seconds);
    let migrations = status.migrations_applied;
    view! {
        <Stat label="Database" icon=icons::database testid="stat-database">
            <span>{status.database.label()}</span>
            <span class="stat-note">"version " {status.database_version.clone()}</span>
        </Stat>
        <Stat label="Uptime" icon=icons::clock testid="stat-uptime">
            <span>{move || human_duration(uptime.get())}</span>
            <span class="stat-note">"since this process started"</span>
        </Stat>
        <Stat label="Version" icon=icons::package testid="stat-version">
            <span>{status.version.clone()}</span>
            <span class="stat-note">"Portico server"</span>
        </Stat>
        <Stat label="Schema" icon=icons::layers testid="stat-schema">
            <span>{migrations} {if migrations == 1 { " migration" } else { " migrations" }}</span>
            <span class="stat-note">"applied, up to date"</span>
        </Stat>
    }
}

/// Seconds of uptime that keep counting in the browser after hydration.
fn live_uptime(at_render: u64) -> RwSignal<u64> {
    let uptime = RwSignal::new(at_render);
    #[cfg(any(feature = "hydrate", feature = "csr"))]
    if let Ok(handle) = set_interval_with_handle(move || uptime.update(|s| *s += 1), std::time::Duration::from_secs(1))
    {
        on_cleanup(move || handle.clear());
    }
    uptime
}

#[component]
fn Stat(label: &'static str, icon: fn() -> AnyView, testid: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="stat" data-testid=testid>
            <p class="stat-label">
                <span class="stat-icon">{icon()}</span>
                {label}
            </p>
            <p class="stat-value">{children()}</p>
        </div>
    }
}

#[component]
fn StatusUnavailable(error: AppError) -> impl IntoView {
    let (title, tone) = match error {
        AppError::NotReady(_) => ("Portico is starting", Tone::Warning),
        _ => ("Status unavailable", Tone::Danger),
    };
    view! {
        <div class="stat stat-wide" role="alert">
            <p class="stat-label">
                <span class="stat-icon">{icons::alert()}</span>
                <Badge tone>{title}</Badge>
            </p>
            <p class="muted">{error.to_string()}</p>
        </div>
    }
}

/// Runs a live database round trip and lists the recent results.
#[component]
fn DatabaseCheckCard() -> impl IntoView {
    let check = ServerAction::<CheckDatabase>::new();
    let history = RwSignal::new(Vec::<DatabaseCheck>::new());
    let toasts = crate::ui::use_toasts();
    Effect::new(move |_| match check.value().get() {
        Some(Ok(result)) => {
            toasts.show(
                Tone::Success,
                format!("{} answered in {}", result.database, human_latency(result.round_trip_micros)),
            );
            history.update(|history| {
                history.insert(0, result);
                history.truncate(5);
            });
        }
        Some(Err(error)) => toasts.show(Tone::Danger, format!("Database check failed: {error}")),
        None => {}
    });
    view! {
        <Card title="Database health" description="Time a live round trip from this server to its database.">
            <div class="row">
                <Button
                    on_click=move |_| {
                        check.dispatch(CheckDatabase {});
                    }
                    busy=check.pending()
                    test_id="check-database"
                >
                    {icons::activity()}
                    {move || if check.pending().get() { "Checking…" } else { "Check database" }}
                </Button>
                <span class="muted" data-testid="check-count">
                    {move || match history.read().len() {
                        0 => "No checks yet".to_owned(),
                        1 => "1 check".to_owned(),
                        n => format!("{n} checks"),
                    }}
                </span>
            </div>
            <ul class="check-list" data-testid="check-results">
                <For each=move || history.get() key=|check| check.checked_at.clone() let:result>
                    <li class="check-item">
                        <Badge tone=Tone::Success>"OK"</Badge>
                        <span class="tabular">{human_latency(result.round_trip_micros)}</span>
                        <span class="muted">{short_time(&result.checked_at)}</span>
                    </li>
                </For>
            </ul>
        </Card>
    }
}

/// `2026-11-25T21:40:01.123+00:00` → `21:40:01 UTC`.
fn short_time(rfc3339: &str) -> String {
    rfc3339.get(11..19).map(|time| format!("{time} UTC")).unwrap_or_else(|| rfc3339.to_owned())
}

/// `2026-11-25T21:40:01.123+00:00` → `2026-11-25 21:40 UTC`.
fn short_date_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => rfc3339.to_owned(),
    }
}

#[component]
fn GetStarted() -> impl IntoView {
    view! {
        <Card title="Get started" description="Where to go next.">
            <ul class="link-list">
                <LinkRow
                    href="/catalog"
                    icon=icons::layers
                    title="Browse the catalog"
                    text="Services, APIs, resources, teams and who owns what."
                />
                <LinkRow
                    href="/create"
                    icon=icons::plus
                    title="Create something new"
                    text="Start a service from your company's templates."
                />
                <LinkRow
                    href="/docs"
                    icon=icons::book
                    title="Read the docs"
                    text="Documentation that lives next to the code."
                />
            </ul>
        </Card>
    }
}

#[component]
fn LinkRow(href: &'static str, icon: fn() -> AnyView, title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <li>
            <a class="link-row" href=href>
                <span class="link-row-icon">{icon()}</span>
                <span>
                    <span class="link-row-title">{title}</span>
                    <span class="link-row-text">{text}</span>
                </span>
            </a>
        </li>
    }
}

/// Every fact about the installation, as a table.
#[component]
fn SystemDetails(status: StatusResource) -> impl IntoView {
    view! {
        <Card title="Installation" description="Facts about this Portico and its database.">
            <Suspense fallback=|| {
                view! { <Skeleton class="h-40 w-full" /> }
            }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(status) => {
                            let rows = vec![
                                ("Installation id", status.installation_id.clone()),
                                ("Installed", short_date_time(&status.installed_at)),
                                ("Version", status.version.clone()),
                                ("Database", format!("{} {}", status.database.label(), status.database_version)),
                                ("Migrations applied", status.migrations_applied.to_string()),
                                ("Uptime at load", human_duration(status.uptime_seconds)),
                            ];
                            view! {
                                <Table caption="Installation details" headers=vec!["Property", "Value"]>
                                    {rows
                                        .into_iter()
                                        .map(|(name, value)| {
                                            view! {
                                                <tr>
                                                    <th scope="row">{name}</th>
                                                    <td class="mono">{value}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </Table>
                                <p class="row mt-4">
                                    <a class="btn btn-secondary" href="/readyz">
                                        "Readiness probe"
                                    </a>
                                    <a class="btn btn-secondary" href="/metrics">
                                        "Prometheus metrics"
                                    </a>
                                </p>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="muted">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shortened_for_people_and_bad_input_is_shown_as_is() {
        assert_eq!(short_time("2026-11-25T21:40:01.123+00:00"), "21:40:01 UTC");
        assert_eq!(short_date_time("2026-11-25T21:40:01.123+00:00"), "2026-11-25 21:40 UTC");
        assert_eq!(short_time("soon"), "soon");
        assert_eq!(short_date_time("soon"), "soon");
    }
}
