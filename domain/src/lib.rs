//! Everything Portico knows how to do, without HTTP.
//!
//! The server and the app's server functions call into this crate; this crate
//! talks to the database through sea-orm. It never sees a request or a page.
//! Today it holds the storage foundation (connecting, migrating, installation
//! facts); the catalog, search, templates and users grow here as folders.

pub mod catalog;
pub mod database;
pub mod error;
pub mod identity;
pub mod search;
pub mod services;
pub mod settings;
pub mod system;

pub use catalog::Catalog;
pub use database::Database;
pub use error::DomainError;
pub use identity::Identity;
pub use search::Search;
pub use services::{Readiness, Services};
