//! Search: one box that finds entities, API operations and templates as
//! you type, typos and all.
//!
//! - [`document`] turns a stored entity into what is searched (with
//!   [`definition`] for the operations and types an API declares);
//! - [`schema`] and [`query`] say how text becomes words and what a query means;
//! - the index (tantivy) lives in the data directory, one per database; it
//!   is built when missing and then follows the catalog's change log, the
//!   same way on every replica, so each replica's index converges;
//! - [`highlight`] says which part of a result matched.

pub mod definition;
pub mod document;
mod engine;
mod facets;
pub mod highlight;
pub mod query;
pub mod schema;

use crate::catalog::index::StoredEntity;
use crate::catalog::store;
use crate::database::Database;
use crate::error::{DomainError, Result};
use engine::{Engine, Found, Matches};
use model::search::{SearchHit, SearchResults, Snippet};
use query::{Parsed, Strictness};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Changes read from the log at a time.
const CHANGES_PER_BATCH: u64 = 2000;
/// How long a hole in the change log (a transaction of another replica not
/// yet committed) is waited for before it is taken as a rolled-back one.
const GAP_GRACE: Duration = Duration::from_secs(5);
/// More changes than this behind, and the index is built again instead
/// (a full build reads entities in pages and indexes them on two threads).
const REBUILD_AFTER_CHANGES: i64 = 20_000;
/// How often the change log is read when nothing nudges.
const FOLLOW_EVERY: Duration = Duration::from_millis(500);
/// Most results one page may ask for.
pub const MOST_PER_PAGE: usize = 100;

/// What to search for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    pub term: String,
    /// Result types (`software-catalog`); all when empty.
    pub types: Vec<String>,
    /// (field, value): kind, type, owner, lifecycle, tag, namespace, system;
    /// values of the same field are alternatives.
    pub filters: Vec<(String, String)>,
    pub offset: usize,
    pub limit: usize,
    /// Count results by facet (the results page; not the header box).
    pub facets: bool,
}

/// What one catch-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaughtUp {
    /// The index was built from scratch first.
    pub rebuilt: bool,
    /// Changes applied from the log.
    pub changes: usize,
}

/// Size of the index, and what its last update took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexStats {
    pub documents: u64,
    pub bytes_on_disk: u64,
    /// The last update from the change log: how long it took (reading the
    /// changed entities, indexing, committing) and how many changes it took in.
    pub last_update: Option<(Duration, usize)>,
}

/// The search service; cheap to clone. Opened once the database is known.
#[derive(Clone, Debug)]
pub struct Search {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Indexes live in `<root>/<installation id>`.
    root: PathBuf,
    engine: RwLock<Option<Arc<Engine>>>,
    /// One catch-up at a time, and the hole in the log being waited for.
    follow: tokio::sync::Mutex<Option<(i64, Instant)>>,
    /// Backstage's highlight tags, unlikely to appear in any text.
    tags: (String, String),
    last_update: std::sync::Mutex<Option<(Duration, usize)>>,
}

impl Search {
    pub fn new(root: PathBuf) -> Self {
        let marker = uuid::Uuid::new_v4().simple().to_string();
        Self {
            inner: Arc::new(Inner {
                root,
                engine: RwLock::new(None),
                follow: tokio::sync::Mutex::new(None),
                tags: (format!("<{marker}>"), format!("</{marker}>")),
                last_update: std::sync::Mutex::new(None),
            }),
        }
    }

    /// Opens (or makes) the index of the database with this installation id.
    pub async fn open(&self, installation_id: &str) -> Result<()> {
        let dir = self.inner.root.join(installation_id);
        let engine = blocking(move || Engine::open(&dir)).await?;
        *self.inner.engine.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(engine));
        Ok(())
    }

    fn engine(&self) -> Result<Arc<Engine>> {
        self.inner
            .engine
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .ok_or_else(|| DomainError::NotReady("the search index is not open yet".to_owned()))
    }

    /// The tags Backstage's `highlight` puts around matched words.
    pub fn highlight_tags(&self) -> (&str, &str) {
        (&self.inner.tags.0, &self.inner.tags.1)
    }

    pub fn stats(&self) -> Option<IndexStats> {
        let engine = self.engine().ok()?;
        let last_update = *self.inner.last_update.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Some(IndexStats { documents: engine.num_docs(), bytes_on_disk: engine.size_on_disk(), last_update })
    }

    /// Brings the index up to the database: builds it when it is new or has
    /// fallen behind what the change log still holds, then applies every
    /// change after its position.
    pub async fn catch_up(&self, db: &Database) -> Result<CaughtUp> {
        let engine = self.engine()?;
        let mut gap = self.inner.follow.lock().await;
        let connection = db.connection();
        let (first, last) = store::change_range(connection).await?;
        let behind = needs_build(engine.payload().map(|payload| payload.position), first, last);
        if behind {
            self.build(db, &engine).await?;
        }
        let mut applied = 0;
        while let Some(position) = engine.payload().map(|payload| payload.position) {
            let changes = store::changes_after(connection, position, CHANGES_PER_BATCH).await?;
            if changes.is_empty() {
                break;
            }
            let started = Instant::now();
            let (reached, waiting) = advance(position, changes.iter().map(|change| change.id), &mut gap);
            let mut uids: Vec<String> = changes.iter().map(|change| change.uid.clone()).collect();
            uids.sort_unstable();
            uids.dedup();
            let entities = store::entities_by_uid(connection, &uids).await?;
            let writer = engine.clone();
            blocking(move || {
                let searchable: Vec<_> =
                    entities.iter().filter_map(|entity| document::searchable(&entity.uid, &entity.body)).collect();
                writer.write(&uids, &searchable, reached)
            })
            .await?;
            *self.inner.last_update.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
                Some((started.elapsed(), changes.len()));
            applied += changes.len();
            if waiting || (changes.len() as u64) < CHANGES_PER_BATCH {
                break;
            }
        }
        Ok(CaughtUp { rebuilt: behind, changes: applied })
    }

    /// Indexes every stored entity again, page by page, while the pages
    /// after the first are read.
    pub async fn rebuild(&self, db: &Database) -> Result<u64> {
        let engine = self.engine()?;
        let _gap = self.inner.follow.lock().await;
        self.build(db, &engine).await
    }

    async fn build(&self, db: &Database, engine: &Arc<Engine>) -> Result<u64> {
        let started = Instant::now();
        // Changes after this are applied again afterwards; that is harmless.
        let position = store::last_change(db.connection()).await?;
        let (pages, mut incoming) = tokio::sync::mpsc::channel::<Vec<StoredEntity>>(2);
        let builder = engine.clone();
        let building = blocking(move || {
            let mut build = builder.begin_build()?;
            let mut count = 0u64;
            while let Some(page) = incoming.blocking_recv() {
                let searchable: Vec<_> =
                    page.iter().filter_map(|entity| document::searchable(&entity.uid, &entity.body)).collect();
                count += searchable.len() as u64;
                build.add(&searchable)?;
            }
            build.finish(position)?;
            Ok(count)
        });
        let reading = async move {
            let mut after = String::new();
            loop {
                let page = store::load_page(db.connection(), &after).await?;
                let Some(last) = page.last() else { break };
                after = last.uid.clone();
                if pages.send(page).await.is_err() {
                    break;
                }
            }
            Ok::<_, DomainError>(())
        };
        let (read, built) = tokio::join!(reading, building);
        read?;
        let count = built?;
        tracing::info!(entities = count, took = ?started.elapsed(), "search index built");
        Ok(count)
    }

    /// Follows the catalog until the process ends: as soon as this
    /// replica's catalog has written something, and every half second for
    /// what other replicas wrote. While this replica is writing (a large
    /// location being read), it waits, so as not to slow the write down,
    /// and then takes in everything at once.
    pub async fn keep_current(self, db: Database, catalog: crate::Catalog) {
        let nudged = catalog.changed();
        loop {
            if !catalog.is_writing() {
                if let Err(err) = self.catch_up(&db).await {
                    tracing::warn!("search index: following catalog changes: {err}");
                }
            }
            tokio::select! {
                () = nudged.notified() => {}
                () = tokio::time::sleep(FOLLOW_EVERY) => {}
            }
        }
    }

    /// One page of results. Never fails on what was typed: any text is a
    /// query, and an unknown filter field finds nothing.
    pub fn query(&self, request: &SearchRequest) -> Result<SearchResults> {
        let engine = self.engine()?;
        let parsed = query::parse(&request.term);
        let limit = request.limit.clamp(1, MOST_PER_PAGE);
        let filters: Vec<(String, String)> = request
            .filters
            .iter()
            .map(|(key, value)| (query::filter_key(key).map_or_else(|| key.clone(), str::to_owned), value.clone()))
            .collect();
        let strict = engine.query(&parsed, &request.types, &filters, Strictness::AllWords);
        let mut matches = engine.search(&*strict, request.offset, limit, request.facets)?;
        if matches.total == 0 && parsed.words.len() >= 2 {
            let relaxed = engine.query(&parsed, &request.types, &filters, Strictness::AnyWord);
            matches = engine.search(&*relaxed, request.offset, limit, request.facets)?;
        }
        let Matches { found, total, facets } = matches;
        let hits = found
            .iter()
            .enumerate()
            .filter_map(|(at, found)| self.hit(&engine, found, &parsed, request.offset + at + 1))
            .collect();
        let did_you_mean = if total == 0 && !parsed.is_empty() { engine.nearest_names(&parsed)? } else { Vec::new() };
        Ok(SearchResults { hits, total, facets, did_you_mean })
    }

    fn hit(&self, engine: &Engine, found: &Found, parsed: &Parsed, rank: usize) -> Option<SearchHit> {
        let document = engine.stored_document(&found.stored)?;
        let mut snippets = Vec::new();
        if let Some(segments) = highlight::whole(&document.title, parsed) {
            snippets.push(Snippet { field: "title".to_owned(), segments });
        }
        if !document.title.eq_ignore_ascii_case(&document.name) {
            if let Some(segments) = highlight::whole(&document.name, parsed) {
                snippets.push(Snippet { field: "name".to_owned(), segments });
            }
        }
        for field in ["text", "definition", "about"] {
            let text = engine.fields.text_field(field).map(|handle| engine.stored_text(&found.stored, handle));
            if let Some(segments) = text.and_then(|text| highlight::snippet(&text, parsed)) {
                snippets.push(Snippet { field: field.to_owned(), segments });
            }
        }
        Some(SearchHit { kind_of_result: model::search::SOFTWARE_CATALOG.to_owned(), document, snippets, rank })
    }
}

/// Whether the index must be built again rather than follow the log from
/// `position`: there is no index yet, the log no longer holds what came
/// after its position (pruned while this replica was away, or a database
/// restored from an older backup), or so much changed that building is
/// quicker. An empty log says nothing: everything before it was applied or
/// pruned together.
fn needs_build(position: Option<i64>, first: Option<i64>, last: i64) -> bool {
    match (position, first) {
        (None, _) => true,
        (Some(position), Some(first)) => {
            position < first - 1 || position > last || last - position > REBUILD_AFTER_CHANGES
        }
        (Some(_), None) => false,
    }
}

/// How far the index may move over `ids` (read after `position`): up to a
/// hole in the ids, unless that hole has been waited for long enough.
/// Returns the new position and whether a hole is still awaited.
fn advance(position: i64, ids: impl Iterator<Item = i64>, gap: &mut Option<(i64, Instant)>) -> (i64, bool) {
    let mut reached = position;
    for id in ids {
        if id != reached + 1 {
            let missing = reached + 1;
            match *gap {
                Some((at, since)) if at == missing && since.elapsed() >= GAP_GRACE => {}
                Some((at, _)) if at == missing => return (reached, true),
                _ => {
                    *gap = Some((missing, Instant::now()));
                    return (reached, true);
                }
            }
        }
        reached = id;
    }
    *gap = None;
    (reached, false)
}

/// At most `max` bytes of `text`, cut at a character boundary.
pub fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Runs index work off the async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| DomainError::SearchIndex("an index task stopped unexpectedly".to_owned()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_is_built_again_only_when_following_the_log_cannot_work() {
        assert!(needs_build(None, Some(1), 10), "no index yet");
        assert!(!needs_build(Some(10), Some(1), 15), "five changes to apply");
        assert!(!needs_build(Some(10), Some(11), 15), "the log starts just after it");
        assert!(needs_build(Some(10), Some(12), 15), "change 11 was pruned unseen");
        assert!(needs_build(Some(30), Some(1), 15), "the log is behind the index: a restored database");
        assert!(!needs_build(Some(30), None, 0), "an empty log");
        assert!(needs_build(Some(10), Some(1), 10 + REBUILD_AFTER_CHANGES + 1), "building is quicker");
    }

    #[test]
    fn the_position_moves_over_contiguous_changes_only() {
        let mut gap = None;
        assert_eq!(advance(10, [11, 12, 13].into_iter(), &mut gap), (13, false));
        assert_eq!(advance(10, [11, 13].into_iter(), &mut gap), (11, true), "12 may still be committing");
        assert_eq!(gap.map(|(at, _)| at), Some(12));
        assert_eq!(advance(11, [13].into_iter(), &mut gap), (11, true));
        gap = Some((12, Instant::now() - GAP_GRACE));
        assert_eq!(advance(11, [13, 14].into_iter(), &mut gap), (14, false), "12 was rolled back");
        assert_eq!(gap, None);
    }
}
