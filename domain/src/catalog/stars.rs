//! Stars: the entities a user marked to find again (the catalog's "starred"
//! quick filter and the star on every entity page).

use crate::error::Result;
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, Set};
use std::collections::HashSet;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_stars")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub entity_ref: String,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The references a user starred.
pub async fn starred(db: &impl ConnectionTrait, user_id: &str) -> Result<HashSet<String>> {
    Ok(Entity::find().filter(Column::UserId.eq(user_id)).all(db).await?.into_iter().map(|row| row.entity_ref).collect())
}

/// Stars or unstars an entity; returns whether it is starred now.
pub async fn set_star(db: &impl ConnectionTrait, user_id: &str, entity_ref: &str, star: bool) -> Result<bool> {
    if star {
        let row = ActiveModel {
            user_id: Set(user_id.to_owned()),
            entity_ref: Set(entity_ref.to_owned()),
            created_at: Set(super::store::now()),
        };
        Entity::insert(row).on_conflict_do_nothing_on([Column::UserId, Column::EntityRef]).exec(db).await?;
    } else {
        Entity::delete_many()
            .filter(Column::UserId.eq(user_id))
            .filter(Column::EntityRef.eq(entity_ref))
            .exec(db)
            .await?;
    }
    Ok(star)
}
