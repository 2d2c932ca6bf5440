//! What the catalog pages show, as the server sends it to the browser: the
//! filtered table with its facets, and everything on an entity's page.

use super::location::LocationProblem;
use serde::{Deserialize, Serialize};

/// The catalog table's state, as it stands in the page URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowseQuery {
    /// Facet selections: (facet key, value); several values of one facet mean "any of".
    pub selected: Vec<(String, String)>,
    /// Text filter over names, titles, descriptions and tags.
    pub text: String,
    /// Sort column key (see [`SORT_COLUMNS`]) and direction.
    pub sort: String,
    pub descending: bool,
    /// 1-based page.
    pub page: usize,
    /// Only what the viewer's teams own.
    pub mine: bool,
    /// Only what the viewer starred.
    pub starred: bool,
}

/// Rows per catalog page.
pub const PAGE_SIZE: usize = 25;

/// The facets in the catalog sidebar: (URL key, label, search key).
pub const FACETS: &[(&str, &str, &str)] = &[
    ("kind", "Kind", "kind"),
    ("type", "Type", "spec.type"),
    ("owner", "Owner", "relations.ownedby"),
    ("lifecycle", "Lifecycle", "spec.lifecycle"),
    ("system", "System", "spec.system"),
    ("tag", "Tag", "metadata.tags"),
    ("namespace", "Namespace", "metadata.namespace"),
];

/// Sortable columns: (URL key, label, search key).
pub const SORT_COLUMNS: &[(&str, &str, &str)] = &[
    ("name", "Name", "metadata.name"),
    ("kind", "Kind", "kind"),
    ("type", "Type", "spec.type"),
    ("owner", "Owner", "relations.ownedby"),
    ("lifecycle", "Lifecycle", "spec.lifecycle"),
    ("system", "System", "spec.system"),
];

/// One row of the catalog table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityRow {
    pub entity_ref: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub owner: Option<String>,
    pub system: Option<String>,
    pub tags: Vec<String>,
    /// The latest read of its file failed; this is the last good version.
    pub has_problems: bool,
}

/// One facet value with how many entities have it under the other filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facet {
    pub key: String,
    pub label: String,
    pub values: Vec<FacetValue>,
}

/// One page of the catalog table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowsePage {
    pub rows: Vec<EntityRow>,
    pub total: u64,
    pub facets: Vec<Facet>,
    /// The viewer is signed in and linked to a catalog user (quick filters work).
    pub can_filter_mine: bool,
    pub can_star: bool,
}

/// A reference shown as a link, with whether the entity exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefLink {
    pub entity_ref: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// Title or display name when the entity exists and has one.
    pub title: Option<String>,
    pub exists: bool,
}

/// A link on the entity page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityLink {
    pub url: String,
    pub title: String,
    /// A hint for the icon: `source`, `docs`, `ci`, `oncall`, `dashboard`, `chat`, ...
    pub icon: String,
}

/// All relations of one type, in both directions' words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationGroup {
    /// Backstage's relation type, e.g. `ownedBy`.
    pub relation: String,
    /// How it reads on the page, e.g. "Owned by".
    pub label: String,
    pub targets: Vec<RefLink>,
}

/// Everything the entity page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityPage {
    pub entity_ref: String,
    pub uid: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub owner: Option<RefLink>,
    pub system: Option<RefLink>,
    pub domain: Option<RefLink>,
    pub tags: Vec<String>,
    pub links: Vec<EntityLink>,
    pub annotations: Vec<(String, String)>,
    pub relations: Vec<RelationGroup>,
    /// For APIs: (spec.type, definition text).
    pub definition: Option<(String, String)>,
    /// For groups and users: what they own (directly, or for a user through their groups).
    pub owned: Vec<EntityRow>,
    /// For users: their profile email and display name.
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// The file it was read from and when.
    pub source: String,
    pub location_id: String,
    pub refreshed_at: String,
    pub problems: Vec<LocationProblem>,
    /// The viewer may refresh or unregister it (an owner or an admin).
    pub can_change: bool,
    pub can_star: bool,
    pub starred: bool,
    /// The whole entity as pretty JSON, for the "raw" view.
    pub raw: String,
    /// For components and teams: what similar components use and they do not yet.
    #[serde(default)]
    pub suggestions: Vec<crate::search::Suggestion>,
}
