//! One module per page, each next to the server functions it calls.

pub mod catalog;
pub mod create;
pub mod docs;
pub mod error;
pub mod home;
pub mod not_found;
