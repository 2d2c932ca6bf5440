//! The catalog pages' data, read from the index: the filtered, sorted table
//! with facet counts (each facet counted under every *other* filter, so the
//! alternatives stay visible), and everything on one entity's page.

use super::index::{assemble, Condition, Direction, EntityFilter, Extras, Index, Order};
use super::Catalog;
use crate::database::Database;
use crate::error::Result;
use model::catalog::view::{
    BrowsePage, BrowseQuery, EntityLink, EntityPage, EntityRow, Facet, FacetValue, RefLink, RelationGroup, FACETS,
    PAGE_SIZE, SORT_COLUMNS,
};
use model::catalog::{EntityRef, LocationProblem};
use roaring::RoaringBitmap;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Fields the catalog's text filter looks in.
const TEXT_FIELDS: &[&str] =
    &["metadata.name", "metadata.title", "metadata.description", "spec.profile.displayname", "metadata.tags"];

/// Facet values listed per facet, most frequent first.
const FACET_VALUES_SHOWN: usize = 50;

/// Who is looking: the references that count as "mine" and what they starred.
#[derive(Debug, Default)]
pub struct Viewer {
    /// Their catalog user and groups; `None` when not linked to the catalog.
    pub claims: Option<Vec<String>>,
    /// Starred entity references; `None` for guests.
    pub starred: Option<HashSet<String>>,
}

/// One page of the catalog table for `query`.
pub async fn browse(catalog: &Catalog, db: &Database, query: &BrowseQuery, viewer: &Viewer) -> Result<BrowsePage> {
    let (page, extras) = {
        let index = catalog.index();
        plan_browse(&index, query, viewer)
    };
    let bodies = catalog.bodies(db, &extras.iter().map(|e| e.uid).collect::<Vec<_>>()).await?;
    let rows = extras.iter().filter_map(|e| row_from(&entity_of(&bodies, e)?)).collect();
    Ok(BrowsePage { rows, ..page })
}

fn entity_of(bodies: &HashMap<u128, Arc<str>>, extras: &Extras) -> Option<Value> {
    serde_json::from_str(&assemble(bodies.get(&extras.uid)?, extras)).ok()
}

/// Everything of the page but its rows' contents, which come from the bodies.
fn plan_browse(index: &Index, query: &BrowseQuery, viewer: &Viewer) -> (BrowsePage, Vec<Extras>) {
    let base = base_set(index, query, viewer);
    let facet_sets: Vec<RoaringBitmap> = FACETS
        .iter()
        .map(|(key, _, _)| {
            let mut set = base.clone();
            for (other, _, _) in FACETS.iter().filter(|(other, _, _)| other != key) {
                if let Some(selection) = selection(index, query, other) {
                    set &= selection;
                }
            }
            set
        })
        .collect();
    let mut matches = base;
    for (key, _, _) in FACETS {
        if let Some(selection) = selection(index, query, key) {
            matches &= selection;
        }
    }
    let facets = FACETS
        .iter()
        .zip(&facet_sets)
        .map(|((key, label, search_key), within)| {
            let chosen: Vec<&str> =
                query.selected.iter().filter(|(k, _)| k == key).map(|(_, value)| value.as_str()).collect();
            let mut values: Vec<FacetValue> = index
                .facets(&[(*search_key).to_owned()], within)
                .into_iter()
                .flat_map(|(_, counts)| counts)
                .take(FACET_VALUES_SHOWN)
                .map(|(value, count)| FacetValue {
                    selected: chosen.iter().any(|chosen| chosen.eq_ignore_ascii_case(&value)),
                    value,
                    count,
                })
                .collect();
            // A selected value stays visible even when nothing matches it now.
            for chosen in chosen {
                if !values.iter().any(|value| value.value.eq_ignore_ascii_case(chosen)) {
                    values.push(FacetValue { value: chosen.to_owned(), count: 0, selected: true });
                }
            }
            Facet { key: (*key).to_owned(), label: (*label).to_owned(), values }
        })
        .collect();
    let field =
        SORT_COLUMNS.iter().find(|(key, _, _)| *key == query.sort).map_or("metadata.name", |(_, _, field)| field);
    let order =
        Order { field: field.to_owned(), direction: if query.descending { Direction::Desc } else { Direction::Asc } };
    let (ordered, nulls_from) = index.ordered(Some(&order));
    let skip = (query.page.max(1) - 1) * PAGE_SIZE;
    let ids: Vec<u32> = if query.descending {
        let (valued, nulls) = ordered.split_at(nulls_from.min(ordered.len()));
        valued
            .iter()
            .rev()
            .chain(nulls.iter())
            .copied()
            .filter(|id| matches.contains(*id))
            .skip(skip)
            .take(PAGE_SIZE)
            .collect()
    } else {
        ordered.iter().copied().filter(|id| matches.contains(*id)).skip(skip).take(PAGE_SIZE).collect()
    };
    let page = BrowsePage {
        rows: Vec::new(),
        total: matches.len(),
        facets,
        can_filter_mine: viewer.claims.is_some(),
        can_star: viewer.starred.is_some(),
    };
    (page, ids.into_iter().filter_map(|id| index.extras(id)).collect())
}

/// Everything but the facet selections: text, "mine" and "starred".
fn base_set(index: &Index, query: &BrowseQuery, viewer: &Viewer) -> RoaringBitmap {
    let mut set = index.all();
    let text = query.text.trim();
    if !text.is_empty() {
        let fields: Vec<String> = TEXT_FIELDS.iter().map(|field| (*field).to_owned()).collect();
        for word in text.split_whitespace() {
            set &= index.full_text(word, &fields);
        }
    }
    if query.mine {
        let claims = viewer.claims.clone().unwrap_or_default();
        set &= index.matching(&any_of("relations.ownedby", &claims));
    }
    if query.starred {
        let starred: Vec<String> = viewer.starred.iter().flatten().cloned().collect();
        let mut stars = RoaringBitmap::new();
        for entity_ref in starred {
            if let Some(id) = index.id_by_ref(&entity_ref) {
                stars.insert(id);
            }
        }
        set &= stars;
    }
    set
}

fn any_of(key: &str, values: &[String]) -> EntityFilter {
    EntityFilter { any_of: vec![vec![Condition { key: key.to_owned(), values: Some(values.to_vec()), negate: false }]] }
}

/// The entities with any selected value of one facet, or None when none is selected.
fn selection(index: &Index, query: &BrowseQuery, facet: &str) -> Option<RoaringBitmap> {
    let values: Vec<String> =
        query.selected.iter().filter(|(key, _)| key == facet).map(|(_, value)| value.clone()).collect();
    if values.is_empty() {
        return None;
    }
    let (_, _, search_key) = FACETS.iter().find(|(key, _, _)| *key == facet)?;
    Some(index.matching(&any_of(search_key, &values)))
}

fn text(value: &Value, pointer: &str) -> Option<String> {
    value.pointer(pointer).and_then(Value::as_str).map(str::to_owned)
}

fn row_from(entity: &Value) -> Option<EntityRow> {
    let kind = text(entity, "/kind")?;
    let namespace = text(entity, "/metadata/namespace").unwrap_or_else(|| "default".to_owned());
    let name = text(entity, "/metadata/name")?;
    let owner = relation_targets(entity, "ownedBy").into_iter().next();
    Some(EntityRow {
        entity_ref: EntityRef::new(&kind, &namespace, &name).canonical(),
        title: text(entity, "/metadata/title").or_else(|| text(entity, "/spec/profile/displayName")),
        description: text(entity, "/metadata/description"),
        spec_type: text(entity, "/spec/type"),
        lifecycle: text(entity, "/spec/lifecycle"),
        owner,
        system: text(entity, "/spec/system"),
        tags: entity
            .pointer("/metadata/tags")
            .and_then(Value::as_array)
            .map(|tags| tags.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default(),
        has_problems: entity.get("status").is_some(),
        kind,
        namespace,
        name,
    })
}

fn relation_targets(entity: &Value, relation: &str) -> Vec<String> {
    entity
        .get("relations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("type").and_then(Value::as_str) == Some(relation))
        .filter_map(|r| r.get("targetRef").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// A reference as a link: its parts, its title (from `titles`), and whether it exists.
fn ref_link(entity_ref: &str, titles: &HashMap<String, Option<String>>) -> RefLink {
    let parsed = EntityRef::parse(entity_ref, Some("component"), None)
        .unwrap_or_else(|_| EntityRef::new("component", "default", entity_ref));
    RefLink {
        entity_ref: entity_ref.to_owned(),
        kind: parsed.kind.to_lowercase(),
        namespace: parsed.namespace,
        name: parsed.name,
        title: titles.get(entity_ref).cloned().flatten(),
        exists: titles.contains_key(entity_ref),
    }
}

fn title_of(entity: &Value) -> Option<String> {
    text(entity, "/metadata/title").or_else(|| text(entity, "/spec/profile/displayName"))
}

/// How each relation type reads on the page, in display order.
const RELATION_LABELS: &[(&str, &str)] = &[
    ("ownedBy", "Owned by"),
    ("ownerOf", "Owns"),
    ("partOf", "Part of"),
    ("hasPart", "Has parts"),
    ("providesApi", "Provides APIs"),
    ("apiProvidedBy", "Provided by"),
    ("consumesApi", "Consumes APIs"),
    ("apiConsumedBy", "Consumed by"),
    ("dependsOn", "Depends on"),
    ("dependencyOf", "Dependency of"),
    ("subcomponentOf", "Subcomponent of"),
    ("hasSubcomponent", "Subcomponents"),
    ("memberOf", "Member of"),
    ("hasMember", "Members"),
    ("childOf", "Parent group"),
    ("parentOf", "Child groups"),
];

pub fn relation_label(relation: &str) -> &str {
    RELATION_LABELS.iter().find(|(kind, _)| *kind == relation).map_or(relation, |(_, label)| label)
}

/// What the entity page needs from the index, gathered under its lock.
struct PagePlan {
    extras: Extras,
    provenance: super::index::Provenance,
    /// Every reference shown on the page that exists, with its extras (for titles).
    known: Vec<(String, Extras)>,
    /// The domain of the entity's system.
    system_domain: Option<String>,
    owned: Vec<Extras>,
}

fn plan_entity_page(index: &Index, entity_ref: &str) -> Option<PagePlan> {
    let id = index.id_by_ref(entity_ref)?;
    let extras = index.extras(id)?;
    let provenance = index.provenance(id)?;
    let relations = index.relations_of(entity_ref);
    let system_domain = relations
        .iter()
        .find(|(kind, target)| *kind == "partOf" && target.starts_with("system:"))
        .and_then(|(_, system)| {
            index
                .relations_of(system)
                .into_iter()
                .find(|(kind, target)| *kind == "partOf" && target.starts_with("domain:"))
                .map(|(_, domain)| domain)
        });
    let mut known: Vec<(String, Extras)> = Vec::new();
    for target in relations.iter().map(|(_, target)| target.clone()).chain(system_domain.clone()) {
        if let Some(target_extras) = index.id_by_ref(&target).and_then(|id| index.extras(id)) {
            known.push((target, target_extras));
        }
    }
    let kind = entity_ref.split(':').next().unwrap_or_default();
    let owned = owned_ids(index, kind, entity_ref).into_iter().filter_map(|id| index.extras(id)).collect();
    Some(PagePlan { extras, provenance, known, system_domain, owned })
}

/// Everything on an entity's page, or None when it does not exist.
pub async fn entity_page(
    catalog: &Catalog,
    db: &Database,
    entity_ref: &str,
    viewer: &Viewer,
) -> Result<Option<EntityPage>> {
    let plan = {
        let index = catalog.index();
        plan_entity_page(&index, entity_ref)
    };
    let Some(plan) = plan else { return Ok(None) };
    let mut uids: Vec<u128> = vec![plan.extras.uid];
    uids.extend(plan.known.iter().map(|(_, extras)| extras.uid));
    uids.extend(plan.owned.iter().map(|extras| extras.uid));
    let bodies = catalog.bodies(db, &uids).await?;
    let Some(entity) = entity_of(&bodies, &plan.extras) else { return Ok(None) };
    let titles: HashMap<String, Option<String>> = plan
        .known
        .iter()
        .map(|(reference, extras)| (reference.clone(), entity_of(&bodies, extras).as_ref().and_then(title_of)))
        .collect();
    let owned = plan.owned.iter().filter_map(|extras| row_from(&entity_of(&bodies, extras)?)).collect();
    let mut page = build_entity_page(entity, plan.provenance, &titles, plan.system_domain, owned, viewer);
    if let Some(page) = page.as_mut().filter(|page| matches!(page.kind.to_lowercase().as_str(), "component" | "group"))
    {
        page.suggestions = suggestions_with_titles(catalog, db, entity_ref, &page.tags).await?;
    }
    Ok(page)
}

/// "Services you may need", each with its title when it has one.
async fn suggestions_with_titles(
    catalog: &Catalog,
    db: &Database,
    entity_ref: &str,
    tags: &[String],
) -> Result<Vec<model::search::Suggestion>> {
    let (mut suggestions, uids) = {
        let index = catalog.index();
        let suggestions = super::suggest::suggestions(&index, entity_ref, tags);
        let uids: Vec<Option<u128>> = suggestions
            .iter()
            .map(|suggestion| index.id_by_ref(&suggestion.entity_ref).and_then(|id| index.uid_of(id)))
            .collect();
        (suggestions, uids)
    };
    let bodies = catalog.bodies(db, &uids.iter().flatten().copied().collect::<Vec<_>>()).await?;
    for (suggestion, uid) in suggestions.iter_mut().zip(uids) {
        let entity = uid.and_then(|uid| bodies.get(&uid)).and_then(|body| serde_json::from_str::<Value>(body).ok());
        suggestion.title = entity.as_ref().and_then(title_of);
    }
    Ok(suggestions)
}

fn build_entity_page(
    entity: Value,
    provenance: super::index::Provenance,
    titles: &HashMap<String, Option<String>>,
    system_domain: Option<String>,
    owned: Vec<EntityRow>,
    viewer: &Viewer,
) -> Option<EntityPage> {
    let row = row_from(&entity)?;
    let mut relations: Vec<RelationGroup> = Vec::new();
    for (relation, label) in RELATION_LABELS {
        let targets: Vec<RefLink> =
            relation_targets(&entity, relation).iter().map(|target| ref_link(target, titles)).collect();
        if !targets.is_empty() {
            relations.push(RelationGroup { relation: (*relation).to_owned(), label: (*label).to_owned(), targets });
        }
    }
    let first_of = |relation: &str, kind: &str| {
        relation_targets(&entity, relation)
            .into_iter()
            .find(|target| target.starts_with(&format!("{kind}:")))
            .map(|target| ref_link(&target, titles))
    };
    let owner = first_of("ownedBy", "group").or_else(|| first_of("ownedBy", "user"));
    let system = first_of("partOf", "system");
    let domain = match &system {
        Some(_) => system_domain.map(|domain| ref_link(&domain, titles)),
        None => first_of("partOf", "domain"),
    };
    let kind_lower = row.kind.to_lowercase();
    let annotations: Vec<(String, String)> = entity
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .map(|map| map.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned()))).collect())
        .unwrap_or_default();
    let problems: Vec<LocationProblem> =
        provenance.problems.as_deref().and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default();
    Some(EntityPage {
        uid: provenance.uid,
        entity_ref: row.entity_ref.clone(),
        kind: row.kind.clone(),
        namespace: row.namespace.clone(),
        name: row.name.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        spec_type: row.spec_type.clone(),
        lifecycle: row.lifecycle.clone(),
        owner,
        system,
        domain,
        tags: row.tags.clone(),
        links: links(&entity, &annotations),
        definition: (kind_lower == "api")
            .then(|| Some((row.spec_type.clone().unwrap_or_default(), text(&entity, "/spec/definition")?)))
            .flatten(),
        owned,
        email: text(&entity, "/spec/profile/email"),
        display_name: text(&entity, "/spec/profile/displayName"),
        annotations,
        relations,
        source: provenance.source,
        location_id: provenance.location_id,
        refreshed_at: provenance.refreshed_at,
        problems,
        // Owners and admins may; the caller decides with the access policy
        // (`Catalog::authorize_change`), which knows the viewer's role.
        can_change: false,
        can_star: viewer.starred.is_some(),
        starred: viewer.starred.as_ref().is_some_and(|starred| starred.contains(&row.entity_ref)),
        raw: serde_json::to_string_pretty(&entity).unwrap_or_default(),
        suggestions: Vec::new(),
    })
}

/// What a group owns, or what a user owns directly and through their groups (at most 200).
fn owned_ids(index: &Index, kind: &str, entity_ref: &str) -> Vec<u32> {
    let mut owners = vec![entity_ref.to_owned()];
    if kind == "user" {
        owners.extend(
            index.relations_of(entity_ref).into_iter().filter(|(k, _)| *k == "memberOf").map(|(_, group)| group),
        );
    } else if kind != "group" {
        return Vec::new();
    }
    let matches = index.matching(&any_of("relations.ownedby", &owners));
    let order = Order { field: "metadata.name".to_owned(), direction: Direction::Asc };
    index.ordered(Some(&order)).0.iter().copied().filter(|id| matches.contains(*id)).take(200).collect()
}

/// `metadata.links` plus links made from well-known annotations.
fn links(entity: &Value, annotations: &[(String, String)]) -> Vec<EntityLink> {
    let mut links: Vec<EntityLink> = Vec::new();
    for (key, value) in annotations {
        let link = match key.as_str() {
            "backstage.io/source-location" => {
                let url = value.strip_prefix("url:").unwrap_or(value);
                url.starts_with("http").then(|| ("Source", url.to_owned(), "source"))
            }
            "backstage.io/view-url" => Some(("View source", value.clone(), "source")),
            "github.com/project-slug" => Some(("GitHub", format!("https://github.com/{value}"), "source")),
            "gitlab.com/project-slug" => Some(("GitLab", format!("https://gitlab.com/{value}"), "source")),
            "backstage.io/techdocs-ref" | "backstage.io/techdocs-entity" => {
                Some(("Docs", format!("/docs/{}", entity_path(entity)), "docs"))
            }
            "github.com/workflows" | "backstage.io/ci" => {
                Some(("CI", value.clone(), "ci")).filter(|(_, url, _)| url.starts_with("http"))
            }
            "pagerduty.com/service-id" => {
                Some(("On-call", format!("https://app.pagerduty.com/service-directory/{value}"), "oncall"))
            }
            "opsgenie.com/team" => Some(("On-call", format!("https://app.opsgenie.com/teams/{value}"), "oncall")),
            _ => None,
        };
        if let Some((title, url, icon)) = link {
            links.push(EntityLink { url, title: title.to_owned(), icon: icon.to_owned() });
        }
    }
    if let Some(slug) = annotations.iter().find(|(key, _)| key == "github.com/project-slug").map(|(_, v)| v) {
        links.push(EntityLink {
            url: format!("https://github.com/{slug}/actions"),
            title: "CI".to_owned(),
            icon: "ci".to_owned(),
        });
    }
    for link in entity.pointer("/metadata/links").and_then(Value::as_array).into_iter().flatten() {
        if let Some(url) = link.get("url").and_then(Value::as_str) {
            links.push(EntityLink {
                url: url.to_owned(),
                title: link.get("title").and_then(Value::as_str).unwrap_or(url).to_owned(),
                icon: link.get("icon").and_then(Value::as_str).unwrap_or("link").to_owned(),
            });
        }
    }
    links
}

fn entity_path(entity: &Value) -> String {
    let kind = text(entity, "/kind").unwrap_or_default().to_lowercase();
    let namespace = text(entity, "/metadata/namespace").unwrap_or_else(|| "default".to_owned());
    let name = text(entity, "/metadata/name").unwrap_or_default();
    format!("{namespace}/{kind}/{name}")
}
