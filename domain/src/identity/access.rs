//! Who is asking ([`Principal`]) and whether they may ([`Policy::authorize`]).
//!
//! The policy is an ordered list of [`Rule`]s; the first rule with an opinion
//! decides, and nobody may do anything no rule allows. The built-in rules give
//! admins everything, members read access and the portal's ordinary writes,
//! guests read access only, and read-only tokens no writes. Areas that know
//! more about ownership add their own rules with [`Policy::with_rule`]: the
//! catalog adds "members of the owning group may refresh or unregister this
//! entity" for [`Resource::Entity`] without changing anything here.

use crate::identity::{tokens, users};
use model::{Role, SignedInUser, TokenScope, Viewer};
use std::fmt;
use std::sync::Arc;

/// How a signed-in user proved who they are on this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session cookie.
    Session,
    /// A personal API token with its scope.
    Token { id: String, scope: TokenScope },
}

/// The party behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Nobody signed in, guest mode on: may read.
    Guest,
    /// A signed-in, enabled user.
    User(UserPrincipal),
}

/// A signed-in user, as every request needs to know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPrincipal {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    /// The catalog User entity this person is, e.g. `user:default/jane`.
    pub entity_ref: Option<String>,
    pub credential: Credential,
}

impl Principal {
    pub fn from_session(user: &users::Model) -> Self {
        Self::User(UserPrincipal::new(user, Credential::Session))
    }

    pub fn from_token(user: &users::Model, token: &tokens::Model) -> Self {
        Self::User(UserPrincipal::new(user, Credential::Token { id: token.id.clone(), scope: token.scope() }))
    }

    pub fn user(&self) -> Option<&UserPrincipal> {
        match self {
            Self::User(user) => Some(user),
            Self::Guest => None,
        }
    }

    pub fn username(&self) -> Option<&str> {
        self.user().map(|user| user.username.as_str())
    }

    /// For the audit log: `user`, `token` or `guest`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Guest => "guest",
            Self::User(UserPrincipal { credential: Credential::Session, .. }) => "user",
            Self::User(UserPrincipal { credential: Credential::Token { .. }, .. }) => "token",
        }
    }

    pub fn viewer(&self) -> Viewer {
        match self {
            Self::Guest => Viewer::Guest,
            Self::User(user) => Viewer::User(user.signed_in()),
        }
    }
}

impl UserPrincipal {
    fn new(user: &users::Model, credential: Credential) -> Self {
        Self {
            id: user.id.clone(),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            email: user.email.clone(),
            role: user.role(),
            entity_ref: user.entity_ref.clone(),
            credential,
        }
    }

    pub fn signed_in(&self) -> SignedInUser {
        SignedInUser {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            email: self.email.clone(),
            role: self.role,
            entity_ref: self.entity_ref.clone(),
        }
    }
}

/// What is being done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    /// Changes something (register, refresh, run, create, revoke, ...).
    Write,
}

/// What it is being done to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// The portal's ordinary content: pages, the catalog, templates.
    Portal,
    /// One's own account: profile and personal API tokens.
    OwnAccount,
    /// Users and roles (admins only).
    Users,
    /// The audit log (admins only).
    AuditLog,
    /// A catalog entity and the groups that own it, for ownership rules.
    Entity { entity_ref: String, owner_refs: Vec<String> },
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// Nobody (or a guest) is asking: sign in first (HTTP 401).
    SignInRequired,
    /// Signed in but not allowed; the text says why (HTTP 403).
    Forbidden(String),
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SignInRequired => f.write_str("sign in to do this"),
            Self::Forbidden(reason) => f.write_str(reason),
        }
    }
}

impl From<Denial> for crate::DomainError {
    fn from(denial: Denial) -> Self {
        match denial {
            Denial::SignInRequired => Self::Unauthenticated(denial.to_string()),
            Denial::Forbidden(reason) => Self::Forbidden(reason),
        }
    }
}

/// A rule's answer: allow, refuse, or no opinion (`None`, the next rule decides).
pub type Decision = Option<Result<(), Denial>>;

/// One access rule.
pub trait Rule: Send + Sync + fmt::Debug {
    fn decide(&self, principal: &Principal, action: Action, resource: &Resource) -> Decision;
}

/// The access policy: rules in order, first opinion wins, default deny.
#[derive(Debug, Clone)]
pub struct Policy {
    rules: Vec<Arc<dyn Rule>>,
}

impl Default for Policy {
    fn default() -> Self {
        Self { rules: vec![Arc::new(ReadOnlyTokens), Arc::new(AdminsMayDoAnything)] }
    }
}

impl Policy {
    /// Adds a rule after the built-in ones that must come first (read-only
    /// tokens, admins) and before the role defaults.
    pub fn with_rule(mut self, rule: impl Rule + 'static) -> Self {
        self.rules.push(Arc::new(rule));
        self
    }

    /// May `principal` (None: nobody signed in) do `action` to `resource`?
    pub fn authorize(&self, principal: Option<&Principal>, action: Action, resource: &Resource) -> Result<(), Denial> {
        let Some(principal) = principal else { return Err(Denial::SignInRequired) };
        self.rules
            .iter()
            .find_map(|rule| rule.decide(principal, action, resource))
            .or_else(|| RoleDefaults.decide(principal, action, resource))
            .unwrap_or_else(|| Err(Denial::Forbidden("you are not allowed to do this".to_owned())))
    }
}

/// A read-scoped token never writes, whoever owns it.
#[derive(Debug)]
struct ReadOnlyTokens;

impl Rule for ReadOnlyTokens {
    fn decide(&self, principal: &Principal, action: Action, _: &Resource) -> Decision {
        let read_only = principal
            .user()
            .is_some_and(|user| matches!(user.credential, Credential::Token { scope: TokenScope::Read, .. }));
        (read_only && action == Action::Write)
            .then(|| Err(Denial::Forbidden("this API token is read-only; create one with write scope".to_owned())))
    }
}

#[derive(Debug)]
struct AdminsMayDoAnything;

impl Rule for AdminsMayDoAnything {
    fn decide(&self, principal: &Principal, _: Action, _: &Resource) -> Decision {
        principal.user().is_some_and(|user| user.role == Role::Admin).then_some(Ok(()))
    }
}

/// What each role may do when no other rule spoke.
#[derive(Debug)]
struct RoleDefaults;

impl Rule for RoleDefaults {
    fn decide(&self, principal: &Principal, action: Action, resource: &Resource) -> Decision {
        let admin_only = matches!(resource, Resource::Users | Resource::AuditLog);
        Some(match (principal, action) {
            (_, _) if admin_only && principal.user().is_some() => {
                Err(Denial::Forbidden("only admins may do this".into()))
            }
            (Principal::Guest, _) if admin_only => Err(Denial::SignInRequired),
            (Principal::Guest, Action::Read) if !matches!(resource, Resource::OwnAccount) => Ok(()),
            (Principal::Guest, _) => Err(Denial::SignInRequired),
            (Principal::User(_), Action::Read) => Ok(()),
            (Principal::User(_), Action::Write) => match resource {
                Resource::Portal | Resource::OwnAccount => Ok(()),
                Resource::Entity { .. } => {
                    Err(Denial::Forbidden("only the owners of this entity and admins may change it".into()))
                }
                Resource::Users | Resource::AuditLog => Err(Denial::Forbidden("only admins may do this".into())),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, credential: Credential) -> Principal {
        Principal::User(UserPrincipal {
            id: "1".into(),
            username: "jane".into(),
            display_name: "Jane".into(),
            email: None,
            role,
            entity_ref: Some("user:default/jane".into()),
            credential,
        })
    }

    fn entity(owner: &str) -> Resource {
        Resource::Entity { entity_ref: "component:default/checkout".into(), owner_refs: vec![owner.into()] }
    }

    #[test]
    fn nobody_signed_in_must_sign_in_for_anything() {
        let policy = Policy::default();
        assert_eq!(policy.authorize(None, Action::Read, &Resource::Portal), Err(Denial::SignInRequired));
    }

    #[test]
    fn guests_read_the_portal_and_nothing_else() {
        let policy = Policy::default();
        let guest = Some(&Principal::Guest);
        assert_eq!(policy.authorize(guest, Action::Read, &Resource::Portal), Ok(()));
        assert_eq!(policy.authorize(guest, Action::Write, &Resource::Portal), Err(Denial::SignInRequired));
        assert_eq!(policy.authorize(guest, Action::Read, &Resource::Users), Err(Denial::SignInRequired));
        assert_eq!(policy.authorize(guest, Action::Read, &Resource::OwnAccount), Err(Denial::SignInRequired));
    }

    #[test]
    fn members_cannot_administer() {
        let policy = Policy::default();
        let member = user(Role::Member, Credential::Session);
        assert_eq!(policy.authorize(Some(&member), Action::Write, &Resource::Portal), Ok(()));
        assert!(matches!(policy.authorize(Some(&member), Action::Read, &Resource::Users), Err(Denial::Forbidden(_))));
        assert!(matches!(
            policy.authorize(Some(&member), Action::Read, &Resource::AuditLog),
            Err(Denial::Forbidden(_))
        ));
    }

    #[test]
    fn admins_may_do_anything_except_write_with_a_read_token() {
        let policy = Policy::default();
        let admin = user(Role::Admin, Credential::Session);
        assert_eq!(policy.authorize(Some(&admin), Action::Write, &Resource::Users), Ok(()));
        assert_eq!(policy.authorize(Some(&admin), Action::Write, &entity("group:default/other")), Ok(()));
        let read_token = user(Role::Admin, Credential::Token { id: "t".into(), scope: TokenScope::Read });
        assert_eq!(policy.authorize(Some(&read_token), Action::Read, &Resource::Users), Ok(()));
        assert!(matches!(
            policy.authorize(Some(&read_token), Action::Write, &Resource::Portal),
            Err(Denial::Forbidden(_))
        ));
    }

    /// The catalog's ownership rule, sketched: members of an owning group may
    /// change the entity. Added without touching the built-in rules.
    #[derive(Debug)]
    struct OwnersMayChange {
        memberships: Vec<(&'static str, &'static str)>,
    }

    impl Rule for OwnersMayChange {
        fn decide(&self, principal: &Principal, action: Action, resource: &Resource) -> Decision {
            let (Resource::Entity { owner_refs, .. }, Action::Write, Some(user)) = (resource, action, principal.user())
            else {
                return None;
            };
            let user_ref = user.entity_ref.as_deref()?;
            self.memberships
                .iter()
                .any(|(member, group)| *member == user_ref && owner_refs.iter().any(|owner| owner == group))
                .then_some(Ok(()))
        }
    }

    #[test]
    fn an_ownership_rule_plugs_in_without_changing_the_rest() {
        let member = user(Role::Member, Credential::Session);
        let plain = Policy::default();
        assert!(plain.authorize(Some(&member), Action::Write, &entity("group:default/payments")).is_err());
        let policy = Policy::default()
            .with_rule(OwnersMayChange { memberships: vec![("user:default/jane", "group:default/payments")] });
        assert_eq!(policy.authorize(Some(&member), Action::Write, &entity("group:default/payments")), Ok(()));
        assert!(policy.authorize(Some(&member), Action::Write, &entity("group:default/search")).is_err());
        let read_token = user(Role::Member, Credential::Token { id: "t".into(), scope: TokenScope::Read });
        assert!(policy.authorize(Some(&read_token), Action::Write, &entity("group:default/payments")).is_err());
    }
}
