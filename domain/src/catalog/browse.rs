//! The catalog pages' data, read from the index: the filtered, sorted table
//! with facet counts (each facet counted under every *other* filter, so the
//! alternatives stay visible), and everything on one entity's page.

use super::index::{Condition, Direction, EntityFilter, Index, Order};
use model::catalog::view::{
    BrowsePage, BrowseQuery, EntityLink, EntityPage, EntityRow, Facet, FacetValue, RefLink, RelationGroup, FACETS,
    PAGE_SIZE, SORT_COLUMNS,
};
use model::catalog::{EntityRef, LocationProblem};
use roaring::RoaringBitmap;
use serde_json::Value;
use std::collections::HashSet;

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
pub fn browse(index: &Index, query: &BrowseQuery, viewer: &Viewer) -> BrowsePage {
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
    let order = SORT_COLUMNS.iter().find(|(key, _, _)| *key == query.sort).map(|(_, _, field)| Order {
        field: (*field).to_owned(),
        direction: if query.descending { Direction::Desc } else { Direction::Asc },
    });
    let order = order.or(Some(Order { field: "metadata.name".to_owned(), direction: Direction::Asc }));
    let ordered = index.ordered(order.as_ref());
    let page = query.page.max(1);
    let skip = (page - 1) * PAGE_SIZE;
    let ids: Vec<u32> = if query.descending {
        let nulls_from = index.nulls_from(order.as_ref()).min(ordered.len());
        let (valued, nulls) = ordered.split_at(nulls_from);
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
    BrowsePage {
        rows: ids.into_iter().filter_map(|id| row(index, id)).collect(),
        total: matches.len(),
        facets,
        can_filter_mine: viewer.claims.is_some(),
        can_star: viewer.starred.is_some(),
    }
}

/// Everything but the facet selections: text, "mine" and "starred".
fn base_set(index: &Index, query: &BrowseQuery, viewer: &Viewer) -> RoaringBitmap {
    let mut set = index.matching(&EntityFilter::default());
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

fn entity_json(index: &Index, id: u32) -> Option<Value> {
    serde_json::from_str(&index.render(id)?).ok()
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

fn row(index: &Index, id: u32) -> Option<EntityRow> {
    row_from(&entity_json(index, id)?)
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

/// A reference as a link: its parts, its title, and whether it exists.
pub fn ref_link(index: &Index, entity_ref: &str) -> RefLink {
    let parsed = EntityRef::parse(entity_ref, Some("component"), None)
        .unwrap_or_else(|_| EntityRef::new("component", "default", entity_ref));
    let found = index.id_by_ref(entity_ref).and_then(|id| entity_json(index, id));
    RefLink {
        entity_ref: entity_ref.to_owned(),
        kind: parsed.kind.to_lowercase(),
        namespace: parsed.namespace,
        name: found.as_ref().and_then(|e| text(e, "/metadata/name")).unwrap_or(parsed.name),
        title: found.as_ref().and_then(|e| text(e, "/metadata/title").or_else(|| text(e, "/spec/profile/displayName"))),
        exists: found.is_some(),
    }
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

/// Everything on an entity's page, or None when it does not exist.
pub fn entity_page(index: &Index, entity_ref: &str, viewer: &Viewer) -> Option<EntityPage> {
    let id = index.id_by_ref(entity_ref)?;
    let entity = entity_json(index, id)?;
    let provenance = index.provenance(id)?;
    let row = row_from(&entity)?;
    let mut relations: Vec<RelationGroup> = Vec::new();
    for (relation, label) in RELATION_LABELS {
        let targets: Vec<RefLink> =
            relation_targets(&entity, relation).iter().map(|target| ref_link(index, target)).collect();
        if !targets.is_empty() {
            relations.push(RelationGroup { relation: (*relation).to_owned(), label: (*label).to_owned(), targets });
        }
    }
    let first_of = |relation: &str, kind: &str| {
        relation_targets(&entity, relation)
            .into_iter()
            .find(|target| target.starts_with(&format!("{kind}:")))
            .map(|target| ref_link(index, &target))
    };
    let owner = first_of("ownedBy", "group").or_else(|| first_of("ownedBy", "user"));
    let system = first_of("partOf", "system");
    let domain = match &system {
        Some(system) => index
            .relations_of(&system.entity_ref)
            .into_iter()
            .find(|(kind, target)| *kind == "partOf" && target.starts_with("domain:"))
            .map(|(_, target)| ref_link(index, &target)),
        None => first_of("partOf", "domain"),
    };
    let kind_lower = row.kind.to_lowercase();
    let owned = owned_rows(index, &kind_lower, entity_ref);
    let annotations: Vec<(String, String)> = entity
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .map(|map| map.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned()))).collect())
        .unwrap_or_default();
    let problems: Vec<LocationProblem> =
        provenance.problems.as_deref().and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default();
    let claims = viewer.claims.clone().unwrap_or_default();
    let owner_refs: Vec<String> = relation_targets(&entity, "ownedBy");
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
        can_change: owner_refs.iter().any(|owner| claims.contains(owner)),
        can_star: viewer.starred.is_some(),
        starred: viewer.starred.as_ref().is_some_and(|starred| starred.contains(entity_ref)),
        raw: serde_json::to_string_pretty(&entity).unwrap_or_default(),
    })
}

/// What a group owns, or what a user owns directly and through their groups.
fn owned_rows(index: &Index, kind: &str, entity_ref: &str) -> Vec<EntityRow> {
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
    index
        .ordered(Some(&order))
        .iter()
        .filter(|id| matches.contains(**id))
        .take(200)
        .filter_map(|id| row(index, *id))
        .collect()
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
