//! The `catalog_changes` table: what changed, in order, for replicas and the
//! search index to follow.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeWithTimeZone,
    pub uid: String,
    pub entity_ref: String,
    /// `upsert` or `delete`.
    pub op: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
