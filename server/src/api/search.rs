//! `GET /api/search/query`: Backstage's search API, so Backstage search
//! clients work unchanged. Query parameters as Backstage's `qs` writes them
//! (`term`, `types[0]`, `filters[kind]`, `pageCursor`, `pageLimit`); the
//! answer is `{results: [{type, document, highlight, rank}],
//! nextPageCursor, previousPageCursor, numberOfResults}`.

use super::error::ApiError;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};
use base64::Engine as _;
use domain::identity::access::{Action, Principal, Resource};
use domain::search::highlight::tagged;
use domain::search::{SearchRequest, MOST_PER_PAGE};
use model::search::{SearchHit, PAGE_SIZE};
use serde_json::{json, Map, Value};

/// The `/api/search` routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/search/query", get(query))
}

/// A search request as the query string gives it, checked.
#[derive(Debug, PartialEq, Eq)]
struct Parameters {
    request: SearchRequest,
    page: usize,
}

/// `types[0]`, `types[]` and `types` are one list; `filters[kind]`,
/// `filters[kind][]` and `filters[kind][0]` one filter.
fn parameters(raw: Option<String>) -> Result<Parameters, ApiError> {
    let mut request = SearchRequest { limit: PAGE_SIZE, ..SearchRequest::default() };
    let mut page = 0;
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let (name, rest) = key.split_once('[').map_or((key.as_ref(), ""), |(name, rest)| (name, rest));
        match name {
            "term" => request.term = value.into_owned(),
            "types" => request.types.push(value.into_owned()),
            "filters" => {
                let field = rest.split(']').next().unwrap_or_default();
                if field.is_empty() {
                    return Err(invalid(format!("filter `{key}` names no field; write filters[FIELD]=VALUE")));
                }
                request.filters.push((field.to_owned(), value.into_owned()));
            }
            "pageCursor" if !value.is_empty() => page = decode_cursor(&value)?,
            "pageLimit" => {
                let limit: usize = value
                    .parse()
                    .ok()
                    .filter(|limit| *limit > 0)
                    .ok_or_else(|| invalid(format!("pageLimit must be a positive whole number, not `{value}`")))?;
                if limit > MOST_PER_PAGE {
                    return Err(invalid(format!("The page limit \"{limit}\" is greater than \"{MOST_PER_PAGE}\"")));
                }
                request.limit = limit;
            }
            _ => {}
        }
    }
    request.offset = page.saturating_mul(request.limit);
    Ok(Parameters { request, page })
}

fn invalid(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}

/// Backstage's cursor: the page number (from 0), base64.
fn encode_cursor(page: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(page.to_string())
}

fn decode_cursor(cursor: &str) -> Result<usize, ApiError> {
    base64::engine::general_purpose::STANDARD
        .decode(cursor.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.trim().parse::<usize>().ok())
        .filter(|page| *page < 1_000_000)
        .ok_or_else(|| invalid(format!("pageCursor `{cursor}` is not a cursor this server gave out")))
}

async fn query(
    State(state): State<AppState>,
    caller: Option<Extension<Principal>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let principal = caller.map(|Extension(principal)| principal);
    state.identity().authorize(principal.as_ref(), Action::Read, &Resource::Portal)?;
    let Parameters { request, page } = parameters(raw)?;
    let search = state.search();
    let found = search.query(&request)?;
    let (pre, post) = search.highlight_tags();
    let results: Vec<Value> = found.hits.iter().map(|hit| result(hit, pre, post)).collect();
    let mut body = json!({ "results": results, "numberOfResults": found.total });
    if (request.offset + request.limit) < found.total as usize {
        body["nextPageCursor"] = json!(encode_cursor(page + 1));
    }
    if page > 0 {
        body["previousPageCursor"] = json!(encode_cursor(page - 1));
    }
    Ok(Json(body))
}

/// One result: the document, the matched fields between the tags, the rank.
fn result(hit: &SearchHit, pre: &str, post: &str) -> Value {
    let mut fields = Map::new();
    for snippet in &hit.snippets {
        // Backstage's clients show `title` and `text`; the name stands in
        // for a title that did not match.
        let field = if snippet.field == "name" && hit.snippet("title").is_none() { "title" } else { &snippet.field };
        fields.entry(field.to_owned()).or_insert_with(|| json!(tagged(&snippet.segments, pre, post)));
    }
    json!({
        "type": hit.kind_of_result,
        "document": hit.document,
        "highlight": { "preTag": pre, "postTag": post, "fields": fields },
        "rank": hit.rank,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<Parameters, ApiError> {
        parameters(Some(query.to_owned()))
    }

    #[test]
    fn the_query_string_is_read_as_backstage_writes_it() {
        let parsed = parse(
            "term=pay&types%5B0%5D=software-catalog&filters%5Bkind%5D=Component&filters%5Blifecycle%5D%5B0%5D=production&filters%5Blifecycle%5D%5B1%5D=experimental&pageLimit=10",
        )
        .unwrap();
        assert_eq!(parsed.request.term, "pay");
        assert_eq!(parsed.request.types, vec!["software-catalog"]);
        assert_eq!(
            parsed.request.filters,
            vec![
                ("kind".to_owned(), "Component".to_owned()),
                ("lifecycle".to_owned(), "production".to_owned()),
                ("lifecycle".to_owned(), "experimental".to_owned())
            ]
        );
        assert_eq!((parsed.request.limit, parsed.request.offset), (10, 0));
        let second = parse(&format!("term=pay&pageCursor={}&pageLimit=10", encode_cursor(2))).unwrap();
        assert_eq!((second.page, second.request.offset), (2, 20));
        assert_eq!(parse("").unwrap().request.limit, 25);
    }

    #[test]
    fn bad_parameters_are_refused_with_what_was_wrong() {
        for (query, says) in [
            ("pageLimit=0", "pageLimit"),
            ("pageLimit=lots", "pageLimit"),
            ("pageLimit=101", "greater than"),
            ("pageCursor=%%%", "pageCursor"),
            ("filters=kind", "names no field"),
        ] {
            let error = parse(query).unwrap_err();
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{query}");
            assert!(error.message.contains(says), "{query}: {}", error.message);
        }
    }
}
