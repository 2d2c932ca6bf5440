//! Checking one descriptor document against Backstage's rules (the envelope,
//! metadata formats and the required `spec` fields of each kind) and reading
//! the relations it declares. The result is either the entity's reference and
//! relations, or every problem found, each naming its field.

use model::catalog::{rules, EntityRef, DEFAULT_NAMESPACE};
use serde_json::{Map, Value};

/// One thing wrong with a document: the field (`spec.owner`,
/// `metadata.tags[2]`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub reason: String,
}

impl Problem {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { field: field.into(), reason: reason.into() }
    }
}

/// A relation as stored: `source --type--> target`, references canonical.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Relation {
    pub source: String,
    pub kind: &'static str,
    pub target: String,
}

/// A document that passed every check.
#[derive(Debug, Clone)]
pub struct CheckedEntity {
    pub reference: EntityRef,
    /// Relations this entity declares, in both directions (`ownedBy` from it
    /// and `ownerOf` to it), as Backstage's built-in processor emits them.
    pub relations: Vec<Relation>,
}

const BACKSTAGE_VERSIONS: &[&str] = &["backstage.io/v1alpha1", "backstage.io/v1beta1"];
const TEMPLATE_VERSIONS: &[&str] = &["scaffolder.backstage.io/v1beta3"];

/// The kinds Portico understands, with the apiVersions each accepts.
pub const KINDS: &[(&str, &[&str])] = &[
    ("Component", BACKSTAGE_VERSIONS),
    ("API", BACKSTAGE_VERSIONS),
    ("Resource", BACKSTAGE_VERSIONS),
    ("System", BACKSTAGE_VERSIONS),
    ("Domain", BACKSTAGE_VERSIONS),
    ("Group", BACKSTAGE_VERSIONS),
    ("User", BACKSTAGE_VERSIONS),
    ("Location", BACKSTAGE_VERSIONS),
    ("Template", TEMPLATE_VERSIONS),
];

/// Fills in what Backstage fills in before checking: the default namespace.
pub fn apply_defaults(entity: &mut Value) {
    if let Some(metadata) = entity.get_mut("metadata").and_then(Value::as_object_mut) {
        if metadata.get("namespace").is_none_or(Value::is_null) {
            metadata.insert("namespace".to_owned(), Value::String(DEFAULT_NAMESPACE.to_owned()));
        }
    }
}

/// Checks a document (after [`apply_defaults`]).
pub fn check(entity: &Value) -> Result<CheckedEntity, Vec<Problem>> {
    let mut problems = Vec::new();
    let Some(root) = entity.as_object() else {
        return Err(vec![Problem::new("", "a descriptor must be a mapping with apiVersion, kind and metadata")]);
    };
    let api_version = required_string(root, "apiVersion", "apiVersion", &mut problems);
    let kind = required_string(root, "kind", "kind", &mut problems);
    if let Some(version) = api_version {
        if let Err(reason) = rules::check_api_version(version) {
            problems.push(Problem::new("apiVersion", reason));
        }
    }
    if let Some(kind) = kind {
        if let Err(reason) = rules::check_kind(kind) {
            problems.push(Problem::new("kind", reason));
        }
    }
    let metadata = check_metadata(root, &mut problems);
    let known = kind.and_then(|kind| KINDS.iter().find(|(known, _)| known.eq_ignore_ascii_case(kind)));
    match (known, kind, api_version) {
        (Some((name, versions)), _, Some(version)) if !versions.contains(&version) => problems.push(Problem::new(
            "apiVersion",
            format!("kind {name} is written with apiVersion {}, not {version}", versions.join(" or ")),
        )),
        (None, Some(kind), _) if rules::check_kind(kind).is_ok() => problems.push(Problem::new(
            "kind",
            format!(
                "unknown kind \"{kind}\"; Portico reads {}",
                KINDS.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
            ),
        )),
        _ => {}
    }
    let spec = match root.get("spec") {
        None | Some(Value::Null) => None,
        Some(Value::Object(spec)) => Some(spec),
        Some(_) => {
            problems.push(Problem::new("spec", "must be a mapping"));
            None
        }
    };
    let empty = Map::new();
    let mut relations = Vec::new();
    if let (Some((kind_name, _)), Some((namespace, name))) = (known, metadata) {
        let reference = EntityRef::new(kind_name, namespace, name);
        let mut reader = SpecReader {
            spec: spec.unwrap_or(&empty),
            has_spec: spec.is_some(),
            source: reference.canonical(),
            namespace,
            problems: &mut problems,
            relations: &mut relations,
        };
        reader.check_kind(kind_name);
        if problems.is_empty() {
            let reference = EntityRef::new(kind.unwrap_or(kind_name), namespace, name);
            return Ok(CheckedEntity { reference, relations });
        }
    }
    if problems.is_empty() {
        problems.push(Problem::new("", "not a valid entity"));
    }
    Err(problems)
}

fn required_string<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    field: &str,
    problems: &mut Vec<Problem>,
) -> Option<&'a str> {
    match object.get(key) {
        None | Some(Value::Null) => {
            problems.push(Problem::new(field, "is required"));
            None
        }
        Some(Value::String(text)) if text.is_empty() => {
            problems.push(Problem::new(field, "must not be empty"));
            None
        }
        Some(Value::String(text)) => Some(text),
        Some(other) => {
            problems.push(Problem::new(field, format!("must be a string, not {}", type_name(other))));
            None
        }
    }
}

fn optional_string(object: &Map<String, Value>, key: &str, field: &str, problems: &mut Vec<Problem>) {
    match object.get(key) {
        None | Some(Value::String(_)) => {}
        Some(other) => problems.push(Problem::new(field, format!("must be a string, not {}", type_name(other)))),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Checks `metadata`; returns (namespace, name) when both are usable.
fn check_metadata<'a>(root: &'a Map<String, Value>, problems: &mut Vec<Problem>) -> Option<(&'a str, &'a str)> {
    let metadata = match root.get("metadata") {
        Some(Value::Object(metadata)) => metadata,
        None | Some(Value::Null) => {
            problems.push(Problem::new("metadata", "is required"));
            return None;
        }
        Some(other) => {
            problems.push(Problem::new("metadata", format!("must be a mapping, not {}", type_name(other))));
            return None;
        }
    };
    let before = problems.len();
    let name = required_string(metadata, "name", "metadata.name", problems);
    if let Some(name) = name {
        if let Err(reason) = rules::check_name(name) {
            problems.push(Problem::new("metadata.name", reason));
        }
    }
    let namespace = required_string(metadata, "namespace", "metadata.namespace", problems);
    if let Some(namespace) = namespace {
        if let Err(reason) = rules::check_namespace(namespace) {
            problems.push(Problem::new("metadata.namespace", reason));
        }
    }
    for key in ["title", "description", "uid", "etag"] {
        optional_string(metadata, key, &format!("metadata.{key}"), problems);
    }
    check_string_map(metadata, "labels", problems, rules::check_label_value);
    check_string_map(metadata, "annotations", problems, |_| Ok(()));
    match metadata.get("tags") {
        None | Some(Value::Null) => {}
        Some(Value::Array(tags)) => {
            for (index, tag) in tags.iter().enumerate() {
                let field = format!("metadata.tags[{index}]");
                match tag {
                    Value::String(tag) => {
                        if let Err(reason) = rules::check_tag(tag) {
                            problems.push(Problem::new(field, reason));
                        }
                    }
                    other => problems.push(Problem::new(field, format!("must be a string, not {}", type_name(other)))),
                }
            }
        }
        Some(other) => {
            problems.push(Problem::new("metadata.tags", format!("must be a list, not {}", type_name(other))))
        }
    }
    match metadata.get("links") {
        None | Some(Value::Null) => {}
        Some(Value::Array(links)) => {
            for (index, link) in links.iter().enumerate() {
                let field = format!("metadata.links[{index}]");
                match link {
                    Value::Object(link) => {
                        if required_string(link, "url", &format!("{field}.url"), problems).is_some() {
                            for key in ["title", "icon", "type"] {
                                optional_string(link, key, &format!("{field}.{key}"), problems);
                            }
                        }
                    }
                    other => problems.push(Problem::new(field, format!("must be a mapping, not {}", type_name(other)))),
                }
            }
        }
        Some(other) => {
            problems.push(Problem::new("metadata.links", format!("must be a list, not {}", type_name(other))));
        }
    }
    match (name, namespace) {
        (Some(name), Some(namespace)) if problems.len() == before => Some((namespace, name)),
        _ => None,
    }
}

/// `labels` and `annotations`: keys like `example.com/key`, string values.
fn check_string_map(
    metadata: &Map<String, Value>,
    key: &str,
    problems: &mut Vec<Problem>,
    check_value: impl Fn(&str) -> Result<(), String>,
) {
    match metadata.get(key) {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (name, value) in map {
                let field = format!("metadata.{key}[{name}]");
                if let Err(reason) = rules::check_key(name) {
                    problems.push(Problem::new(field.clone(), reason));
                }
                match value {
                    Value::String(value) => {
                        if let Err(reason) = check_value(value) {
                            problems.push(Problem::new(field, reason));
                        }
                    }
                    other => problems.push(Problem::new(field, format!("must be a string, not {}", type_name(other)))),
                }
            }
        }
        Some(other) => problems
            .push(Problem::new(format!("metadata.{key}"), format!("must be a mapping, not {}", type_name(other)))),
    }
}

/// Reads `spec` for one kind: required fields, types, and relations.
struct SpecReader<'a> {
    spec: &'a Map<String, Value>,
    has_spec: bool,
    source: String,
    namespace: &'a str,
    problems: &'a mut Vec<Problem>,
    relations: &'a mut Vec<Relation>,
}

impl SpecReader<'_> {
    fn check_kind(&mut self, kind: &str) {
        match kind {
            "Component" => {
                self.require_spec();
                self.text("type", true);
                self.text("lifecycle", true);
                self.reference("owner", true, Some("Group"), "ownedBy", "ownerOf");
                self.reference("system", false, Some("System"), "partOf", "hasPart");
                self.reference("subcomponentOf", false, Some("Component"), "subcomponentOf", "hasSubcomponent");
                self.references("providesApis", false, Some("API"), "providesApi", "apiProvidedBy");
                self.references("consumesApis", false, Some("API"), "consumesApi", "apiConsumedBy");
                self.references("dependsOn", false, None, "dependsOn", "dependencyOf");
                self.references("dependencyOf", false, None, "dependencyOf", "dependsOn");
            }
            "API" => {
                self.require_spec();
                self.text("type", true);
                self.text("lifecycle", true);
                self.reference("owner", true, Some("Group"), "ownedBy", "ownerOf");
                self.text("definition", true);
                self.reference("system", false, Some("System"), "partOf", "hasPart");
            }
            "Resource" => {
                self.require_spec();
                self.text("type", true);
                self.reference("owner", true, Some("Group"), "ownedBy", "ownerOf");
                self.references("dependsOn", false, None, "dependsOn", "dependencyOf");
                self.references("dependencyOf", false, None, "dependencyOf", "dependsOn");
                self.reference("system", false, Some("System"), "partOf", "hasPart");
            }
            "System" => {
                self.require_spec();
                self.reference("owner", true, Some("Group"), "ownedBy", "ownerOf");
                self.reference("domain", false, Some("Domain"), "partOf", "hasPart");
                self.text("type", false);
            }
            "Domain" => {
                self.require_spec();
                self.reference("owner", true, Some("Group"), "ownedBy", "ownerOf");
                self.reference("subdomainOf", false, Some("Domain"), "partOf", "hasPart");
                self.text("type", false);
            }
            "Group" => {
                self.require_spec();
                self.text("type", true);
                self.profile();
                self.reference("parent", false, Some("Group"), "childOf", "parentOf");
                self.references("children", true, Some("Group"), "parentOf", "childOf");
                self.references("members", false, Some("User"), "hasMember", "memberOf");
            }
            "User" => {
                self.require_spec();
                self.profile();
                self.references("memberOf", true, Some("Group"), "memberOf", "hasMember");
            }
            "Location" => {
                self.text("type", false);
                self.text("target", false);
                self.string_list("targets");
                if let Some(presence) = self.spec.get("presence") {
                    if !matches!(presence.as_str(), Some("required" | "optional")) {
                        self.problem("spec.presence", "must be \"required\" or \"optional\"");
                    }
                }
            }
            "Template" => {
                self.require_spec();
                self.text("type", true);
                self.reference("owner", false, Some("Group"), "ownedBy", "ownerOf");
                self.template_steps();
                match self.spec.get("parameters") {
                    None | Some(Value::Object(_) | Value::Array(_)) => {}
                    Some(_) => self.problem("spec.parameters", "must be a mapping or a list of mappings"),
                }
            }
            _ => {}
        }
    }

    fn problem(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.problems.push(Problem::new(field, reason));
    }

    fn require_spec(&mut self) {
        if !self.has_spec {
            self.problem("spec", "is required");
        }
    }

    /// A string field; required ones must be non-empty.
    fn text(&mut self, key: &str, required: bool) -> Option<&str> {
        let field = format!("spec.{key}");
        let spec = self.spec;
        match spec.get(key) {
            None | Some(Value::Null) if required && self.has_spec => {
                self.problem(field, "is required");
                None
            }
            None | Some(Value::Null) => None,
            Some(Value::String(text)) if text.is_empty() && required => {
                self.problem(field, "must not be empty");
                None
            }
            Some(Value::String(text)) => Some(text),
            Some(other) => {
                self.problem(field, format!("must be a string, not {}", type_name(other)));
                None
            }
        }
    }

    fn string_list(&mut self, key: &str) -> Vec<(String, &str)> {
        let spec = self.spec;
        let mut items = Vec::new();
        match spec.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(values)) => {
                for (index, value) in values.iter().enumerate() {
                    let field = format!("spec.{key}[{index}]");
                    match value {
                        Value::String(text) => items.push((field, text.as_str())),
                        other => self.problem(field, format!("must be a string, not {}", type_name(other))),
                    }
                }
            }
            Some(other) => self.problem(format!("spec.{key}"), format!("must be a list, not {}", type_name(other))),
        }
        items
    }

    fn reference(
        &mut self,
        key: &str,
        required: bool,
        default_kind: Option<&str>,
        kind: &'static str,
        inverse: &'static str,
    ) {
        if let Some(text) = self.text(key, required) {
            let text = text.to_owned();
            self.relate(format!("spec.{key}"), &text, default_kind, kind, inverse);
        }
    }

    fn references(
        &mut self,
        key: &str,
        required: bool,
        default_kind: Option<&str>,
        kind: &'static str,
        inverse: &'static str,
    ) {
        if required && self.has_spec && self.spec.get(key).is_none_or(Value::is_null) {
            self.problem(format!("spec.{key}"), "is required (an empty list [] is fine)");
        }
        let items: Vec<(String, String)> =
            self.string_list(key).into_iter().map(|(field, text)| (field, text.to_owned())).collect();
        for (field, text) in items {
            self.relate(field, &text, default_kind, kind, inverse);
        }
    }

    fn relate(
        &mut self,
        field: String,
        text: &str,
        default_kind: Option<&str>,
        kind: &'static str,
        inverse: &'static str,
    ) {
        match EntityRef::parse(text, default_kind, Some(self.namespace)) {
            Ok(target) => {
                let target = target.canonical();
                self.relations.push(Relation { source: self.source.clone(), kind, target: target.clone() });
                self.relations.push(Relation { source: target, kind: inverse, target: self.source.clone() });
            }
            Err(err) => self.problem(field, err.to_string()),
        }
    }

    fn profile(&mut self) {
        match self.spec.get("profile") {
            None | Some(Value::Null) => {}
            Some(Value::Object(profile)) => {
                for key in ["displayName", "email", "picture"] {
                    if let Some(value) = profile.get(key) {
                        if !value.is_string() {
                            let reason = format!("must be a string, not {}", type_name(value));
                            self.problem(format!("spec.profile.{key}"), reason);
                        }
                    }
                }
            }
            Some(other) => {
                let reason = format!("must be a mapping, not {}", type_name(other));
                self.problem("spec.profile", reason);
            }
        }
    }

    fn template_steps(&mut self) {
        match self.spec.get("steps") {
            None | Some(Value::Null) => self.problem("spec.steps", "is required (an empty list [] is fine)"),
            Some(Value::Array(steps)) => {
                for (index, step) in steps.iter().enumerate() {
                    match step.get("action") {
                        Some(Value::String(action)) if !action.is_empty() => {}
                        _ => self.problem(format!("spec.steps[{index}].action"), "is required"),
                    }
                }
            }
            Some(other) => {
                let reason = format!("must be a list, not {}", type_name(other));
                self.problem("spec.steps", reason);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn checked(mut value: Value) -> Result<CheckedEntity, Vec<Problem>> {
        apply_defaults(&mut value);
        check(&value)
    }

    fn fields(problems: Vec<Problem>) -> Vec<String> {
        problems.into_iter().map(|problem| problem.field).collect()
    }

    #[test]
    fn a_component_declares_its_relations_both_ways() {
        let entity = checked(json!({
            "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
            "metadata": {"name": "checkout"},
            "spec": {"type": "service", "lifecycle": "production", "owner": "team-a", "system": "shop",
                     "providesApis": ["checkout-api"], "dependsOn": ["resource:orders-db"]}
        }))
        .unwrap();
        assert_eq!(entity.reference.canonical(), "component:default/checkout");
        let relations: Vec<(String, &str, String)> =
            entity.relations.into_iter().map(|r| (r.source, r.kind, r.target)).collect();
        for expected in [
            ("component:default/checkout", "ownedBy", "group:default/team-a"),
            ("group:default/team-a", "ownerOf", "component:default/checkout"),
            ("component:default/checkout", "partOf", "system:default/shop"),
            ("api:default/checkout-api", "apiProvidedBy", "component:default/checkout"),
            ("resource:default/orders-db", "dependencyOf", "component:default/checkout"),
        ] {
            assert!(
                relations.contains(&(expected.0.to_owned(), expected.1, expected.2.to_owned())),
                "{expected:?} missing from {relations:?}"
            );
        }
    }

    #[test]
    fn required_fields_per_kind_are_named() {
        let problems = checked(json!({
            "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
            "metadata": {"name": "checkout"}, "spec": {"type": "service"}
        }))
        .unwrap_err();
        assert_eq!(fields(problems), ["spec.lifecycle", "spec.owner"]);
        let problems = checked(json!({
            "apiVersion": "backstage.io/v1alpha1", "kind": "Group",
            "metadata": {"name": "team"}, "spec": {"type": "team"}
        }))
        .unwrap_err();
        assert_eq!(fields(problems), ["spec.children"]);
        let problems = checked(json!({
            "apiVersion": "backstage.io/v1alpha1", "kind": "User", "metadata": {"name": "jane"}
        }))
        .unwrap_err();
        assert_eq!(fields(problems), ["spec"]);
    }

    #[test]
    fn metadata_formats_follow_backstage() {
        let problems = checked(json!({
            "apiVersion": "backstage.io/v1alpha1", "kind": "System",
            "metadata": {"name": "bad name", "namespace": "Team_A", "tags": ["ok", "Not-OK"],
                         "labels": {"x/y/z": "v"}, "annotations": {"a": 1}, "links": [{"title": "no url"}]},
            "spec": {"owner": "team"}
        }))
        .unwrap_err();
        assert_eq!(
            fields(problems),
            [
                "metadata.name",
                "metadata.namespace",
                "metadata.labels[x/y/z]",
                "metadata.annotations[a]",
                "metadata.tags[1]",
                "metadata.links[0].url"
            ]
        );
    }

    #[test]
    fn unknown_kinds_and_wrong_versions_are_refused() {
        let problems =
            checked(json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Widget", "metadata": {"name": "w"}}))
                .unwrap_err();
        assert!(problems[0].reason.contains("unknown kind \"Widget\""), "{problems:?}");
        let problems = checked(json!({
            "apiVersion": "backstage.io/v1alpha1", "kind": "Template", "metadata": {"name": "t"},
            "spec": {"type": "service", "steps": []}
        }))
        .unwrap_err();
        assert_eq!(fields(problems), ["apiVersion"]);
    }

    #[test]
    fn references_without_a_kind_where_the_field_has_none_are_errors() {
        let problems = checked(json!({
            "apiVersion": "backstage.io/v1alpha1", "kind": "Resource", "metadata": {"name": "db"},
            "spec": {"type": "database", "owner": "team", "dependsOn": ["resource:ok", "no-kind"]}
        }))
        .unwrap_err();
        assert_eq!(fields(problems), ["spec.dependsOn[1]"]);
    }

    #[test]
    fn namespaces_default_and_carry_into_references() {
        let entity = checked(json!({
            "apiVersion": "backstage.io/v1beta1", "kind": "User",
            "metadata": {"name": "jane", "namespace": "eu"}, "spec": {"memberOf": ["team", "default/all"]}
        }))
        .unwrap();
        let targets: Vec<&str> =
            entity.relations.iter().filter(|r| r.kind == "memberOf").map(|r| r.target.as_str()).collect();
        assert_eq!(targets, ["group:eu/team", "group:default/all"]);
    }
}
