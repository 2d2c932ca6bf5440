//! Personal API tokens: `Authorization: Bearer pt_…` for scripts and CI. The
//! secret is shown once at creation; the database keeps its SHA-256 hash, a
//! short hint to recognise it, its scope and its expiry.

use crate::error::{DomainError, Result};
use crate::identity::secrets::{hash_secret, random_secret};
use crate::identity::users;
use chrono::{Duration, Utc};
use model::{CreatedToken, TokenScope, TokenSummary};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder, Set};

/// Every Portico token starts with this, so secret scanners can find leaked ones.
pub const TOKEN_PREFIX: &str = "pt_";

/// One row of the `api_tokens` table.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub token_hash: String,
    pub hint: String,
    pub scope: String,
    pub created_at: DateTimeWithTimeZone,
    pub expires_at: Option<DateTimeWithTimeZone>,
    pub last_used_at: Option<DateTimeWithTimeZone>,
    pub revoked_at: Option<DateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn scope(&self) -> TokenScope {
        TokenScope::parse(&self.scope).unwrap_or(TokenScope::Read)
    }

    pub fn summary(&self) -> TokenSummary {
        TokenSummary {
            id: self.id.clone(),
            name: self.name.clone(),
            scope: self.scope(),
            hint: self.hint.clone(),
            created_at: self.created_at.to_rfc3339(),
            expires_at: self.expires_at.map(|at| at.to_rfc3339()),
            last_used_at: self.last_used_at.map(|at| at.to_rfc3339()),
            revoked_at: self.revoked_at.map(|at| at.to_rfc3339()),
        }
    }
}

/// `last_used_at` is written at most this often.
const LAST_USED_RESOLUTION: Duration = Duration::seconds(60);

/// The longest lifetime a token may be given, in days.
pub const MAX_EXPIRY_DAYS: i64 = 3650;

/// Creates a token for `user`; `expires_in_days` of `None` never expires.
pub async fn create(
    db: &impl ConnectionTrait,
    user: &users::Model,
    name: &str,
    scope: TokenScope,
    expires_in_days: Option<i64>,
) -> Result<CreatedToken> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DomainError::invalid("name", "give the token a name of 1 to 100 characters"));
    }
    if let Some(days) = expires_in_days {
        if !(1..=MAX_EXPIRY_DAYS).contains(&days) {
            return Err(DomainError::invalid("expires_in_days", format!("must be between 1 and {MAX_EXPIRY_DAYS}")));
        }
    }
    let secret = random_secret(TOKEN_PREFIX);
    let now = Utc::now().fixed_offset();
    let row = ActiveModel {
        id: Set(Uuid::new_v4().to_string()),
        user_id: Set(user.id.clone()),
        name: Set(name.to_owned()),
        token_hash: Set(hash_secret(&secret)),
        hint: Set(secret.chars().take(TOKEN_PREFIX.len() + 4).collect()),
        scope: Set(scope.as_str().to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_in_days.map(|days| now + Duration::days(days))),
        last_used_at: Set(None),
        revoked_at: Set(None),
    };
    let row = row.insert(db).await?;
    Ok(CreatedToken { token: secret, summary: row.summary() })
}

/// The user and scope behind a bearer token, if the token is known, not
/// revoked, not expired, and its user enabled.
pub async fn authenticate(db: &impl ConnectionTrait, secret: &str) -> Result<Option<(users::Model, Model)>> {
    if !secret.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(token) = Entity::find().filter(Column::TokenHash.eq(hash_secret(secret))).one(db).await? else {
        return Ok(None);
    };
    let now = Utc::now().fixed_offset();
    if token.revoked_at.is_some() || token.expires_at.is_some_and(|expires| now >= expires) {
        return Ok(None);
    }
    let Some(user) = users::find_by_id(db, &token.user_id).await?.filter(|user| !user.disabled) else {
        return Ok(None);
    };
    if token.last_used_at.is_none_or(|used| now - used >= LAST_USED_RESOLUTION) {
        let touch = ActiveModel { id: Set(token.id.clone()), last_used_at: Set(Some(now)), ..Default::default() };
        touch.update(db).await?;
    }
    Ok(Some((user, token)))
}

/// A user's tokens, newest first, revoked ones included.
pub async fn list_for_user(db: &impl ConnectionTrait, user: &users::Model) -> Result<Vec<Model>> {
    Ok(Entity::find().filter(Column::UserId.eq(user.id.clone())).order_by_desc(Column::CreatedAt).all(db).await?)
}

/// Revokes one of `user`'s tokens; another user's token counts as not found.
pub async fn revoke(db: &impl ConnectionTrait, user: &users::Model, id: &str) -> Result<Model> {
    let token = Entity::find_by_id(id.to_owned())
        .filter(Column::UserId.eq(user.id.clone()))
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("token '{id}'")))?;
    if token.revoked_at.is_some() {
        return Ok(token);
    }
    let mut row: ActiveModel = token.into();
    row.revoked_at = Set(Some(Utc::now().fixed_offset()));
    Ok(row.update(db).await?)
}
