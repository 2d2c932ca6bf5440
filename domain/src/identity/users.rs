//! Portico's users: who can sign in, with which role, linked to which catalog
//! User entity. Usernames and emails are stored in lowercase and are unique.

use crate::error::{DomainError, Result};
use crate::identity::passwords;
use chrono::Utc;
use model::{Role, SignedInUser, UserChange, UserSummary};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder, Set};

/// One row of the `users` table.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub role: String,
    pub disabled: bool,
    pub entity_ref: Option<String>,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
    pub last_sign_in_at: Option<DateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Member)
    }

    pub fn signed_in(&self) -> SignedInUser {
        SignedInUser {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            email: self.email.clone(),
            role: self.role(),
            entity_ref: self.entity_ref.clone(),
        }
    }

    pub fn summary(&self) -> UserSummary {
        UserSummary {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            email: self.email.clone(),
            role: self.role(),
            disabled: self.disabled,
            entity_ref: self.entity_ref.clone(),
            created_at: self.created_at.to_rfc3339(),
            last_sign_in_at: self.last_sign_in_at.map(|at| at.to_rfc3339()),
            has_password: self.password_hash.is_some(),
        }
    }
}

/// What it takes to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// `None` for users who only sign in through single sign-on.
    pub password: Option<String>,
    pub role: Role,
    /// The catalog User entity; defaults to `user:default/<username>`.
    pub entity_ref: Option<String>,
}

/// Creates a user after checking every field; a taken username or email is a
/// conflict that names which.
pub async fn create(db: &impl ConnectionTrait, new: NewUser) -> Result<Model> {
    let username = new.username.trim().to_ascii_lowercase();
    model::identity::validate_username(&username).map_err(|reason| DomainError::invalid("username", reason))?;
    let email = new.email.as_deref().map(normalize_email).transpose()?;
    let password_hash = match &new.password {
        Some(password) => {
            model::identity::validate_password(password).map_err(|reason| DomainError::invalid("password", reason))?;
            Some(passwords::hash(password).await?)
        }
        None => None,
    };
    if find_by_username(db, &username).await?.is_some() {
        return Err(DomainError::Conflict(format!("a user named '{username}' already exists")));
    }
    if let Some(email) = &email {
        if find_by_email(db, email).await?.is_some() {
            return Err(DomainError::Conflict(format!("a user with email '{email}' already exists")));
        }
    }
    let display_name = new.display_name.map(|name| name.trim().to_owned()).filter(|name| !name.is_empty());
    let entity_ref = match new.entity_ref {
        Some(entity_ref) => Some(normalize_entity_ref(&entity_ref)?),
        None => Some(format!("user:default/{username}")),
    };
    let now = Utc::now().fixed_offset();
    let row = ActiveModel {
        id: Set(Uuid::new_v4().to_string()),
        display_name: Set(display_name.unwrap_or_else(|| username.clone())),
        username: Set(username),
        email: Set(email),
        password_hash: Set(password_hash),
        role: Set(new.role.as_str().to_owned()),
        disabled: Set(false),
        entity_ref: Set(entity_ref),
        created_at: Set(now),
        updated_at: Set(now),
        last_sign_in_at: Set(None),
    };
    Ok(row.insert(db).await?)
}

pub async fn find_by_id(db: &impl ConnectionTrait, id: &str) -> Result<Option<Model>> {
    Ok(Entity::find_by_id(id.to_owned()).one(db).await?)
}

pub async fn find_by_username(db: &impl ConnectionTrait, username: &str) -> Result<Option<Model>> {
    Ok(Entity::find().filter(Column::Username.eq(username.trim().to_ascii_lowercase())).one(db).await?)
}

pub async fn find_by_email(db: &impl ConnectionTrait, email: &str) -> Result<Option<Model>> {
    Ok(Entity::find().filter(Column::Email.eq(email.trim().to_lowercase())).one(db).await?)
}

/// The user a sign-in form names: by username, or by email when it has an `@`.
pub async fn find_by_login(db: &impl ConnectionTrait, login: &str) -> Result<Option<Model>> {
    if login.contains('@') {
        find_by_email(db, login).await
    } else {
        find_by_username(db, login).await
    }
}

/// Looks a user up or says which one is missing.
pub async fn get_by_username(db: &impl ConnectionTrait, username: &str) -> Result<Model> {
    find_by_username(db, username).await?.ok_or_else(|| DomainError::NotFound(format!("user '{username}'")))
}

/// Every user, by username.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Model>> {
    Ok(Entity::find().order_by_asc(Column::Username).all(db).await?)
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64> {
    Ok(Entity::find().count(db).await?)
}

/// How many enabled admins there are (the last one may not be demoted or disabled).
pub async fn count_active_admins(db: &impl ConnectionTrait) -> Result<u64> {
    Ok(Entity::find()
        .filter(Column::Role.eq(Role::Admin.as_str()))
        .filter(Column::Disabled.eq(false))
        .count(db)
        .await?)
}

/// Applies an admin's change; refuses to leave the portal without an enabled admin.
pub async fn change(db: &impl ConnectionTrait, username: &str, change: &UserChange) -> Result<Model> {
    let user = get_by_username(db, username).await?;
    let demotes = change.role.is_some_and(|role| role != Role::Admin) && user.role() == Role::Admin;
    let disables = change.disabled == Some(true) && !user.disabled && user.role() == Role::Admin;
    if (demotes || disables) && count_active_admins(db).await? <= 1 {
        return Err(DomainError::Conflict(format!(
            "'{}' is the last enabled admin; make someone else an admin first",
            user.username
        )));
    }
    let mut row: ActiveModel = user.into();
    if let Some(role) = change.role {
        row.role = Set(role.as_str().to_owned());
    }
    if let Some(disabled) = change.disabled {
        row.disabled = Set(disabled);
    }
    if let Some(entity_ref) = &change.entity_ref {
        row.entity_ref = Set(if entity_ref.trim().is_empty() { None } else { Some(normalize_entity_ref(entity_ref)?) });
    }
    row.updated_at = Set(Utc::now().fixed_offset());
    Ok(row.update(db).await?)
}

/// Sets a new password.
pub async fn set_password(db: &impl ConnectionTrait, username: &str, password: &str) -> Result<Model> {
    model::identity::validate_password(password).map_err(|reason| DomainError::invalid("password", reason))?;
    let user = get_by_username(db, username).await?;
    let mut row: ActiveModel = user.into();
    row.password_hash = Set(Some(passwords::hash(password).await?));
    row.updated_at = Set(Utc::now().fixed_offset());
    Ok(row.update(db).await?)
}

/// Notes a successful sign-in.
pub async fn record_sign_in(db: &impl ConnectionTrait, user: &Model) -> Result<()> {
    let row = ActiveModel {
        id: Set(user.id.clone()),
        last_sign_in_at: Set(Some(Utc::now().fixed_offset())),
        ..Default::default()
    };
    row.update(db).await?;
    Ok(())
}

fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.chars().any(char::is_whitespace);
    if valid {
        Ok(email)
    } else {
        Err(DomainError::invalid("email", format!("'{email}' is not an email address")))
    }
}

/// Accepts `name`, `user:name` or `user:namespace/name` and returns the full
/// `user:namespace/name` reference.
pub fn normalize_entity_ref(text: &str) -> Result<String> {
    let text = text.trim().to_ascii_lowercase();
    let (kind, rest) = text.split_once(':').unwrap_or(("user", &text));
    let (namespace, name) = rest.split_once('/').unwrap_or(("default", rest));
    let part_ok = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if kind != "user" || !part_ok(namespace) || !part_ok(name) {
        return Err(DomainError::invalid(
            "entity_ref",
            format!("'{text}' is not a catalog User reference like user:default/jane"),
        ));
    }
    Ok(format!("user:{namespace}/{name}"))
}
