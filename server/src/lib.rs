//! The `portico` server: everything between the network and the domain.
//!
//! A request's path through this crate: `startup` binds the socket and builds
//! the router (`router`), whose layers give each request an id, a trace span,
//! metrics, compression and security headers (`middleware`, `metrics`), then
//! hand it to a health probe (`health`), a static asset (`assets`), or the Leptos
//! app and its server functions, which find the shared `AppState` (`state`) in
//! context. `config` and `cli` decide how the process is set up; `telemetry`
//! where its logs go.

pub mod assets;
pub mod cli;
pub mod config;
pub mod error;
pub mod health;
pub mod metrics;
pub mod middleware;
pub mod router;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use error::ServerError;
