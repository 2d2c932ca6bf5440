//! Brute-force protection for sign-in. Failures are counted per account name
//! (whether or not it exists, so the answer never reveals that) and per client
//! address, in the database so that every replica sees them. A few failures
//! slow the next attempts down; more lock the key out for a while.

use crate::error::{DomainError, Result};
use chrono::{Duration, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, Set};

/// One row of the `sign_in_throttle` table.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_throttle")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub failures: i32,
    pub window_started_at: DateTimeWithTimeZone,
    pub locked_until: Option<DateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The thresholds. Defaults: from the 3rd failure on an account each attempt
/// waits a little longer; the 8th locks the account name for 15 minutes. An
/// address gets more room (shared offices) before the same happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub account_slow_after: i32,
    pub account_lock_after: i32,
    pub address_slow_after: i32,
    pub address_lock_after: i32,
    /// How long a lock lasts, and how long failures are remembered.
    pub lockout: Duration,
    /// Added per failure beyond the slow-down threshold, at most `max_delay`.
    pub delay_step: std::time::Duration,
    pub max_delay: std::time::Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            account_slow_after: 3,
            account_lock_after: 8,
            address_slow_after: 10,
            address_lock_after: 50,
            lockout: Duration::minutes(15),
            delay_step: std::time::Duration::from_millis(250),
            max_delay: std::time::Duration::from_secs(2),
        }
    }
}

/// The keys one sign-in attempt counts against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptKeys {
    pub account: String,
    pub address: Option<String>,
}

impl AttemptKeys {
    pub fn new(login: &str, address: Option<&str>) -> Self {
        Self {
            account: format!("account:{}", login.trim().to_lowercase().chars().take(100).collect::<String>()),
            address: address.map(|address| format!("address:{address}")),
        }
    }

    fn all(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.account).chain(self.address.as_ref())
    }
}

/// Before checking a password: refuses a locked key with `Throttled`, or
/// says how long to wait first.
pub async fn admit(
    db: &impl ConnectionTrait,
    keys: &AttemptKeys,
    policy: &ThrottlePolicy,
) -> Result<std::time::Duration> {
    let now = Utc::now().fixed_offset();
    let mut delay = std::time::Duration::ZERO;
    for key in keys.all() {
        let Some(row) = Entity::find_by_id(key.clone()).one(db).await? else { continue };
        if let Some(until) = row.locked_until.filter(|until| *until > now) {
            let retry_after_secs = u64::try_from((until - now).num_seconds()).unwrap_or(0).max(1);
            return Err(DomainError::Throttled { retry_after_secs });
        }
        if now - row.window_started_at > policy.lockout {
            continue;
        }
        let slow_after = if key == &keys.account { policy.account_slow_after } else { policy.address_slow_after };
        let beyond = u32::try_from(row.failures - slow_after + 1).unwrap_or(0);
        delay = delay.max(policy.delay_step.saturating_mul(beyond).min(policy.max_delay));
    }
    Ok(delay)
}

/// After a failed attempt: counts it, and locks a key that reached its limit.
pub async fn record_failure(db: &impl ConnectionTrait, keys: &AttemptKeys, policy: &ThrottlePolicy) -> Result<()> {
    let now = Utc::now().fixed_offset();
    for key in keys.all() {
        let lock_after = if key == &keys.account { policy.account_lock_after } else { policy.address_lock_after };
        let failures = match Entity::find_by_id(key.clone()).one(db).await? {
            Some(row) if now - row.window_started_at <= policy.lockout && row.locked_until.is_none_or(|u| u > now) => {
                Entity::update_many()
                    .col_expr(Column::Failures, sea_orm::sea_query::ExprTrait::add(Expr::col(Column::Failures), 1))
                    .filter(Column::Key.eq(key.clone()))
                    .exec(db)
                    .await?;
                row.failures + 1
            }
            Some(_) => {
                counter(key, 1, now, None).update(db).await?;
                1
            }
            None => {
                Entity::insert(counter(key, 1, now, None)).on_conflict_do_nothing_on([Column::Key]).exec(db).await?;
                1
            }
        };
        if failures >= lock_after {
            counter(key, 0, now, Some(now + policy.lockout)).update(db).await?;
        }
    }
    Ok(())
}

/// A counter row: `failures` since `window_started_at`, locked until `locked_until`.
fn counter(
    key: &str,
    failures: i32,
    window_started_at: DateTimeWithTimeZone,
    locked_until: Option<DateTimeWithTimeZone>,
) -> ActiveModel {
    ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(failures),
        window_started_at: Set(window_started_at),
        locked_until: Set(locked_until),
    }
}

/// After a successful sign-in: the account starts with a clean slate.
pub async fn clear_account(db: &impl ConnectionTrait, keys: &AttemptKeys) -> Result<()> {
    Entity::delete_by_id(keys.account.clone()).exec(db).await?;
    Ok(())
}
