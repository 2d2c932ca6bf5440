//! Search results as the header box and the results page show them: what
//! was found, which part of it matched, and how the matches spread over
//! kinds, types, owners, lifecycles and tags.

use serde::{Deserialize, Serialize};

/// The result type of catalog entities, as Backstage names it.
pub const SOFTWARE_CATALOG: &str = "software-catalog";

/// Results per page of the full results page (and Backstage's default).
pub const PAGE_SIZE: usize = 25;

/// The facets the results page counts and filters by, with their labels.
pub const FACETS: [(&str, &str); 5] =
    [("kind", "Kind"), ("type", "Type"), ("owner", "Owner"), ("lifecycle", "Lifecycle"), ("tag", "Tag")];

/// A found entity, in the fields of Backstage's catalog search document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchDocument {
    pub title: String,
    pub text: String,
    /// Where it is shown: `/catalog/<namespace>/<kind>/<name>`.
    pub location: String,
    pub kind: String,
    #[serde(rename = "type")]
    pub entity_type: String,
    pub component_type: String,
    pub namespace: String,
    pub lifecycle: String,
    pub owner: String,
    /// The entity's name (Portico's own field; Backstage clients ignore it).
    pub name: String,
}

/// Part of a field's text, matched or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub text: String,
    pub matched: bool,
}

impl Segment {
    /// The segments as text with matched parts in brackets (for tests and logs).
    pub fn marked(segments: &[Segment]) -> String {
        segments
            .iter()
            .map(|segment| if segment.matched { format!("[{}]", segment.text) } else { segment.text.clone() })
            .collect()
    }
}

/// A field of the result and the part of it that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// `title`, `text`, `name`, `definition` or `about`.
    pub field: String,
    pub segments: Vec<Segment>,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The result type (`software-catalog`).
    pub kind_of_result: String,
    pub document: SearchDocument,
    /// What matched: the title, then the best snippet of another field.
    pub snippets: Vec<Snippet>,
    /// 1 for the best result overall.
    pub rank: usize,
}

impl SearchHit {
    /// The snippet of one field, if that field matched.
    pub fn snippet(&self, field: &str) -> Option<&Snippet> {
        self.snippets.iter().find(|snippet| snippet.field == field)
    }
}

/// A value of a facet and how many results have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// How many results there are in all.
    pub total: u64,
    /// Counts per facet key (`kind`, `type`, ...) over all results.
    pub facets: Vec<(String, Vec<FacetCount>)>,
    /// When nothing was found: the nearest entity names, as (name, location).
    pub did_you_mean: Vec<(String, String)>,
}

/// A search as the header box and the results page ask for it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SearchQuery {
    pub term: String,
    /// (facet key, value): `kind`, `type`, `owner`, `lifecycle`, `tag`.
    pub filters: Vec<(String, String)>,
    /// From 1.
    pub page: usize,
    pub per_page: usize,
    /// Count results by facet (the results page; not the header box).
    pub facets: bool,
}

/// The group a result is listed under in the header box.
pub fn group_of(kind: &str) -> &'static str {
    match kind.to_ascii_lowercase().as_str() {
        "component" => "Services and components",
        "api" => "APIs",
        "template" => "Templates",
        "group" | "user" => "Teams and people",
        "system" | "domain" => "Systems and domains",
        _ => "Other",
    }
}

/// The order of the groups in the header box.
pub const GROUP_ORDER: [&str; 6] =
    ["Services and components", "APIs", "Templates", "Teams and people", "Systems and domains", "Other"];

/// "Services you may need": an API or service that similar components use
/// and this entity (or team) does not yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The suggested entity, e.g. `api:default/orders-api`.
    pub entity_ref: String,
    /// Its `metadata.title`, when it has one.
    pub title: Option<String>,
    /// How many similar components use it, weighed by how similar they are.
    pub score: u32,
    /// The similar components that use it (at most three).
    pub used_by: Vec<String>,
    /// Why those components count as similar: `same system`, `same APIs`, `same tags`.
    pub because: Vec<String>,
}
