//! The `portico` server: everything between the network and the domain.
//!
//! A request's path through this crate: `startup` binds the socket and builds
//! the router (`router`), whose layers give each request an id, a trace span,
//! metrics, compression and security headers (`middleware`, `metrics`) and
//! find out who is asking (`auth`), then hand it to a health probe (`health`),
//! a static asset (`assets`), the sign-in forms (`auth::routes`), the REST API
//! (`api`), or the Leptos app and its server functions, which find the shared
//! `AppState` (`state`) in context. `config` and `cli` decide how the process
//! is set up, `commands` runs the one-off user and token commands; `telemetry`
//! decides where logs go.

pub mod api;
pub mod assets;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod commands;
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
