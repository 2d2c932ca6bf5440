//! Locations as the health page and the API describe them: where entities
//! come from, how the last read went, and each problem with its place.

use serde::{Deserialize, Serialize};

/// Something that went wrong while reading a location, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationProblem {
    /// The file (`file:/...`, `url:...`, `git:...`).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
    /// The entity the document describes, when that much could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_ref: Option<String>,
}

impl std::fmt::Display for LocationProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)?;
        if let Some(document) = self.document {
            write!(f, ", document {document}")?;
        }
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A registered location with how its last refresh went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationHealth {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub target: String,
    /// `config` or `api`.
    pub origin: String,
    /// `pending`, `ok` or `error`.
    pub status: String,
    pub refreshed_at: Option<String>,
    pub entity_count: u64,
    pub problems: Vec<LocationProblem>,
}
