//! `AppState`: the one value built at start-up and shared by every request —
//! the domain services, identity settings, the catalog, search, the configuration, the metrics registry and the Leptos
//! options. Axum gets it as router state; Leptos pages and server functions get
//! the domain services from context.

use crate::assets::SiteAssets;
use crate::config::Config;
use crate::metrics::Metrics;
use axum::extract::FromRef;
use domain::{Catalog, Database, Identity, Search, Services};
use leptos::config::LeptosOptions;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Debug)]
pub struct AppState {
    services: Services,
    identity: Identity,
    catalog: Catalog,
    search: Search,
    config: Arc<Config>,
    metrics: Arc<Metrics>,
    assets: Arc<SiteAssets>,
    leptos_options: LeptosOptions,
}

impl AppState {
    pub fn new(
        config: Config,
        services: Services,
        identity: Identity,
        catalog: Catalog,
        search: Search,
        assets: SiteAssets,
        leptos_options: LeptosOptions,
    ) -> Self {
        Self {
            services,
            identity,
            catalog,
            search,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            assets: Arc::new(assets),
            leptos_options,
        }
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn search(&self) -> &Search {
        &self.search
    }

    /// The database when it is connected and migrated.
    pub fn database(&self) -> Option<Database> {
        self.services.database().ok()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn assets(&self) -> &SiteAssets {
        &self.assets
    }

    pub fn started(&self) -> Instant {
        self.services.process().started
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
