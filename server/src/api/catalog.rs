//! `/api/catalog`: Backstage's catalog REST API, with the same paths, query
//! parameters, JSON and status codes, so `@backstage/catalog-client` works
//! unchanged. Reads follow the guest/sign-in setting; writes need a session
//! or a write-scoped token, and changing an entity needs its ownership.

use super::database;
use super::error::{ApiError, JsonBody};
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use domain::catalog::actions::Caller as ActingCaller;
use domain::catalog::query::QueryBody;
use domain::catalog::{query, Registered};
use domain::identity::access::{Action, Principal, Resource};
use domain::identity::sessions::Client;
use model::catalog::EntityRef;
use serde::Deserialize;
use serde_json::{json, Value};

/// The `/api/catalog` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/catalog/entities", get(list_entities))
        .route("/api/catalog/entities/by-query", get(query_entities).post(query_entities_by_predicate))
        .route("/api/catalog/entities/by-uid/{uid}", get(entity_by_uid).delete(delete_entity))
        .route("/api/catalog/entities/by-name/{kind}/{namespace}/{name}", get(entity_by_name))
        .route("/api/catalog/entities/by-name/{kind}/{namespace}/{name}/ancestry", get(ancestry))
        .route("/api/catalog/entities/by-refs", post(entities_by_refs))
        .route("/api/catalog/entity-facets", get(facets).post(facets_by_predicate))
        .route("/api/catalog/locations", get(list_locations).post(add_location))
        .route("/api/catalog/locations/by-query", post(query_locations))
        .route("/api/catalog/locations/{id}", get(get_location).put(update_location).delete(delete_location))
        .route("/api/catalog/locations/{id}/refresh", post(refresh_location))
        .route("/api/catalog/locations/by-entity/{kind}/{namespace}/{name}", get(location_by_entity))
        .route("/api/catalog/refresh", post(refresh))
        .route("/api/catalog/validate-entity", post(validate_entity))
        .route("/api/catalog/analyze-location", post(analyze_location))
}

type Caller = Option<Extension<Principal>>;

fn principal(caller: Caller) -> Option<Principal> {
    caller.map(|Extension(principal)| principal)
}

fn may_read(state: &AppState, principal: Option<&Principal>) -> Result<(), ApiError> {
    Ok(state.identity().authorize(principal, Action::Read, &Resource::Portal)?)
}

fn may_write(state: &AppState, principal: Option<&Principal>) -> Result<(), ApiError> {
    Ok(state.identity().authorize(principal, Action::Write, &Resource::Portal)?)
}

fn params(raw: Option<String>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect()
}

fn json_text(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

async fn list_entities(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    may_read(&state, principal(caller).as_ref())?;
    let params = params(raw.clone());
    let database = database(&state)?;
    let (planned, next) = query::list_entities(&state.catalog().index(), &params)?;
    let mut response = json_text(StatusCode::OK, state.catalog().finish(&database, planned).await?);
    if let Some(after) = next {
        let mut next_params: Vec<(String, String)> =
            params.into_iter().filter(|(key, _)| key != "offset" && key != "after").collect();
        next_params.push(("after".to_owned(), after));
        let query: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(next_params).finish();
        if let Ok(link) = HeaderValue::from_str(&format!("</api/catalog/entities?{query}>; rel=\"next\"")) {
            response.headers_mut().insert(header::LINK, link);
        }
    }
    Ok(response)
}

async fn query_entities(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    may_read(&state, principal(caller).as_ref())?;
    let database = database(&state)?;
    let planned = query::query_entities(&state.catalog().index(), &params(raw))?;
    Ok(json_text(StatusCode::OK, state.catalog().finish(&database, planned).await?))
}

async fn query_entities_by_predicate(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<QueryBody>,
) -> Result<Response, ApiError> {
    may_read(&state, principal(caller).as_ref())?;
    let database = database(&state)?;
    let planned = query::query_entities_by_predicate(&state.catalog().index(), body)?;
    Ok(json_text(StatusCode::OK, state.catalog().finish(&database, planned).await?))
}

#[derive(Debug, Deserialize)]
struct FacetsBody {
    facets: Vec<String>,
    query: Option<Value>,
}

async fn facets_by_predicate(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<FacetsBody>,
) -> Result<Response, ApiError> {
    may_read(&state, principal(caller).as_ref())?;
    let body = query::facets_by_predicate(&state.catalog().index(), &body.facets, body.query.as_ref())?;
    Ok(json_text(StatusCode::OK, body))
}

async fn entity_by_uid(
    State(state): State<AppState>,
    caller: Caller,
    Path(uid): Path<String>,
) -> Result<Response, ApiError> {
    may_read(&state, principal(caller).as_ref())?;
    let database = database(&state)?;
    let body = state
        .catalog()
        .entity_json_by_uid(&database, &uid)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("No entity with uid {uid}")))?;
    Ok(json_text(StatusCode::OK, body))
}

async fn entity_by_name(
    State(state): State<AppState>,
    caller: Caller,
    Path((kind, namespace, name)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    may_read(&state, principal(caller).as_ref())?;
    let entity_ref = EntityRef::new(&kind, &namespace, &name).canonical();
    let database = database(&state)?;
    let body = state.catalog().entity_json(&database, &entity_ref).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("No entity named '{name}' found, with kind '{kind}' in namespace '{namespace}'"),
        )
    })?;
    Ok(json_text(StatusCode::OK, body))
}

/// `{rootEntityRef, items: [{entity, parentEntityRefs}]}`: the entity, then
/// the Location entity of the location that brought it.
async fn ancestry(
    State(state): State<AppState>,
    caller: Caller,
    Path((kind, namespace, name)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    may_read(&state, principal(caller).as_ref())?;
    let database = database(&state)?;
    let entity_ref = EntityRef::new(&kind, &namespace, &name).canonical();
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, format!("No such entity {entity_ref}"));
    let location_id = state.catalog().location_id_of(&entity_ref).map_err(|_| not_found())?;
    let location = state.catalog().location(&database, &location_id).await?;
    let root_location = domain::catalog::location::generated_location_entity(&location.kind, &location.target);
    let root_ref =
        EntityRef::new("location", "default", root_location["metadata"]["name"].as_str().unwrap_or_default())
            .canonical();
    let catalog = state.catalog();
    let entity = catalog.entity_value(&database, &entity_ref).await?.ok_or_else(not_found)?;
    let mut items = Vec::new();
    if entity_ref == root_ref {
        items.push(json!({"entity": entity, "parentEntityRefs": []}));
    } else {
        items.push(json!({"entity": entity, "parentEntityRefs": [root_ref.clone()]}));
        if let Some(root) = catalog.entity_value(&database, &root_ref).await? {
            items.push(json!({"entity": root, "parentEntityRefs": []}));
        }
    }
    Ok(Json(json!({"rootEntityRef": entity_ref, "items": items})))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ByRefs {
    entity_refs: Vec<String>,
    #[serde(default)]
    fields: Option<Vec<String>>,
    query: Option<Value>,
}

async fn entities_by_refs(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
    JsonBody(body): JsonBody<ByRefs>,
) -> Result<Response, ApiError> {
    may_read(&state, principal(caller).as_ref())?;
    let params = params(raw);
    let mut fields = query::parse_fields(&params);
    fields.extend(body.fields.unwrap_or_default());
    let database = database(&state)?;
    let planned = {
        let index = state.catalog().index();
        let allowed = query::restriction(&index, &params, body.query.as_ref())?;
        query::by_refs(&index, &body.entity_refs, fields, allowed.as_ref())
    };
    Ok(json_text(StatusCode::OK, state.catalog().finish(&database, planned).await?))
}

async fn facets(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    may_read(&state, principal(caller).as_ref())?;
    let body = query::facets(&state.catalog().index(), &params(raw))?;
    Ok(json_text(StatusCode::OK, body))
}

async fn delete_entity(
    State(state): State<AppState>,
    caller: Caller,
    Extension(client): Extension<Client>,
    Path(uid): Path<String>,
) -> Result<StatusCode, ApiError> {
    let principal = principal(caller);
    let database = database(&state)?;
    let Some(entity_ref) = state.catalog().ref_of_uid(&uid) else {
        may_read(&state, principal.as_ref())?;
        return Err(ApiError::new(StatusCode::NOT_FOUND, format!("No entity with uid {uid}")));
    };
    let caller = acting(&state, principal.as_ref(), &client);
    state.catalog().unregister_as(&database, caller, &entity_ref).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller of a write, for the domain's guarded operations.
fn acting<'a>(state: &'a AppState, principal: Option<&'a Principal>, client: &'a Client) -> ActingCaller<'a> {
    ActingCaller { identity: state.identity(), principal, ip: client.ip.as_deref() }
}

#[derive(Debug, Deserialize)]
struct LocationInput {
    #[serde(rename = "type")]
    kind: String,
    target: String,
}

async fn add_location(
    State(state): State<AppState>,
    caller: Caller,
    Extension(client): Extension<Client>,
    RawQuery(raw): RawQuery,
    JsonBody(input): JsonBody<LocationInput>,
) -> Result<Response, ApiError> {
    let principal = principal(caller);
    let database = database(&state)?;
    let params = params(raw);
    let dry_run =
        params.iter().any(|(key, value)| key == "dryRun" && matches!(value.as_str(), "true" | "1" | "yes" | "y"));
    let refresh_existing = params.iter().any(|(key, value)| key == "onConflict" && value == "refresh");
    let catalog = state.catalog();
    if dry_run {
        may_read(&state, principal.as_ref())?;
        let preview = catalog.preview(&database, &input.kind, &input.target).await?;
        return Ok((StatusCode::CREATED, Json(registration_json(&preview))).into_response());
    }
    let caller = acting(&state, principal.as_ref(), &client);
    let registered =
        catalog.register_or_refresh_as(&database, caller, &input.kind, &input.target, refresh_existing).await?;
    Ok((StatusCode::CREATED, Json(registration_json(&registered))).into_response())
}

/// `{location, entities, exists?}` as Backstage answers `POST /locations`.
fn registration_json(registered: &Registered) -> Value {
    let mut body = json!({
        "location": registered.location,
        "entities": registered.entities,
    });
    if registered.exists {
        body["exists"] = Value::Bool(true);
    }
    if !registered.problems.is_empty() {
        body["problems"] = json!(registered.problems);
    }
    body
}

async fn list_locations(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    may_read(&state, principal(caller).as_ref())?;
    let database = database(&state)?;
    let locations = state.catalog().locations(&database).await?;
    Ok(Json(Value::Array(locations.into_iter().map(|location| json!({"data": location})).collect())))
}

#[derive(Debug, Default, Deserialize)]
struct LocationQuery {
    limit: Option<usize>,
    cursor: Option<String>,
    query: Option<Value>,
}

/// `POST /locations/by-query {limit?, query?, cursor?}`: locations in pages.
async fn query_locations(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<LocationQuery>,
) -> Result<Json<Value>, ApiError> {
    use base64::Engine;
    may_read(&state, principal(caller).as_ref())?;
    let database = database(&state)?;
    let engine = base64::engine::general_purpose::STANDARD;
    let (query, offset, limit) = match &body.cursor {
        Some(cursor) => {
            let state: Value = engine
                .decode(cursor)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "Malformed cursor"))?;
            (
                state.get("query").filter(|query| !query.is_null()).cloned(),
                state.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize,
                state.get("limit").and_then(Value::as_u64).unwrap_or(20) as usize,
            )
        }
        None => (body.query.clone(), 0, body.limit.unwrap_or(20)),
    };
    let mut locations = Vec::new();
    for location in state.catalog().locations(&database).await? {
        let value = json!(location);
        let keep = match &query {
            Some(predicate) => domain::catalog::predicate::evaluate(predicate, &value)?,
            None => true,
        };
        if keep {
            locations.push(value);
        }
    }
    let total = locations.len();
    let items: Vec<Value> = locations.into_iter().skip(offset).take(limit.max(1)).collect();
    let mut page_info = serde_json::Map::new();
    if offset + items.len() < total {
        let next = json!({"query": query, "offset": offset + items.len(), "limit": limit});
        page_info.insert("nextCursor".to_owned(), Value::String(engine.encode(next.to_string())));
    }
    Ok(Json(json!({"items": items, "totalItems": total, "pageInfo": page_info})))
}

async fn update_location(
    State(state): State<AppState>,
    caller: Caller,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<LocationInput>,
) -> Result<Json<Value>, ApiError> {
    let principal = principal(caller);
    let database = database(&state)?;
    let caller = acting(&state, principal.as_ref(), &client);
    let updated = state.catalog().update_location_as(&database, caller, &id, &input.kind, &input.target).await?;
    Ok(Json(json!(updated)))
}

async fn get_location(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    may_read(&state, principal(caller).as_ref())?;
    let database = database(&state)?;
    Ok(Json(json!(state.catalog().location(&database, &id).await?)))
}

async fn location_by_entity(
    State(state): State<AppState>,
    caller: Caller,
    Path((kind, namespace, name)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    may_read(&state, principal(caller).as_ref())?;
    let database = database(&state)?;
    let entity_ref = EntityRef::new(&kind, &namespace, &name).canonical();
    let location_id = state
        .catalog()
        .location_id_of(&entity_ref)
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, format!("found no entity for ref {entity_ref}")))?;
    Ok(Json(json!(state.catalog().location(&database, &location_id).await?)))
}

async fn delete_location(
    State(state): State<AppState>,
    caller: Caller,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let principal = principal(caller);
    let database = database(&state)?;
    state.catalog().remove_location_as(&database, acting(&state, principal.as_ref(), &client), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The webhook a git host or CI calls when a location's files changed.
async fn refresh_location(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    may_write(&state, principal(caller).as_ref())?;
    let database = database(&state)?;
    let summary = state.catalog().refresh_location(&database, &id).await?;
    Ok(Json(json!({
        "addedOrChanged": summary.added_or_changed,
        "removed": summary.removed,
        "unchanged": summary.unchanged,
        "problems": summary.problems,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefreshBody {
    entity_ref: String,
}

/// `POST /refresh {entityRef}`: reads the entity's location again now.
async fn refresh(
    State(state): State<AppState>,
    caller: Caller,
    Extension(client): Extension<Client>,
    JsonBody(body): JsonBody<RefreshBody>,
) -> Result<StatusCode, ApiError> {
    let principal = principal(caller);
    let database = database(&state)?;
    let entity_ref = EntityRef::parse(&body.entity_ref, None, None)
        .map_err(|err| ApiError::new(StatusCode::BAD_REQUEST, err.to_string()))?
        .canonical();
    state.catalog().refresh_as(&database, acting(&state, principal.as_ref(), &client), &entity_ref).await?;
    Ok(StatusCode::OK)
}

#[derive(Debug, Deserialize)]
struct ValidateBody {
    entity: Value,
    location: String,
}

/// `POST /validate-entity {entity, location}`: 200 when valid, else 400
/// with `{errors: [{name, message}]}`.
async fn validate_entity(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<ValidateBody>,
) -> Result<Response, ApiError> {
    may_read(&state, principal(caller).as_ref())?;
    let invalid = |message: String| {
        (StatusCode::BAD_REQUEST, Json(json!({"errors": [{"name": "InputError", "message": message}]}))).into_response()
    };
    if !body.location.starts_with("url:") {
        return Ok(invalid(format!(
            "Invalid location ref {}, only 'url:<target>' is supported, e.g. url:https://host/path",
            body.location
        )));
    }
    let mut entity = body.entity;
    domain::catalog::descriptor::apply_defaults(&mut entity);
    match domain::catalog::descriptor::check(&entity) {
        Ok(_) => Ok(StatusCode::OK.into_response()),
        Err(problems) => Ok((
            StatusCode::BAD_REQUEST,
            Json(json!({"errors": problems.iter().map(|problem| json!({
                "name": "InputError",
                "message": if problem.field.is_empty() { problem.reason.clone() } else { format!("{}: {}", problem.field, problem.reason) },
            })).collect::<Vec<_>>()})),
        )
            .into_response()),
    }
}

#[derive(Debug, Deserialize)]
struct AnalyzeBody {
    location: LocationInput,
}

/// `POST /analyze-location`: what a location holds, and whether it is registered.
async fn analyze_location(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<AnalyzeBody>,
) -> Result<Json<Value>, ApiError> {
    may_read(&state, principal(caller).as_ref())?;
    let database = database(&state)?;
    let preview = state.catalog().preview(&database, &body.location.kind, &body.location.target).await?;
    let files: Vec<Value> = preview
        .entities
        .iter()
        .filter(|entity| !entity["metadata"]["name"].as_str().unwrap_or_default().starts_with("generated-"))
        .map(|entity| {
            json!({
                "location": {"type": preview.location.kind, "target": preview.location.target},
                "isRegistered": preview.exists,
                "entity": entity,
            })
        })
        .collect();
    Ok(Json(json!({"existingEntityFiles": files, "generateEntities": []})))
}
