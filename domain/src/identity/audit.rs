//! The audit log: who did what, to what, when, from where, and how it ended.
//! Every sign-in, sign-out, user and token change, and every later write
//! action is recorded here. Secrets never are: callers pass facts, not
//! credentials, and `details` is checked for token-shaped text.

use crate::error::Result;
use crate::identity::access::Principal;
use crate::identity::tokens::TOKEN_PREFIX;
use chrono::Utc;
use model::{AuditEvent, AuditOutcome, AuditPage, AuditQuery};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect, Set};

/// One row of the `audit_events` table.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeWithTimeZone,
    pub actor: Option<String>,
    pub actor_kind: String,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub ip: Option<String>,
    pub details: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn event(&self) -> AuditEvent {
        AuditEvent {
            id: self.id,
            at: self.at.to_rfc3339(),
            actor: self.actor.clone(),
            actor_kind: self.actor_kind.clone(),
            action: self.action.clone(),
            target: self.target.clone(),
            outcome: AuditOutcome::parse(&self.outcome).unwrap_or(AuditOutcome::Failure),
            ip: self.ip.clone(),
            details: self.details.clone(),
        }
    }
}

/// An entry about to be written.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub actor: Option<String>,
    pub actor_kind: &'static str,
    pub action: &'static str,
    pub target: Option<String>,
    pub outcome: AuditOutcome,
    pub ip: Option<String>,
    pub details: Option<serde_json::Value>,
}

impl AuditRecord {
    /// A successful `action` by `principal` (or by nobody in particular).
    pub fn new(action: &'static str, principal: Option<&Principal>) -> Self {
        let (actor, actor_kind) = match principal {
            Some(principal) => (principal.username().map(str::to_owned), principal.kind()),
            None => (None, "anonymous"),
        };
        Self { actor, actor_kind, action, target: None, outcome: AuditOutcome::Success, ip: None, details: None }
    }

    /// An action taken on the command line on behalf of the operator.
    pub fn cli(action: &'static str) -> Self {
        Self { actor_kind: "cli", ..Self::new(action, None) }
    }

    pub fn actor(mut self, username: impl Into<String>, kind: &'static str) -> Self {
        self.actor = Some(username.into());
        self.actor_kind = kind;
        self
    }

    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    pub fn outcome(mut self, outcome: AuditOutcome) -> Self {
        self.outcome = outcome;
        self
    }

    pub fn ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

/// Writes an entry. A write that fails is logged and reported: an action
/// whose audit entry cannot be stored should not pass silently.
pub async fn record(db: &impl ConnectionTrait, record: AuditRecord) -> Result<()> {
    let details = record.details.map(|details| redact(&details.to_string()));
    let row = ActiveModel {
        at: Set(Utc::now().fixed_offset()),
        actor: Set(record.actor),
        actor_kind: Set(record.actor_kind.to_owned()),
        action: Set(record.action.to_owned()),
        target: Set(record.target),
        outcome: Set(record.outcome.as_str().to_owned()),
        ip: Set(record.ip),
        details: Set(details),
        ..Default::default()
    };
    if let Err(err) = row.insert(db).await {
        tracing::error!(action = record.action, "cannot write the audit log: {err}");
        return Err(err.into());
    }
    Ok(())
}

/// Belt and braces: anything that looks like a Portico token is masked.
fn redact(text: &str) -> String {
    if !text.contains(TOKEN_PREFIX) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(TOKEN_PREFIX) {
        out.push_str(&rest[..start]);
        let after = &rest[start + TOKEN_PREFIX.len()..];
        let secret_len =
            after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(after.len());
        if secret_len >= 20 {
            out.push_str(TOKEN_PREFIX);
            out.push_str("[redacted]");
        } else {
            out.push_str(&rest[start..start + TOKEN_PREFIX.len() + secret_len]);
        }
        rest = &after[secret_len..];
    }
    out.push_str(rest);
    out
}

/// The newest entries that match `query`, with the total count for paging.
pub async fn list(db: &impl ConnectionTrait, query: &AuditQuery) -> Result<AuditPage> {
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let offset = query.offset.unwrap_or(0);
    let mut select = Entity::find();
    if let Some(actor) = query.actor.as_deref().map(str::trim).filter(|actor| !actor.is_empty()) {
        select = select.filter(Column::Actor.eq(actor.to_lowercase()));
    }
    if let Some(action) = query.action.as_deref().map(str::trim).filter(|action| !action.is_empty()) {
        select = if action.ends_with('.') {
            select.filter(Column::Action.starts_with(action))
        } else {
            select.filter(Column::Action.eq(action))
        };
    }
    if let Some(outcome) = query.outcome {
        select = select.filter(Column::Outcome.eq(outcome.as_str()));
    }
    let total = select.clone().count(db).await?;
    let rows = select.order_by_desc(Column::Id).limit(limit).offset(offset).all(db).await?;
    Ok(AuditPage { events: rows.iter().map(Model::event).collect(), total, limit, offset })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shaped_text_is_masked() {
        let token = crate::identity::secrets::random_secret(TOKEN_PREFIX);
        let masked = redact(&format!("{{\"note\":\"{token}\",\"short\":\"pt_abc\"}}"));
        assert!(!masked.contains(&token));
        assert!(masked.contains("pt_[redacted]"));
        assert!(masked.contains("pt_abc"));
    }
}
