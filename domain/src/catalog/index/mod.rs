//! The catalog's read model, held in memory: for every entity the flattened
//! `key = value` pairs Backstage filters on (its "search table"), postings
//! per pair, and the relations all entities declare, joined from both ends.
//! Filters, facets, sorting and paging at 100,000 entities take microseconds
//! to a few milliseconds.
//!
//! The entity JSON itself is not kept here: it stays in the database (with a
//! small cache in [`super::bodies`]), so memory grows with what is searchable,
//! not with the size of API definitions. Strings live once, in an arena.

mod postings;
mod shelf;
mod strings;

use super::descriptor;
use postings::Postings;
use roaring::RoaringBitmap;
use serde_json::Value;
use shelf::{Part, Shelf};
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};
use strings::Strings;

/// Longest key or value Backstage keeps in its search table; longer values
/// can be tested for presence but not matched.
const MAX_SEARCH_LENGTH: usize = 200;

/// Removed entities whose pairs are dropped in one go once there are this
/// many (or a quarter of the live ones).
const PURGE_AFTER: u64 = 4096;

/// Entities added or removed before [`Index::tidy`] hands back spare
/// capacity: vectors and tables double as they grow, so after a large
/// refresh up to half of each is reserved and unused.
const TIDY_AFTER: u64 = 1000;

/// How long after a change the index counts as still changing: while it
/// is, a query in uid order picks its page without sorting every entity,
/// because a sorted list cached now would be out of date at the next batch.
const SETTLING: std::time::Duration = std::time::Duration::from_secs(1);

/// The relation types, so a relation is stored as a byte.
const RELATION_KINDS: &[&str] = &[
    "apiConsumedBy",
    "apiProvidedBy",
    "childOf",
    "consumesApi",
    "dependencyOf",
    "dependsOn",
    "hasMember",
    "hasPart",
    "hasSubcomponent",
    "memberOf",
    "ownedBy",
    "ownerOf",
    "parentOf",
    "partOf",
    "providesApi",
    "subcomponentOf",
];

fn relation_code(kind: &str) -> Option<u8> {
    RELATION_KINDS.iter().position(|known| *known == kind).and_then(|at| u8::try_from(at).ok())
}

/// `ownerOf` for `ownedBy`, and so on.
fn inverse_code(code: u8) -> Option<u8> {
    const PAIRS: &[(&str, &str)] = &[
        ("ownedBy", "ownerOf"),
        ("partOf", "hasPart"),
        ("dependsOn", "dependencyOf"),
        ("providesApi", "apiProvidedBy"),
        ("consumesApi", "apiConsumedBy"),
        ("memberOf", "hasMember"),
        ("childOf", "parentOf"),
        ("subcomponentOf", "hasSubcomponent"),
    ];
    let name = relation_name(code);
    PAIRS
        .iter()
        .find_map(|(a, b)| {
            if *a == name {
                Some(*b)
            } else if *b == name {
                Some(*a)
            } else {
                None
            }
        })
        .and_then(relation_code)
}

fn declare(edge: &mut Edge, by_source: bool) {
    if by_source {
        edge.by_source = true;
    } else {
        edge.others = edge.others.saturating_add(1);
    }
}

fn relation_name(code: u8) -> &'static str {
    RELATION_KINDS.get(code as usize).copied().unwrap_or("relatedTo")
}

/// One stored entity, as the index receives it from the store.
#[derive(Debug, Clone)]
pub struct StoredEntity {
    pub uid: String,
    pub entity_ref: String,
    pub location_id: String,
    /// The file it was read from (`file:/...`).
    pub source: String,
    /// The entity JSON (with `metadata.uid` and `etag`), without relations or status.
    pub body: String,
    /// Problems of the latest read of its file, as a JSON array of
    /// `LocationProblem`s; the body is then the last good version.
    pub problems: Option<String>,
    /// RFC 3339 time of the last refresh that read it.
    pub refreshed_at: String,
}

/// A filter as Backstage's `filter` query parameters express it: the entity
/// must match every condition of at least one set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntityFilter {
    pub any_of: Vec<Vec<Condition>>,
}

/// `key` (any value) or `key=value[,key=value2]` (one of the values), case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub key: String,
    pub values: Option<Vec<String>>,
    /// `true` for a condition that must *not* hold.
    pub negate: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub field: String,
    pub direction: Direction,
}

struct Slot {
    /// The UUID, as two halves (a `u128` would pad every slot to 16 bytes).
    uid: [u64; 2],
    /// Value id of the canonical reference.
    reference: u32,
    location: u32,
    /// Id of the file it came from, in the sources arena.
    source: u32,
    /// Milliseconds since the epoch of the last refresh that read it.
    refreshed_at: i64,
}

impl Slot {
    fn uid(&self) -> u128 {
        (u128::from(self.uid[0]) << 64) | u128::from(self.uid[1])
    }
}

/// A relation from one source, and who declares it: the source entity
/// itself, and how many others (the target, declaring the inverse pair).
/// Backstage relations come in pairs (`ownedBy` and `ownerOf`), so what an
/// entity declared can be read back from its own edges when it goes.
#[derive(Debug, Clone, Copy)]
struct Edge {
    target: u32,
    others: u16,
    kind: u8,
    by_source: bool,
}

/// Cached orderings: field → (index generation, ids in order, where entities without a value start).
type OrderCache = Mutex<HashMap<String, (u64, Arc<Vec<u32>>, usize)>>;

/// The index itself; [`super::Catalog`] keeps it behind a lock.
pub struct Index {
    /// By entity id; only ids in `live` hold an entity.
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: RoaringBitmap,
    by_ref: HashMap<u32, u32>,
    keys: Strings,
    /// Values and entity references, case-insensitive, first spelling kept.
    values: Strings,
    /// The files entities came from.
    sources: Strings,
    locations: Vec<Arc<str>>,
    /// Removed entities whose pairs are still in `postings`; their ids are
    /// reused once [`Postings::purge`] has dropped them.
    dead: RoaringBitmap,
    postings: Postings,
    /// key → entities having it (any value, null included).
    with_key: HashMap<u32, RoaringBitmap>,
    /// source ref id → relations from it, sorted by (kind, target).
    edges: HashMap<u32, Part>,
    edge_shelf: Shelf<Edge>,
    /// Problems of the latest read, for the few entities whose file turned bad.
    problems: HashMap<u32, Box<str>>,
    generation: u64,
    orders: OrderCache,
    /// Entities added or removed since the last [`Index::tidy`].
    changed_since_tidy: u64,
    /// When [`Index::apply`] last changed it.
    changed_at: Option<std::time::Instant>,
}

impl Default for Index {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            free: Vec::new(),
            live: RoaringBitmap::new(),
            by_ref: HashMap::new(),
            keys: Strings::default(),
            values: Strings::folding(),
            sources: Strings::default(),
            locations: Vec::new(),
            dead: RoaringBitmap::new(),
            postings: Postings::default(),
            with_key: HashMap::new(),
            edges: HashMap::new(),
            edge_shelf: Shelf::default(),
            problems: HashMap::new(),
            generation: 0,
            orders: OrderCache::default(),
            changed_since_tidy: 0,
            changed_at: None,
        }
    }
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").field("entities", &self.live.len()).field("generation", &self.generation).finish()
    }
}

/// What the index knows about one entity besides its JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub uid: String,
    pub entity_ref: String,
    pub location_id: String,
    pub source: String,
    pub refreshed_at: String,
    pub problems: Option<String>,
}

/// The parts of an entity's API JSON the index supplies; the body comes
/// from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extras {
    pub uid: u128,
    /// `[{"type":...,"targetRef":...},...]`
    pub relations: String,
    /// `{"items":[...]}` when its latest read failed.
    pub status: Option<String>,
}

pub fn uid_text(uid: u128) -> String {
    uuid::Uuid::from_u128(uid).to_string()
}

pub fn parse_uid(text: &str) -> Option<u128> {
    uuid::Uuid::parse_str(text).ok().map(|uid| uid.as_u128())
}

impl Index {
    pub fn len(&self) -> u64 {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// Removes the entities with uids `removed`, then adds or replaces
    /// `upserted`.
    pub fn apply(&mut self, removed: &[String], upserted: &[StoredEntity]) {
        self.changed_since_tidy += (removed.len() + upserted.len()) as u64;
        self.changed_at = Some(std::time::Instant::now());
        for uid in removed {
            self.remove(uid);
        }
        for entity in upserted {
            self.upsert(entity);
        }
    }

    /// Adds or replaces an entity.
    pub fn upsert(&mut self, stored: &StoredEntity) {
        let Ok(body) = serde_json::from_str::<Value>(&stored.body) else {
            tracing::warn!(entity = %stored.entity_ref, "stored entity is not JSON; skipped");
            return;
        };
        let Some(uid) = parse_uid(&stored.uid) else {
            tracing::warn!(entity = %stored.entity_ref, "stored entity has no UUID; skipped");
            return;
        };
        let reference = self.values.intern(&stored.entity_ref);
        self.values.respell(reference, &stored.entity_ref);
        if let Some(slot) = self.by_ref.get(&reference).copied() {
            self.remove_slot(slot);
        }
        if let Some(slot) = self.id_by_uid(&stored.uid) {
            self.remove_slot(slot);
        }
        self.generation += 1;
        let id = self.free.pop().unwrap_or_else(|| u32::try_from(self.slots.len()).unwrap_or(u32::MAX - 1));
        for (key, value) in search_pairs(&body) {
            let key_id = self.keys.intern(&key);
            if let Some(value) = value.filter(|value| value.chars().count() <= MAX_SEARCH_LENGTH) {
                let value_id = self.values.intern(&value);
                self.postings.add((key_id, value_id), id);
            }
            self.with_key.entry(key_id).or_default().insert(id);
        }
        let mut declared: Vec<(u8, u32, u32)> = descriptor::check(&body)
            .map(|checked| checked.relations)
            .unwrap_or_default()
            .iter()
            .filter_map(|relation| {
                let kind = relation_code(relation.kind)?;
                let (source, target) = (self.values.intern(&relation.source), self.values.intern(&relation.target));
                (source == reference || target == reference).then_some((kind, source, target))
            })
            .collect();
        declared.sort_unstable();
        declared.dedup();
        let slot = Slot {
            uid: [(uid >> 64) as u64, uid as u64],
            reference,
            location: self.location_id(&stored.location_id),
            source: self.sources.intern(&stored.source),
            refreshed_at: chrono::DateTime::parse_from_rfc3339(&stored.refreshed_at)
                .map(|at| at.timestamp_millis())
                .unwrap_or_default(),
        };
        let index = id as usize;
        if index >= self.slots.len() {
            self.slots.resize_with(index + 1, || Slot {
                uid: [0; 2],
                reference: 0,
                location: 0,
                source: 0,
                refreshed_at: 0,
            });
        }
        self.slots[index] = slot;
        if let Some(problems) = &stored.problems {
            self.problems.insert(id, problems.as_str().into());
        }
        self.live.insert(id);
        self.by_ref.insert(reference, id);
        // Relations others declared with this entity as their source.
        let incoming: Vec<(u8, u32)> = self.edges_of(reference).iter().map(|edge| (edge.kind, edge.target)).collect();
        for (kind, target) in incoming {
            self.add_relation_field(id, kind, target);
        }
        for (kind, source, target) in declared {
            self.add_relation(kind, source, target, source == reference);
        }
    }

    fn location_id(&mut self, location: &str) -> u32 {
        match self.locations.iter().position(|known| &**known == location) {
            Some(at) => u32::try_from(at).unwrap_or(0),
            None => {
                self.locations.push(Arc::from(location));
                u32::try_from(self.locations.len() - 1).unwrap_or(0)
            }
        }
    }

    /// Removes the entity with this uid; returns whether it was there.
    pub fn remove(&mut self, uid: &str) -> bool {
        match self.id_by_uid(uid) {
            Some(slot) => {
                self.remove_slot(slot);
                true
            }
            None => false,
        }
    }

    fn remove_slot(&mut self, id: u32) {
        if !self.live.remove(id) {
            return;
        }
        let Some(slot) = self.slots.get(id as usize) else { return };
        let reference = slot.reference;
        self.generation += 1;
        self.dead.insert(id);
        self.problems.remove(&id);
        self.by_ref.remove(&reference);
        for entities in self.with_key.values_mut() {
            entities.remove(id);
        }
        // What it declared: its own edges, and their inverses at the other end.
        let own: Vec<(u8, u32)> = self
            .edges_of(reference)
            .iter()
            .filter(|edge| edge.by_source)
            .map(|edge| (edge.kind, edge.target))
            .collect();
        for (kind, target) in own {
            self.remove_relation(kind, reference, target, true);
            if let Some(inverse) = inverse_code(kind).filter(|_| target != reference) {
                self.remove_relation(inverse, target, reference, false);
            }
        }
        if self.dead.len() > PURGE_AFTER.max(self.live.len() / 4) {
            self.purge();
        }
    }

    /// Drops the pairs of removed entities and frees their ids.
    fn purge(&mut self) {
        self.postings.purge(&self.dead);
        self.free.extend(self.dead.iter());
        self.dead.clear();
    }

    /// After a large change (a whole location read, the index built at
    /// start-up), gives back what the growing vectors and tables reserved
    /// beyond their contents and drops the edge shelf's garbage. After
    /// small changes it does nothing, so callers need not count.
    pub fn tidy(&mut self) {
        if self.changed_since_tidy < TIDY_AFTER {
            return;
        }
        self.changed_since_tidy = 0;
        self.edge_shelf.compact(self.edges.values_mut());
        self.edges.shrink_to_fit();
        self.slots.shrink_to_fit();
        self.free.shrink_to_fit();
        self.by_ref.shrink_to_fit();
        self.with_key.shrink_to_fit();
        self.problems.shrink_to_fit();
        self.keys.shrink_to_fit();
        self.values.shrink_to_fit();
        self.sources.shrink_to_fit();
        self.postings.shrink_to_fit();
    }

    /// Records that the source entity (`by_source`) or another one declares
    /// the relation.
    fn add_relation(&mut self, kind: u8, source: u32, target: u32, by_source: bool) {
        let mut edges = self.edges_of(source).to_vec();
        let added = match edges.binary_search_by_key(&(kind, target), |edge| (edge.kind, edge.target)) {
            Ok(at) => {
                declare(&mut edges[at], by_source);
                false
            }
            Err(at) => {
                let mut edge = Edge { target, others: 0, kind, by_source: false };
                declare(&mut edge, by_source);
                edges.insert(at, edge);
                true
            }
        };
        self.set_edges(source, &edges);
        if added {
            if let Some(id) = self.by_ref.get(&source).copied() {
                self.add_relation_field(id, kind, target);
            }
        }
    }

    /// The relations from `source`, sorted by (kind, target).
    fn edges_of(&self, source: u32) -> &[Edge] {
        self.edges.get(&source).map_or(&[], |part| self.edge_shelf.get(*part))
    }

    fn set_edges(&mut self, source: u32, edges: &[Edge]) {
        if let Some(part) = self.edges.get(&source).copied().filter(|part| part.len() == edges.len()) {
            self.edge_shelf.overwrite(part, edges);
            return;
        }
        let part = (!edges.is_empty()).then(|| self.edge_shelf.push(edges));
        let old = match part {
            Some(part) => self.edges.insert(source, part),
            None => self.edges.remove(&source),
        };
        if let Some(old) = old {
            self.edge_shelf.release(old);
        }
        if self.edge_shelf.needs_compacting() {
            self.edge_shelf.compact(self.edges.values_mut());
        }
    }

    fn remove_relation(&mut self, kind: u8, source: u32, target: u32, by_source: bool) {
        let mut edges = self.edges_of(source).to_vec();
        let Ok(at) = edges.binary_search_by_key(&(kind, target), |edge| (edge.kind, edge.target)) else { return };
        if by_source {
            edges[at].by_source = false;
        } else {
            edges[at].others = edges[at].others.saturating_sub(1);
        }
        let gone = !edges[at].by_source && edges[at].others == 0;
        if gone {
            edges.remove(at);
        }
        self.set_edges(source, &edges);
        if gone {
            if let Some(id) = self.by_ref.get(&source).copied() {
                self.remove_relation_field(id, kind, target);
            }
        }
    }

    fn relation_key(&mut self, kind: u8) -> u32 {
        self.keys.intern(&format!("relations.{}", relation_name(kind).to_lowercase()))
    }

    fn add_relation_field(&mut self, id: u32, kind: u8, target: u32) {
        let key = self.relation_key(kind);
        self.postings.add((key, target), id);
        self.with_key.entry(key).or_default().insert(id);
        self.generation += 1;
    }

    fn remove_relation_field(&mut self, id: u32, kind: u8, target: u32) {
        let key = self.relation_key(kind);
        self.postings.remove((key, target), id);
        let reference = self.slot(id).map(|slot| slot.reference);
        let still_has_key =
            reference.is_some_and(|reference| self.edges_of(reference).iter().any(|edge| edge.kind == kind));
        if !still_has_key {
            if let Some(bitmap) = self.with_key.get_mut(&key) {
                bitmap.remove(id);
            }
        }
        self.generation += 1;
    }

    // ----- reading -----

    fn slot(&self, id: u32) -> Option<&Slot> {
        self.slots.get(id as usize).filter(|_| self.live.contains(id))
    }

    pub fn id_by_ref(&self, entity_ref: &str) -> Option<u32> {
        self.values.get(entity_ref).and_then(|reference| self.by_ref.get(&reference).copied())
    }

    /// The entity with this uid, found through its `metadata.uid` pair
    /// (a map of its own would cost 4 MB at 100,000 entities).
    pub fn id_by_uid(&self, uid: &str) -> Option<u32> {
        let wanted = parse_uid(uid)?;
        let (key, value) = (self.keys.get("metadata.uid")?, self.values.get(uid)?);
        self.postings.ids((key, value)).into_iter().find(|id| self.uid_of(*id) == Some(wanted))
    }

    pub fn contains_ref(&self, entity_ref: &str) -> bool {
        self.id_by_ref(entity_ref).is_some()
    }

    pub fn uid_of(&self, id: u32) -> Option<u128> {
        self.slot(id).map(Slot::uid)
    }

    pub fn ref_of(&self, id: u32) -> Option<&str> {
        self.slot(id).map(|slot| self.values.text(slot.reference))
    }

    /// The relations and status that go with an entity's body in the API.
    pub fn extras(&self, id: u32) -> Option<Extras> {
        let slot = self.slot(id)?;
        let mut relations: Vec<(&str, &str)> = self
            .edges_of(slot.reference)
            .iter()
            .map(|edge| (relation_name(edge.kind), self.values.text(edge.target)))
            .collect();
        relations.sort_unstable();
        let relations = serde_json::to_string(
            &relations
                .into_iter()
                .map(|(kind, target)| serde_json::json!({"type": kind, "targetRef": target}))
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".to_owned());
        Some(Extras {
            uid: slot.uid(),
            relations,
            status: self.problems.get(&id).map(|problems| status_json(problems)),
        })
    }

    /// Facts about an entity that are not part of its JSON.
    pub fn provenance(&self, id: u32) -> Option<Provenance> {
        let slot = self.slot(id)?;
        Some(Provenance {
            uid: uid_text(slot.uid()),
            entity_ref: self.values.text(slot.reference).to_owned(),
            location_id: self.locations.get(slot.location as usize).map(|l| l.to_string()).unwrap_or_default(),
            source: self.sources.text(slot.source).to_owned(),
            refreshed_at: chrono::DateTime::from_timestamp_millis(slot.refreshed_at)
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            problems: self.problems.get(&id).map(|problems| problems.to_string()),
        })
    }

    /// Relations with this entity as source: (type, target ref), sorted.
    pub fn relations_of(&self, entity_ref: &str) -> Vec<(&'static str, String)> {
        let Some(reference) = self.values.get(entity_ref) else { return Vec::new() };
        let mut relations: Vec<(&'static str, String)> = self
            .edges_of(reference)
            .iter()
            .map(|edge| (relation_name(edge.kind), self.values.text(edge.target).to_owned()))
            .collect();
        relations.sort();
        relations
    }

    /// Every relation whose target is not in the catalog: (source, type, target).
    pub fn dangling_relations(&self) -> Vec<(String, &'static str, String)> {
        let mut dangling = Vec::new();
        for (source, part) in &self.edges {
            if !self.by_ref.contains_key(source) {
                continue;
            }
            for edge in self.edge_shelf.get(*part) {
                if !self.by_ref.contains_key(&edge.target) {
                    dangling.push((
                        self.values.text(*source).to_owned(),
                        relation_name(edge.kind),
                        self.values.text(edge.target).to_owned(),
                    ));
                }
            }
        }
        dangling.sort();
        dangling
    }

    /// Every entity.
    pub fn all(&self) -> RoaringBitmap {
        self.live.clone()
    }

    /// The entities matching `filter` (all of them for an empty filter).
    pub fn matching(&self, filter: &EntityFilter) -> RoaringBitmap {
        if filter.any_of.is_empty() {
            return self.live.clone();
        }
        let mut result = RoaringBitmap::new();
        for conditions in &filter.any_of {
            let mut set = self.live.clone();
            for condition in conditions {
                let matches = self.condition(condition);
                if condition.negate {
                    set -= matches;
                } else {
                    set &= matches;
                }
                if set.is_empty() {
                    break;
                }
            }
            result |= set;
        }
        result
    }

    fn condition(&self, condition: &Condition) -> RoaringBitmap {
        let key = condition.key.to_lowercase();
        let mut set = RoaringBitmap::new();
        if let Some(key_id) = self.keys.get(&key) {
            match &condition.values {
                None => {
                    if let Some(bitmap) = self.with_key.get(&key_id) {
                        set |= bitmap;
                    }
                }
                Some(values) => {
                    for value in values {
                        if let Some(value_id) = self.values.get(&value.to_lowercase()) {
                            self.postings.union_into((key_id, value_id), &mut set);
                        }
                    }
                }
            }
        }
        // `list.item` (with value `true`) is how Backstage matches a list
        // holding `item`; it is answered from `list = item`, not stored.
        let wants_true =
            condition.values.as_ref().is_none_or(|values| values.iter().any(|v| v.eq_ignore_ascii_case("true")));
        if wants_true {
            for (dot, _) in key.match_indices('.') {
                let (list, item) = (&key[..dot], &key[dot + 1..]);
                if let (Some(list_id), Some(item_id)) = (self.keys.get(list), self.values.get(item)) {
                    self.postings.union_into((list_id, item_id), &mut set);
                }
            }
        }
        set
    }

    /// Entities with a value containing `term` (case-insensitive) in one of `fields`.
    pub fn full_text(&self, term: &str, fields: &[String]) -> RoaringBitmap {
        let term = term.trim().to_lowercase();
        self.values_where(fields, |value| strings::contains_folded(value, &term))
    }

    /// Entities with a value of `field` starting with `prefix` (case-insensitive).
    pub fn with_prefix(&self, field: &str, prefix: &str) -> RoaringBitmap {
        let prefix = prefix.to_lowercase();
        self.values_where(&[field.to_owned()], |value| strings::starts_with_folded(value, &prefix))
    }

    fn values_where(&self, fields: &[String], test: impl Fn(&str) -> bool) -> RoaringBitmap {
        let mut set = RoaringBitmap::new();
        for field in fields {
            let Some(key) = self.keys.get(&field.to_lowercase()) else { continue };
            self.postings.union_where(key, |value| test(self.values.text(value)), &mut set);
        }
        set &= &self.live;
        set
    }

    /// Value counts of each facet key among `within`, values as first written.
    pub fn facets(&self, keys: &[String], within: &RoaringBitmap) -> Vec<(String, Vec<(String, u64)>)> {
        let within = postings::Bits::from(within);
        keys.iter()
            .map(|facet| {
                let mut counts: Vec<(String, u64)> = match self.keys.get(&facet.to_lowercase()) {
                    Some(key) => self
                        .postings
                        .counts_within(key, &within)
                        .into_iter()
                        .map(|(value, count)| (self.values.text(value).to_owned(), count))
                        .collect(),
                    None => Vec::new(),
                };
                counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                (facet.clone(), counts)
            })
            .collect()
    }

    /// All entities in the given order (by the field's lowercased value,
    /// entities without it last, then by uid), cached until the next change;
    /// and where the entities without a value start.
    pub fn ordered(&self, order: Option<&Order>) -> (Arc<Vec<u32>>, usize) {
        let field = order.map(|order| order.field.to_lowercase()).unwrap_or_default();
        if let Ok(cache) = self.orders.lock() {
            if let Some((generation, ids, nulls_from)) = cache.get(&field) {
                if *generation == self.generation {
                    return (ids.clone(), *nulls_from);
                }
            }
        }
        let by_uid = |ids: &mut Vec<u32>| ids.sort_unstable_by_key(|id| self.uid_of(*id).unwrap_or_default());
        let mut ids: Vec<u32> = Vec::with_capacity(self.live.len() as usize);
        let mut placed = RoaringBitmap::new();
        if let Some(key) = (!field.is_empty()).then(|| self.keys.get(&field)).flatten() {
            let mut values = self.postings.values(key);
            values.sort_unstable_by(|a, b| strings::cmp_folded(self.values.text(*a), self.values.text(*b)));
            for value in values {
                let mut group: Vec<u32> = self
                    .postings
                    .ids((key, value))
                    .into_iter()
                    .filter(|id| self.live.contains(*id) && !placed.contains(*id))
                    .collect();
                by_uid(&mut group);
                for id in &group {
                    placed.insert(*id);
                }
                ids.extend(group);
            }
        }
        let nulls_from = ids.len();
        let mut rest: Vec<u32> = (&self.live - &placed).iter().collect();
        by_uid(&mut rest);
        ids.extend(rest);
        let ids = Arc::new(ids);
        if let Ok(mut cache) = self.orders.lock() {
            cache.insert(field, (self.generation, ids.clone(), nulls_from));
        }
        (ids, nulls_from)
    }

    /// Whether the index changed within the last second (a location is
    /// being read): see [`Index::first_by_uid`].
    pub fn is_settling(&self) -> bool {
        self.changed_at.is_some_and(|at| at.elapsed() < SETTLING)
    }

    /// The first `count` live entities of `matches` in uid order: what
    /// [`Index::ordered`] gives for no order field, in time linear in the
    /// matches instead of a sort of every entity (which a change makes stale).
    pub fn first_by_uid(&self, matches: &RoaringBitmap, count: usize) -> Vec<u32> {
        // The `count` smallest so far, the largest of them on top.
        let mut smallest: BinaryHeap<(u128, u32)> = BinaryHeap::with_capacity(count.min(matches.len() as usize) + 1);
        for id in matches & &self.live {
            let Some(uid) = self.uid_of(id) else { continue };
            if smallest.len() < count {
                smallest.push((uid, id));
            } else if smallest.peek().is_some_and(|largest| (uid, id) < *largest) {
                smallest.pop();
                smallest.push((uid, id));
            }
        }
        smallest.into_sorted_vec().into_iter().map(|(_, id)| id).collect()
    }

    /// (uid, entity ref) of every entity a location brought.
    pub fn entities_of_location(&self, location_id: &str) -> Vec<(String, String)> {
        let Some(location) = self.locations.iter().position(|known| &**known == location_id) else { return Vec::new() };
        self.live
            .iter()
            .filter_map(|id| self.slot(id))
            .filter(|slot| slot.location as usize == location)
            .map(|slot| (uid_text(slot.uid()), self.values.text(slot.reference).to_owned()))
            .collect()
    }

    /// How many entities each location brought.
    pub fn location_counts(&self) -> HashMap<String, u64> {
        let mut counts: HashMap<String, u64> = HashMap::new();
        for id in &self.live {
            if let Some(location) = self.slot(id).and_then(|slot| self.locations.get(slot.location as usize)) {
                *counts.entry(location.to_string()).or_default() += 1;
            }
        }
        counts
    }

    /// Who holds each entity reference: `entity_ref -> location id`.
    pub fn claims(&self) -> HashMap<String, String> {
        self.live
            .iter()
            .filter_map(|id| self.slot(id))
            .map(|slot| {
                let location = self.locations.get(slot.location as usize).map(|l| l.to_string()).unwrap_or_default();
                (self.values.text(slot.reference).to_owned(), location)
            })
            .collect()
    }

    /// Rough bytes held by the index's own structures.
    pub fn memory_bytes(&self) -> usize {
        let edges = self.edges.capacity() * 13 + self.edge_shelf.bytes();
        let bitmaps: usize = self.with_key.values().map(RoaringBitmap::serialized_size).sum::<usize>()
            + self.live.serialized_size()
            + self.dead.serialized_size();
        let problems: usize = self.problems.values().map(|problems| 24 + problems.len()).sum();
        self.slots.capacity() * size_of::<Slot>()
            + edges
            + bitmaps
            + problems
            + self.keys.bytes()
            + self.values.bytes()
            + self.sources.bytes()
            + self.postings.bytes()
            + self.by_ref.capacity() * 9
    }
}

/// Backstage's `status.items` for an entity whose latest read failed.
fn status_json(problems: &str) -> String {
    let problems: Vec<super::harvest::LocationProblem> = serde_json::from_str(problems).unwrap_or_default();
    let items: Vec<Value> = problems
        .iter()
        .map(|problem| {
            let message = problem.to_string();
            serde_json::json!({
                "type": "backstage.io/catalog-processing",
                "level": "error",
                "message": format!("InputError: {message}"),
                "error": {"name": "InputError", "message": message},
            })
        })
        .collect();
    serde_json::json!({ "items": items }).to_string()
}

/// The full entity JSON: the stored body with relations and status added.
pub fn assemble(body: &str, extras: &Extras) -> String {
    let trimmed = body.trim_end();
    let Some(without_brace) = trimmed.strip_suffix('}') else { return body.to_owned() };
    let mut out = String::with_capacity(body.len() + extras.relations.len() + 32);
    out.push_str(without_brace);
    if !without_brace.trim_end().ends_with('{') {
        out.push(',');
    }
    out.push_str("\"relations\":");
    out.push_str(&extras.relations);
    if let Some(status) = &extras.status {
        out.push_str(",\"status\":");
        out.push_str(status);
    }
    out.push('}');
    out
}

/// The `key = value` pairs Backstage's search table holds for an entity:
/// every leaf by dotted path (lists repeat the key), with `relations`,
/// `status` and `attachments` left out. Backstage also stores `list.item =
/// true` for each string in a list; [`Index`] answers those from `list =
/// item` instead of storing them.
pub fn search_pairs(entity: &Value) -> Vec<(String, Option<String>)> {
    let mut pairs = Vec::new();
    visit("", entity, &mut pairs);
    let metadata = entity.get("metadata");
    for key in ["name", "namespace", "uid"] {
        let value = metadata.and_then(|m| m.get(key)).and_then(Value::as_str).map(str::to_owned);
        pairs.push((format!("metadata.{key}"), value));
    }
    pairs.retain(|(key, _)| key.len() <= MAX_SEARCH_LENGTH);
    for pair in &mut pairs {
        pair.0 = pair.0.to_lowercase();
    }
    pairs.sort();
    pairs.dedup();
    pairs
}

fn visit(path: &str, value: &Value, pairs: &mut Vec<(String, Option<String>)>) {
    const SKIPPED: &[&str] =
        &["attachments", "relations", "status", "metadata.name", "metadata.namespace", "metadata.uid", "metadata.etag"];
    if SKIPPED.contains(&path) {
        return;
    }
    match value {
        Value::Null => pairs.push((path.to_owned(), None)),
        Value::Bool(flag) => pairs.push((path.to_owned(), Some(flag.to_string()))),
        Value::Number(number) => pairs.push((path.to_owned(), Some(number.to_string()))),
        Value::String(text) => pairs.push((path.to_owned(), Some(text.clone()))),
        Value::Array(items) => {
            for item in items {
                visit(path, item, pairs);
            }
        }
        Value::Object(map) => {
            for (key, child) in map {
                let child_path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                visit(&child_path, child, pairs);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    const UIDS: [&str; 3] = [
        "00000000-0000-4000-8000-000000000001",
        "00000000-0000-4000-8000-000000000002",
        "00000000-0000-4000-8000-000000000003",
    ];

    fn stored(uid: &str, entity: Value) -> StoredEntity {
        let mut entity = entity;
        descriptor::apply_defaults(&mut entity);
        entity["metadata"]["uid"] = json!(uid);
        let checked = descriptor::check(&entity).unwrap();
        StoredEntity {
            uid: uid.to_owned(),
            entity_ref: checked.reference.canonical(),
            location_id: "loc".to_owned(),
            source: "file:/x.yaml".to_owned(),
            body: entity.to_string(),
            problems: None,
            refreshed_at: "2026-11-26T00:00:00Z".to_owned(),
        }
    }

    fn component(name: &str, owner: &str, tags: &[&str]) -> Value {
        json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
               "metadata": {"name": name, "tags": tags},
               "spec": {"type": "service", "lifecycle": "production", "owner": owner}})
    }

    fn group(name: &str) -> Value {
        json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Group",
               "metadata": {"name": name}, "spec": {"type": "team", "children": []}})
    }

    fn filter(conditions: &[(&str, Option<&str>)]) -> EntityFilter {
        EntityFilter {
            any_of: vec![conditions
                .iter()
                .map(|(key, value)| Condition {
                    key: (*key).to_owned(),
                    values: value.map(|v| vec![v.to_owned()]),
                    negate: false,
                })
                .collect()],
        }
    }

    fn relations(index: &Index, entity_ref: &str) -> Value {
        serde_json::from_str(&index.extras(index.id_by_ref(entity_ref).unwrap()).unwrap().relations).unwrap()
    }

    #[test]
    fn a_relation_declared_from_both_ends_stays_until_neither_declares_it() {
        let mut index = Index::default();
        let user = json!({"apiVersion": "backstage.io/v1alpha1", "kind": "User",
                          "metadata": {"name": "ana"}, "spec": {"memberOf": ["team-a"]}});
        let team = json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Group",
                          "metadata": {"name": "team-a"}, "spec": {"type": "team", "children": [], "members": ["ana"]}});
        index.upsert(&stored(UIDS[0], user));
        index.upsert(&stored(UIDS[1], team.clone()));
        let member = json!([{"type": "memberOf", "targetRef": "group:default/team-a"}]);
        assert_eq!(relations(&index, "user:default/ana"), member);
        // The group goes: the user still says it is a member.
        assert!(index.remove(UIDS[1]));
        index.upsert(&stored(UIDS[1], team));
        assert!(index.remove(UIDS[0]));
        assert_eq!(
            relations(&index, "group:default/team-a"),
            json!([{"type": "hasMember", "targetRef": "user:default/ana"}])
        );
        // Both gone: nothing is left, from either end.
        assert!(index.remove(UIDS[1]));
        assert!(index.edges.is_empty(), "no relation outlives both declarers");
        // An entity depending on itself keeps both halves, and drops both.
        let me = json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "loop"},
                        "spec": {"type": "service", "lifecycle": "production", "owner": "x", "dependsOn": ["component:loop"]}});
        index.upsert(&stored(UIDS[2], me));
        assert!(relations(&index, "component:default/loop").to_string().contains("dependencyOf"));
        assert!(index.remove(UIDS[2]));
        assert!(index.edges.is_empty());
    }

    #[test]
    fn search_pairs_follow_backstage() {
        let pairs = search_pairs(&json!({"kind": "Component", "metadata": {"name": "A", "tags": ["Java"]},
                                         "spec": {"x": null}, "relations": [{"type": "t"}]}));
        assert!(pairs.contains(&("metadata.tags".to_owned(), Some("Java".to_owned()))));
        assert!(pairs.contains(&("spec.x".to_owned(), None)));
        assert!(pairs.contains(&("metadata.namespace".to_owned(), None)));
        assert!(!pairs.iter().any(|(key, _)| key.starts_with("relations")));
    }

    #[test]
    fn relations_join_from_both_ends_whichever_arrives_first() {
        let mut index = Index::default();
        index.upsert(&stored(UIDS[0], component("checkout", "team-a", &[])));
        // The group arrives after the component that names it as owner.
        index.upsert(&stored(UIDS[1], group("team-a")));
        assert_eq!(
            relations(&index, "group:default/team-a"),
            json!([{"type": "ownerOf", "targetRef": "component:default/checkout"}])
        );
        let owned = index.matching(&filter(&[("relations.ownerOf", Some("component:default/checkout"))]));
        assert_eq!(owned.len(), 1);
        // Removing the component removes the inverse relation from the group.
        assert!(index.remove(UIDS[0]));
        assert_eq!(relations(&index, "group:default/team-a"), json!([]));
        assert!(index.matching(&filter(&[("relations.ownerof", None)])).is_empty());
    }

    #[test]
    fn filters_facets_and_order() {
        let mut index = Index::default();
        index.upsert(&stored(UIDS[2], component("b-service", "team-a", &["java"])));
        index.upsert(&stored(UIDS[0], component("a-service", "team-b", &["go", "java"])));
        index.upsert(&stored(UIDS[1], group("team-a")));
        assert_eq!(index.matching(&filter(&[("kind", Some("COMPONENT"))])).len(), 2);
        assert_eq!(index.matching(&filter(&[("kind", Some("component")), ("metadata.tags", Some("go"))])).len(), 1);
        // `list.item` is answered from `list = item`.
        assert_eq!(index.matching(&filter(&[("metadata.tags.java", None)])).len(), 2);
        assert_eq!(index.matching(&filter(&[("metadata.tags.go", Some("true"))])).len(), 1);
        let facets = index.facets(&["metadata.tags".to_owned()], &index.all());
        assert_eq!(facets[0].1, vec![("java".to_owned(), 2), ("go".to_owned(), 1)]);
        let order = Order { field: "metadata.name".to_owned(), direction: Direction::Asc };
        let names: Vec<u128> = index.ordered(Some(&order)).0.iter().map(|id| index.uid_of(*id).unwrap()).collect();
        let uid = |n: usize| parse_uid(UIDS[n]).unwrap();
        assert_eq!(names, [uid(0), uid(2), uid(1)]);
        let (by_uid, nulls_from) = index.ordered(None);
        assert_eq!(by_uid.iter().map(|id| index.uid_of(*id).unwrap()).collect::<Vec<_>>(), [uid(0), uid(1), uid(2)]);
        assert_eq!(nulls_from, 0);
        assert_eq!(index.full_text("SERV", &["metadata.name".to_owned()]).len(), 2);
    }

    #[test]
    fn dangling_relations_are_listed() {
        let mut index = Index::default();
        index.upsert(&stored(UIDS[0], component("checkout", "ghost-team", &[])));
        assert_eq!(
            index.dangling_relations(),
            vec![("component:default/checkout".to_owned(), "ownedBy", "group:default/ghost-team".to_owned())]
        );
    }

    #[test]
    fn bodies_get_their_relations_and_status() {
        let extras = Extras { uid: 1, relations: "[]".to_owned(), status: Some("{\"items\":[]}".to_owned()) };
        assert_eq!(
            assemble("{\"kind\":\"X\"}", &extras),
            "{\"kind\":\"X\",\"relations\":[],\"status\":{\"items\":[]}}"
        );
    }

    #[test]
    fn tidying_after_a_large_change_gives_memory_back_and_keeps_every_answer() {
        let mut index = Index::default();
        let uid = |n: usize| format!("00000000-0000-4000-8000-{n:012}");
        let teams: Vec<StoredEntity> = (0..50).map(|n| stored(&uid(n), group(&format!("team-{n}")))).collect();
        let services: Vec<StoredEntity> = (0..3000)
            .map(|n| {
                let mut service = component(&format!("service-{n}"), &format!("team-{}", n % 50), &["java"]);
                service["spec"]["dependsOn"] = json!([format!("component:service-{}", (n + 1) % 3000)]);
                stored(&uid(1000 + n), service)
            })
            .collect();
        // Services first, so the teams' arrival rewrites their relations.
        index.apply(&[], &services);
        index.apply(&[], &teams);
        let answers = |index: &Index| {
            let owned = index.matching(&filter(&[("relations.ownedby", Some("group:default/team-7"))])).len();
            let java = index.matching(&filter(&[("metadata.tags", Some("java"))])).len();
            (owned, java, relations(index, "component:default/service-42"), relations(index, "group:default/team-7"))
        };
        let before = (answers(&index), index.memory_bytes());
        index.tidy();
        let after = (answers(&index), index.memory_bytes());
        assert_eq!(after.0, before.0, "the same answers after tidying");
        assert_eq!(after.0 .0, 60);
        assert!(after.1 < before.1, "tidying gave nothing back: {} bytes before, {} after", before.1, after.1);

        // A small change afterwards leaves the index as it is.
        index.upsert(&stored(&uid(999), component("late", "team-1", &[])));
        let small = index.memory_bytes();
        index.tidy();
        assert_eq!(index.memory_bytes(), small);
        assert_eq!(index.matching(&filter(&[("metadata.name", Some("late"))])).len(), 1);
    }

    #[test]
    fn a_page_in_uid_order_is_the_same_picked_or_sorted() {
        let mut index = Index::default();
        assert!(!index.is_settling(), "a fresh index is not changing");
        let uid = |n: usize| format!("{:08x}-0000-4000-8000-000000000000", (n * 7919) % 1000);
        let services: Vec<StoredEntity> =
            (0..1000).map(|n| stored(&uid(n), component(&format!("s-{n}"), "team", &["java"]))).collect();
        index.apply(&[], &services);
        assert!(index.is_settling(), "just changed");
        index.remove(&uid(3));
        let every_third: RoaringBitmap = (0..1000).step_by(3).collect();
        let sorted: Vec<u32> = index.ordered(None).0.iter().copied().filter(|id| every_third.contains(*id)).collect();
        assert_eq!(sorted.len(), 333, "one of the matches is gone");
        assert_eq!(index.first_by_uid(&every_third, 20), sorted[..20]);
        assert_eq!(index.first_by_uid(&every_third, 1), sorted[..1]);
        assert_eq!(index.first_by_uid(&every_third, 5000), sorted);
        assert!(index.first_by_uid(&every_third, 0).is_empty());
        assert_eq!(index.first_by_uid(&every_third, usize::MAX), sorted, "no limit");
    }
}
