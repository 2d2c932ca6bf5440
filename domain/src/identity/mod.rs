//! Identity and access: users, password and single sign-on, server-side
//! sessions, personal API tokens, the access policy, brute-force throttling
//! and the audit log.
//!
//! [`Identity`] holds the settings and runs the flows that touch several of
//! these at once (sign-in, first admin, user and token changes, each with its
//! audit entry); the modules hold the storage and the rules.

pub mod access;
pub mod audit;
pub mod oidc;
pub mod passwords;
pub mod secrets;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;

use crate::error::{DomainError, Result};
use access::{Action, Policy, Principal, Resource};
use audit::AuditRecord;
use model::{AuditOutcome, CreatedToken, Role, TokenScope, UserChange};
use sea_orm::ConnectionTrait;
use sessions::{Client, SessionPolicy};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use throttle::{AttemptKeys, ThrottlePolicy};

/// The one message for every failed password sign-in: it must not tell an
/// unknown user from a wrong password or a disabled account.
pub const WRONG_CREDENTIALS: &str = "wrong username or password";

/// Identity settings and flows; built once at start-up, cheap to clone.
#[derive(Debug, Clone)]
pub struct Identity {
    inner: Arc<Settings>,
    /// Set once a user is known to exist: users are never deleted, so from
    /// then on the first-admin check needs no query (it runs on every page a
    /// guest opens).
    set_up: Arc<AtomicBool>,
}

/// How identity behaves; from the `[auth]` configuration.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Anyone may read without signing in.
    pub guest: bool,
    pub sessions: SessionPolicy,
    pub throttle: ThrottlePolicy,
    pub policy: Policy,
    pub oidc: Option<Arc<oidc::OidcClient>>,
}

/// A successful sign-in: the user and the secret for the session cookie.
#[derive(Debug)]
pub struct SignedIn {
    pub user: users::Model,
    pub session_secret: String,
}

impl Identity {
    pub fn new(settings: Settings) -> Self {
        Self { inner: Arc::new(settings), set_up: Arc::new(AtomicBool::new(false)) }
    }

    pub fn settings(&self) -> &Settings {
        &self.inner
    }

    pub fn guest_mode(&self) -> bool {
        self.inner.guest
    }

    pub fn oidc(&self) -> Option<&Arc<oidc::OidcClient>> {
        self.inner.oidc.as_ref()
    }

    /// May `principal` do `action` to `resource`? Refusals are `Unauthenticated`
    /// or `Forbidden` errors.
    pub fn authorize(&self, principal: Option<&Principal>, action: Action, resource: &Resource) -> Result<()> {
        Ok(self.inner.policy.authorize(principal, action, resource)?)
    }

    /// The principal behind a session cookie, if the session is alive.
    pub async fn session_principal(&self, db: &impl ConnectionTrait, secret: &str) -> Result<Option<Principal>> {
        Ok(sessions::authenticate(db, secret, self.inner.sessions).await?.map(|user| Principal::from_session(&user)))
    }

    /// The principal behind a bearer token, if the token is valid.
    pub async fn token_principal(&self, db: &impl ConnectionTrait, secret: &str) -> Result<Option<Principal>> {
        Ok(tokens::authenticate(db, secret).await?.map(|(user, token)| Principal::from_token(&user, &token)))
    }

    /// Signs in with a username (or email) and password. Throttled per account
    /// and per address; every attempt is audited; the session is always new
    /// (the caller ends any session the browser had before).
    pub async fn sign_in_with_password(
        &self,
        db: &impl ConnectionTrait,
        login: &str,
        password: &str,
        client: &Client,
    ) -> Result<SignedIn> {
        let keys = AttemptKeys::new(login, client.ip.as_deref());
        let login_shown: String = login.trim().to_lowercase().chars().take(64).collect();
        let delay = match throttle::admit(db, &keys, &self.inner.throttle).await {
            Ok(delay) => delay,
            Err(refusal) => {
                let record = AuditRecord::new("auth.sign_in", None)
                    .target(login_shown)
                    .outcome(AuditOutcome::Denied)
                    .ip(client.ip.clone())
                    .details(serde_json::json!({ "method": "password", "reason": "throttled" }));
                audit::record(db, record).await?;
                return Err(refusal);
            }
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let user = users::find_by_login(db, login).await?;
        let verified = passwords::verify(user.as_ref().and_then(|user| user.password_hash.clone()), password).await;
        let user = match user {
            Some(user) if verified && !user.disabled => user,
            other => {
                throttle::record_failure(db, &keys, &self.inner.throttle).await?;
                let reason = match other {
                    None => "unknown user",
                    Some(user) if user.disabled && verified => "account disabled",
                    Some(_) => "wrong password",
                };
                let record = AuditRecord::new("auth.sign_in", None)
                    .target(login_shown)
                    .outcome(AuditOutcome::Failure)
                    .ip(client.ip.clone())
                    .details(serde_json::json!({ "method": "password", "reason": reason }));
                audit::record(db, record).await?;
                return Err(DomainError::Unauthenticated(WRONG_CREDENTIALS.to_owned()));
            }
        };
        throttle::clear_account(db, &keys).await?;
        self.start_session(db, user, "password", client).await
    }

    /// Signs in the user a single sign-on provider vouched for, matched by
    /// email; creates them as a member when the provider allows sign-up.
    pub async fn sign_in_with_oidc(
        &self,
        db: &impl ConnectionTrait,
        identity: &oidc::VerifiedIdentity,
        client: &Client,
    ) -> Result<SignedIn> {
        let create_users = self.oidc().is_some_and(|oidc| oidc.config().create_users);
        let user = match users::find_by_email(db, &identity.email).await? {
            Some(user) => user,
            None if create_users => {
                let created = users::create(db, oidc_new_user(db, identity).await?).await?;
                let record = AuditRecord::new("user.created", None)
                    .actor(created.username.clone(), "user")
                    .target(created.username.clone())
                    .ip(client.ip.clone())
                    .details(serde_json::json!({ "via": "oidc", "role": created.role }));
                audit::record(db, record).await?;
                created
            }
            None => {
                self.audit_failed_oidc(db, &identity.email, "no Portico user has this email", client).await?;
                return Err(DomainError::Forbidden(format!(
                    "no Portico account uses {}; ask an admin to add you",
                    identity.email
                )));
            }
        };
        if user.disabled {
            self.audit_failed_oidc(db, &identity.email, "account disabled", client).await?;
            return Err(DomainError::Forbidden("this account is disabled".to_owned()));
        }
        self.start_session(db, user, "oidc", client).await
    }

    async fn audit_failed_oidc(
        &self,
        db: &impl ConnectionTrait,
        email: &str,
        reason: &str,
        client: &Client,
    ) -> Result<()> {
        let record = AuditRecord::new("auth.sign_in", None)
            .target(email.to_owned())
            .outcome(AuditOutcome::Failure)
            .ip(client.ip.clone())
            .details(serde_json::json!({ "method": "oidc", "reason": reason }));
        audit::record(db, record).await
    }

    async fn start_session(
        &self,
        db: &impl ConnectionTrait,
        user: users::Model,
        method: &str,
        client: &Client,
    ) -> Result<SignedIn> {
        let session_secret = sessions::create(db, &user, method, client, self.inner.sessions).await?;
        users::record_sign_in(db, &user).await?;
        let record = AuditRecord::new("auth.sign_in", None)
            .actor(user.username.clone(), "user")
            .target(user.username.clone())
            .ip(client.ip.clone())
            .details(serde_json::json!({ "method": method }));
        audit::record(db, record).await?;
        Ok(SignedIn { user, session_secret })
    }

    /// Ends the session with this secret, auditing who signed out.
    pub async fn sign_out(&self, db: &impl ConnectionTrait, secret: &str, client: &Client) -> Result<()> {
        let Some(user) = sessions::owner(db, secret).await? else { return Ok(()) };
        sessions::end(db, secret).await?;
        let record = AuditRecord::new("auth.sign_out", None)
            .actor(user.username.clone(), "user")
            .target(user.username)
            .ip(client.ip.clone());
        audit::record(db, record).await
    }

    /// Creates the first admin of a fresh installation and signs them in.
    /// Refused (as not found) once any user exists; two browsers racing for
    /// it cannot both win, because the claim is one insert of a settings key.
    pub async fn set_up_first_admin(
        &self,
        db: &impl ConnectionTrait,
        mut new: users::NewUser,
        client: &Client,
    ) -> Result<SignedIn> {
        if users::count(db).await? > 0 {
            return Err(DomainError::NotFound("first-admin setup (an admin already exists)".to_owned()));
        }
        let claim = secrets::random_secret("");
        if crate::settings::get_or_insert(db, "first_admin_claim", &claim).await? != claim {
            return Err(DomainError::NotFound("first-admin setup (an admin already exists)".to_owned()));
        }
        new.role = Role::Admin;
        let user = match users::create(db, new).await {
            Ok(user) => user,
            Err(err) => {
                crate::settings::delete(db, "first_admin_claim").await?;
                return Err(err);
            }
        };
        let record = AuditRecord::new("auth.setup", None)
            .actor(user.username.clone(), "user")
            .target(user.username.clone())
            .ip(client.ip.clone());
        audit::record(db, record).await?;
        self.start_session(db, user, "password", client).await
    }

    /// Whether the first-admin page is open: no user exists yet.
    pub async fn needs_setup(&self, db: &impl ConnectionTrait) -> Result<bool> {
        if self.set_up.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let needed = users::count(db).await? == 0;
        if !needed {
            self.set_up.store(true, Ordering::Relaxed);
        }
        Ok(needed)
    }

    /// Creates a user as an admin (or the command line, with `principal` None).
    pub async fn add_user(
        &self,
        db: &impl ConnectionTrait,
        principal: Option<&Principal>,
        new: users::NewUser,
        ip: Option<String>,
    ) -> Result<users::Model> {
        if principal.is_some() {
            self.authorize(principal, Action::Write, &Resource::Users)?;
        }
        let user = users::create(db, new).await?;
        let record = match principal {
            Some(principal) => AuditRecord::new("user.created", Some(principal)),
            None => AuditRecord::cli("user.created"),
        };
        audit::record(
            db,
            record.target(user.username.clone()).ip(ip).details(serde_json::json!({ "role": user.role })),
        )
        .await?;
        Ok(user)
    }

    /// Applies an admin's change to a user; disabling ends their sessions at
    /// once (their tokens stop working because authentication checks the user).
    pub async fn change_user(
        &self,
        db: &impl ConnectionTrait,
        principal: &Principal,
        username: &str,
        change: &UserChange,
        ip: Option<String>,
    ) -> Result<users::Model> {
        self.authorize(Some(principal), Action::Write, &Resource::Users)?;
        let before = users::get_by_username(db, username).await?;
        if principal.username() == Some(before.username.as_str()) && change.disabled == Some(true) {
            return Err(DomainError::invalid("disabled", "you cannot disable your own account"));
        }
        let after = users::change(db, username, change).await?;
        if after.disabled && !before.disabled {
            sessions::end_all_for_user(db, &after.id).await?;
        }
        let mut records = Vec::new();
        if before.role != after.role {
            records.push(
                AuditRecord::new("user.role_changed", Some(principal))
                    .details(serde_json::json!({ "from": before.role, "to": after.role })),
            );
        }
        if before.disabled != after.disabled {
            records
                .push(AuditRecord::new(if after.disabled { "user.disabled" } else { "user.enabled" }, Some(principal)));
        }
        if before.entity_ref != after.entity_ref {
            records.push(
                AuditRecord::new("user.entity_linked", Some(principal))
                    .details(serde_json::json!({ "from": before.entity_ref, "to": after.entity_ref })),
            );
        }
        for record in records {
            audit::record(db, record.target(after.username.clone()).ip(ip.clone())).await?;
        }
        Ok(after)
    }

    /// Creates a personal token for the signed-in principal.
    pub async fn create_token(
        &self,
        db: &impl ConnectionTrait,
        principal: &Principal,
        name: &str,
        scope: TokenScope,
        expires_in_days: Option<i64>,
        ip: Option<String>,
    ) -> Result<CreatedToken> {
        self.authorize(Some(principal), Action::Write, &Resource::OwnAccount)?;
        let user = self.account_of(db, principal).await?;
        let created = tokens::create(db, &user, name, scope, expires_in_days).await?;
        let record = AuditRecord::new("token.created", Some(principal))
            .target(format!("{} ({})", created.summary.name, created.summary.hint))
            .ip(ip)
            .details(serde_json::json!({ "id": created.summary.id, "scope": scope, "expiresAt": created.summary.expires_at }));
        audit::record(db, record).await?;
        Ok(created)
    }

    /// Creates a token for `username` from the command line.
    pub async fn create_token_for(
        &self,
        db: &impl ConnectionTrait,
        username: &str,
        name: &str,
        scope: TokenScope,
        expires_in_days: Option<i64>,
    ) -> Result<CreatedToken> {
        let user = users::get_by_username(db, username).await?;
        if user.disabled {
            return Err(DomainError::Conflict(format!("user '{username}' is disabled")));
        }
        let created = tokens::create(db, &user, name, scope, expires_in_days).await?;
        let record = AuditRecord::cli("token.created")
            .target(format!("{} ({})", created.summary.name, created.summary.hint))
            .details(serde_json::json!({ "id": created.summary.id, "user": user.username, "scope": scope }));
        audit::record(db, record).await?;
        Ok(created)
    }

    /// The principal's own tokens.
    pub async fn list_tokens(&self, db: &impl ConnectionTrait, principal: &Principal) -> Result<Vec<tokens::Model>> {
        self.authorize(Some(principal), Action::Read, &Resource::OwnAccount)?;
        let user = self.account_of(db, principal).await?;
        tokens::list_for_user(db, &user).await
    }

    /// Revokes one of the principal's own tokens.
    pub async fn revoke_token(
        &self,
        db: &impl ConnectionTrait,
        principal: &Principal,
        id: &str,
        ip: Option<String>,
    ) -> Result<tokens::Model> {
        self.authorize(Some(principal), Action::Write, &Resource::OwnAccount)?;
        let user = self.account_of(db, principal).await?;
        let revoked = tokens::revoke(db, &user, id).await?;
        let record = AuditRecord::new("token.revoked", Some(principal))
            .target(format!("{} ({})", revoked.name, revoked.hint))
            .ip(ip)
            .details(serde_json::json!({ "id": revoked.id }));
        audit::record(db, record).await?;
        Ok(revoked)
    }

    async fn account_of(&self, db: &impl ConnectionTrait, principal: &Principal) -> Result<users::Model> {
        let user = principal.user().ok_or_else(|| DomainError::Unauthenticated("sign in first".to_owned()))?;
        users::find_by_id(db, &user.id)
            .await?
            .ok_or_else(|| DomainError::Unauthenticated("your account no longer exists".to_owned()))
    }

    /// The audit log, for admins.
    pub async fn audit_log(
        &self,
        db: &impl ConnectionTrait,
        principal: Option<&Principal>,
        query: &model::AuditQuery,
    ) -> Result<model::AuditPage> {
        self.authorize(principal, Action::Read, &Resource::AuditLog)?;
        audit::list(db, query).await
    }

    /// Every user, for admins.
    pub async fn list_users(
        &self,
        db: &impl ConnectionTrait,
        principal: Option<&Principal>,
    ) -> Result<Vec<users::Model>> {
        self.authorize(principal, Action::Read, &Resource::Users)?;
        users::list(db).await
    }
}

/// A new member from a provider's claims: the username from the email's
/// local part, made unique with a number when taken.
async fn oidc_new_user(db: &impl ConnectionTrait, identity: &oidc::VerifiedIdentity) -> Result<users::NewUser> {
    let local = identity.email.split('@').next().unwrap_or("user");
    let mut base: String = local
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '-' })
        .skip_while(|c| !c.is_ascii_alphanumeric())
        .take(56)
        .collect();
    if base.is_empty() {
        base = "user".to_owned();
    }
    let mut username = base.clone();
    let mut n = 2;
    while users::find_by_username(db, &username).await?.is_some() {
        username = format!("{base}{n}");
        n += 1;
    }
    Ok(users::NewUser {
        username,
        email: Some(identity.email.clone()),
        display_name: identity.name.clone(),
        password: None,
        role: Role::Member,
        entity_ref: None,
    })
}
