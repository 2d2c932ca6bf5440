//! Installation-wide facts kept in the `settings` table: the installation id
//! and when Portico first started on this database.

use crate::error::Result;
use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, Set};

/// One row of the `settings` table.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub value: String,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

const INSTALLATION_ID: &str = "installation_id";
const INSTALLED_AT: &str = "installed_at";

/// Who this installation is: shared by every replica on the same database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    pub id: String,
    pub installed_at: DateTime<FixedOffset>,
}

/// Reads a setting.
pub async fn get(db: &impl ConnectionTrait, key: &str) -> Result<Option<String>> {
    Ok(Entity::find_by_id(key.to_owned()).one(db).await?.map(|row| row.value))
}

/// Stores `value` under `key` unless the key already has one; returns the value
/// that is stored afterwards. Replicas starting together agree on one value.
pub async fn get_or_insert(db: &impl ConnectionTrait, key: &str, value: &str) -> Result<String> {
    let row = ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
        updated_at: Set(Utc::now().fixed_offset()),
    };
    Entity::insert(row).on_conflict_do_nothing_on([Column::Key]).exec(db).await?;
    Ok(get(db, key).await?.unwrap_or_else(|| value.to_owned()))
}

/// Records this installation on first start and returns it on every later one.
pub async fn ensure_installation(db: &impl ConnectionTrait) -> Result<Installation> {
    let now = Utc::now().fixed_offset();
    let id = get_or_insert(db, INSTALLATION_ID, &Uuid::new_v4().to_string()).await?;
    let installed_at = get_or_insert(db, INSTALLED_AT, &now.to_rfc3339()).await?;
    let installed_at = DateTime::parse_from_rfc3339(&installed_at).unwrap_or(now);
    Ok(Installation { id, installed_at })
}

/// Removes a setting.
pub async fn delete(db: &impl ConnectionTrait, key: &str) -> Result<()> {
    Entity::delete_by_id(key.to_owned()).exec(db).await?;
    Ok(())
}
