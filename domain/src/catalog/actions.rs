//! The catalog's writes as a person makes them: each checks the access
//! policy for the caller, does the work, and leaves an audit entry. The REST
//! API and the pages both come through here, so they cannot disagree.

use super::{Catalog, Origin, Registered};
use crate::database::Database;
use crate::error::{DomainError, Result};
use crate::identity::access::{Action, Principal, Resource};
use crate::identity::audit::{self, AuditRecord};
use crate::identity::Identity;
use model::Role;

/// The caller of a write: who, what they may do, and from where.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub identity: &'a Identity,
    pub principal: Option<&'a Principal>,
    pub ip: Option<&'a str>,
}

impl Caller<'_> {
    fn record(&self, action: &'static str, target: String) -> AuditRecord {
        AuditRecord::new(action, self.principal).target(target).ip(self.ip.map(str::to_owned))
    }
}

impl Catalog {
    /// May the caller change (refresh, unregister) this entity? Owners and admins may.
    pub fn authorize_change(&self, caller: Caller<'_>, entity_ref: &str) -> Result<()> {
        let resource = Resource::Entity { entity_ref: entity_ref.to_owned(), owner_refs: self.owners_of(entity_ref) };
        caller.identity.authorize(caller.principal, Action::Write, &resource)
    }

    /// Registers a location for the caller (any signed-in writer).
    pub async fn register_as(&self, db: &Database, caller: Caller<'_>, kind: &str, target: &str) -> Result<Registered> {
        caller.identity.authorize(caller.principal, Action::Write, &Resource::Portal)?;
        let actor = caller.principal.and_then(Principal::username);
        let registered = self.register(db, kind, target, Origin::Api, actor).await?;
        let target = format!("{}:{}", registered.location.kind, registered.location.target);
        let details = serde_json::json!({"entities": registered.imported.len(), "problems": registered.problems.len()});
        audit::record(db.connection(), caller.record("catalog.location_registered", target).details(details)).await?;
        Ok(registered)
    }

    /// Registers a location, or (when it exists and `refresh_existing`) reads
    /// it again and answers with what it holds, as Backstage's `onConflict=refresh`.
    pub async fn register_or_refresh_as(
        &self,
        db: &Database,
        caller: Caller<'_>,
        kind: &str,
        target: &str,
        refresh_existing: bool,
    ) -> Result<Registered> {
        match self.register_as(db, caller, kind, target).await {
            Err(DomainError::Conflict(message)) if refresh_existing => {
                let existing =
                    self.location_by_target(db, kind, target).await?.ok_or(DomainError::Conflict(message))?;
                self.refresh_location(db, &existing.id).await?;
                self.registered(db, existing, true).await
            }
            other => other,
        }
    }

    /// Admins, and whoever registered a location, may change or remove it.
    async fn authorize_location(&self, db: &Database, caller: Caller<'_>, id: &str) -> Result<super::LocationInfo> {
        caller.identity.authorize(caller.principal, Action::Write, &Resource::Portal)?;
        let location = self.location(db, id).await?;
        let creator = self.location_creator(db, id).await?;
        let user = caller.principal.and_then(Principal::user);
        let allowed =
            user.is_some_and(|user| user.role == Role::Admin || creator.as_deref() == Some(user.username.as_str()));
        if allowed {
            Ok(location)
        } else {
            Err(DomainError::Forbidden("only admins and whoever registered a location may change it".into()))
        }
    }

    /// Removes a location and what it brought.
    pub async fn remove_location_as(&self, db: &Database, caller: Caller<'_>, id: &str) -> Result<()> {
        let location = self.authorize_location(db, caller, id).await?;
        self.delete_location(db, id).await?;
        let target = format!("{}:{}", location.kind, location.target);
        audit::record(db.connection(), caller.record("catalog.location_removed", target)).await
    }

    /// Points a location somewhere else and reads it.
    pub async fn update_location_as(
        &self,
        db: &Database,
        caller: Caller<'_>,
        id: &str,
        kind: &str,
        target: &str,
    ) -> Result<super::LocationInfo> {
        self.authorize_location(db, caller, id).await?;
        let updated = self.update_location(db, id, kind, target).await?;
        let target = format!("{}:{}", updated.kind, updated.target);
        audit::record(db.connection(), caller.record("catalog.location_updated", target)).await?;
        Ok(updated)
    }

    /// Reads an entity's location again now, for an owner or admin.
    pub async fn refresh_as(&self, db: &Database, caller: Caller<'_>, entity_ref: &str) -> Result<()> {
        self.require_entity(caller, entity_ref)?;
        self.authorize_change(caller, entity_ref)?;
        self.refresh_entity(db, entity_ref).await?;
        audit::record(db.connection(), caller.record("catalog.entity_refreshed", entity_ref.to_owned())).await
    }

    /// Removes an entity until its file is read again, for an owner or admin.
    pub async fn unregister_as(&self, db: &Database, caller: Caller<'_>, entity_ref: &str) -> Result<()> {
        self.require_entity(caller, entity_ref)?;
        self.authorize_change(caller, entity_ref)?;
        let uid = {
            let index = self.index();
            index.id_by_ref(entity_ref).and_then(|id| index.uid_of(id)).map(super::index::uid_text)
        };
        let uid = uid.ok_or_else(|| DomainError::NotFound(format!("Entity {entity_ref}")))?;
        self.delete_entity(db, &uid).await?;
        audit::record(db.connection(), caller.record("catalog.entity_unregistered", entity_ref.to_owned())).await
    }

    /// 404 for an unknown entity, but only to callers who may read.
    fn require_entity(&self, caller: Caller<'_>, entity_ref: &str) -> Result<()> {
        if self.index().contains_ref(entity_ref) {
            return Ok(());
        }
        caller.identity.authorize(caller.principal, Action::Read, &Resource::Portal)?;
        Err(DomainError::NotFound(format!("Entity {entity_ref}")))
    }

    /// The reference of the entity with this uid.
    pub fn ref_of_uid(&self, uid: &str) -> Option<String> {
        let index = self.index();
        index.id_by_uid(uid).and_then(|id| index.provenance(id)).map(|provenance| provenance.entity_ref)
    }
}
