//! Portico's database schema as an ordered list of migrations.
//!
//! The server runs `Migrator::up` at start-up, so a new binary brings its schema
//! with it; every migration must work on both SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_settings;
mod m20261126_000002_identity;
mod m20261127_000003_catalog;

/// All migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_settings::Migration),
            Box::new(m20261126_000002_identity::Migration),
            Box::new(m20261127_000003_catalog::Migration),
        ]
    }
}
