//! Entity bodies (the stored JSON) for API answers and pages: read from the
//! database in one query per page, with the most recently used kept in a
//! small cache, so memory does not grow with the catalog's API definitions.

use super::index::{assemble, uid_text, Extras};
use super::query::project;
use super::store;
use crate::database::Database;
use crate::error::Result;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Bytes of bodies kept in memory.
const CACHE_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Default)]
struct Lru {
    entries: HashMap<u128, (Arc<str>, u64)>,
    by_age: BTreeMap<u64, u128>,
    tick: u64,
    bytes: usize,
}

impl Lru {
    fn get(&mut self, uid: u128) -> Option<Arc<str>> {
        self.tick += 1;
        let tick = self.tick;
        let (body, age) = self.entries.get_mut(&uid)?;
        self.by_age.remove(age);
        *age = tick;
        self.by_age.insert(tick, uid);
        Some(body.clone())
    }

    fn put(&mut self, uid: u128, body: Arc<str>) {
        self.forget(uid);
        self.tick += 1;
        self.bytes += body.len();
        self.entries.insert(uid, (body, self.tick));
        self.by_age.insert(self.tick, uid);
        while self.bytes > CACHE_BYTES {
            let Some((_, oldest)) = self.by_age.pop_first() else { break };
            if let Some((body, _)) = self.entries.remove(&oldest) {
                self.bytes -= body.len();
            }
        }
    }

    fn forget(&mut self, uid: u128) {
        if let Some((body, age)) = self.entries.remove(&uid) {
            self.by_age.remove(&age);
            self.bytes -= body.len();
        }
    }
}

/// The cache of bodies; cheap to share.
#[derive(Debug, Default)]
pub struct Bodies {
    cache: Mutex<Lru>,
}

impl Bodies {
    /// The bodies of `uids`, from the cache or else the database.
    pub async fn get(&self, db: &Database, uids: &[u128]) -> Result<HashMap<u128, Arc<str>>> {
        let mut found = HashMap::with_capacity(uids.len());
        let mut missing = Vec::new();
        if let Ok(mut cache) = self.cache.lock() {
            for uid in uids {
                match cache.get(*uid) {
                    Some(body) => {
                        found.insert(*uid, body);
                    }
                    None => missing.push(uid_text(*uid)),
                }
            }
        }
        if !missing.is_empty() {
            let loaded = store::bodies_by_uid(db.connection(), &missing).await?;
            let mut cache = self.cache.lock().ok();
            for (uid, body) in loaded {
                let Some(uid) = super::index::parse_uid(&uid) else { continue };
                let body: Arc<str> = Arc::from(body);
                if let Some(cache) = cache.as_mut() {
                    cache.put(uid, body.clone());
                }
                found.insert(uid, body);
            }
        }
        Ok(found)
    }

    /// Drops entities that changed or went away.
    pub fn forget(&self, uids: impl IntoIterator<Item = u128>) {
        if let Ok(mut cache) = self.cache.lock() {
            for uid in uids {
                cache.forget(uid);
            }
        }
    }
}

/// JSON being answered whose entities still need their bodies:
/// `before` + `[entity, ...]` + `after`, each entity projected to `fields`.
#[derive(Debug, Default)]
pub struct Planned {
    pub before: String,
    pub items: Vec<Option<Extras>>,
    pub after: String,
    pub fields: Vec<String>,
}

impl Planned {
    pub fn uids(&self) -> Vec<u128> {
        self.items.iter().flatten().map(|extras| extras.uid).collect()
    }

    /// The finished JSON; an entity whose body vanished meanwhile is `null`.
    pub fn finish(self, bodies: &HashMap<u128, Arc<str>>) -> String {
        let mut out = self.before;
        out.push('[');
        for (n, item) in self.items.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            let rendered = item.as_ref().and_then(|extras| {
                let json = assemble(bodies.get(&extras.uid)?, extras);
                if self.fields.is_empty() {
                    return Some(json);
                }
                let value: serde_json::Value = serde_json::from_str(&json).ok()?;
                Some(project(&value, &self.fields).to_string())
            });
            out.push_str(rendered.as_deref().unwrap_or("null"));
        }
        out.push(']');
        out.push_str(&self.after);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_keeps_the_most_recent_within_its_budget() {
        let mut lru = Lru::default();
        let big: Arc<str> = Arc::from("x".repeat(CACHE_BYTES / 2));
        lru.put(1, big.clone());
        lru.put(2, big.clone());
        assert!(lru.get(1).is_some(), "1 is now the most recent");
        lru.put(3, big);
        assert!(lru.get(2).is_none(), "2 was the least recently used");
        assert!(lru.get(1).is_some() && lru.get(3).is_some());
        lru.forget(1);
        assert!(lru.get(1).is_none());
        assert!(lru.bytes <= CACHE_BYTES);
    }
}
