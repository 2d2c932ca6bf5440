//! The catalog's tables and the one write that matters: applying what a
//! location yielded. An [`Applier`] writes entities in batches as they are
//! read (each batch in its own transaction, so a 100,000-entity file never
//! sits in memory whole), then settles removals and problems at the end.
//! Nothing stored is lost when a file turns bad.

pub mod changes;
pub mod entities;
pub mod locations;

use super::harvest::{Found, Harvest, LocationProblem};
use super::index::StoredEntity;
use crate::error::{DomainError, Result};
use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Rows per multi-row INSERT or `IN (...)` list; well under both engines' parameter limits.
const CHUNK: usize = 3000;

/// Who else holds an entity reference: `entity_ref -> location id`.
pub type Claims = HashMap<String, String>;

pub fn now() -> DateTime<FixedOffset> {
    Utc::now().fixed_offset()
}

/// What the location held before this refresh, per entity reference.
struct Previous {
    uid: String,
    hash: String,
    source: String,
    problems: Option<String>,
}

/// What the end of a refresh changed.
#[derive(Debug, Default)]
pub struct Settled {
    /// Kept entities whose problems changed, re-read for the index.
    pub upserted: Vec<StoredEntity>,
    pub removed: Vec<(String, String)>,
    pub unchanged: usize,
    pub problems: Vec<LocationProblem>,
}

/// Writes one refresh of a location: [`Applier::write`] per batch of
/// entities read, then [`Applier::settle`] once the location is read.
pub struct Applier<'a> {
    location_id: String,
    /// Which references other locations already hold (the first keeps an entity).
    claims: &'a Claims,
    previous: HashMap<String, Previous>,
    /// Reference → file of every entity this refresh read.
    seen: HashMap<String, String>,
    /// Duplicates and claimed entities found while writing.
    problems: Vec<LocationProblem>,
    unchanged: usize,
    now: DateTime<FixedOffset>,
}

impl<'a> Applier<'a> {
    pub async fn start(db: &DatabaseConnection, location_id: &str, claims: &'a Claims) -> Result<Self> {
        let rows: Vec<(String, String, String, String, Option<String>)> = entities::Entity::find()
            .select_only()
            .columns([
                entities::Column::Uid,
                entities::Column::EntityRef,
                entities::Column::Hash,
                entities::Column::Source,
                entities::Column::Problems,
            ])
            .filter(entities::Column::LocationId.eq(location_id))
            .into_tuple()
            .all(db)
            .await?;
        let previous = rows
            .into_iter()
            .map(|(uid, entity_ref, hash, source, problems)| (entity_ref, Previous { uid, hash, source, problems }))
            .collect();
        Ok(Self {
            location_id: location_id.to_owned(),
            claims,
            previous,
            seen: HashMap::new(),
            problems: Vec::new(),
            unchanged: 0,
            now: now(),
        })
    }

    fn clash(&mut self, found: &Found, message: String) {
        self.problems.push(LocationProblem {
            source: found.source.clone(),
            document: None,
            line: None,
            field: None,
            message,
            entity_ref: None,
        });
    }

    /// Stores the new and changed entities of one batch, in one
    /// transaction; returns them for the index.
    pub async fn write(&mut self, db: &DatabaseConnection, batch: Vec<Found>) -> Result<Vec<StoredEntity>> {
        let location_id = self.location_id.clone();
        let mut rows: Vec<(StoredEntity, String)> = Vec::new();
        let mut replaced_uids = Vec::new();
        for found in batch {
            let entity_ref = found.entity_ref.clone();
            if let Some(first) = self.seen.get(&entity_ref) {
                let message = format!("{entity_ref} is also defined in {first}; the first definition is kept");
                self.clash(&found, message);
                continue;
            }
            if let Some(other) = self.claims.get(&entity_ref).filter(|other| **other != location_id) {
                let message =
                    format!("{entity_ref} already comes from another location ({other}); the first location keeps it");
                self.clash(&found, message);
                continue;
            }
            self.seen.insert(entity_ref.clone(), found.source.clone());
            let hash = content_hash(&found.body);
            let previous = self.previous.remove(&entity_ref);
            let uid = previous.as_ref().map_or_else(|| uuid::Uuid::new_v4().to_string(), |old| old.uid.clone());
            if let Some(old) = &previous {
                if old.hash == hash && old.source == found.source && old.problems.is_none() {
                    self.unchanged += 1;
                    continue;
                }
                replaced_uids.push(uid.clone());
            }
            let stored = StoredEntity {
                body: with_identity(&found.body, &uid, &hash[..32]),
                uid,
                entity_ref,
                location_id: location_id.clone(),
                source: found.source,
                problems: None,
                refreshed_at: self.now.to_rfc3339(),
            };
            rows.push((stored, hash));
        }
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let transaction = db.begin().await?;
        for chunk in replaced_uids.chunks(CHUNK) {
            entities::Entity::delete_many()
                .filter(entities::Column::Uid.is_in(chunk.iter().cloned()))
                .exec(&transaction)
                .await?;
        }
        for chunk in rows.chunks(CHUNK) {
            let models: Vec<entities::ActiveModel> = chunk
                .iter()
                .map(|(stored, hash)| entities::ActiveModel {
                    uid: Set(stored.uid.clone()),
                    entity_ref: Set(stored.entity_ref.clone()),
                    location_id: Set(stored.location_id.clone()),
                    source: Set(stored.source.clone()),
                    body: Set(stored.body.clone()),
                    hash: Set(hash.clone()),
                    problems: Set(None),
                    refreshed_at: Set(self.now),
                    updated_at: Set(self.now),
                })
                .collect();
            entities::Entity::insert_many(models).exec(&transaction).await.map_err(|err| {
                // Another replica stored the same entity first.
                conflict_or(err, || {
                    format!("location {location_id}: an entity it holds was stored by another location at the same moment; it will be retried")
                })
            })?;
            let changes: Vec<changes::ActiveModel> =
                chunk.iter().map(|(stored, _)| change(&stored.uid, &stored.entity_ref, "upsert", self.now)).collect();
            changes::Entity::insert_many(changes).exec(&transaction).await?;
        }
        transaction.commit().await?;
        Ok(rows.into_iter().map(|(stored, _)| stored).collect())
    }

    /// Once the location is read: removes what its files no longer hold
    /// (unless their file could not be read, or their document is broken:
    /// then the last good version stays, carrying the problem), and records
    /// the location's problems.
    pub async fn settle(mut self, db: &DatabaseConnection, harvest: Harvest) -> Result<Settled> {
        let mut problems = harvest.problems;
        problems.append(&mut self.problems);
        let mut problems_by_ref: HashMap<&str, Vec<&LocationProblem>> = HashMap::new();
        for problem in &problems {
            if let Some(entity_ref) = &problem.entity_ref {
                problems_by_ref.entry(entity_ref.as_str()).or_default().push(problem);
            }
        }
        let mut settled = Settled { unchanged: self.unchanged, ..Settled::default() };
        let mut kept_with_problems = Vec::new();
        for (entity_ref, old) in std::mem::take(&mut self.previous) {
            if let Some(problems) = problems_by_ref.get(entity_ref.as_str()) {
                let problems = serde_json::to_string(problems).unwrap_or_default();
                if old.problems.as_deref() != Some(problems.as_str()) {
                    kept_with_problems.push((old.uid, entity_ref, problems));
                }
            } else if !harvest.unreadable.contains(&old.source) {
                settled.removed.push((old.uid, entity_ref));
            }
        }
        drop(problems_by_ref);

        let transaction = db.begin().await?;
        let removed_uids: Vec<String> = settled.removed.iter().map(|(uid, _)| uid.clone()).collect();
        for chunk in removed_uids.chunks(CHUNK) {
            entities::Entity::delete_many()
                .filter(entities::Column::Uid.is_in(chunk.iter().cloned()))
                .exec(&transaction)
                .await?;
        }
        for (uid, _, problems) in &kept_with_problems {
            entities::Entity::update_many()
                .col_expr(entities::Column::Problems, sea_orm::sea_query::Expr::value(problems.clone()))
                .col_expr(entities::Column::RefreshedAt, sea_orm::sea_query::Expr::value(self.now))
                .filter(entities::Column::Uid.eq(uid.as_str()))
                .exec(&transaction)
                .await?;
        }
        let mut change_rows: Vec<changes::ActiveModel> = kept_with_problems
            .iter()
            .map(|(uid, entity_ref, _)| change(uid, entity_ref, "upsert", self.now))
            .chain(settled.removed.iter().map(|(uid, entity_ref)| change(uid, entity_ref, "delete", self.now)))
            .collect();
        while !change_rows.is_empty() {
            let batch: Vec<changes::ActiveModel> = change_rows.drain(..change_rows.len().min(CHUNK)).collect();
            changes::Entity::insert_many(batch).exec(&transaction).await?;
        }
        let status = if problems.is_empty() { "ok" } else { "error" };
        locations::Entity::update_many()
            .col_expr(locations::Column::Status, sea_orm::sea_query::Expr::value(status))
            .col_expr(
                locations::Column::Problems,
                sea_orm::sea_query::Expr::value(serde_json::to_string(&problems).unwrap_or_default()),
            )
            .col_expr(locations::Column::RefreshedAt, sea_orm::sea_query::Expr::value(self.now))
            .filter(locations::Column::Id.eq(self.location_id.as_str()))
            .exec(&transaction)
            .await?;
        transaction.commit().await?;

        // Kept entities with new problems are re-read whole for the index.
        let uids: Vec<String> = kept_with_problems.into_iter().map(|(uid, ..)| uid).collect();
        settled.upserted = entities_by_uid(db, &uids).await?;
        settled.problems = problems;
        Ok(settled)
    }
}

/// `conflict` when the error is a unique-key clash (SQLite and PostgreSQL
/// word it differently), the database error otherwise.
pub fn conflict_or(err: sea_orm::DbErr, conflict: impl FnOnce() -> String) -> DomainError {
    let text = err.to_string().to_lowercase();
    if text.contains("unique") || text.contains("duplicate") {
        DomainError::Conflict(conflict())
    } else {
        DomainError::Database(err)
    }
}

fn change(uid: &str, entity_ref: &str, op: &str, at: DateTime<FixedOffset>) -> changes::ActiveModel {
    changes::ActiveModel {
        id: sea_orm::NotSet,
        at: Set(at),
        uid: Set(uid.to_owned()),
        entity_ref: Set(entity_ref.to_owned()),
        op: Set(op.to_owned()),
    }
}

pub fn stored_from_model(model: entities::Model) -> StoredEntity {
    StoredEntity {
        uid: model.uid,
        entity_ref: model.entity_ref,
        location_id: model.location_id,
        source: model.source,
        body: model.body,
        problems: model.problems,
        refreshed_at: model.refreshed_at.to_rfc3339(),
    }
}

/// SHA-256 of the entity as read, hex: equal hashes mean nothing changed.
fn content_hash(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The body with `metadata.uid` and `metadata.etag` set, written into the
/// top-level `metadata` object of the compact JSON without parsing it again.
pub fn with_identity(body: &str, uid: &str, etag: &str) -> String {
    let identity = format!("\"uid\":{},\"etag\":{}", Value::String(uid.to_owned()), Value::String(etag.to_owned()));
    match top_level_object_start(body, "metadata") {
        Some(open) => {
            let rest = &body[open + 1..];
            let separator = if rest.trim_start().starts_with('}') { "" } else { "," };
            format!("{}{identity}{separator}{rest}", &body[..=open])
        }
        None => body.to_owned(),
    }
}

/// Where the object value of top-level key `key` opens (`{`), scanning the
/// JSON properly: strings and nested values are skipped whole.
fn top_level_object_start(json: &str, key: &str) -> Option<usize> {
    let bytes = json.as_bytes();
    let wanted = format!("\"{key}\"");
    let mut depth = 0usize;
    let mut index = 0usize;
    while index < bytes.len() {
        match bytes[index] {
            b'"' => {
                let start = index;
                index += 1;
                while index < bytes.len() && bytes[index] != b'"' {
                    index += if bytes[index] == b'\\' { 2 } else { 1 };
                }
                if depth == 1 && json.get(start..=index) == Some(wanted.as_str()) {
                    let after = json[index + 1..].trim_start();
                    let value = after.strip_prefix(':')?.trim_start();
                    if value.starts_with('{') {
                        return Some(json.len() - value.len());
                    }
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        index += 1;
    }
    None
}

/// The next page of stored entities after uid `after` (by uid), for
/// building the index at start-up.
pub async fn load_page<C: ConnectionTrait>(db: &C, after: &str) -> Result<Vec<StoredEntity>> {
    let page = entities::Entity::find()
        .filter(entities::Column::Uid.gt(after))
        .order_by_asc(entities::Column::Uid)
        .limit(5000)
        .all(db)
        .await?;
    Ok(page.into_iter().map(stored_from_model).collect())
}

/// The highest change id, where a follower starts.
pub async fn last_change<C: ConnectionTrait>(db: &C) -> Result<i64> {
    let last: Option<i64> = changes::Entity::find()
        .select_only()
        .column_as(changes::Column::Id.max(), "max")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    Ok(last.unwrap_or(0))
}

/// The lowest change id still in the log (older ones are pruned), if any,
/// and the highest (0 when the log is empty), in one query.
pub async fn change_range<C: ConnectionTrait>(db: &C) -> Result<(Option<i64>, i64)> {
    let range: Option<(Option<i64>, Option<i64>)> = changes::Entity::find()
        .select_only()
        .column_as(changes::Column::Id.min(), "min")
        .column_as(changes::Column::Id.max(), "max")
        .into_tuple()
        .one(db)
        .await?;
    let (first, last) = range.unwrap_or_default();
    Ok((first, last.unwrap_or(0)))
}

/// Changes after `after`, oldest first: (id, uid, op).
pub async fn changes_after<C: ConnectionTrait>(db: &C, after: i64, limit: u64) -> Result<Vec<changes::Model>> {
    Ok(changes::Entity::find()
        .filter(changes::Column::Id.gt(after))
        .order_by_asc(changes::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// The stored entities with these uids.
pub async fn entities_by_uid<C: ConnectionTrait>(db: &C, uids: &[String]) -> Result<Vec<StoredEntity>> {
    let mut found = Vec::new();
    for chunk in uids.chunks(CHUNK) {
        let models =
            entities::Entity::find().filter(entities::Column::Uid.is_in(chunk.iter().cloned())).all(db).await?;
        found.extend(models.into_iter().map(stored_from_model));
    }
    Ok(found)
}

/// (uid, body) of the stored entities with these uids.
pub async fn bodies_by_uid<C: ConnectionTrait>(db: &C, uids: &[String]) -> Result<Vec<(String, String)>> {
    let mut found = Vec::with_capacity(uids.len());
    for chunk in uids.chunks(CHUNK) {
        let rows: Vec<(String, String)> = entities::Entity::find()
            .select_only()
            .columns([entities::Column::Uid, entities::Column::Body])
            .filter(entities::Column::Uid.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Deletes one entity (it comes back on the next refresh if its file still holds it).
pub async fn delete_entity(db: &DatabaseConnection, uid: &str) -> Result<Option<String>> {
    let transaction = db.begin().await?;
    let Some(model) = entities::Entity::find_by_id(uid.to_owned()).one(&transaction).await? else {
        return Ok(None);
    };
    entities::Entity::delete_by_id(uid.to_owned()).exec(&transaction).await?;
    changes::Entity::insert(change(uid, &model.entity_ref, "delete", now())).exec(&transaction).await?;
    transaction.commit().await?;
    Ok(Some(model.entity_ref))
}

/// Deletes a location and everything it brought; returns (uid, ref) of those.
pub async fn delete_location(db: &DatabaseConnection, location_id: &str) -> Result<Option<Vec<(String, String)>>> {
    let transaction = db.begin().await?;
    if locations::Entity::find_by_id(location_id.to_owned()).one(&transaction).await?.is_none() {
        return Ok(None);
    }
    let gone: Vec<(String, String)> = entities::Entity::find()
        .select_only()
        .columns([entities::Column::Uid, entities::Column::EntityRef])
        .filter(entities::Column::LocationId.eq(location_id))
        .into_tuple()
        .all(&transaction)
        .await?;
    entities::Entity::delete_many().filter(entities::Column::LocationId.eq(location_id)).exec(&transaction).await?;
    let at = now();
    let mut change_rows: Vec<changes::ActiveModel> =
        gone.iter().map(|(uid, entity_ref)| change(uid, entity_ref, "delete", at)).collect();
    while !change_rows.is_empty() {
        let batch: Vec<changes::ActiveModel> = change_rows.drain(..change_rows.len().min(CHUNK)).collect();
        changes::Entity::insert_many(batch).exec(&transaction).await?;
    }
    locations::Entity::delete_by_id(location_id.to_owned()).exec(&transaction).await?;
    transaction.commit().await?;
    Ok(Some(gone))
}

/// Removes change-log rows older than `keep`, so the log stays small.
pub async fn prune_changes<C: ConnectionTrait>(db: &C, keep: chrono::Duration) -> Result<u64> {
    let cutoff = now() - keep;
    Ok(changes::Entity::delete_many().filter(changes::Column::At.lt(cutoff)).exec(db).await?.rows_affected)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn identity_goes_into_the_top_level_metadata() {
        let body = r#"{"a":{"metadata":{"x":1}},"kind":"A","metadata":{"name":"n"},"spec":{"metadata":{}}}"#;
        let value: Value = serde_json::from_str(&with_identity(body, "u-1", "e\"1")).unwrap();
        assert_eq!(value["metadata"], serde_json::json!({"name": "n", "uid": "u-1", "etag": "e\"1"}));
        assert_eq!(value["a"]["metadata"], serde_json::json!({"x": 1}));
        let empty: Value = serde_json::from_str(&with_identity(r#"{"metadata":{}}"#, "u", "e")).unwrap();
        assert_eq!(empty["metadata"], serde_json::json!({"uid": "u", "etag": "e"}));
        let tricky = r#"{"kind":"a \" \"metadata\":{","metadata":{"name":"n"}}"#;
        let value: Value = serde_json::from_str(&with_identity(tricky, "u", "e")).unwrap();
        assert_eq!(value["metadata"]["uid"], "u");
    }
}
