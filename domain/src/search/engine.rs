//! The tantivy index in its directory: opened (or made again when it is
//! missing, damaged or of another version), written in batches that carry
//! the change-log position they bring the index to, and searched.

use super::document::Searchable;
use super::facets::FacetCounts;
use super::query::{self, Parsed, Strictness};
use super::schema::{self, Fields, SCHEMA_VERSION};
use crate::error::{DomainError, Result};
use model::search::{FacetCount, SearchDocument};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{FuzzyTermQuery, Query};
use tantivy::schema::{Schema, Value as _};
use tantivy::{DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument, Term};

/// Memory for adding documents: one thread, the least tantivy takes.
const WRITER_MEMORY: usize = 15_000_000;
/// Memory for a full build: two threads.
const BUILD_MEMORY: usize = 64_000_000;

/// What a commit records about the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Payload {
    pub version: u32,
    /// The last catalog change the index holds.
    pub position: i64,
}

/// An open index.
pub struct Engine {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    /// One write at a time. A writer is opened for each write and closed
    /// after it (an idle tantivy writer holds its indexing memory).
    writing: Mutex<()>,
    /// Held while the index is open: one process per index directory.
    _lock: std::fs::File,
    pub fields: Fields,
    /// Where the last commit left the index; `None` when it must be built.
    payload: Mutex<Option<Payload>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("dir", &self.dir).finish_non_exhaustive()
    }
}

/// A page of matches: the documents, how many match in all, and the facet
/// counts when they were asked for.
pub struct Matches {
    pub found: Vec<Found>,
    pub total: u64,
    pub facets: Vec<(String, Vec<FacetCount>)>,
}

/// One matching document, before snippets.
pub struct Found {
    pub stored: TantivyDocument,
}

fn io_error(what: &str, dir: &Path, error: std::io::Error) -> DomainError {
    DomainError::Io { what: format!("{what} {}", dir.display()), source: error }
}

impl Engine {
    /// Opens the index in `dir`. A directory that holds no index, a damaged
    /// one or one of another schema version is emptied and made again (it
    /// holds nothing that is not in the database).
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|error| io_error("cannot create the search index directory", dir, error))?;
        let lock = lock_next_to(dir)?;
        let (schema, fields) = schema::build();
        let existing = Self::open_existing(dir, &schema).unwrap_or_else(|error| {
            tracing::warn!("the search index in {} cannot be used ({error}); building it again", dir.display());
            None
        });
        let (index, reader, payload) = match existing {
            Some((index, reader, payload)) => (index, reader, Some(payload)),
            None => {
                std::fs::remove_dir_all(dir)
                    .map_err(|error| io_error("cannot clear the search index directory", dir, error))?;
                std::fs::create_dir_all(dir)
                    .map_err(|error| io_error("cannot create the search index directory", dir, error))?;
                let index = Index::create_in_dir(dir, schema)?;
                let reader = reader_of(&index)?;
                (index, reader, None)
            }
        };
        Ok(Self {
            dir: dir.to_owned(),
            index,
            reader,
            writing: Mutex::new(()),
            _lock: lock,
            fields,
            payload: Mutex::new(payload),
        })
    }

    /// The index in `dir` with its reader and payload, or `None` when there
    /// is no index of this version there.
    fn open_existing(dir: &Path, schema: &Schema) -> tantivy::Result<Option<(Index, IndexReader, Payload)>> {
        if !dir.join("meta.json").exists() {
            return Ok(None);
        }
        let index = Index::open_in_dir(dir)?;
        if index.schema() != *schema {
            return Ok(None);
        }
        let payload = index
            .load_metas()?
            .payload
            .and_then(|text| serde_json::from_str::<Payload>(&text).ok())
            .filter(|payload| payload.version == SCHEMA_VERSION);
        let Some(payload) = payload else { return Ok(None) };
        let reader = reader_of(&index)?;
        // Every segment must be readable, or the index is rebuilt.
        for segment in reader.searcher().segment_readers() {
            segment.get_store_reader(1)?;
        }
        Ok(Some((index, reader, payload)))
    }

    pub fn payload(&self) -> Option<Payload> {
        *self.payload.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn document(&self, entity: &Searchable) -> TantivyDocument {
        let fields = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.uid, &entity.uid);
        doc.add_text(fields.result_type, entity.result_type);
        doc.add_text(fields.name, &entity.name);
        doc.add_text(fields.name_whole, &entity.name);
        if !entity.title.is_empty() {
            doc.add_text(fields.title, &entity.title);
            doc.add_text(fields.title_whole, &entity.title);
        }
        for (field, text) in
            [(fields.text, &entity.text), (fields.about, &entity.about), (fields.definition, &entity.definition)]
        {
            if !text.is_empty() {
                doc.add_text(field, text);
            }
        }
        for text in [&entity.name, &entity.title, &entity.text, &entity.about, &entity.definition] {
            if !text.is_empty() {
                doc.add_text(fields.all, text);
            }
        }
        for (key, value) in &entity.facets {
            if let Some(field) = fields.filter(key) {
                doc.add_text(field, value);
            }
            if let Some(field) = fields.counted(key).filter(|_| *key != "owner") {
                doc.add_text(field, value);
            }
        }
        // Owners are counted by full reference: `team-a` and
        // `group:default/team-a` are one owner.
        let owner = entity
            .facets
            .iter()
            .find(|(key, _)| *key == "owner_ref")
            .or_else(|| entity.facets.iter().find(|(key, _)| *key == "owner"));
        if let (Some((_, owner)), Some(field)) = (owner, fields.counted("owner")) {
            doc.add_text(field, owner);
        }
        doc.add_text(fields.document, serde_json::to_string(&entity.document).unwrap_or_default());
        doc.add_u64(fields.name_length, entity.name.chars().count() as u64);
        doc
    }

    /// Replaces the documents of `uids` with `entities` (an entity may be
    /// new, changed or gone) and commits at `position`.
    pub fn write(&self, uids: &[String], entities: &[Searchable], position: i64) -> Result<()> {
        let _one_at_a_time = self.writing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut writer: IndexWriter = self.index.writer_with_num_threads(1, WRITER_MEMORY)?;
        for uid in uids {
            writer.delete_term(Term::from_field_text(self.fields.uid, uid));
        }
        for entity in entities {
            writer.add_document(self.document(entity))?;
        }
        self.commit(&mut writer, position)?;
        // Small segments are merged before the writer goes.
        writer.wait_merging_threads()?;
        Ok(())
    }

    fn commit(&self, writer: &mut IndexWriter, position: i64) -> Result<()> {
        let payload = Payload { version: SCHEMA_VERSION, position };
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&serde_json::to_string(&payload).unwrap_or_default());
        prepared.commit()?;
        self.reader.reload()?;
        *self.payload.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(payload);
        Ok(())
    }

    /// Starts a full build: everything is deleted, and a writer with more
    /// memory takes the pages that follow.
    pub fn begin_build(&self) -> Result<Build<'_>> {
        let guard = self.writing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let builder = self.index.writer_with_num_threads(2, BUILD_MEMORY)?;
        builder.delete_all_documents()?;
        Ok(Build { engine: self, builder, _one_at_a_time: guard })
    }

    /// The best `limit` matches after `offset`, how many there are in all,
    /// and (when asked) the facet counts over all of them.
    pub fn search(&self, query: &dyn Query, offset: usize, limit: usize, count_facets: bool) -> Result<Matches> {
        let searcher = self.reader.searcher();
        // Equal scores: the shorter name first.
        let top = TopDocs::with_limit(limit.max(1)).and_offset(offset).tweak_score(|segment: &SegmentReader| {
            let lengths =
                segment.fast_fields().u64(schema::NAME_LENGTH).ok().map(|column| column.first_or_default_col(0));
            move |doc: DocId, score: Score| (score, -(lengths.as_ref().map_or(0, |column| column.get_val(doc)) as i64))
        });
        let (top, total, facets) = if count_facets {
            let counter = FacetCounts::new(&self.fields);
            let (top, total, facets) = searcher.search(query, &(top, Count, counter))?;
            (top, total, facets)
        } else {
            let (top, total) = searcher.search(query, &(top, Count))?;
            (top, total, Vec::new())
        };
        let mut found = Vec::with_capacity(top.len());
        for (_, address) in top.into_iter().take(limit) {
            found.push(Found { stored: searcher.doc(address)? });
        }
        Ok(Matches { found, total: total as u64, facets })
    }

    /// Names within two edits of the query, nearest first: (name, location).
    pub fn nearest_names(&self, parsed: &Parsed) -> Result<Vec<(String, String)>> {
        let searcher = self.reader.searcher();
        let mut names: Vec<(String, String)> = Vec::new();
        let candidates: Vec<&str> =
            std::iter::once(parsed.whole.as_str()).chain(parsed.all_words().map(String::as_str)).collect();
        for candidate in candidates.into_iter().filter(|text| text.chars().count() >= 3) {
            for field in [self.fields.name_whole, self.fields.name] {
                let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, candidate), 2, true);
                for (_, address) in searcher.search(&fuzzy, &TopDocs::with_limit(5).order_by_score())? {
                    let stored: TantivyDocument = searcher.doc(address)?;
                    if let Some(document) = self.stored_document(&stored) {
                        if !names.iter().any(|(_, location)| *location == document.location) {
                            names.push((document.name, document.location));
                        }
                    }
                }
            }
        }
        let whole = parsed.whole.clone();
        names.sort_by_key(|(name, _)| distance(&name.to_lowercase(), &whole));
        names.truncate(5);
        Ok(names)
    }

    pub fn stored_document(&self, stored: &TantivyDocument) -> Option<SearchDocument> {
        let json = stored.get_first(self.fields.document)?.as_str()?;
        serde_json::from_str(json).ok()
    }

    pub fn stored_text(&self, stored: &TantivyDocument, field: tantivy::schema::Field) -> String {
        stored.get_first(field).and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
    }

    /// The query for `parsed` (see [`query::build`]).
    pub fn query(
        &self,
        parsed: &Parsed,
        types: &[String],
        filters: &[(String, String)],
        strictness: Strictness,
    ) -> Box<dyn Query> {
        query::build(&self.fields, parsed, types, filters, strictness)
    }

    /// Bytes the index takes on disk.
    pub fn size_on_disk(&self) -> u64 {
        std::fs::read_dir(&self.dir)
            .map(|entries| entries.filter_map(|entry| entry.ok()?.metadata().ok()).map(|meta| meta.len()).sum())
            .unwrap_or(0)
    }
}

/// Levenshtein distance, for ordering suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(ca != *cb)).min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// A full build in progress; [`Build::finish`] commits it, dropping it
/// undoes it.
pub struct Build<'a> {
    engine: &'a Engine,
    builder: IndexWriter,
    _one_at_a_time: std::sync::MutexGuard<'a, ()>,
}

impl Build<'_> {
    pub fn add(&mut self, entities: &[Searchable]) -> Result<()> {
        for entity in entities {
            self.builder.add_document(self.engine.document(entity))?;
        }
        Ok(())
    }

    /// Commits at `position` and waits for the merges it started.
    pub fn finish(self, position: i64) -> Result<()> {
        let Self { engine, mut builder, _one_at_a_time } = self;
        engine.commit(&mut builder, position)?;
        builder.wait_merging_threads()?;
        Ok(())
    }
}

/// A reader that sees each commit once told to reload (after the commit).
fn reader_of(index: &Index) -> tantivy::Result<IndexReader> {
    schema::register_analyzers(index);
    index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()
}

/// Locks `<dir>.lock` beside the index directory for as long as the file
/// is open, so a second process on the same directory is refused instead of
/// writing over the first one's index.
fn lock_next_to(dir: &Path) -> Result<std::fs::File> {
    let path = dir.with_extension("lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|error| io_error("cannot create the search index lock", &path, error))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(DomainError::SearchIndex(format!(
            "{} is in use by another Portico process; give each replica its own data directory",
            dir.display()
        ))),
        Err(std::fs::TryLockError::Error(error)) => Err(io_error("cannot lock the search index", &path, error)),
    }
}
