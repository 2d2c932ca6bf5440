//! The catalog's background work in a running server: bring the configured
//! locations in, read every location on a schedule, and follow what other
//! replicas write so this replica's index stays current.

use domain::{Catalog, Database};
use std::time::Duration;

/// How often the change log is polled for other replicas' writes.
const FOLLOW_EVERY: Duration = Duration::from_millis(500);
/// Change-log rows older than this are pruned.
const KEEP_CHANGES: chrono::Duration = chrono::Duration::days(1);

/// Runs until the process ends.
pub async fn keep_current(catalog: Catalog, database: Database) {
    tokio::spawn(follow(catalog.clone(), database.clone()));
    match catalog.sync_config_locations(&database).await {
        Ok(ids) => tracing::info!("{} configured catalog location(s)", ids.len()),
        Err(err) => tracing::error!("catalog locations in the configuration: {err}"),
    }
    let interval = catalog.settings().refresh_interval;
    loop {
        let started = std::time::Instant::now();
        if let Err(err) = catalog.refresh_all(&database).await {
            tracing::warn!("catalog refresh failed: {err}");
        }
        tracing::info!(entities = catalog.index().len(), took = ?started.elapsed(), "catalog refreshed");
        if let Err(err) = domain::catalog::store::prune_changes(database.connection(), KEEP_CHANGES).await {
            tracing::warn!("pruning the catalog change log: {err}");
        }
        tokio::time::sleep(interval).await;
    }
}

async fn follow(catalog: Catalog, database: Database) {
    loop {
        tokio::time::sleep(FOLLOW_EVERY).await;
        if let Err(err) = catalog.follow_changes(&database).await {
            tracing::debug!("following catalog changes: {err}");
        }
    }
}
