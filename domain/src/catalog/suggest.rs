//! "Services you may need": APIs and services that components similar to
//! this one use and it does not yet. Components are similar when they are
//! part of the same system (strongest), consume the same APIs, or share
//! tags. For a team, its components are taken together.

use super::index::{Condition, EntityFilter, Index};
use model::search::Suggestion;
use std::collections::{BTreeSet, HashMap};

/// Most suggestions shown.
const MOST: usize = 6;
/// Tags carried by more components than this say little about similarity.
const COMMON_TAG: u64 = 500;

/// How much a kind of likeness counts.
const SAME_SYSTEM: u32 = 3;
const SAME_API: u32 = 2;
const SAME_TAG: u32 = 1;

fn having(key: &str, value: &str) -> EntityFilter {
    EntityFilter {
        any_of: vec![vec![
            Condition { key: "kind".to_owned(), values: Some(vec!["component".to_owned()]), negate: false },
            Condition { key: key.to_owned(), values: Some(vec![value.to_owned()]), negate: false },
        ]],
    }
}

fn targets(index: &Index, entity_ref: &str, relation: &str) -> Vec<String> {
    index
        .relations_of(entity_ref)
        .into_iter()
        .filter(|(kind, _)| kind.eq_ignore_ascii_case(relation))
        .map(|(_, target)| target)
        .collect()
}

/// What a component uses: the APIs it consumes and what it depends on.
fn used(index: &Index, component: &str) -> Vec<String> {
    let mut used = targets(index, component, "consumesApi");
    used.extend(targets(index, component, "dependsOn"));
    used
}

/// Suggestions for `entity_ref` (a component, or a group for its
/// components); `tags` are the entity's own tags.
pub fn suggestions(index: &Index, entity_ref: &str, tags: &[String]) -> Vec<Suggestion> {
    let is_group = entity_ref.starts_with("group:");
    let members: Vec<String> = if is_group {
        targets(index, entity_ref, "ownerOf").into_iter().filter(|owned| owned.starts_with("component:")).collect()
    } else {
        vec![entity_ref.to_owned()]
    };
    if members.is_empty() {
        return Vec::new();
    }
    // What the entity already has: what it uses, provides, and itself.
    let mut known: BTreeSet<String> = members.iter().cloned().collect();
    if is_group {
        known.extend(targets(index, entity_ref, "ownerOf"));
    }
    for member in &members {
        known.extend(used(index, member));
        known.extend(targets(index, member, "providesApi"));
    }

    // Similar components and why.
    let mut similar: HashMap<u32, (u32, BTreeSet<&'static str>)> = HashMap::new();
    let mut add = |filter: EntityFilter, weight: u32, reason: &'static str, limit: Option<u64>| {
        let ids = index.matching(&filter);
        if limit.is_some_and(|limit| ids.len() > limit) {
            return;
        }
        for id in ids {
            let entry = similar.entry(id).or_default();
            entry.0 += weight;
            entry.1.insert(reason);
        }
    };
    for member in &members {
        for system in targets(index, member, "partOf").into_iter().filter(|target| target.starts_with("system:")) {
            add(having("relations.partof", &system), SAME_SYSTEM, "same system", None);
        }
        for api in targets(index, member, "consumesApi") {
            add(having("relations.consumesapi", &api), SAME_API, "same APIs", None);
        }
    }
    if !is_group {
        for tag in tags {
            add(having("metadata.tags", tag), SAME_TAG, "same tags", Some(COMMON_TAG));
        }
    }

    // What they use, weighed by how similar each user is.
    let mut scores: HashMap<String, (u32, Vec<String>, BTreeSet<&'static str>)> = HashMap::new();
    for (id, (weight, reasons)) in similar {
        let Some(component) = index.ref_of(id) else { continue };
        if known.contains(component) {
            continue;
        }
        for target in used(index, component) {
            if known.contains(&target) {
                continue;
            }
            let entry = scores.entry(target).or_default();
            entry.0 += weight;
            entry.1.push(component.to_owned());
            entry.2.extend(reasons.iter().copied());
        }
    }
    let mut suggestions: Vec<Suggestion> = scores
        .into_iter()
        .map(|(entity_ref, (score, mut used_by, because))| {
            used_by.sort();
            used_by.truncate(3);
            Suggestion {
                entity_ref,
                title: None,
                score,
                used_by,
                because: because.into_iter().map(str::to_owned).collect(),
            }
        })
        .collect();
    suggestions.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.entity_ref.cmp(&b.entity_ref)));
    suggestions.truncate(MOST);
    suggestions
}
