//! Backstage's catalog query language over the in-memory index: the
//! `filter`, `fields`, `order`/`orderField`, `limit`/`offset`/`after`/
//! `cursor` and `fullTextFilter*` parameters, parsed exactly as Backstage's
//! catalog backend parses them, and answered as the same JSON.

use super::bodies::Planned;
use super::index::{Condition, Direction, EntityFilter, Index, Order};
use crate::error::{DomainError, Result};
use base64::Engine;
use roaring::RoaringBitmap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `by-query` returns this many items when no limit is given, as Backstage does.
pub const DEFAULT_QUERY_LIMIT: usize = 20;

/// Query parameters in order, repeated keys kept (`filter=a&filter=b`).
pub type Params = [(String, String)];

fn all<'a>(params: &'a Params, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    params.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn one<'a>(params: &'a Params, key: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::invalid("query", message)
}

/// `filter=kind=component,spec.type=service&filter=kind=api`: any filter
/// string may match; within one, every key must; a key repeated in one
/// string matches any of its values; a key without `=` only has to exist.
pub fn parse_filter(params: &Params) -> Result<EntityFilter> {
    let mut filter = EntityFilter::default();
    for text in all(params, "filter") {
        let mut conditions: Vec<Condition> = Vec::new();
        for statement in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = match statement.split_once('=') {
                Some((key, value)) => (key.trim(), Some(value.trim())),
                None => (statement, None),
            };
            if key.is_empty() {
                return Err(invalid(format!(
                    "Invalid filter, '{statement}' is not a valid statement (expected a string on the form a=b or a= or a)"
                )));
            }
            let condition = match conditions.iter_mut().position(|c| c.key == key) {
                Some(at) => &mut conditions[at],
                None => {
                    conditions.push(Condition { key: key.to_owned(), values: None, negate: false });
                    let last = conditions.len() - 1;
                    &mut conditions[last]
                }
            };
            if let Some(value) = value {
                condition.values.get_or_insert_with(Vec::new).push(value.to_owned());
            }
        }
        if !conditions.is_empty() {
            filter.any_of.push(conditions);
        }
    }
    Ok(filter)
}

/// `fields=kind,metadata.name&fields=spec.owner`.
pub fn parse_fields(params: &Params) -> Vec<String> {
    all(params, "fields")
        .flat_map(|text| text.split(','))
        .map(str::trim)
        .filter(|field| !field.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_count(params: &Params, key: &str) -> Result<Option<usize>> {
    match one(params, key) {
        None => Ok(None),
        Some(text) => {
            text.trim().parse::<usize>().map(Some).map_err(|_| {
                invalid(format!("Invalid {key} query parameter \"{text}\", expected a non-negative integer"))
            })
        }
    }
}

/// Keeps only the listed dotted paths of an entity.
pub fn project(entity: &Value, fields: &[String]) -> Value {
    let mut out = Map::new();
    for field in fields {
        let parts: Vec<&str> = field.split('.').collect();
        copy_path(entity, &parts, &mut out);
    }
    Value::Object(out)
}

fn copy_path(source: &Value, parts: &[&str], target: &mut Map<String, Value>) {
    let Some(value) = parts.iter().try_fold(source, |value, part| value.get(*part)) else { return };
    let Some((last, parents)) = parts.split_last() else { return };
    let mut node = target;
    for part in parents {
        let child = node.entry((*part).to_owned()).or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(child) = child else { return };
        node = child;
    }
    node.insert((*last).to_owned(), value.clone());
}

/// `GET /entities`: a JSON array, and the `after` cursor of the next page
/// when `limit` cut the list short.
pub fn list_entities(index: &Index, params: &Params) -> Result<(Planned, Option<String>)> {
    let filter = parse_filter(params)?;
    let fields = parse_fields(params);
    let mut order: Option<Order> = None;
    for text in all(params, "order") {
        let (direction, field) = match text.split_once(':') {
            Some(("asc", field)) => (Direction::Asc, field),
            Some(("desc", field)) => (Direction::Desc, field),
            _ => {
                return Err(invalid(format!(
                    "Invalid order parameter \"{text}\", expected asc:<field> or desc:<field>"
                )))
            }
        };
        if order.is_none() {
            order = Some(Order { field: field.trim().to_owned(), direction });
        }
    }
    let limit = parse_count(params, "limit")?;
    let offset = match one(params, "after") {
        Some(after) => decode_after(after)?,
        None => parse_count(params, "offset")?.unwrap_or(0),
    };
    let matches = index.matching(&filter);
    let (ids, more) = page(index, &matches, order.as_ref(), offset, limit.unwrap_or(usize::MAX));
    let next = more.then(|| encode_after(offset + ids.len()));
    Ok((planned(index, &ids, fields, String::new(), String::new()), next))
}

fn encode_after(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{{\"offset\":{offset}}}"))
}

fn decode_after(text: &str) -> Result<usize> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|value| value.get("offset").and_then(Value::as_u64))
        .and_then(|offset| usize::try_from(offset).ok())
        .ok_or_else(|| invalid("Malformed after cursor"))
}

/// `offset..offset+limit` of the matching entities in order, and whether more follow.
fn page(
    index: &Index,
    matches: &RoaringBitmap,
    order: Option<&Order>,
    offset: usize,
    limit: usize,
) -> (Vec<u32>, bool) {
    if order.is_none() && index.is_settling() {
        // Polling while a location is read: pick the page, sort nothing.
        // No limit is `usize::MAX`.
        let end = offset.saturating_add(limit);
        let mut ids = index.first_by_uid(matches, end.saturating_add(1));
        let more = ids.len() > end;
        ids.truncate(end);
        return (ids.split_off(offset.min(ids.len())), more);
    }
    let (ordered, nulls_from) = index.ordered(order);
    let descending = order.is_some_and(|order| order.direction == Direction::Desc);
    let mut ids = Vec::new();
    let mut skipped = 0;
    let mut more = false;
    let mut take = |id: u32| -> bool {
        if !matches.contains(id) {
            return true;
        }
        if skipped < offset {
            skipped += 1;
            return true;
        }
        if ids.len() >= limit {
            more = true;
            return false;
        }
        ids.push(id);
        true
    };
    if descending {
        // Values descending, entities without a value still last.
        let (valued, nulls) = ordered.split_at(nulls_from.min(ordered.len()));
        let _ = valued.iter().rev().all(|id| take(*id)) && nulls.iter().rev().all(|id| take(*id));
    } else {
        let _ = ordered.iter().all(|id| take(*id));
    }
    (ids, more)
}

/// The entities `ids` as an answer still waiting for their bodies.
fn planned(index: &Index, ids: &[u32], fields: Vec<String>, before: String, after: String) -> Planned {
    Planned { before, items: ids.iter().map(|id| index.extras(*id)).collect(), after, fields }
}

/// What a `by-query` cursor carries: the original query and where to go on.
/// A cursor from the POST form carries its predicate under `query`, which is
/// how `@backstage/catalog-client` knows to continue with POST.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Cursor {
    #[serde(default)]
    filter: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    query: Option<Value>,
    #[serde(default)]
    order_fields: Vec<(String, String)>,
    #[serde(default)]
    full_text_term: String,
    #[serde(default)]
    full_text_fields: Vec<String>,
    #[serde(default)]
    offset: usize,
    #[serde(default)]
    total_items: u64,
    #[serde(default)]
    skip_total_items: bool,
}

/// `GET /entities/by-query`: `{items, totalItems, pageInfo: {nextCursor?, prevCursor?}}`.
pub fn query_entities(index: &Index, params: &Params) -> Result<Planned> {
    let fields = parse_fields(params);
    let limit = parse_count(params, "limit")?.unwrap_or(DEFAULT_QUERY_LIMIT);
    let cursor = match one(params, "cursor") {
        Some(text) => decode_cursor(text)?,
        None => Cursor {
            filter: all(params, "filter").map(str::to_owned).collect(),
            query: None,
            order_fields: parse_order_fields(params)?,
            full_text_term: one(params, "fullTextFilterTerm").unwrap_or_default().trim().to_owned(),
            full_text_fields: all(params, "fullTextFilterFields")
                .flat_map(|text| text.split(','))
                .map(str::trim)
                .filter(|field| !field.is_empty())
                .map(str::to_owned)
                .collect(),
            offset: parse_count(params, "offset")?.unwrap_or(0),
            total_items: 0,
            skip_total_items: one(params, "totalItems") == Some("exclude"),
        },
    };
    run_query(index, cursor, limit, fields)
}

/// The body of `POST /entities/by-query`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryBody {
    pub cursor: Option<String>,
    pub query: Option<Value>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
    #[serde(default)]
    pub order_by: Vec<OrderBy>,
    pub full_text_filter: Option<FullTextFilter>,
    #[serde(default)]
    pub fields: Vec<String>,
    pub total_items: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct OrderBy {
    pub field: String,
    #[serde(default = "ascending")]
    pub order: String,
}

fn ascending() -> String {
    "asc".to_owned()
}

#[derive(Debug, Default, Deserialize)]
pub struct FullTextFilter {
    #[serde(default)]
    pub term: String,
    #[serde(default)]
    pub fields: Vec<String>,
}

/// `POST /entities/by-query`: the same answer, with a filter predicate.
pub fn query_entities_by_predicate(index: &Index, body: QueryBody) -> Result<Planned> {
    let limit = body.limit.unwrap_or(DEFAULT_QUERY_LIMIT);
    let cursor = match &body.cursor {
        Some(text) => decode_cursor(text)?,
        None => {
            let full_text = body.full_text_filter.unwrap_or_default();
            Cursor {
                filter: Vec::new(),
                query: Some(body.query.unwrap_or_else(|| Value::Object(Map::new()))),
                order_fields: body
                    .order_by
                    .into_iter()
                    .map(|order| (order.field, order.order.to_lowercase()))
                    .collect(),
                full_text_term: full_text.term.trim().to_owned(),
                full_text_fields: full_text.fields,
                offset: body.offset.unwrap_or(0),
                total_items: 0,
                skip_total_items: body.total_items.as_deref() == Some("exclude"),
            }
        }
    };
    run_query(index, cursor, limit, body.fields)
}

fn run_query(index: &Index, cursor: Cursor, limit: usize, fields: Vec<String>) -> Result<Planned> {
    let filter_params: Vec<(String, String)> = cursor.filter.iter().map(|f| ("filter".to_owned(), f.clone())).collect();
    let filter = parse_filter(&filter_params)?;
    let order = cursor.order_fields.first().map(|(field, direction)| Order {
        field: field.clone(),
        direction: if direction == "desc" { Direction::Desc } else { Direction::Asc },
    });
    let mut matches = index.matching(&filter);
    if let Some(predicate) = &cursor.query {
        matches &= super::predicate::matching(index, predicate)?;
    }
    if !cursor.full_text_term.is_empty() {
        let text_fields = if cursor.full_text_fields.is_empty() {
            vec![order.as_ref().map_or_else(|| "metadata.uid".to_owned(), |order| order.field.clone())]
        } else {
            cursor.full_text_fields.clone()
        };
        matches &= index.full_text(&cursor.full_text_term, &text_fields);
    }
    let total = if cursor.skip_total_items { 0 } else { matches.len() };
    let (ids, more) = page(index, &matches, order.as_ref(), cursor.offset, limit);
    let mut page_info = Map::new();
    if more {
        let next = Cursor { offset: cursor.offset + ids.len(), total_items: total, ..cursor.clone() };
        page_info.insert("nextCursor".to_owned(), Value::String(encode_cursor(&next)));
    }
    if cursor.offset > 0 && limit > 0 {
        let previous = Cursor { offset: cursor.offset.saturating_sub(limit), total_items: total, ..cursor.clone() };
        page_info.insert("prevCursor".to_owned(), Value::String(encode_cursor(&previous)));
    }
    let after = format!(",\"totalItems\":{total},\"pageInfo\":{}}}", Value::Object(page_info));
    Ok(planned(index, &ids, fields, "{\"items\":".to_owned(), after))
}

/// `orderField=metadata.name,asc` (repeatable; the first one sorts).
fn parse_order_fields(params: &Params) -> Result<Vec<(String, String)>> {
    all(params, "orderField")
        .map(|text| {
            let (field, direction) = text.split_once(',').unwrap_or((text, "asc"));
            let direction = direction.trim().to_lowercase();
            if direction != "asc" && direction != "desc" {
                return Err(invalid(format!("Invalid orderField \"{text}\", expected <field>,asc or <field>,desc")));
            }
            Ok((field.trim().to_owned(), direction))
        })
        .collect()
}

/// Cursors are base64 JSON, as Backstage's are.
fn encode_cursor(cursor: &Cursor) -> String {
    let json = serde_json::to_vec(cursor).unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(json)
}

fn decode_cursor(text: &str) -> Result<Cursor> {
    let text = text.trim();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| invalid("Malformed cursor: pass pageInfo.nextCursor or prevCursor back unchanged"))
}

/// `GET /entity-facets?facet=kind&facet=spec.type&filter=...`.
pub fn facets(index: &Index, params: &Params) -> Result<String> {
    let keys: Vec<String> = all(params, "facet").map(str::to_owned).collect();
    let within = restriction(index, params, None)?.unwrap_or_else(|| index.all());
    facets_json(index, &keys, &within)
}

/// `POST /entity-facets {facets, query?}`.
pub fn facets_by_predicate(index: &Index, keys: &[String], query: Option<&Value>) -> Result<String> {
    let within = restriction(index, &[], query)?.unwrap_or_else(|| index.all());
    facets_json(index, keys, &within)
}

fn facets_json(index: &Index, keys: &[String], within: &RoaringBitmap) -> Result<String> {
    if keys.is_empty() {
        return Err(invalid("Missing facet query parameter"));
    }
    let mut out = Map::new();
    for (facet, counts) in index.facets(keys, within) {
        let values: Vec<Value> =
            counts.into_iter().map(|(value, count)| serde_json::json!({"value": value, "count": count})).collect();
        out.insert(facet, Value::Array(values));
    }
    Ok(serde_json::json!({ "facets": out }).to_string())
}

/// The entities a `filter` parameter and/or a predicate allow; None for no restriction.
pub fn restriction(index: &Index, params: &Params, predicate: Option<&Value>) -> Result<Option<RoaringBitmap>> {
    let filter = parse_filter(params)?;
    let mut set = (!filter.any_of.is_empty()).then(|| index.matching(&filter));
    if let Some(predicate) = predicate {
        let matches = super::predicate::matching(index, predicate)?;
        set = Some(match set {
            Some(set) => set & matches,
            None => matches,
        });
    }
    Ok(set)
}

/// `POST /entities/by-refs`: `{items: [entity or null, ...]}` in the order asked.
pub fn by_refs(index: &Index, refs: &[String], fields: Vec<String>, allowed: Option<&RoaringBitmap>) -> Planned {
    let items = refs
        .iter()
        .map(|text| {
            model::catalog::EntityRef::parse(text, None, None)
                .ok()
                .and_then(|reference| index.id_by_ref(&reference.canonical()))
                .filter(|id| allowed.is_none_or(|set| set.contains(*id)))
                .and_then(|id| index.extras(id))
        })
        .collect();
    Planned { before: "{\"items\":".to_owned(), items, after: "}".to_owned(), fields }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn filters_parse_like_backstage() {
        let filter = parse_filter(&params(&[
            ("filter", "kind=component,kind=api, spec.type=service"),
            ("filter", "metadata.tags"),
        ]))
        .unwrap();
        assert_eq!(filter.any_of.len(), 2);
        assert_eq!(filter.any_of[0][0].values, Some(vec!["component".to_owned(), "api".to_owned()]));
        assert_eq!(filter.any_of[0][1].key, "spec.type");
        assert_eq!(filter.any_of[1][0].values, None);
        assert!(parse_filter(&params(&[("filter", "=x")])).is_err());
    }

    #[test]
    fn projection_keeps_only_the_named_paths() {
        let entity =
            json!({"kind": "Component", "metadata": {"name": "a", "tags": ["x"], "uid": "1"}, "spec": {"owner": "o"}});
        assert_eq!(
            project(&entity, &["kind".to_owned(), "metadata.name".to_owned(), "spec.missing".to_owned()]),
            json!({"kind": "Component", "metadata": {"name": "a"}})
        );
    }

    #[test]
    fn cursors_round_trip() {
        let cursor = Cursor {
            filter: vec!["kind=component".into()],
            query: Some(json!({"kind": "api"})),
            order_fields: vec![("metadata.name".into(), "asc".into())],
            full_text_term: "pay".into(),
            full_text_fields: vec![],
            offset: 40,
            total_items: 77,
            skip_total_items: false,
        };
        assert_eq!(decode_cursor(&encode_cursor(&cursor)).unwrap(), cursor);
        assert!(decode_cursor("not a cursor").is_err());
    }
}
