//! Integration tests: the real server on a random port, each test with its own
//! fresh database, once on SQLite and once on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod catalog;
mod cli;
mod helpers;
mod pages;
mod probes;
mod process;
mod search;
