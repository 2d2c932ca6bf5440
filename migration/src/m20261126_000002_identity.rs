//! Identity and access: users, server-side sessions, personal API tokens, the
//! audit log, sign-in throttling, and OpenID Connect logins in flight. Secrets
//! (sessions, tokens) are stored only as SHA-256 hashes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Users::Id).string_len(36).not_null().primary_key())
                    .col(ColumnDef::new(Users::Username).string_len(64).not_null().unique_key())
                    .col(ColumnDef::new(Users::Email).string_len(254).null().unique_key())
                    .col(ColumnDef::new(Users::DisplayName).string_len(128).not_null())
                    .col(ColumnDef::new(Users::PasswordHash).text().null())
                    .col(ColumnDef::new(Users::Role).string_len(16).not_null())
                    .col(ColumnDef::new(Users::Disabled).boolean().not_null().default(false))
                    .col(ColumnDef::new(Users::EntityRef).string_len(320).null())
                    .col(ColumnDef::new(Users::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Users::UpdatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Users::LastSignInAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Sessions::IdHash).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(Sessions::UserId).string_len(36).not_null())
                    .col(ColumnDef::new(Sessions::Method).string_len(16).not_null())
                    .col(ColumnDef::new(Sessions::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Sessions::LastSeenAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Sessions::ExpiresAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Sessions::Ip).string_len(64).null())
                    .col(ColumnDef::new(Sessions::UserAgent).string_len(256).null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("sessions_user_id").table(Sessions::Table).col(Sessions::UserId).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(ApiTokens::Id).string_len(36).not_null().primary_key())
                    .col(ColumnDef::new(ApiTokens::UserId).string_len(36).not_null())
                    .col(ColumnDef::new(ApiTokens::Name).string_len(100).not_null())
                    .col(ColumnDef::new(ApiTokens::TokenHash).string_len(64).not_null().unique_key())
                    .col(ColumnDef::new(ApiTokens::Hint).string_len(16).not_null())
                    .col(ColumnDef::new(ApiTokens::Scope).string_len(16).not_null())
                    .col(ColumnDef::new(ApiTokens::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ApiTokens::ExpiresAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(ApiTokens::LastUsedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(ApiTokens::RevokedAt).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("api_tokens_user_id").table(ApiTokens::Table).col(ApiTokens::UserId).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(AuditEvents::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(AuditEvents::At).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(AuditEvents::Actor).string_len(64).null())
                    .col(ColumnDef::new(AuditEvents::ActorKind).string_len(16).not_null())
                    .col(ColumnDef::new(AuditEvents::Action).string_len(64).not_null())
                    .col(ColumnDef::new(AuditEvents::Target).string_len(320).null())
                    .col(ColumnDef::new(AuditEvents::Outcome).string_len(16).not_null())
                    .col(ColumnDef::new(AuditEvents::Ip).string_len(64).null())
                    .col(ColumnDef::new(AuditEvents::Details).text().null())
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("audit_events_at", AuditEvents::At),
            ("audit_events_actor", AuditEvents::Actor),
            ("audit_events_action", AuditEvents::Action),
        ] {
            manager.create_index(Index::create().name(name).table(AuditEvents::Table).col(column).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(SignInThrottle::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(SignInThrottle::Key).string_len(128).not_null().primary_key())
                    .col(ColumnDef::new(SignInThrottle::Failures).integer().not_null())
                    .col(ColumnDef::new(SignInThrottle::WindowStartedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(SignInThrottle::LockedUntil).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OidcLogins::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(OidcLogins::StateHash).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(OidcLogins::Nonce).string_len(64).not_null())
                    .col(ColumnDef::new(OidcLogins::PkceVerifier).string_len(128).not_null())
                    .col(ColumnDef::new(OidcLogins::ReturnTo).string_len(2048).not_null())
                    .col(ColumnDef::new(OidcLogins::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OidcLogins::Table.into_iden(),
            SignInThrottle::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    Email,
    DisplayName,
    PasswordHash,
    Role,
    Disabled,
    EntityRef,
    CreatedAt,
    UpdatedAt,
    LastSignInAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    IdHash,
    UserId,
    Method,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Hint,
    Scope,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    Actor,
    ActorKind,
    Action,
    Target,
    Outcome,
    Ip,
    Details,
}

#[derive(DeriveIden)]
enum SignInThrottle {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    LockedUntil,
}

#[derive(DeriveIden)]
enum OidcLogins {
    Table,
    StateHash,
    Nonce,
    PkceVerifier,
    ReturnTo,
    CreatedAt,
}
