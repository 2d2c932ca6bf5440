//! Starting and stopping: bind the socket, connect the database in the
//! background (retrying with backoff while `/readyz` says why), serve until
//! SIGINT/SIGTERM, let in-flight requests finish, then close the database.

use crate::assets::SiteAssets;
use crate::cli::ServeArgs;
use crate::config::Config;
use crate::error::ServerError;
use crate::state::AppState;
use crate::{catalog, router, telemetry};
use domain::catalog::ownership::OwnersMayChange;
use domain::system::DatabaseFacts;
use domain::{Catalog, Database, Identity, Readiness, Search, Services};
use leptos::config::LeptosOptions;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// First and longest pause between two attempts to reach the database.
const FIRST_RETRY: Duration = Duration::from_millis(250);
const LONGEST_RETRY: Duration = Duration::from_secs(10);

/// `portico serve`: runs until SIGINT or SIGTERM.
pub async fn serve(config_file: Option<&Path>, args: &ServeArgs) -> Result<(), ServerError> {
    let started = Instant::now();
    let config = Config::load(config_file, args)?;
    telemetry::init(config.log_format, &config.log_filter);
    let application = Application::build(config, started).await?;
    tracing::info!("Portico {} listening on http://{}", env!("CARGO_PKG_VERSION"), application.local_addr());
    application.run_until(shutdown_signal()).await
}

/// `portico migrate`: applies migrations and exits.
pub async fn migrate(config_file: Option<&Path>, args: &ServeArgs) -> Result<(), ServerError> {
    let config = Config::load(config_file, args)?;
    telemetry::init(config.log_format, &config.log_filter);
    let database = Database::connect(&config.database_url, 1).await?;
    database.migrate().await?;
    tracing::info!("database is up to date ({} migrations applied)", database.applied_migrations().await?);
    database.close().await?;
    Ok(())
}

/// `portico config`: prints the merged configuration.
pub fn print_config(config_file: Option<&Path>, args: &ServeArgs) -> Result<(), ServerError> {
    let config = Config::load(config_file, args)?;
    print!("{}", config.to_display_toml());
    Ok(())
}

/// A server bound to its socket, not yet serving.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: AppState,
    shutdown_timeout: Duration,
}

impl Application {
    /// Binds the socket and starts connecting to the database in the background.
    pub async fn build(config: Config, started: Instant) -> Result<Self, ServerError> {
        let listener = TcpListener::bind(config.addr).await.map_err(|err| ServerError::Bind {
            addr: config.addr.to_string(),
            reason: match err.kind() {
                std::io::ErrorKind::AddrInUse => "address already in use (is another Portico running?)".to_owned(),
                std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                _ => err.to_string(),
            },
        })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| ServerError::Io { what: "cannot read the listening address".to_owned(), source })?;
        let assets = SiteAssets::locate(config.site_dir.as_deref());
        let leptos_options = LeptosOptions::builder()
            .output_name("portico")
            .site_root(assets.root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(local_addr)
            .hash_files(assets.hashed)
            .build();
        let services = Services::new(env!("CARGO_PKG_VERSION"), started);
        let catalog = Catalog::new(config.catalog.settings(&config.data_dir));
        let search = Search::new(config.data_dir.join("search"));
        let mut identity_settings = config.auth.identity()?;
        identity_settings.policy = identity_settings.policy.with_rule(OwnersMayChange::new(catalog.clone()));
        let identity = Identity::new(identity_settings);
        let demo_admin = config.auth.demo_admin.then(|| format!("http://{local_addr}/sign-in"));
        tokio::spawn(connect_database(
            services.clone(),
            catalog.clone(),
            search.clone(),
            config.database_url.clone(),
            config.database_max_connections,
            demo_admin,
        ));
        let shutdown_timeout = config.shutdown_timeout;
        let state = AppState::new(config, services, identity, catalog, search, assets, leptos_options);
        Ok(Self { listener, state, shutdown_timeout })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or_else(|_| self.state.config().addr)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then waits for in-flight requests (at
    /// most the configured shutdown timeout) and closes the database.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServerError> {
        let Self { listener, state, shutdown_timeout } = self;
        let services = state.services().clone();
        let (stopping_tx, mut stopping_rx) = tokio::sync::watch::channel(false);
        let graceful = async move {
            shutdown.await;
            tracing::info!("shutting down: finishing in-flight requests");
            let _ = stopping_tx.send(true);
        };
        let app = router::build(state).into_make_service_with_connect_info::<SocketAddr>();
        let server = axum::serve(listener, app).with_graceful_shutdown(graceful);
        let deadline = async move {
            let _ = stopping_rx.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(shutdown_timeout).await;
        };
        tokio::select! {
            outcome = server => outcome.map_err(|source| ServerError::Io { what: "server failed".to_owned(), source })?,
            () = deadline => tracing::warn!("requests still running after {shutdown_timeout:?}; stopping anyway"),
        }
        if let Some(database) = services.take_database() {
            if let Err(err) = database.close().await {
                tracing::warn!("closing the database: {err}");
            }
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Connects, migrates and records the installation, retrying with exponential
/// backoff until it works; readiness tells the world where it stands.
async fn connect_database(
    services: Services,
    catalog: Catalog,
    search: Search,
    url: String,
    max_connections: u32,
    demo_admin: Option<String>,
) {
    let mut pause = FIRST_RETRY;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match open_and_migrate(&services, &url, max_connections).await {
            Ok((database, facts)) => {
                tracing::info!(database = %database.kind(), version = %facts.server_version, "database ready");
                match catalog.load(&database).await {
                    Ok(count) => tracing::info!("catalog index built from {count} stored entities"),
                    Err(err) => tracing::error!("cannot read the stored catalog: {err}"),
                }
                match search.open(&facts.installation.id).await {
                    Ok(()) => {
                        tokio::spawn(search.keep_current(database.clone(), catalog.clone()));
                    }
                    Err(err) => tracing::error!("search is off: {err}"),
                }
                tokio::spawn(catalog::keep_current(catalog, database.clone()));
                services.set_database(database.clone(), facts);
                // Printed once the server answers, so the password works as soon as it is shown.
                if let Some(sign_in_url) = &demo_admin {
                    if let Err(err) = crate::commands::prepare_demo_admin(&database, sign_in_url).await {
                        tracing::error!("cannot prepare the demo admin: {err}");
                    }
                }
                return;
            }
            Err(domain::DomainError::UnsupportedDatabaseUrl { url }) => {
                services.set_readiness(Readiness::Failed(format!("unsupported database URL {url}")));
                return;
            }
            Err(err) => {
                let error = err.to_string();
                tracing::warn!("database not ready (attempt {attempt}, next try in {pause:?}): {error}");
                services.set_readiness(Readiness::Connecting { attempt, last_error: Some(error) });
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(LONGEST_RETRY);
    }
}

async fn open_and_migrate(
    services: &Services,
    url: &str,
    max_connections: u32,
) -> Result<(Database, DatabaseFacts), domain::DomainError> {
    let database = Database::connect(url, max_connections).await?;
    services.set_readiness(Readiness::Migrating);
    database.migrate().await?;
    let facts = DatabaseFacts::gather(&database).await?;
    Ok((database, facts))
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
