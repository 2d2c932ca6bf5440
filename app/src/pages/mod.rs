//! One module per page, each next to the server functions it calls.

pub mod access_gate;
pub mod admin;
pub mod catalog;
pub mod create;
pub mod docs;
pub mod error;
pub mod home;
pub mod not_found;
pub mod search;
pub mod sign_in;
pub mod tokens;
