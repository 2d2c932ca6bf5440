//! The `catalog_locations` table: one row per registered location.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_locations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(column_name = "type")]
    pub kind: String,
    pub target: String,
    /// `config` (start-up flag or portico.toml) or `api` (registered at run time).
    pub origin: String,
    pub created_by: Option<String>,
    pub created_at: DateTimeWithTimeZone,
    pub refreshed_at: Option<DateTimeWithTimeZone>,
    /// `pending`, `ok` or `error`.
    pub status: String,
    /// JSON array of `LocationProblem`s from the last refresh.
    pub problems: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
