//! Who is using Portico and what they may do: roles, the viewer a page is
//! rendered for, users as an admin sees them, personal API tokens, and audit
//! log entries. These cross the wire; the rules that use them live in `domain`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a signed-in user may do across the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including users, roles and the audit log.
    Admin,
    /// Read everything; write what the portal lets members write.
    Member,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Admin, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "Admin",
            Self::Member => "Member",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "admin" => Some(Self::Admin),
            "member" => Some(Self::Member),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an API token may do: `read` only reads, `write` may also change things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    #[default]
    Read,
    Write,
}

impl TokenScope {
    pub const ALL: [TokenScope; 2] = [TokenScope::Read, TokenScope::Write];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Read => "Read only",
            Self::Write => "Read and write",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            _ => None,
        }
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The person (or guest) a page is rendered for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Viewer {
    /// Nobody signed in and guest mode is off (only public pages render).
    Anonymous,
    /// Nobody signed in, guest mode on: read-only access.
    Guest,
    /// A signed-in user.
    User(SignedInUser),
}

impl Viewer {
    pub fn user(&self) -> Option<&SignedInUser> {
        match self {
            Self::User(user) => Some(user),
            _ => None,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.user().is_some_and(|user| user.role == Role::Admin)
    }

    pub fn is_signed_in(&self) -> bool {
        self.user().is_some()
    }
}

/// A signed-in user as the pages need to know them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    /// The catalog User entity this person is, e.g. `user:default/jane`.
    pub entity_ref: Option<String>,
}

impl SignedInUser {
    /// One or two letters for an avatar.
    pub fn initials(&self) -> String {
        let letters: String = self
            .display_name
            .split_whitespace()
            .filter_map(|word| word.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect();
        if letters.is_empty() {
            self.username.chars().take(1).flat_map(char::to_uppercase).collect()
        } else {
            letters
        }
    }
}

/// What every page needs to know about access, loaded once per page load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessInfo {
    pub viewer: Viewer,
    /// Guests may read without signing in.
    pub guest_mode: bool,
    /// The button label of the configured OpenID Connect provider, if any.
    pub oidc_provider: Option<String>,
    /// No user exists yet: the first-admin page is open.
    pub needs_setup: bool,
}

/// A user as the admin page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub disabled: bool,
    pub entity_ref: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    pub last_sign_in_at: Option<String>,
    pub has_password: bool,
}

/// A change an admin makes to a user; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub entity_ref: Option<String>,
}

/// A personal API token as listed (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenSummary {
    pub id: String,
    pub name: String,
    pub scope: TokenScope,
    /// The first characters of the token, to recognise it.
    pub hint: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A token just created: the secret is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedToken {
    pub token: String,
    pub summary: TokenSummary,
}

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditOutcome {
    Success,
    Failure,
    Denied,
}

impl AuditOutcome {
    pub const ALL: [AuditOutcome; 3] = [AuditOutcome::Success, AuditOutcome::Failure, AuditOutcome::Denied];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|outcome| outcome.as_str() == text)
    }
}

/// One audit log entry: who did what, to what, when, from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    /// The username, when known.
    pub actor: Option<String>,
    /// `user`, `token`, `guest`, `anonymous`, `cli` or `system`.
    pub actor_kind: String,
    /// e.g. `auth.sign_in`, `user.role_changed`, `token.created`.
    pub action: String,
    pub target: Option<String>,
    pub outcome: AuditOutcome,
    pub ip: Option<String>,
    /// Extra facts as JSON text (never secrets).
    pub details: Option<String>,
}

/// Filters for browsing the audit log; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub actor: Option<String>,
    /// An action, or a prefix ending in `.` such as `auth.`.
    pub action: Option<String>,
    pub outcome: Option<AuditOutcome>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

/// The audited actions, for the filter on the audit page.
pub const AUDIT_ACTIONS: &[&str] = &[
    "auth.sign_in",
    "auth.sign_out",
    "auth.setup",
    "user.created",
    "user.role_changed",
    "user.disabled",
    "user.enabled",
    "user.password_changed",
    "user.entity_linked",
    "token.created",
    "token.revoked",
    "catalog.location_registered",
    "catalog.location_removed",
    "catalog.location_updated",
    "catalog.entity_refreshed",
    "catalog.entity_unregistered",
];

/// Checks a username: 1-64 characters of `a-z 0-9 . _ -`, starting with a
/// letter or digit. Returns the reason when it is not acceptable.
pub fn validate_username(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("username is empty".to_owned());
    }
    if name.len() > 64 {
        return Err("username is longer than 64 characters".to_owned());
    }
    if !name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Err("username must start with a lowercase letter or a digit".to_owned());
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(*c))) {
        return Err(format!("username may only contain a-z, 0-9, '.', '_' and '-' (found '{bad}')"));
    }
    Ok(())
}

/// The shortest password Portico accepts.
pub const MIN_PASSWORD_LENGTH: usize = 10;

/// Checks a new password's length (counted in characters).
pub fn validate_password(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LENGTH {
        return Err(format!("password must be at least {MIN_PASSWORD_LENGTH} characters long"));
    }
    if length > 1024 {
        return Err("password is longer than 1024 characters".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercase_words() {
        assert!(validate_username("jane.doe-2").is_ok());
        assert!(validate_username("").is_err());
        assert!(validate_username("Jane").is_err());
        assert!(validate_username("-jane").is_err());
        assert!(validate_username("ja ne").unwrap_err().contains("' '"));
        assert!(validate_username(&"a".repeat(65)).is_err());
    }

    #[test]
    fn passwords_need_ten_characters() {
        assert!(validate_password("123456789").is_err());
        assert!(validate_password("1234567890").is_ok());
        assert!(validate_password("äöüäöüäöüä").is_ok());
    }

    #[test]
    fn viewers_serialise_with_a_kind_tag() {
        let json = serde_json::to_string(&Viewer::Guest).unwrap();
        assert_eq!(json, r#"{"kind":"guest"}"#);
        let user = SignedInUser {
            username: "jane".into(),
            display_name: "Jane Doe".into(),
            email: None,
            role: Role::Admin,
            entity_ref: None,
        };
        assert_eq!(user.initials(), "JD");
        assert!(Viewer::User(user).is_admin());
    }

    #[test]
    fn roles_and_scopes_parse_their_names() {
        assert_eq!(Role::parse("ADMIN"), Some(Role::Admin));
        assert_eq!(Role::parse("owner"), None);
        assert_eq!(TokenScope::parse("write"), Some(TokenScope::Write));
        assert_eq!(AuditOutcome::parse("denied"), Some(AuditOutcome::Denied));
    }
}
