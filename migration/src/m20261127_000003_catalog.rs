//! The catalog: registered locations, the entities they brought (one JSON
//! document each, the last good version when a file turns bad), and a change
//! log that other replicas follow to keep their in-memory index current, and
//! the entities each user starred.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CatalogLocations::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(CatalogLocations::Id).string_len(36).not_null().primary_key())
                    .col(ColumnDef::new(CatalogLocations::Type).string_len(16).not_null())
                    .col(ColumnDef::new(CatalogLocations::Target).string_len(2048).not_null())
                    .col(ColumnDef::new(CatalogLocations::Origin).string_len(16).not_null())
                    .col(ColumnDef::new(CatalogLocations::CreatedBy).string_len(64).null())
                    .col(ColumnDef::new(CatalogLocations::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(CatalogLocations::RefreshedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(CatalogLocations::Status).string_len(16).not_null())
                    .col(ColumnDef::new(CatalogLocations::Problems).text().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("catalog_locations_type_target")
                    .table(CatalogLocations::Table)
                    .col(CatalogLocations::Type)
                    .col(CatalogLocations::Target)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CatalogEntities::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(CatalogEntities::Uid).string_len(36).not_null().primary_key())
                    .col(ColumnDef::new(CatalogEntities::EntityRef).string_len(400).not_null().unique_key())
                    .col(ColumnDef::new(CatalogEntities::LocationId).string_len(36).not_null())
                    .col(ColumnDef::new(CatalogEntities::Source).text().not_null())
                    .col(ColumnDef::new(CatalogEntities::Body).text().not_null())
                    .col(ColumnDef::new(CatalogEntities::Hash).string_len(64).not_null())
                    .col(ColumnDef::new(CatalogEntities::Problems).text().null())
                    .col(ColumnDef::new(CatalogEntities::RefreshedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(CatalogEntities::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(CatalogEntities::Table, CatalogEntities::LocationId)
                            .to(CatalogLocations::Table, CatalogLocations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("catalog_entities_location_id")
                    .table(CatalogEntities::Table)
                    .col(CatalogEntities::LocationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CatalogChanges::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(CatalogChanges::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(CatalogChanges::At).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(CatalogChanges::Uid).string_len(36).not_null())
                    .col(ColumnDef::new(CatalogChanges::EntityRef).string_len(400).not_null())
                    .col(ColumnDef::new(CatalogChanges::Op).string_len(8).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CatalogStars::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(CatalogStars::UserId).string_len(36).not_null())
                    .col(ColumnDef::new(CatalogStars::EntityRef).string_len(400).not_null())
                    .col(ColumnDef::new(CatalogStars::CreatedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(CatalogStars::UserId).col(CatalogStars::EntityRef))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CatalogStars::Table, CatalogStars::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in
            [CatalogChanges::Table.into_iden(), CatalogEntities::Table.into_iden(), CatalogLocations::Table.into_iden()]
        {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum CatalogLocations {
    Table,
    Id,
    Type,
    Target,
    Origin,
    CreatedBy,
    CreatedAt,
    RefreshedAt,
    Status,
    Problems,
}

#[derive(DeriveIden)]
enum CatalogEntities {
    Table,
    Uid,
    EntityRef,
    LocationId,
    Source,
    Body,
    Hash,
    Problems,
    RefreshedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CatalogChanges {
    Table,
    Id,
    At,
    Uid,
    EntityRef,
    Op,
}

#[derive(DeriveIden)]
enum CatalogStars {
    Table,
    UserId,
    EntityRef,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
