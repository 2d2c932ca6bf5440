//! Who owns what: the access rule "members of the owning group may refresh
//! or unregister this entity", and the catalog User entity behind a Portico
//! user (linked explicitly, or matched by `spec.profile.email`).

use super::index::{Condition, EntityFilter};
use super::Catalog;
use crate::identity::access::{Action, Decision, Principal, Resource, Rule, UserPrincipal};

/// Members of an owning group (and an owning user) may change an entity.
#[derive(Debug, Clone)]
pub struct OwnersMayChange {
    catalog: Catalog,
}

impl OwnersMayChange {
    pub fn new(catalog: Catalog) -> Self {
        Self { catalog }
    }
}

impl Rule for OwnersMayChange {
    fn decide(&self, principal: &Principal, action: Action, resource: &Resource) -> Decision {
        let (Action::Write, Resource::Entity { owner_refs, .. }, Some(user)) = (action, resource, principal.user())
        else {
            return None;
        };
        let claims = self.catalog.ownership_claims(user);
        owner_refs.iter().any(|owner| claims.contains(owner)).then_some(Ok(()))
    }
}

impl Catalog {
    /// The catalog User entity a Portico user is: the linked one when it
    /// exists, else the User whose `spec.profile.email` is theirs.
    pub fn user_entity_ref(&self, user: &UserPrincipal) -> Option<String> {
        let index = self.index();
        if let Some(linked) = &user.entity_ref {
            if index.contains_ref(linked) {
                return Some(linked.clone());
            }
        }
        let email = user.email.as_deref()?;
        let filter = EntityFilter {
            any_of: vec![vec![
                Condition { key: "kind".into(), values: Some(vec!["user".into()]), negate: false },
                Condition { key: "spec.profile.email".into(), values: Some(vec![email.to_owned()]), negate: false },
            ]],
        };
        let found = index.matching(&filter).iter().next()?;
        index.provenance(found).map(|provenance| provenance.entity_ref)
    }

    /// The references that count as "this user" for ownership: their User
    /// entity and every group it is a member of.
    pub fn ownership_claims(&self, user: &UserPrincipal) -> Vec<String> {
        let Some(entity_ref) = self.user_entity_ref(user) else { return Vec::new() };
        let mut claims: Vec<String> = self
            .index()
            .relations_of(&entity_ref)
            .into_iter()
            .filter(|(kind, _)| *kind == "memberOf")
            .map(|(_, group)| group)
            .collect();
        claims.push(entity_ref);
        claims
    }

    /// `spec.owner` of an entity, as a full reference.
    pub fn owners_of(&self, entity_ref: &str) -> Vec<String> {
        self.index()
            .relations_of(entity_ref)
            .into_iter()
            .filter(|(kind, _)| *kind == "ownedBy")
            .map(|(_, owner)| owner)
            .collect()
    }
}
