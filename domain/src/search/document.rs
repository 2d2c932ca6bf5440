//! An entity as the search index sees it: the words to find it by, the
//! values to filter and count it by, and the document a result shows.

use super::definition;
use model::catalog::EntityRef;
use model::search::{SearchDocument, SOFTWARE_CATALOG};
use serde_json::Value;

/// Everything the index takes from one entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Searchable {
    pub uid: String,
    pub result_type: &'static str,
    pub name: String,
    pub title: String,
    /// The description.
    pub text: String,
    /// Kind, type, lifecycle, owner, system, domain, tags, links and
    /// annotation values, one per line.
    pub about: String,
    /// What an API definition declares, one line per operation or type.
    pub definition: String,
    /// (facet key, value as written): kind, type, owner, lifecycle, tag,
    /// namespace, system.
    pub facets: Vec<(&'static str, String)>,
    pub document: SearchDocument,
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(value, |value, key| value.get(key))?.as_str().map(str::trim).filter(|text| !text.is_empty())
}

/// A reference as written (`team-a`, `group:team-a`) in its full form
/// (`group:default/team-a`), for filters that name either.
fn full_ref(reference: &str, default_kind: &str, namespace: &str) -> Option<String> {
    EntityRef::parse(reference, Some(default_kind), Some(namespace)).ok().map(|parsed| parsed.to_string())
}

/// The searchable form of an entity's stored JSON; `None` for a body that
/// is not an entity.
pub fn searchable(uid: &str, body: &str) -> Option<Searchable> {
    let entity: Value = serde_json::from_str(body).ok()?;
    let kind = str_at(&entity, &["kind"])?.to_owned();
    let name = str_at(&entity, &["metadata", "name"])?.to_owned();
    let namespace = str_at(&entity, &["metadata", "namespace"]).unwrap_or(model::catalog::DEFAULT_NAMESPACE).to_owned();
    let title = str_at(&entity, &["metadata", "title"]).map(str::to_owned);
    let text = str_at(&entity, &["metadata", "description"]).unwrap_or_default().to_owned();
    let spec_type = str_at(&entity, &["spec", "type"]).map(str::to_owned);
    let lifecycle = str_at(&entity, &["spec", "lifecycle"]).unwrap_or_default().to_owned();
    let owner = str_at(&entity, &["spec", "owner"]).unwrap_or_default().to_owned();
    let system = str_at(&entity, &["spec", "system"]).map(str::to_owned);
    let domain = str_at(&entity, &["spec", "domain"]).map(str::to_owned);
    let tags: Vec<String> = entity
        .pointer("/metadata/tags")
        .and_then(Value::as_array)
        .map(|tags| tags.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();

    let mut about: Vec<String> = vec![kind.clone()];
    about.extend(spec_type.iter().cloned());
    about.extend([lifecycle.clone(), owner.clone()].into_iter().filter(|value| !value.is_empty()));
    about.extend(system.iter().cloned());
    about.extend(domain.iter().cloned());
    about.extend(tags.iter().cloned());
    if let Some(links) = entity.pointer("/metadata/links").and_then(Value::as_array) {
        for link in links {
            let parts: Vec<&str> = ["title", "url"].iter().filter_map(|key| str_at(link, &[key])).collect();
            if !parts.is_empty() {
                about.push(parts.join(" "));
            }
        }
    }
    if let Some(annotations) = entity.pointer("/metadata/annotations").and_then(Value::as_object) {
        about.extend(annotations.values().filter_map(Value::as_str).map(str::to_owned));
    }
    // Whatever the template's parameters or a profile call it.
    for path in [&["spec", "profile", "displayName"][..], &["spec", "profile", "email"]] {
        about.extend(str_at(&entity, path).map(str::to_owned));
    }

    let definition = match (kind.eq_ignore_ascii_case("API"), &spec_type, str_at(&entity, &["spec", "definition"])) {
        (true, Some(api_type), Some(definition)) => definition::searchable_lines(api_type, definition).join("\n"),
        _ => String::new(),
    };

    let mut facets: Vec<(&'static str, String)> = vec![("kind", kind.clone()), ("namespace", namespace.clone())];
    facets.extend(spec_type.iter().map(|value| ("type", value.clone())));
    if !lifecycle.is_empty() {
        facets.push(("lifecycle", lifecycle.clone()));
    }
    if !owner.is_empty() {
        facets.push(("owner", owner.clone()));
    }
    facets.extend(system.iter().map(|value| ("system", value.clone())));
    facets.extend(tags.iter().map(|tag| ("tag", tag.clone())));

    let location = format!(
        "/catalog/{}/{}/{}",
        namespace.to_ascii_lowercase(),
        kind.to_ascii_lowercase(),
        name.to_ascii_lowercase()
    );
    let document = SearchDocument {
        title: title.clone().unwrap_or_else(|| name.clone()),
        text: text.clone(),
        location,
        kind: kind.clone(),
        entity_type: spec_type.clone().unwrap_or_else(|| "other".to_owned()),
        component_type: spec_type.unwrap_or_else(|| "other".to_owned()),
        namespace: namespace.clone(),
        lifecycle,
        owner: owner.clone(),
        name: name.clone(),
    };
    let owner_ref = full_ref(&owner, "group", &namespace);
    let mut searchable = Searchable {
        uid: uid.to_owned(),
        result_type: SOFTWARE_CATALOG,
        name,
        title: title.unwrap_or_default(),
        text,
        about: about.join("\n"),
        definition,
        facets,
        document,
    };
    if let Some(owner_ref) = owner_ref {
        searchable.facets.push(("owner_ref", owner_ref));
    }
    Some(searchable)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_api_is_found_by_its_fields_and_its_operations() {
        let body = serde_json::json!({
            "apiVersion": "backstage.io/v1alpha1", "kind": "API",
            "metadata": {"name": "orders-api", "title": "Orders", "description": "Place and track orders",
                         "tags": ["rest"], "links": [{"url": "https://wiki/orders", "title": "Wiki"}],
                         "annotations": {"backstage.io/techdocs-ref": "dir:."}},
            "spec": {"type": "openapi", "lifecycle": "production", "owner": "team-a", "system": "shop",
                     "definition": "openapi: 3.0.0\npaths:\n  /orders/{id}:\n    get:\n      summary: One order\n"}
        })
        .to_string();
        let found = searchable("u1", &body).unwrap();
        assert_eq!(found.name, "orders-api");
        assert_eq!(found.title, "Orders");
        assert_eq!(found.definition, "GET /orders/{id}: One order");
        for part in ["API", "openapi", "production", "team-a", "shop", "rest", "Wiki https://wiki/orders", "dir:."] {
            assert!(found.about.lines().any(|line| line == part), "{part} in {:?}", found.about);
        }
        assert!(found.facets.contains(&("owner_ref", "group:default/team-a".to_owned())));
        assert!(found.facets.contains(&("tag", "rest".to_owned())));
        assert_eq!(found.document.location, "/catalog/default/api/orders-api");
        assert_eq!(found.document.title, "Orders");
        assert_eq!(found.document.entity_type, "openapi");
    }

    #[test]
    fn an_entity_without_a_title_is_shown_by_its_name() {
        let body = r#"{"kind":"Group","metadata":{"name":"team-a"},"spec":{"type":"team","children":[]}}"#;
        let found = searchable("u2", body).unwrap();
        assert_eq!(found.document.title, "team-a");
        assert_eq!(found.document.owner, "");
        assert!(searchable("u3", "{\"kind\": 1}").is_none());
        assert!(searchable("u3", "not json").is_none());
    }
}
