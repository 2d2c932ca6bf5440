//! Server-side sessions: the browser holds a random id in an HttpOnly cookie,
//! the database holds its hash, so every replica on the same database knows
//! every session. A session ends when idle too long, when it reaches its
//! absolute age, at sign-out, or when its user is disabled.

use crate::error::Result;
use crate::identity::secrets::{hash_secret, random_secret};
use crate::identity::users;
use chrono::{Duration, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, Set};

/// One row of the `sessions` table.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id_hash: String,
    pub user_id: String,
    /// How the user signed in: `password` or `oidc`.
    pub method: String,
    pub created_at: DateTimeWithTimeZone,
    pub last_seen_at: DateTimeWithTimeZone,
    pub expires_at: DateTimeWithTimeZone,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ends a session nobody used for this long.
    pub idle_timeout: Duration,
    /// Ends every session this long after sign-in, however busy.
    pub max_age: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle_timeout: Duration::hours(12), max_age: Duration::days(7) }
    }
}

/// `last_seen_at` is written at most this often, so a busy session does not
/// turn every request into a database write.
const LAST_SEEN_RESOLUTION: Duration = Duration::seconds(60);

/// Where a sign-in came from, for the session and the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Starts a session for `user` and returns its secret id (for the cookie only).
pub async fn create(
    db: &impl ConnectionTrait,
    user: &users::Model,
    method: &str,
    client: &Client,
    policy: SessionPolicy,
) -> Result<String> {
    let secret = random_secret("");
    let now = Utc::now().fixed_offset();
    let row = ActiveModel {
        id_hash: Set(hash_secret(&secret)),
        user_id: Set(user.id.clone()),
        method: Set(method.to_owned()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + policy.max_age),
        ip: Set(client.ip.clone()),
        user_agent: Set(client.user_agent.as_deref().map(|agent| agent.chars().take(256).collect())),
    };
    row.insert(db).await?;
    Ok(secret)
}

/// The user behind a session id, if the session is alive and the user enabled.
/// An expired session is deleted on the spot.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
    policy: SessionPolicy,
) -> Result<Option<users::Model>> {
    let Some(session) = Entity::find_by_id(hash_secret(secret)).one(db).await? else {
        return Ok(None);
    };
    let now = Utc::now().fixed_offset();
    if now >= session.expires_at || now - session.last_seen_at >= policy.idle_timeout {
        Entity::delete_by_id(session.id_hash).exec(db).await?;
        return Ok(None);
    }
    let Some(user) = users::find_by_id(db, &session.user_id).await?.filter(|user| !user.disabled) else {
        return Ok(None);
    };
    if now - session.last_seen_at >= LAST_SEEN_RESOLUTION {
        let touch = ActiveModel { id_hash: Set(session.id_hash), last_seen_at: Set(now), ..Default::default() };
        touch.update(db).await?;
    }
    Ok(Some(user))
}

/// The user a session belongs to, without touching it (for sign-out auditing).
pub async fn owner(db: &impl ConnectionTrait, secret: &str) -> Result<Option<users::Model>> {
    match Entity::find_by_id(hash_secret(secret)).one(db).await? {
        Some(session) => users::find_by_id(db, &session.user_id).await,
        None => Ok(None),
    }
}

/// Ends one session (sign-out, or the old session at sign-in).
pub async fn end(db: &impl ConnectionTrait, secret: &str) -> Result<()> {
    Entity::delete_by_id(hash_secret(secret)).exec(db).await?;
    Ok(())
}

/// Ends every session of a user (disabled, or password changed).
pub async fn end_all_for_user(db: &impl ConnectionTrait, user_id: &str) -> Result<u64> {
    Ok(Entity::delete_many().filter(Column::UserId.eq(user_id)).exec(db).await?.rows_affected)
}
