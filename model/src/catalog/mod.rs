//! The catalog's vocabulary, shared by the server and the browser: entity
//! references and the field-format rules of Backstage's descriptor format.
//! (Ingestion, relations and the REST API build on these in `domain` and
//! `server`.)

pub mod entity_ref;
pub mod location;
pub mod rules;
pub mod view;

pub use entity_ref::{EntityRef, EntityRefError, DEFAULT_NAMESPACE};
pub use location::{LocationHealth, LocationProblem};
