//! Portico's shared vocabulary: the types that cross the wire between the
//! server and the hydrated browser app, and the pure rules that go with them.
//!
//! Nothing here does I/O, so the crate compiles to wasm unchanged.

pub mod catalog;
pub mod identity;
pub mod search;
pub mod system;

pub use identity::{
    AccessInfo, AuditEvent, AuditOutcome, AuditPage, AuditQuery, CreatedToken, Role, SignedInUser, TokenScope,
    TokenSummary, UserChange, UserSummary, Viewer,
};
pub use system::{human_duration, human_latency, DatabaseCheck, DatabaseKind, SystemStatus};
