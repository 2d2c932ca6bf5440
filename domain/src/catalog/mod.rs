//! The software catalog: Backstage descriptor files read from registered
//! locations, stored in the database, and served from an in-memory index.
//!
//! - [`harvest`] reads a location (files, globs, URLs, git) into entities and problems;
//! - [`store`] writes what a location yields in batches as it is read, then removes what is gone;
//! - [`index`] answers every read; [`query`] speaks Backstage's query language.
//!
//! Writes go through [`Catalog`], which keeps the index in step with what it
//! stored and follows the change log for what other replicas stored.

pub mod actions;
pub mod bodies;
pub mod browse;
pub mod descriptor;
pub mod git;
pub mod harvest;
pub mod index;
mod indexer;
pub mod location;
pub mod ownership;
pub mod predicate;
pub mod query;
pub mod source;
pub mod stars;
pub mod store;
pub mod suggest;
pub mod yaml;

use crate::database::Database;
use crate::error::{DomainError, Result};
use harvest::{Found, Harvest};
use index::{Index, StoredEntity};
use model::catalog::{LocationHealth, LocationProblem};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::Value;
use source::{Place, ReadPolicy, Reader};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::time::Duration;
use yaml::YamlLimits;

/// How the catalog behaves: `[catalog]` in portico.toml.
#[derive(Debug, Clone)]
pub struct CatalogSettings {
    pub read_policy: ReadPolicy,
    pub yaml_limits: YamlLimits,
    /// Relative file targets are resolved from here.
    pub base_dir: PathBuf,
    /// Mirrors of remote git repositories.
    pub git_dir: PathBuf,
    /// How often every location is read again.
    pub refresh_interval: Duration,
    /// Locations from the command line and portico.toml: (type, target).
    pub locations: Vec<(String, String)>,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        Self {
            read_policy: ReadPolicy::default(),
            yaml_limits: YamlLimits::default(),
            base_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
            git_dir: std::env::temp_dir().join("portico-git"),
            refresh_interval: Duration::from_secs(300),
            locations: Vec::new(),
        }
    }
}

/// Where a location was registered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `--catalog` or `[[catalog.locations]]`: kept in step with the configuration.
    Config,
    /// Registered in the UI or through the API.
    Api,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Api => "api",
        }
    }
}

/// A registered location as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LocationInfo {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub target: String,
}

/// What a registration (or its dry run) found.
#[derive(Debug)]
pub struct Registered {
    pub location: LocationInfo,
    /// The entities read, as they would be stored (dry run only: like
    /// Backstage, a real registration answers with an empty list).
    pub entities: Vec<Value>,
    /// References of what the location holds now (real registration only).
    pub imported: Vec<String>,
    pub problems: Vec<LocationProblem>,
    /// The location was registered already (dry run only).
    pub exists: bool,
}

/// What one refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshSummary {
    pub added_or_changed: usize,
    pub removed: usize,
    pub unchanged: usize,
    pub problems: usize,
}

/// Entities read ahead of the store, and the most written in one batch.
const READ_AHEAD: usize = 3000;

/// Changes of other replicas read and applied at a time.
const FOLLOW_PAGE: u64 = 5000;

/// An index change handed to the index thread; answers with the entities
/// it took, to be freed by the caller.
type Indexing = tokio::sync::oneshot::Receiver<Vec<StoredEntity>>;

/// The answer of a job on the index thread; an error when the job panicked.
fn indexed<T>(answer: std::result::Result<T, tokio::sync::oneshot::error::RecvError>) -> Result<T> {
    answer.map_err(|_| DomainError::NotReady("the catalog index could not take a change".to_owned()))
}

/// Held while this replica writes; dropping it ends the write, then tells
/// whoever follows the catalog.
struct Writing<'a> {
    lock: Option<tokio::sync::MutexGuard<'a, ()>>,
    changed: &'a tokio::sync::Notify,
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        drop(self.lock.take());
        self.changed.notify_one();
    }
}

/// The catalog service; cheap to clone.
#[derive(Clone, Debug)]
pub struct Catalog {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    settings: CatalogSettings,
    reader: Reader,
    index: RwLock<Index>,
    /// One write at a time: refreshes of the same entities must not interleave.
    writes: tokio::sync::Mutex<()>,
    /// The last change-log row this replica has applied.
    followed: Mutex<i64>,
    /// Uids this replica wrote itself and has already applied.
    applied_locally: Mutex<HashSet<u128>>,
    indexer: indexer::Indexer,
    bodies: bodies::Bodies,
    /// Told whenever the catalog changed (the search index follows).
    changed: Arc<tokio::sync::Notify>,
}

impl Catalog {
    pub fn new(settings: CatalogSettings) -> Self {
        let reader = Reader::new(settings.read_policy.clone(), git::GitCheckouts::new(settings.git_dir.clone()));
        Self {
            inner: Arc::new(Inner {
                settings,
                reader,
                index: RwLock::new(Index::default()),
                writes: tokio::sync::Mutex::new(()),
                followed: Mutex::new(0),
                applied_locally: Mutex::new(HashSet::new()),
                indexer: indexer::Indexer::start(),
                bodies: bodies::Bodies::default(),
                changed: Arc::new(tokio::sync::Notify::new()),
            }),
        }
    }

    /// Notified after every change this replica stores (once the write is
    /// over) or follows.
    pub fn changed(&self) -> Arc<tokio::sync::Notify> {
        self.inner.changed.clone()
    }

    /// Whether this replica is writing to the catalog right now (a refresh,
    /// a registration, a removal).
    pub fn is_writing(&self) -> bool {
        self.inner.writes.try_lock().is_err()
    }

    /// One write at a time; when it is over, followers are told.
    async fn writing(&self) -> Writing<'_> {
        Writing { lock: Some(self.inner.writes.lock().await), changed: &self.inner.changed }
    }

    pub fn settings(&self) -> &CatalogSettings {
        &self.inner.settings
    }

    /// Read access to the index; hold it briefly.
    pub fn index(&self) -> RwLockReadGuard<'_, Index> {
        self.inner.index.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Changes the index on the index thread (see [`indexer`]).
    async fn with_index_mut<T: Send + 'static>(
        &self,
        change: impl FnOnce(&mut Index) -> T + Send + 'static,
    ) -> Result<T> {
        let inner = self.inner.clone();
        indexed(
            self.inner
                .indexer
                .submit(move || change(&mut inner.index.write().unwrap_or_else(std::sync::PoisonError::into_inner)))
                .await,
        )
    }

    /// Builds the index from the database (at start-up).
    pub async fn load(&self, db: &Database) -> Result<u64> {
        let last = store::last_change(db.connection()).await?;
        // Page by page into a fresh index, so no more than a page of bodies
        // is held at once; readers keep the old one until the swap.
        let fresh = Arc::new(Mutex::new(Index::default()));
        let mut count = 0;
        let mut after = String::new();
        loop {
            let page = store::load_page(db.connection(), &after).await?;
            let Some(last) = page.last() else { break };
            after = last.uid.clone();
            count += page.len() as u64;
            let building = fresh.clone();
            // The page comes back to be freed here, on the thread that read it.
            let _page = indexed(
                self.inner
                    .indexer
                    .submit(move || {
                        building.lock().unwrap_or_else(std::sync::PoisonError::into_inner).apply(&[], &page);
                        page
                    })
                    .await,
            )?;
        }
        self.with_index_mut(move |index| {
            let mut fresh = fresh.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            fresh.tidy();
            std::mem::swap(index, &mut fresh);
        })
        .await?;
        if let Ok(mut followed) = self.inner.followed.lock() {
            *followed = last;
        }
        Ok(count)
    }

    /// Makes the stored config locations match the configuration: adds new
    /// ones, removes those no longer configured (with what they brought).
    pub async fn sync_config_locations(&self, db: &Database) -> Result<Vec<String>> {
        let configured: Vec<(String, String)> = self
            .inner
            .settings
            .locations
            .iter()
            .map(|(kind, target)| {
                let place = location::parse_target(kind, target, &self.inner.settings.base_dir).map_err(|reason| {
                    DomainError::invalid("catalog.locations", format!("{kind}:{target}: {reason}"))
                })?;
                Ok((kind.clone(), location::stored_target(&place)))
            })
            .collect::<Result<_>>()?;
        let stored = store::locations::Entity::find()
            .filter(store::locations::Column::Origin.eq(Origin::Config.as_str()))
            .all(db.connection())
            .await?;
        for row in &stored {
            if !configured.iter().any(|(kind, target)| *kind == row.kind && *target == row.target) {
                tracing::info!(location = %row.target, "location no longer configured; removing it");
                self.delete_location(db, &row.id).await?;
            }
        }
        let mut ids = Vec::new();
        for (kind, target) in configured {
            let id = match self.find_location(db, &kind, &target).await? {
                Some(row) => row.id,
                None => self.insert_location(db, &kind, &target, Origin::Config, None).await?.id,
            };
            ids.push(id);
        }
        Ok(ids)
    }

    async fn find_location(&self, db: &Database, kind: &str, target: &str) -> Result<Option<store::locations::Model>> {
        Ok(store::locations::Entity::find()
            .filter(store::locations::Column::Kind.eq(kind))
            .filter(store::locations::Column::Target.eq(target))
            .one(db.connection())
            .await?)
    }

    async fn insert_location(
        &self,
        db: &Database,
        kind: &str,
        target: &str,
        origin: Origin,
        actor: Option<&str>,
    ) -> Result<LocationInfo> {
        let id = uuid::Uuid::new_v4().to_string();
        let row = store::locations::ActiveModel {
            id: Set(id.clone()),
            kind: Set(kind.to_owned()),
            target: Set(target.to_owned()),
            origin: Set(origin.as_str().to_owned()),
            created_by: Set(actor.map(str::to_owned)),
            created_at: Set(store::now()),
            refreshed_at: Set(None),
            status: Set("pending".to_owned()),
            problems: Set("[]".to_owned()),
        };
        store::locations::Entity::insert(row)
            .exec(db.connection())
            .await
            .map_err(|err| store::conflict_or(err, || format!("Location {kind}:{target} already exists")))?;
        Ok(LocationInfo { id, kind: kind.to_owned(), target: target.to_owned() })
    }

    /// Reads a location without storing anything (the register preview and
    /// `POST /locations?dryRun=true`).
    pub async fn preview(&self, db: &Database, kind: &str, target: &str) -> Result<Registered> {
        let place = self.place(kind, target)?;
        let target = location::stored_target(&place);
        let exists = self.find_location(db, kind, &target).await?;
        let (found, harvest) = self.harvest_all(kind, &place).await;
        let claims = self.claims();
        let mut problems = harvest.problems;
        let mut entities = Vec::new();
        for found in found {
            let entity_ref = found.entity_ref.clone();
            match claims.get(&entity_ref) {
                Some(other) if exists.as_ref().is_none_or(|row| row.id != *other) => problems.push(LocationProblem {
                    source: found.source.clone(),
                    document: None,
                    line: None,
                    field: None,
                    message: format!("{entity_ref} already comes from another location; it would not be imported"),
                    entity_ref: Some(entity_ref),
                }),
                _ => entities.push(found.entity()),
            }
        }
        let id = exists.as_ref().map(|row| row.id.clone()).unwrap_or_default();
        Ok(Registered {
            location: LocationInfo { id, kind: kind.to_owned(), target },
            entities,
            imported: Vec::new(),
            problems,
            exists: exists.is_some(),
        })
    }

    /// Registers a location and reads it at once. A location that exists
    /// already is a conflict, as in Backstage.
    pub async fn register(
        &self,
        db: &Database,
        kind: &str,
        target: &str,
        origin: Origin,
        actor: Option<&str>,
    ) -> Result<Registered> {
        let place = self.place(kind, target)?;
        let target = location::stored_target(&place);
        let info = self.insert_location(db, kind, &target, origin, actor).await?;
        self.refresh_location(db, &info.id).await?;
        self.registered(db, info, false).await
    }

    /// What a location holds after it was read: its references and problems.
    pub(crate) async fn registered(&self, db: &Database, location: LocationInfo, exists: bool) -> Result<Registered> {
        let mut imported: Vec<String> =
            self.index().entities_of_location(&location.id).into_iter().map(|(_, entity_ref)| entity_ref).collect();
        imported.sort_unstable();
        let problems = self.location_health(db, &location.id).await?.problems;
        Ok(Registered { location, entities: Vec::new(), imported, problems, exists })
    }

    /// Points a location somewhere else (`PUT /locations/:id`) and reads it.
    pub async fn update_location(&self, db: &Database, id: &str, kind: &str, target: &str) -> Result<LocationInfo> {
        let place = self.place(kind, target)?;
        let target = location::stored_target(&place);
        let updated = store::locations::Entity::update_many()
            .col_expr(store::locations::Column::Kind, sea_orm::sea_query::Expr::value(kind))
            .col_expr(store::locations::Column::Target, sea_orm::sea_query::Expr::value(target.clone()))
            .filter(store::locations::Column::Id.eq(id))
            .exec(db.connection())
            .await
            .map_err(|err| store::conflict_or(err, || format!("Location {kind}:{target} already exists")))?;
        if updated.rows_affected == 0 {
            return Err(DomainError::NotFound(format!("Found no location with ID {id}")));
        }
        self.refresh_location(db, id).await?;
        Ok(LocationInfo { id: id.to_owned(), kind: kind.to_owned(), target })
    }

    /// The registered location with this type and target, if any.
    pub async fn location_by_target(&self, db: &Database, kind: &str, target: &str) -> Result<Option<LocationInfo>> {
        let place = self.place(kind, target)?;
        let target = location::stored_target(&place);
        Ok(self.find_location(db, kind, &target).await?.map(|row| LocationInfo {
            id: row.id,
            kind: row.kind,
            target: row.target,
        }))
    }

    /// Fills in the bodies of a planned answer.
    pub async fn finish(&self, db: &Database, planned: bodies::Planned) -> Result<String> {
        let bodies = self.inner.bodies.get(db, &planned.uids()).await?;
        Ok(planned.finish(&bodies))
    }

    /// The API JSON of one entity (by index id).
    async fn entity_json_of(&self, db: &Database, extras: Option<index::Extras>) -> Result<Option<String>> {
        let Some(extras) = extras else { return Ok(None) };
        let bodies = self.inner.bodies.get(db, &[extras.uid]).await?;
        Ok(bodies.get(&extras.uid).map(|body| index::assemble(body, &extras)))
    }

    /// The API JSON of the entity `kind:namespace/name` (canonical form).
    pub async fn entity_json(&self, db: &Database, entity_ref: &str) -> Result<Option<String>> {
        let extras = {
            let index = self.index();
            index.id_by_ref(entity_ref).and_then(|id| index.extras(id))
        };
        self.entity_json_of(db, extras).await
    }

    /// The API JSON of the entity with this uid.
    pub async fn entity_json_by_uid(&self, db: &Database, uid: &str) -> Result<Option<String>> {
        let extras = {
            let index = self.index();
            index.id_by_uid(uid).and_then(|id| index.extras(id))
        };
        self.entity_json_of(db, extras).await
    }

    /// The entity as JSON value (for pages).
    pub async fn entity_value(&self, db: &Database, entity_ref: &str) -> Result<Option<Value>> {
        Ok(self.entity_json(db, entity_ref).await?.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// The entities with these references that exist, projected to `fields`
    /// (all of each for none), read in one go.
    pub async fn entities_by_refs(&self, db: &Database, refs: &[String], fields: Vec<String>) -> Result<Vec<Value>> {
        let planned = query::by_refs(&self.index(), refs, fields, None);
        let json = self.finish(db, planned).await?;
        let items = serde_json::from_str::<Value>(&json)
            .ok()
            .and_then(|mut page| page.get_mut("items").and_then(Value::as_array_mut).map(std::mem::take));
        Ok(items.unwrap_or_default().into_iter().filter(|entity| !entity.is_null()).collect())
    }

    /// Bodies for pages that show many entities.
    pub async fn bodies(&self, db: &Database, uids: &[u128]) -> Result<HashMap<u128, Arc<str>>> {
        self.inner.bodies.get(db, uids).await
    }

    fn place(&self, kind: &str, target: &str) -> Result<Place> {
        let place = location::parse_target(kind, target, &self.inner.settings.base_dir)
            .map_err(|reason| DomainError::invalid("target", reason))?;
        if let Place::Url(url) = &place {
            self.inner.reader.check_url(url).map_err(|reason| DomainError::invalid("target", reason))?;
        }
        Ok(place)
    }

    /// Reads a location into `sink`, the Location entity Backstage makes
    /// for it first.
    async fn harvest(&self, kind: &str, place: &Place, sink: harvest::Sink) -> Harvest {
        let generated = location::generated_location_entity(kind, &location::stored_target(place));
        if let Ok(checked) = descriptor::check(&generated) {
            if sink.send(Found::new(&generated, &checked, format!("{kind}:{place}"))).await.is_err() {
                return Harvest::default();
            }
        }
        harvest::harvest(&self.inner.reader, place, self.inner.settings.yaml_limits, &sink).await
    }

    /// Reads a whole location into memory (previews only).
    async fn harvest_all(&self, kind: &str, place: &Place) -> (Vec<Found>, Harvest) {
        let (sink, mut entities) = tokio::sync::mpsc::channel(READ_AHEAD);
        let collect = async {
            let mut found = Vec::new();
            while let Some(entity) = entities.recv().await {
                found.push(entity);
            }
            found
        };
        let (harvest, found) = tokio::join!(self.harvest(kind, place, sink), collect);
        (found, harvest)
    }

    /// Who holds each entity reference now: `entity_ref -> location id`.
    /// A copy, so that storing a batch never waits for the index lock while
    /// the index thread takes in the previous batch (asking the index per
    /// entity would take turns with it instead of overlapping).
    fn claims(&self) -> store::Claims {
        self.index().claims()
    }

    /// Reads one location again and stores what changed: entities are
    /// written and indexed in batches while the files are still being read,
    /// then what the files no longer hold is removed.
    pub async fn refresh_location(&self, db: &Database, id: &str) -> Result<RefreshSummary> {
        let row = self.location_row(db, id).await?;
        let place = location::parse_target(&row.kind, &row.target, &self.inner.settings.base_dir)
            .map_err(|reason| DomainError::invalid("target", reason))?;
        let started = std::time::Instant::now();
        let _write = self.writing().await;
        let claims = self.claims();
        let (sink, mut entities) = tokio::sync::mpsc::channel(READ_AHEAD);
        let write = async {
            let mut applier = store::Applier::start(db.connection(), id, &claims).await?;
            let mut written = 0;
            // The index takes in one batch while the next is being stored.
            let mut indexing: Option<Indexing> = None;
            let mut batch = Vec::with_capacity(READ_AHEAD);
            while entities.recv_many(&mut batch, READ_AHEAD).await > 0 {
                let stored = applier.write(db.connection(), std::mem::take(&mut batch)).await?;
                written += stored.len();
                if let Some(previous) = indexing.take() {
                    indexed(previous.await)?;
                }
                indexing = Some(self.index_locally(stored, Vec::new()));
            }
            if let Some(last) = indexing {
                indexed(last.await)?;
            }
            Ok::<_, DomainError>((applier, written))
        };
        let (harvest, written) = tokio::join!(self.harvest(&row.kind, &place, sink), write);
        let (applier, written) = written?;
        let read_and_written = started.elapsed();
        let settled = applier.settle(db.connection(), harvest).await?;
        let summary = RefreshSummary {
            added_or_changed: written + settled.upserted.len(),
            removed: settled.removed.len(),
            unchanged: settled.unchanged,
            problems: settled.problems.len(),
        };
        self.apply_locally(settled.upserted, settled.removed.into_iter().map(|(uid, _)| uid).collect()).await?;
        self.with_index_mut(Index::tidy).await?;
        let settled = started.elapsed() - read_and_written;
        tracing::debug!(location = %row.target, ?summary, ?read_and_written, ?settled, "location refreshed");
        Ok(summary)
    }

    async fn apply_locally(&self, upserted: Vec<StoredEntity>, removed: Vec<String>) -> Result<()> {
        indexed(self.index_locally(upserted, removed).await).map(drop)
    }

    /// Hands what this replica stored to the index thread at once; the
    /// answer says when the index has it.
    fn index_locally(&self, upserted: Vec<StoredEntity>, removed: Vec<String>) -> Indexing {
        let uids: Vec<&str> =
            upserted.iter().map(|entity| entity.uid.as_str()).chain(removed.iter().map(String::as_str)).collect();
        if let Ok(mut local) = self.inner.applied_locally.lock() {
            local.extend(uids.iter().filter_map(|uid| index::parse_uid(uid)));
        }
        self.forget_bodies(uids.into_iter());
        let inner = self.inner.clone();
        self.inner.indexer.submit(move || {
            inner.index.write().unwrap_or_else(std::sync::PoisonError::into_inner).apply(&removed, &upserted);
            // The entities go back to be freed on the thread that made them.
            upserted
        })
    }

    fn forget_bodies<'a>(&self, uids: impl Iterator<Item = &'a str>) {
        self.inner.bodies.forget(uids.filter_map(index::parse_uid));
    }

    /// Reads every location again, one after another; problems stay on
    /// their locations and do not stop the others.
    pub async fn refresh_all(&self, db: &Database) -> Result<()> {
        let ids: Vec<String> = store::locations::Entity::find()
            .order_by_asc(store::locations::Column::CreatedAt)
            .all(db.connection())
            .await?
            .into_iter()
            .map(|row| row.id)
            .collect();
        for id in ids {
            if let Err(err) = self.refresh_location(db, &id).await {
                tracing::warn!(location = %id, "refresh failed: {err}");
            }
        }
        Ok(())
    }

    /// Refreshes the location an entity came from (`POST /refresh`).
    pub async fn refresh_entity(&self, db: &Database, entity_ref: &str) -> Result<RefreshSummary> {
        let location_id = self.location_id_of(entity_ref)?;
        self.refresh_location(db, &location_id).await
    }

    /// The location id holding an entity.
    pub fn location_id_of(&self, entity_ref: &str) -> Result<String> {
        let index = self.index();
        index
            .id_by_ref(entity_ref)
            .and_then(|id| index.provenance(id))
            .map(|provenance| provenance.location_id)
            .ok_or_else(|| DomainError::NotFound(format!("Entity {entity_ref}")))
    }

    /// Removes a location and every entity it brought.
    pub async fn delete_location(&self, db: &Database, id: &str) -> Result<()> {
        let _write = self.writing().await;
        let gone = store::delete_location(db.connection(), id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("Found no location with ID {id}")))?;
        self.apply_locally(Vec::new(), gone.into_iter().map(|(uid, _)| uid).collect()).await
    }

    /// Removes one entity until its location is read again.
    pub async fn delete_entity(&self, db: &Database, uid: &str) -> Result<String> {
        let _write = self.writing().await;
        let entity_ref = store::delete_entity(db.connection(), uid)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("No entity with uid {uid}")))?;
        self.apply_locally(Vec::new(), vec![uid.to_owned()]).await?;
        Ok(entity_ref)
    }

    /// Every registered location.
    pub async fn locations(&self, db: &Database) -> Result<Vec<LocationInfo>> {
        Ok(store::locations::Entity::find()
            .order_by_asc(store::locations::Column::CreatedAt)
            .all(db.connection())
            .await?
            .into_iter()
            .map(|row| LocationInfo { id: row.id, kind: row.kind, target: row.target })
            .collect())
    }

    /// The stored row of a location, or NotFound in Backstage's words.
    async fn location_row(&self, db: &Database, id: &str) -> Result<store::locations::Model> {
        store::locations::Entity::find_by_id(id.to_owned())
            .one(db.connection())
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("Found no location with ID {id}")))
    }

    pub async fn location(&self, db: &Database, id: &str) -> Result<LocationInfo> {
        let row = self.location_row(db, id).await?;
        Ok(LocationInfo { id: row.id, kind: row.kind, target: row.target })
    }

    /// Who registered a location (None for configured ones).
    pub async fn location_creator(&self, db: &Database, id: &str) -> Result<Option<String>> {
        let row = self.location_row(db, id).await?;
        Ok(row.created_by)
    }

    /// Every location with its status and problems (the health page).
    pub async fn health(&self, db: &Database) -> Result<Vec<LocationHealth>> {
        let rows = store::locations::Entity::find()
            .order_by_asc(store::locations::Column::CreatedAt)
            .all(db.connection())
            .await?;
        let counts = self.index().location_counts();
        Ok(rows
            .into_iter()
            .map(|row| {
                let entity_count = counts.get(&row.id).copied().unwrap_or(0);
                health_of(row, entity_count)
            })
            .collect())
    }

    pub async fn location_health(&self, db: &Database, id: &str) -> Result<LocationHealth> {
        let row = self.location_row(db, id).await?;
        let count = self.index().location_counts().get(id).copied().unwrap_or(0);
        Ok(health_of(row, count))
    }

    /// Applies what other replicas wrote since the last call. Returns how
    /// many changes were read.
    pub async fn follow_changes(&self, db: &Database) -> Result<usize> {
        let after = self.inner.followed.lock().map(|followed| *followed).unwrap_or(0);
        let changes = store::changes_after(db.connection(), after, FOLLOW_PAGE).await?;
        let caught_up = changes.len() < FOLLOW_PAGE as usize;
        let Some(last) = changes.last().map(|change| change.id) else { return Ok(0) };
        let mut upserts: Vec<String> = Vec::new();
        let mut removals: Vec<String> = Vec::new();
        {
            let mut local = self.inner.applied_locally.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for change in &changes {
                if index::parse_uid(&change.uid).is_some_and(|uid| local.remove(&uid)) {
                    continue;
                }
                if change.op == "delete" {
                    removals.push(change.uid.clone());
                } else {
                    upserts.push(change.uid.clone());
                }
            }
        }
        let fresh = store::entities_by_uid(db.connection(), &upserts).await?;
        self.forget_bodies(upserts.iter().chain(removals.iter()).map(String::as_str));
        let found: HashSet<&str> = fresh.iter().map(|entity| entity.uid.as_str()).collect();
        // An upsert whose row is gone again was deleted later; drop it too.
        removals.extend(upserts.iter().filter(|uid| !found.contains(uid.as_str())).cloned());
        let _entities = self
            .with_index_mut(move |index| {
                index.apply(&removals, &fresh);
                if caught_up {
                    index.tidy();
                }
                fresh
            })
            .await?;
        if let Ok(mut followed) = self.inner.followed.lock() {
            *followed = last;
        }
        self.inner.changed.notify_one();
        Ok(changes.len())
    }
}

fn health_of(row: store::locations::Model, entity_count: u64) -> LocationHealth {
    LocationHealth {
        problems: serde_json::from_str(&row.problems).unwrap_or_default(),
        id: row.id,
        kind: row.kind,
        target: row.target,
        origin: row.origin,
        status: row.status,
        refreshed_at: row.refreshed_at.map(|at| at.to_rfc3339()),
        entity_count,
    }
}
