//! The catalog's read model, held in memory: every entity with the flattened
//! `key = value` pairs Backstage filters on (its "search table"), posting
//! bitmaps per pair, and the relations all entities declare, joined from both
//! ends. Lookups, filters, facets, sorting and paging at 100,000 entities take
//! microseconds to a few milliseconds; the database stays the source of truth
//! and the index is rebuilt from it at start-up.

use super::descriptor::{self, Relation};
use roaring::RoaringBitmap;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Longest key or value Backstage keeps in its search table; longer values
/// can be tested for presence but not matched.
const MAX_SEARCH_LENGTH: usize = 200;

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
    uid: Arc<str>,
    reference: Arc<str>,
    location_id: Arc<str>,
    source: Arc<str>,
    body: Box<[u8]>,
    problems: Option<Box<str>>,
    refreshed_at: Box<str>,
    /// Search pairs of the body (key id, lowercased value id or NULL_VALUE).
    fields: Vec<(u32, u32)>,
    /// Relations this entity declared (both directions).
    declared: Vec<Relation>,
}

const NULL_VALUE: u32 = u32::MAX;

/// Interned strings, so a value shared by thousands of entities is stored once.
#[derive(Default)]
struct Interner {
    ids: HashMap<Arc<str>, u32>,
    strings: Vec<Arc<str>>,
}

impl Interner {
    fn intern(&mut self, text: &str) -> u32 {
        if let Some(id) = self.ids.get(text) {
            return *id;
        }
        let id = u32::try_from(self.strings.len()).unwrap_or(NULL_VALUE - 1);
        let text: Arc<str> = Arc::from(text);
        self.strings.push(text.clone());
        self.ids.insert(text, id);
        id
    }

    fn get(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    fn text(&self, id: u32) -> &str {
        self.strings.get(id as usize).map_or("", |text| text)
    }
}

/// Relations from one source: (relation type, target ref) → how many entities declare it.
type Edges = BTreeMap<(&'static str, Arc<str>), u32>;
/// Cached orderings: field → (index generation, entity ids in order).
type OrderCache = Mutex<HashMap<String, (u64, Arc<Vec<u32>>)>>;

/// The index itself; [`super::Catalog`] keeps it behind a lock.
#[derive(Default)]
pub struct Index {
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    live: RoaringBitmap,
    by_ref: HashMap<Arc<str>, u32>,
    by_uid: HashMap<Arc<str>, u32>,
    keys: Interner,
    values: Interner,
    /// (key, lowercased value) → entities.
    postings: HashMap<(u32, u32), RoaringBitmap>,
    /// key → entities having it (any value, null included).
    with_key: HashMap<u32, RoaringBitmap>,
    /// key → its values, with the first original spelling of each.
    values_of_key: HashMap<u32, HashMap<u32, u32>>,
    /// source ref → (relation type, target ref) → how many entities declare it.
    relations: HashMap<Arc<str>, Edges>,
    generation: u64,
    orders: OrderCache,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").field("entities", &self.live.len()).field("generation", &self.generation).finish()
    }
}

impl Index {
    pub fn len(&self) -> u64 {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// Adds or replaces an entity.
    pub fn upsert(&mut self, stored: StoredEntity) {
        let Ok(body) = serde_json::from_str::<Value>(&stored.body) else {
            tracing::warn!(entity = %stored.entity_ref, "stored entity is not JSON; skipped");
            return;
        };
        if let Some(slot) = self.by_ref.get(stored.entity_ref.as_str()).copied() {
            self.remove_slot(slot);
        }
        if let Some(slot) = self.by_uid.get(stored.uid.as_str()).copied() {
            self.remove_slot(slot);
        }
        self.generation += 1;
        let declared = descriptor::check(&body).map(|checked| checked.relations).unwrap_or_default();
        let id = self.free.pop().unwrap_or_else(|| u32::try_from(self.slots.len()).unwrap_or(NULL_VALUE - 1));
        let mut fields = Vec::new();
        for (key, value) in search_pairs(&body) {
            let key_id = self.keys.intern(&key);
            let value_id = match value {
                Some(value) if value.chars().count() <= MAX_SEARCH_LENGTH => {
                    let lower = value.to_lowercase();
                    let lower_id = self.values.intern(&lower);
                    let original_id = if lower == value { lower_id } else { self.values.intern(&value) };
                    self.values_of_key.entry(key_id).or_default().entry(lower_id).or_insert(original_id);
                    self.postings.entry((key_id, lower_id)).or_default().insert(id);
                    lower_id
                }
                _ => NULL_VALUE,
            };
            self.with_key.entry(key_id).or_default().insert(id);
            fields.push((key_id, value_id));
        }
        let reference: Arc<str> = Arc::from(stored.entity_ref.as_str());
        let uid: Arc<str> = Arc::from(stored.uid.as_str());
        let slot = Slot {
            uid: uid.clone(),
            reference: reference.clone(),
            location_id: Arc::from(stored.location_id.as_str()),
            source: Arc::from(stored.source.as_str()),
            body: pack(&stored.body),
            problems: stored.problems.map(String::into_boxed_str),
            refreshed_at: stored.refreshed_at.into_boxed_str(),
            fields,
            declared: Vec::new(),
        };
        let index = id as usize;
        if index >= self.slots.len() {
            self.slots.resize_with(index + 1, || None);
        }
        self.slots[index] = Some(slot);
        self.live.insert(id);
        self.by_ref.insert(reference.clone(), id);
        self.by_uid.insert(uid, id);
        // Relations others declared with this entity as their source.
        let incoming: Vec<(&'static str, Arc<str>)> =
            self.relations.get(&reference).map(|edges| edges.keys().cloned().collect()).unwrap_or_default();
        for (kind, target) in incoming {
            self.add_relation_field(id, kind, &target);
        }
        for relation in &declared {
            self.add_relation(relation);
        }
        if let Some(Some(slot)) = self.slots.get_mut(index) {
            slot.declared = declared;
        }
    }

    /// Removes the entity with this uid; returns whether it was there.
    pub fn remove(&mut self, uid: &str) -> bool {
        match self.by_uid.get(uid).copied() {
            Some(slot) => {
                self.remove_slot(slot);
                true
            }
            None => false,
        }
    }

    fn remove_slot(&mut self, id: u32) {
        let Some(slot) = self.slots.get_mut(id as usize).and_then(Option::take) else { return };
        self.generation += 1;
        self.live.remove(id);
        self.free.push(id);
        self.by_ref.remove(&slot.reference);
        self.by_uid.remove(&slot.uid);
        for (key, value) in &slot.fields {
            if let Some(bitmap) = self.with_key.get_mut(key) {
                bitmap.remove(id);
            }
            if *value != NULL_VALUE {
                if let Some(bitmap) = self.postings.get_mut(&(*key, *value)) {
                    bitmap.remove(id);
                    if bitmap.is_empty() {
                        self.postings.remove(&(*key, *value));
                        if let Some(values) = self.values_of_key.get_mut(key) {
                            values.remove(value);
                        }
                    }
                }
            }
        }
        // Relation pairs (`relations.*`) live in postings too; drop this id from them.
        let incoming: Vec<(&'static str, Arc<str>)> =
            self.relations.get(&slot.reference).map(|edges| edges.keys().cloned().collect()).unwrap_or_default();
        for (kind, target) in incoming {
            self.remove_relation_field(id, kind, &target);
        }
        for relation in &slot.declared {
            self.remove_relation(relation);
        }
    }

    fn add_relation(&mut self, relation: &Relation) {
        let source: Arc<str> = self
            .by_ref
            .get_key_value(relation.source.as_str())
            .map_or_else(|| Arc::from(relation.source.as_str()), |(key, _)| key.clone());
        let target: Arc<str> = Arc::from(relation.target.as_str());
        let count =
            self.relations.entry(source.clone()).or_default().entry((relation.kind, target.clone())).or_insert(0);
        *count += 1;
        if *count == 1 {
            if let Some(id) = self.by_ref.get(&source).copied() {
                self.add_relation_field(id, relation.kind, &target);
            }
        }
    }

    fn remove_relation(&mut self, relation: &Relation) {
        let Some(edges) = self.relations.get_mut(relation.source.as_str()) else { return };
        let key = (relation.kind, Arc::<str>::from(relation.target.as_str()));
        let Some(count) = edges.get_mut(&key) else { return };
        *count -= 1;
        if *count == 0 {
            edges.remove(&key);
            if edges.is_empty() {
                self.relations.remove(relation.source.as_str());
            }
            if let Some(id) = self.by_ref.get(relation.source.as_str()).copied() {
                self.remove_relation_field(id, relation.kind, &key.1);
            }
        }
    }

    fn add_relation_field(&mut self, id: u32, kind: &str, target: &str) {
        let key = self.keys.intern(&format!("relations.{}", kind.to_lowercase()));
        let value = self.values.intern(target);
        self.values_of_key.entry(key).or_default().entry(value).or_insert(value);
        self.postings.entry((key, value)).or_default().insert(id);
        self.with_key.entry(key).or_default().insert(id);
        self.generation += 1;
    }

    fn remove_relation_field(&mut self, id: u32, kind: &str, target: &str) {
        let (Some(key), Some(value)) =
            (self.keys.get(&format!("relations.{}", kind.to_lowercase())), self.values.get(target))
        else {
            return;
        };
        if let Some(bitmap) = self.postings.get_mut(&(key, value)) {
            bitmap.remove(id);
            if bitmap.is_empty() {
                self.postings.remove(&(key, value));
                if let Some(values) = self.values_of_key.get_mut(&key) {
                    values.remove(&value);
                }
            }
        }
        let still_has_key = self
            .values_of_key
            .get(&key)
            .is_some_and(|values| values.keys().any(|v| self.postings.get(&(key, *v)).is_some_and(|b| b.contains(id))));
        if !still_has_key {
            if let Some(bitmap) = self.with_key.get_mut(&key) {
                bitmap.remove(id);
            }
        }
        self.generation += 1;
    }

    // ----- reading -----

    fn slot(&self, id: u32) -> Option<&Slot> {
        self.slots.get(id as usize).and_then(Option::as_ref)
    }

    pub fn id_by_ref(&self, entity_ref: &str) -> Option<u32> {
        self.by_ref.get(entity_ref).copied()
    }

    pub fn id_by_uid(&self, uid: &str) -> Option<u32> {
        self.by_uid.get(uid).copied()
    }

    pub fn contains_ref(&self, entity_ref: &str) -> bool {
        self.by_ref.contains_key(entity_ref)
    }

    /// The full entity JSON as the API returns it: body, relations, status.
    pub fn render(&self, id: u32) -> Option<String> {
        let slot = self.slot(id)?;
        let body = unpack(&slot.body);
        let trimmed = body.trim_end();
        let without_brace = trimmed.strip_suffix('}')?;
        let mut out = String::with_capacity(body.len() + 256);
        out.push_str(without_brace);
        if !without_brace.trim_end().ends_with('{') {
            out.push(',');
        }
        out.push_str("\"relations\":[");
        if let Some(edges) = self.relations.get(&slot.reference) {
            for (index, ((kind, target), _)) in edges.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str("{\"type\":");
                push_json_string(&mut out, kind);
                out.push_str(",\"targetRef\":");
                push_json_string(&mut out, target);
                out.push('}');
            }
        }
        out.push(']');
        if let Some(problems) = &slot.problems {
            out.push_str(",\"status\":");
            out.push_str(&status_json(problems));
        }
        out.push('}');
        Some(out)
    }

    /// Facts about an entity that are not part of its JSON.
    pub fn provenance(&self, id: u32) -> Option<Provenance> {
        let slot = self.slot(id)?;
        Some(Provenance {
            uid: slot.uid.to_string(),
            entity_ref: slot.reference.to_string(),
            location_id: slot.location_id.to_string(),
            source: slot.source.to_string(),
            refreshed_at: slot.refreshed_at.to_string(),
            problems: slot.problems.as_deref().map(str::to_owned),
        })
    }

    /// Relations with this entity as source: (type, target ref), sorted.
    pub fn relations_of(&self, entity_ref: &str) -> Vec<(&'static str, String)> {
        self.relations
            .get(entity_ref)
            .map(|edges| edges.keys().map(|(kind, target)| (*kind, target.to_string())).collect())
            .unwrap_or_default()
    }

    /// Every relation whose target is not in the catalog: (source, type, target).
    pub fn dangling_relations(&self) -> Vec<(String, &'static str, String)> {
        let mut dangling = Vec::new();
        for (source, edges) in &self.relations {
            if !self.by_ref.contains_key(source) {
                continue;
            }
            for (kind, target) in edges.keys() {
                if !self.by_ref.contains_key(target) {
                    dangling.push((source.to_string(), *kind, target.to_string()));
                }
            }
        }
        dangling.sort();
        dangling
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
        let Some(key) = self.keys.get(&condition.key.to_lowercase()) else { return RoaringBitmap::new() };
        match &condition.values {
            None => self.with_key.get(&key).cloned().unwrap_or_default(),
            Some(values) => {
                let mut set = RoaringBitmap::new();
                for value in values {
                    if let Some(value) = self.values.get(&value.to_lowercase()) {
                        if let Some(bitmap) = self.postings.get(&(key, value)) {
                            set |= bitmap;
                        }
                    }
                }
                set
            }
        }
    }

    /// Entities with a value containing `term` (case-insensitive) in one of `fields`.
    pub fn full_text(&self, term: &str, fields: &[String]) -> RoaringBitmap {
        let term = term.trim().to_lowercase();
        let mut set = RoaringBitmap::new();
        for field in fields {
            let Some(key) = self.keys.get(&field.to_lowercase()) else { continue };
            let Some(values) = self.values_of_key.get(&key) else { continue };
            for value in values.keys() {
                if self.values.text(*value).contains(&term) {
                    if let Some(bitmap) = self.postings.get(&(key, *value)) {
                        set |= bitmap;
                    }
                }
            }
        }
        set
    }

    /// Entities with a value of `field` starting with `prefix` (case-insensitive).
    pub fn with_prefix(&self, field: &str, prefix: &str) -> RoaringBitmap {
        let prefix = prefix.to_lowercase();
        let mut set = RoaringBitmap::new();
        let Some(key) = self.keys.get(&field.to_lowercase()) else { return set };
        for value in self.values_of_key.get(&key).into_iter().flat_map(HashMap::keys) {
            if self.values.text(*value).starts_with(&prefix) {
                if let Some(bitmap) = self.postings.get(&(key, *value)) {
                    set |= bitmap;
                }
            }
        }
        set
    }

    /// Value counts of each facet key among `within`, values as first written.
    pub fn facets(&self, keys: &[String], within: &RoaringBitmap) -> Vec<(String, Vec<(String, u64)>)> {
        let everything = within.len() == self.live.len();
        keys.iter()
            .map(|facet| {
                let mut counts = Vec::new();
                if let Some(key) = self.keys.get(&facet.to_lowercase()) {
                    for (value, original) in self.values_of_key.get(&key).into_iter().flatten() {
                        let Some(bitmap) = self.postings.get(&(key, *value)) else { continue };
                        let count = if everything { bitmap.len() } else { bitmap.intersection_len(within) };
                        if count > 0 {
                            counts.push((self.values.text(*original).to_owned(), count));
                        }
                    }
                }
                counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                (facet.clone(), counts)
            })
            .collect()
    }

    /// All entities in the given order (by the field's lowercased value,
    /// entities without it last, then by uid), cached until the next change.
    pub fn ordered(&self, order: Option<&Order>) -> Arc<Vec<u32>> {
        let field = order.map(|order| order.field.to_lowercase()).unwrap_or_default();
        if let Ok(cache) = self.orders.lock() {
            if let Some((generation, ids)) = cache.get(&field) {
                if *generation == self.generation {
                    return ids.clone();
                }
            }
        }
        let key = (!field.is_empty()).then(|| self.keys.get(&field)).flatten();
        let mut rows: Vec<(Option<&str>, &str, u32)> = self
            .live
            .iter()
            .filter_map(|id| {
                let slot = self.slot(id)?;
                let value = key.and_then(|key| {
                    slot.fields
                        .iter()
                        .filter(|(k, v)| *k == key && *v != NULL_VALUE)
                        .map(|(_, v)| self.values.text(*v))
                        .min()
                });
                let value = match (value, key) {
                    (None, Some(key)) => self.relation_sort_value(key, &slot.reference),
                    (value, _) => value,
                };
                Some((value, &*slot.uid, id))
            })
            .collect();
        rows.sort_unstable_by(|a, b| match (a.0, b.0) {
            (Some(x), Some(y)) => x.cmp(y).then_with(|| a.1.cmp(b.1)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.1.cmp(b.1),
        });
        let nulls_from = rows.iter().position(|row| row.0.is_none()).unwrap_or(rows.len());
        let ids = Arc::new(rows.iter().map(|row| row.2).collect::<Vec<u32>>());
        if let Ok(mut cache) = self.orders.lock() {
            cache.insert(field.clone(), (self.generation, ids.clone()));
            cache.insert(format!("{field}\u{0}nulls"), (self.generation, Arc::new(vec![nulls_from as u32])));
        }
        ids
    }

    /// Where entities without a value start in [`Self::ordered`]'s list.
    pub fn nulls_from(&self, order: Option<&Order>) -> usize {
        let field = order.map(|order| order.field.to_lowercase()).unwrap_or_default();
        let ids = self.ordered(order);
        self.orders
            .lock()
            .ok()
            .and_then(|cache| cache.get(&format!("{field}\u{0}nulls")).map(|(_, v)| v.first().copied()))
            .flatten()
            .map_or(ids.len(), |n| n as usize)
    }

    fn relation_sort_value(&self, key: u32, reference: &str) -> Option<&str> {
        let kind = self.keys.text(key).strip_prefix("relations.")?;
        self.relations
            .get(reference)?
            .keys()
            .filter(|(k, _)| k.eq_ignore_ascii_case(kind))
            .map(|(_, target)| &**target)
            .min()
    }

    pub fn uid_of(&self, id: u32) -> Option<&str> {
        self.slot(id).map(|slot| &*slot.uid)
    }

    /// (uid, entity ref) of every entity a location brought.
    pub fn entities_of_location(&self, location_id: &str) -> Vec<(String, String)> {
        self.live
            .iter()
            .filter_map(|id| self.slot(id))
            .filter(|slot| &*slot.location_id == location_id)
            .map(|slot| (slot.uid.to_string(), slot.reference.to_string()))
            .collect()
    }
}

/// Where an entity came from and how its last read went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub uid: String,
    pub entity_ref: String,
    pub location_id: String,
    pub source: String,
    pub refreshed_at: String,
    pub problems: Option<String>,
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

fn push_json_string(out: &mut String, text: &str) {
    out.push_str(&serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned()));
}

/// Bodies are kept compressed: they are most of the index's memory.
fn pack(body: &str) -> Box<[u8]> {
    lz4_flex::compress_prepend_size(body.as_bytes()).into_boxed_slice()
}

fn unpack(body: &[u8]) -> String {
    lz4_flex::decompress_size_prepended(body)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| "{}".to_owned())
}

/// The `key = value` pairs Backstage's search table holds for an entity:
/// every leaf by dotted path (lists repeat the key and add `key.item = true`),
/// with `relations`, `status` and `attachments` left out.
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
                if let Value::String(text) = item {
                    pairs.push((format!("{path}.{text}"), Some("true".to_owned())));
                }
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

    #[test]
    fn search_pairs_follow_backstage() {
        let pairs = search_pairs(&json!({"kind": "Component", "metadata": {"name": "A", "tags": ["Java"]},
                                         "spec": {"x": null}, "relations": [{"type": "t"}]}));
        assert!(pairs.contains(&("metadata.tags".to_owned(), Some("Java".to_owned()))));
        assert!(pairs.contains(&("metadata.tags.java".to_owned(), Some("true".to_owned()))));
        assert!(pairs.contains(&("spec.x".to_owned(), None)));
        assert!(pairs.contains(&("metadata.namespace".to_owned(), None)));
        assert!(!pairs.iter().any(|(key, _)| key.starts_with("relations")));
    }

    #[test]
    fn relations_join_from_both_ends_whichever_arrives_first() {
        let mut index = Index::default();
        index.upsert(stored("u1", component("checkout", "team-a", &[])));
        // The group arrives after the component that names it as owner.
        index.upsert(stored("u2", group("team-a")));
        let group_json: Value =
            serde_json::from_str(&index.render(index.id_by_ref("group:default/team-a").unwrap()).unwrap()).unwrap();
        assert_eq!(group_json["relations"], json!([{"type": "ownerOf", "targetRef": "component:default/checkout"}]));
        let owned = index.matching(&filter(&[("relations.ownerOf", Some("component:default/checkout"))]));
        assert_eq!(owned.len(), 1);
        // Removing the component removes the inverse relation from the group.
        assert!(index.remove("u1"));
        let group_json: Value =
            serde_json::from_str(&index.render(index.id_by_ref("group:default/team-a").unwrap()).unwrap()).unwrap();
        assert_eq!(group_json["relations"], json!([]));
        assert!(index.matching(&filter(&[("relations.ownerof", None)])).is_empty());
    }

    #[test]
    fn filters_facets_and_order() {
        let mut index = Index::default();
        index.upsert(stored("c", component("b-service", "team-a", &["java"])));
        index.upsert(stored("a", component("a-service", "team-b", &["go", "java"])));
        index.upsert(stored("b", group("team-a")));
        assert_eq!(index.matching(&filter(&[("kind", Some("COMPONENT"))])).len(), 2);
        assert_eq!(index.matching(&filter(&[("kind", Some("component")), ("metadata.tags", Some("go"))])).len(), 1);
        assert_eq!(index.matching(&filter(&[("metadata.tags.java", None)])).len(), 2);
        let facets = index.facets(&["metadata.tags".to_owned()], &index.matching(&EntityFilter::default()));
        assert_eq!(facets[0].1, vec![("java".to_owned(), 2), ("go".to_owned(), 1)]);
        let order = Order { field: "metadata.name".to_owned(), direction: Direction::Asc };
        let names: Vec<&str> = index.ordered(Some(&order)).iter().map(|id| index.uid_of(*id).unwrap()).collect();
        assert_eq!(names, ["a", "c", "b"]);
        let by_uid: Vec<&str> = index.ordered(None).iter().map(|id| index.uid_of(*id).unwrap()).collect();
        assert_eq!(by_uid, ["a", "b", "c"]);
        assert_eq!(index.full_text("SERV", &["metadata.name".to_owned()]).len(), 2);
    }

    #[test]
    fn dangling_relations_are_listed() {
        let mut index = Index::default();
        index.upsert(stored("c", component("checkout", "ghost-team", &[])));
        assert_eq!(
            index.dangling_relations(),
            vec![("component:default/checkout".to_owned(), "ownedBy", "group:default/ghost-team".to_owned())]
        );
    }
}
