//! Backstage's filter predicates (`@backstage/filter-predicates`), the JSON
//! query language of the catalog's POST endpoints: `{"kind": "Component",
//! "spec.type": {"$in": ["service", "website"]}}`, combined with `$all`,
//! `$any` and `$not`, with the value matchers `$exists`, `$in`, `$contains`
//! and `$hasPrefix`. Matching is case-insensitive, numbers compare as text.

use super::index::{Condition, EntityFilter, Index};
use crate::error::{DomainError, Result};
use roaring::RoaringBitmap;
use serde_json::{Map, Value};

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::invalid("query", message)
}

/// The entities matching `predicate`.
pub fn matching(index: &Index, predicate: &Value) -> Result<RoaringBitmap> {
    let Value::Object(object) = predicate else {
        return Err(invalid("a filter predicate must be an object"));
    };
    if let Some(items) = object.get("$all") {
        let mut set = index.matching(&EntityFilter::default());
        for item in list(items, "$all")? {
            set &= matching(index, item)?;
        }
        return Ok(set);
    }
    if let Some(items) = object.get("$any") {
        let mut set = RoaringBitmap::new();
        for item in list(items, "$any")? {
            set |= matching(index, item)?;
        }
        return Ok(set);
    }
    if let Some(inner) = object.get("$not") {
        return Ok(index.matching(&EntityFilter::default()) - matching(index, inner)?);
    }
    let mut set = index.matching(&EntityFilter::default());
    for (path, value) in object {
        if path.starts_with('$') {
            return Err(invalid(format!("unknown operator {path}")));
        }
        set &= value_matching(index, path, value)?;
    }
    Ok(set)
}

fn list<'a>(value: &'a Value, operator: &str) -> Result<&'a Vec<Value>> {
    value.as_array().ok_or_else(|| invalid(format!("{operator} takes a list of predicates")))
}

fn primitive(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn equals(index: &Index, path: &str, values: Vec<String>) -> RoaringBitmap {
    index.matching(&EntityFilter {
        any_of: vec![vec![Condition { key: path.to_owned(), values: Some(values), negate: false }]],
    })
}

/// The entities whose property at `path` matches a value predicate.
fn value_matching(index: &Index, path: &str, value: &Value) -> Result<RoaringBitmap> {
    if let Some(text) = primitive(value) {
        return Ok(equals(index, path, vec![text]));
    }
    let Value::Object(matcher) = value else {
        return Err(invalid(format!("{path}: expected a value or a matcher such as $in")));
    };
    value_matcher(index, path, matcher)
}

fn value_matcher(index: &Index, path: &str, matcher: &Map<String, Value>) -> Result<RoaringBitmap> {
    if let Some(exists) = matcher.get("$exists") {
        let exists = exists.as_bool().ok_or_else(|| invalid("$exists takes true or false"))?;
        let present = index.matching(&EntityFilter {
            any_of: vec![vec![Condition { key: path.to_owned(), values: None, negate: false }]],
        });
        return Ok(if exists { present } else { index.matching(&EntityFilter::default()) - present });
    }
    if let Some(values) = matcher.get("$in") {
        let values: Vec<String> = list(values, "$in")?.iter().filter_map(primitive).collect();
        return Ok(equals(index, path, values));
    }
    if let Some(prefix) = matcher.get("$hasPrefix") {
        let prefix = prefix.as_str().ok_or_else(|| invalid("$hasPrefix takes a string"))?;
        return Ok(index.with_prefix(path, prefix));
    }
    if let Some(inner) = matcher.get("$contains") {
        return contains(index, path, inner);
    }
    if let Some(items) = matcher.get("$all") {
        let mut set = index.matching(&EntityFilter::default());
        for item in list(items, "$all")? {
            set &= value_matching(index, path, item)?;
        }
        return Ok(set);
    }
    if let Some(items) = matcher.get("$any") {
        let mut set = RoaringBitmap::new();
        for item in list(items, "$any")? {
            set |= value_matching(index, path, item)?;
        }
        return Ok(set);
    }
    if let Some(inner) = matcher.get("$not") {
        return Ok(index.matching(&EntityFilter::default()) - value_matching(index, path, inner)?);
    }
    Err(invalid(format!("{path}: unknown matcher {}", matcher.keys().next().map_or("", String::as_str))))
}

/// `$contains`: a list at `path` with an element matching `inner`. List items
/// are indexed under the list's own key, so a primitive (or `$any` of
/// primitives) matches like equality, and an object predicate matches the
/// item's properties under `path.<property>`.
fn contains(index: &Index, path: &str, inner: &Value) -> Result<RoaringBitmap> {
    if let Some(text) = primitive(inner) {
        return Ok(equals(index, path, vec![text]));
    }
    let Value::Object(object) = inner else {
        return Err(invalid("$contains takes a value or a predicate"));
    };
    let logical = ["$all", "$any", "$not", "$in", "$exists", "$hasPrefix"];
    if object.keys().any(|key| logical.contains(&key.as_str())) {
        return value_matcher(index, path, object);
    }
    let mut set = index.matching(&EntityFilter::default());
    for (property, value) in object {
        set &= value_matching(index, &format!("{path}.{property}"), value)?;
    }
    Ok(set)
}

/// Evaluates a predicate against one JSON value (used for small lists such
/// as locations, where no index is needed).
pub fn evaluate(predicate: &Value, value: &Value) -> Result<bool> {
    let Value::Object(object) = predicate else {
        return Ok(primitive(predicate).is_some_and(|expected| same(value, &expected)));
    };
    if let Some(items) = object.get("$all") {
        return list(items, "$all")?.iter().try_fold(true, |all, item| Ok(all && evaluate(item, value)?));
    }
    if let Some(items) = object.get("$any") {
        return list(items, "$any")?.iter().try_fold(false, |any, item| Ok(any || evaluate(item, value)?));
    }
    if let Some(inner) = object.get("$not") {
        return Ok(!evaluate(inner, value)?);
    }
    for (path, expected) in object {
        let actual = path.split('.').try_fold(value, |node, key| node.get(key));
        if !evaluate_value(expected, actual)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn same(actual: &Value, expected: &str) -> bool {
    primitive(actual).is_some_and(|actual| actual.eq_ignore_ascii_case(expected))
}

fn evaluate_value(expected: &Value, actual: Option<&Value>) -> Result<bool> {
    if let Some(text) = primitive(expected) {
        return Ok(actual.is_some_and(|actual| same(actual, &text)));
    }
    let Value::Object(matcher) = expected else { return Err(invalid("expected a value or a matcher")) };
    if let Some(exists) = matcher.get("$exists") {
        return Ok(actual.is_some() == exists.as_bool().unwrap_or(true));
    }
    if let Some(values) = matcher.get("$in") {
        let values: Vec<String> = list(values, "$in")?.iter().filter_map(primitive).collect();
        return Ok(actual.is_some_and(|actual| values.iter().any(|value| same(actual, value))));
    }
    if let Some(prefix) = matcher.get("$hasPrefix").and_then(Value::as_str) {
        let prefix = prefix.to_lowercase();
        return Ok(actual.and_then(Value::as_str).is_some_and(|text| text.to_lowercase().starts_with(&prefix)));
    }
    if let Some(inner) = matcher.get("$contains") {
        let items = actual.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        return items.iter().try_fold(false, |found, item| Ok(found || evaluate(inner, item)?));
    }
    Err(invalid(format!("unknown matcher {}", matcher.keys().next().map_or("", String::as_str))))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::catalog::descriptor;
    use crate::catalog::index::StoredEntity;
    use serde_json::json;

    fn index() -> Index {
        let mut index = Index::default();
        for (uid, name, spec_type, tags) in [
            ("00000000-0000-4000-8000-000000000001", "checkout", "service", vec!["java"]),
            ("00000000-0000-4000-8000-000000000002", "web", "website", vec!["ts"]),
            ("00000000-0000-4000-8000-000000000003", "lib", "library", vec![]),
        ] {
            let mut entity = json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
                "metadata": {"name": name, "tags": tags, "links": [{"url": format!("https://{name}.example.com")}]},
                "spec": {"type": spec_type, "lifecycle": "production", "owner": "team"}});
            descriptor::apply_defaults(&mut entity);
            index.upsert(&StoredEntity {
                uid: uid.into(),
                entity_ref: format!("component:default/{name}"),
                location_id: "l".into(),
                source: "s".into(),
                body: entity.to_string(),
                problems: None,
                refreshed_at: String::new(),
            });
        }
        index
    }

    fn count(predicate: Value) -> u64 {
        matching(&index(), &predicate).unwrap().len()
    }

    #[test]
    fn predicates_combine_like_backstage() {
        assert_eq!(count(json!({"kind": "component", "spec.type": "SERVICE"})), 1);
        assert_eq!(count(json!({"spec.type": {"$in": ["service", "website"]}})), 2);
        assert_eq!(count(json!({"$any": [{"metadata.name": "lib"}, {"metadata.name": "web"}]})), 2);
        assert_eq!(count(json!({"$not": {"spec.type": "library"}})), 2);
        assert_eq!(count(json!({"$all": [{"kind": "Component"}, {"metadata.tags": {"$exists": true}}]})), 2);
        assert_eq!(count(json!({"metadata.tags": {"$contains": {"$any": ["java", "ts"]}}})), 2);
        assert_eq!(count(json!({"metadata.links": {"$contains": {"url": "https://web.example.com"}}})), 1);
        assert_eq!(count(json!({"metadata.name": {"$hasPrefix": "CHE"}})), 1);
        assert!(matching(&index(), &json!({"kind": {"$regex": "x"}})).is_err());
        assert!(matching(&index(), &json!([1])).is_err());
    }

    #[test]
    fn single_values_evaluate_too() {
        let location = json!({"id": "1", "type": "url", "target": "https://example.com/a.yaml"});
        assert!(evaluate(&json!({"type": "URL"}), &location).unwrap());
        assert!(evaluate(&json!({"target": {"$hasPrefix": "https://example.com"}}), &location).unwrap());
        assert!(!evaluate(&json!({"$not": {"type": {"$in": ["url", "file"]}}}), &location).unwrap());
    }
}
