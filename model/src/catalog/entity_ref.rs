//! Entity references: `[<kind>:][<namespace>/]<name>`, as Backstage writes
//! them in `spec.owner`, `spec.dependsOn` and everywhere else. A missing
//! namespace means `default`; a missing kind comes from the field the
//! reference sits in (`spec.owner` means Group, `spec.providesApis` means API,
//! and so on) and is an error where the field has none.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The namespace of an entity that names none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// A full reference: kind, namespace and name, as written (case kept).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntityRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// Why a reference could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntityRefError {
    /// The text is empty.
    Empty,
    /// A part before `:` or `/`, or after them, is empty.
    Malformed(String),
    /// No kind in the text and none implied by the field.
    MissingKind(String),
}

impl fmt::Display for EntityRefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("entity reference must not be empty"),
            Self::Malformed(text) => {
                write!(f, "entity reference \"{text}\" is not of the form [<kind>:][<namespace>/]<name>")
            }
            Self::MissingKind(text) => {
                write!(f, "entity reference \"{text}\" has no kind (write it as e.g. \"component:{text}\")")
            }
        }
    }
}

impl std::error::Error for EntityRefError {}

impl EntityRef {
    pub fn new(kind: &str, namespace: &str, name: &str) -> Self {
        Self { kind: kind.to_owned(), namespace: namespace.to_owned(), name: name.to_owned() }
    }

    /// Reads `text`, filling a missing kind with `default_kind` and a missing
    /// namespace with `default_namespace` (or `default`).
    pub fn parse(
        text: &str,
        default_kind: Option<&str>,
        default_namespace: Option<&str>,
    ) -> Result<Self, EntityRefError> {
        if text.is_empty() {
            return Err(EntityRefError::Empty);
        }
        let slash = text.find('/');
        // A `:` after the first `/` belongs to the name, not to a kind.
        let colon = text.find(':').filter(|colon| slash.is_none_or(|slash| *colon < slash));
        let kind = colon.map(|colon| &text[..colon]);
        let namespace = slash.map(|slash| &text[colon.map_or(0, |colon| colon + 1)..slash]);
        let name_start = match (colon, slash) {
            (_, Some(slash)) => slash + 1,
            (Some(colon), None) => colon + 1,
            (None, None) => 0,
        };
        let name = &text[name_start..];
        if kind == Some("") || namespace == Some("") || name.is_empty() {
            return Err(EntityRefError::Malformed(text.to_owned()));
        }
        let kind = kind.or(default_kind).ok_or_else(|| EntityRefError::MissingKind(text.to_owned()))?;
        let namespace = namespace.or(default_namespace).unwrap_or(DEFAULT_NAMESPACE);
        Ok(Self::new(kind, namespace, name))
    }

    /// The canonical form: `kind:namespace/name`, all lowercase, as Backstage
    /// stores and compares references.
    pub fn canonical(&self) -> String {
        format!("{}:{}/{}", self.kind.to_lowercase(), self.namespace.to_lowercase(), self.name.to_lowercase())
    }

    /// The shortest form that reads back to this reference in a field whose
    /// default kind is `context_kind`: `name`, `kind:name` or the full form.
    pub fn short(&self, context_kind: Option<&str>) -> String {
        let same_kind = context_kind.is_some_and(|kind| kind.eq_ignore_ascii_case(&self.kind));
        match (same_kind, self.namespace.eq_ignore_ascii_case(DEFAULT_NAMESPACE)) {
            (true, true) => self.name.clone(),
            (true, false) => format!("{}/{}", self.namespace, self.name),
            (false, true) => format!("{}:{}", self.kind, self.name),
            (false, false) => format!("{}:{}/{}", self.kind, self.namespace, self.name),
        }
    }
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<EntityRef, EntityRefError> {
        EntityRef::parse(text, None, None)
    }

    #[test]
    fn every_short_form_reads_with_the_right_defaults() {
        assert_eq!(parse("component:payments/checkout").unwrap(), EntityRef::new("component", "payments", "checkout"));
        assert_eq!(parse("component:checkout").unwrap(), EntityRef::new("component", "default", "checkout"));
        assert_eq!(
            EntityRef::parse("payments/checkout", Some("Component"), None).unwrap(),
            EntityRef::new("Component", "payments", "checkout")
        );
        assert_eq!(
            EntityRef::parse("team-a", Some("Group"), None).unwrap(),
            EntityRef::new("Group", "default", "team-a")
        );
        assert_eq!(
            EntityRef::parse("team-a", Some("Group"), Some("ops")).unwrap(),
            EntityRef::new("Group", "ops", "team-a")
        );
    }

    #[test]
    fn a_colon_after_the_slash_belongs_to_the_name() {
        assert_eq!(
            EntityRef::parse("ns/name:with-colon", Some("Component"), None).unwrap(),
            EntityRef::new("Component", "ns", "name:with-colon")
        );
    }

    #[test]
    fn empty_parts_and_missing_kinds_are_errors_that_show_the_text() {
        assert_eq!(parse(""), Err(EntityRefError::Empty));
        for bad in [":name", "component:", "component:/name", "/name", "component:ns/"] {
            assert_eq!(parse(bad), Err(EntityRefError::Malformed(bad.to_owned())), "{bad}");
        }
        let missing = parse("checkout").unwrap_err();
        assert_eq!(missing, EntityRefError::MissingKind("checkout".to_owned()));
        assert!(missing.to_string().contains("component:checkout"));
    }

    #[test]
    fn the_canonical_form_is_lowercase_and_complete() {
        let reference = EntityRef::parse("Component:Payments/CheckOut", None, None).unwrap();
        assert_eq!(reference.canonical(), "component:payments/checkout");
        assert_eq!(reference.to_string(), "component:payments/checkout");
    }

    #[test]
    fn the_short_form_drops_what_the_context_implies() {
        let group = EntityRef::new("group", "default", "team-a");
        assert_eq!(group.short(Some("Group")), "team-a");
        assert_eq!(group.short(None), "group:team-a");
        let elsewhere = EntityRef::new("group", "ops", "team-a");
        assert_eq!(elsewhere.short(Some("group")), "ops/team-a");
        assert_eq!(elsewhere.short(Some("user")), "group:ops/team-a");
        for reference in [group, elsewhere] {
            assert_eq!(EntityRef::parse(&reference.short(Some("group")), Some("group"), None).unwrap(), reference);
        }
    }
}
