//! Identity on a real database (each test on SQLite and on PostgreSQL):
//! users, sessions, tokens, throttling, first-admin setup, user changes and
//! the audit trail they leave.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use domain::identity::access::{Action, Principal, Resource};
use domain::identity::sessions::{self, Client, SessionPolicy};
use domain::identity::throttle::ThrottlePolicy;
use domain::identity::users::{self, NewUser};
use domain::identity::{audit, tokens, Identity, Settings};
use domain::{Database, DomainError};
use model::{AuditOutcome, AuditQuery, Role, TokenScope, UserChange};
use sea_orm::{ActiveModelTrait, Set};
use testkit::{on_both_databases, TestDatabase};

const PASSWORD: &str = "correct horse battery staple";

async fn open(test_db: &TestDatabase) -> Database {
    let db = Database::connect(&test_db.url, 4).await.unwrap();
    db.migrate().await.unwrap();
    db
}

fn new_user(name: &str, role: Role) -> NewUser {
    NewUser {
        username: name.to_owned(),
        email: Some(format!("{name}@example.com")),
        display_name: None,
        password: Some(PASSWORD.to_owned()),
        role,
        entity_ref: None,
    }
}

fn client() -> Client {
    Client { ip: Some("192.0.2.7".to_owned()), user_agent: Some("tests".to_owned()) }
}

fn fast_throttle() -> ThrottlePolicy {
    ThrottlePolicy {
        account_slow_after: 2,
        account_lock_after: 3,
        address_slow_after: 100,
        address_lock_after: 100,
        delay_step: std::time::Duration::from_millis(1),
        ..ThrottlePolicy::default()
    }
}

fn identity_with(throttle: ThrottlePolicy, sessions: SessionPolicy) -> Identity {
    Identity::new(Settings { throttle, sessions, ..Settings::default() })
}

async fn users_are_unique_and_validated(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let conn = db.connection();
    let jane = users::create(conn, new_user("Jane", Role::Member)).await.unwrap();
    assert_eq!(jane.username, "jane");
    assert_eq!(jane.entity_ref.as_deref(), Some("user:default/jane"));
    assert!(jane.password_hash.as_deref().unwrap().starts_with("$argon2id$"));
    assert_eq!(users::find_by_login(conn, "JANE@example.com").await.unwrap().unwrap().id, jane.id);

    let taken = users::create(conn, new_user("jane", Role::Member)).await.unwrap_err();
    assert!(matches!(taken, DomainError::Conflict(ref m) if m.contains("'jane'")), "{taken}");
    let same_email = NewUser { username: "jane2".into(), ..new_user("jane", Role::Member) };
    assert!(
        matches!(users::create(conn, same_email).await.unwrap_err(), DomainError::Conflict(m) if m.contains("email"))
    );
    let short = NewUser { password: Some("short".into()), ..new_user("bob", Role::Member) };
    assert!(
        matches!(users::create(conn, short).await.unwrap_err(), DomainError::Invalid { field, .. } if field == "password")
    );
    let bad_name = new_user("bob smith", Role::Member);
    assert!(
        matches!(users::create(conn, bad_name).await.unwrap_err(), DomainError::Invalid { field, .. } if field == "username")
    );
    assert_eq!(users::count(conn).await.unwrap(), 1, "a refused user leaves nothing behind");
    db.close().await.unwrap();
}
on_both_databases!(users_unique_and_validated, users_are_unique_and_validated);

async fn password_sign_in_makes_a_session_and_audits_it(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let conn = db.connection();
    let identity = Identity::new(Settings::default());
    users::create(conn, new_user("jane", Role::Member)).await.unwrap();

    let signed_in = identity.sign_in_with_password(conn, "jane", PASSWORD, &client()).await.unwrap();
    let principal = identity.session_principal(conn, &signed_in.session_secret).await.unwrap().unwrap();
    assert_eq!(principal.username(), Some("jane"));
    assert_eq!(principal.kind(), "user");

    let wrong = identity.sign_in_with_password(conn, "jane", "wrong password!", &client()).await.unwrap_err();
    let unknown = identity.sign_in_with_password(conn, "nobody", PASSWORD, &client()).await.unwrap_err();
    assert_eq!(wrong.to_string(), unknown.to_string(), "the error must not reveal whether the user exists");
    assert_eq!(wrong.status_code(), 401);

    identity.sign_out(conn, &signed_in.session_secret, &client()).await.unwrap();
    assert!(identity.session_principal(conn, &signed_in.session_secret).await.unwrap().is_none());

    let log = audit::list(conn, &AuditQuery { action: Some("auth.".into()), ..AuditQuery::default() }).await.unwrap();
    let summary: Vec<(&str, AuditOutcome, Option<&str>)> =
        log.events.iter().map(|e| (e.action.as_str(), e.outcome, e.ip.as_deref())).collect();
    assert_eq!(
        summary,
        vec![
            ("auth.sign_out", AuditOutcome::Success, Some("192.0.2.7")),
            ("auth.sign_in", AuditOutcome::Failure, Some("192.0.2.7")),
            ("auth.sign_in", AuditOutcome::Failure, Some("192.0.2.7")),
            ("auth.sign_in", AuditOutcome::Success, Some("192.0.2.7")),
        ]
    );
    let everything = format!("{:?}", audit::list(conn, &AuditQuery::default()).await.unwrap());
    assert!(!everything.contains(PASSWORD) && !everything.contains("wrong password!"));
    assert!(!everything.contains(&signed_in.session_secret));
    let failures =
        audit::list(conn, &AuditQuery { outcome: Some(AuditOutcome::Failure), ..AuditQuery::default() }).await.unwrap();
    assert_eq!(failures.total, 2);
    db.close().await.unwrap();
}
on_both_databases!(password_sign_in, password_sign_in_makes_a_session_and_audits_it);

async fn sessions_expire_when_idle_or_old(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let conn = db.connection();
    let user = users::create(conn, new_user("jane", Role::Member)).await.unwrap();
    let alive = SessionPolicy::default();
    let secret = sessions::create(conn, &user, "password", &client(), alive).await.unwrap();
    assert!(sessions::authenticate(conn, &secret, alive).await.unwrap().is_some());
    let idle = SessionPolicy { idle_timeout: Duration::zero(), ..alive };
    assert!(sessions::authenticate(conn, &secret, idle).await.unwrap().is_none());
    assert!(sessions::authenticate(conn, &secret, alive).await.unwrap().is_none(), "an expired session is deleted");

    let short_lived = SessionPolicy { max_age: Duration::zero(), ..alive };
    let secret = sessions::create(conn, &user, "password", &client(), short_lived).await.unwrap();
    assert!(sessions::authenticate(conn, &secret, alive).await.unwrap().is_none());
    db.close().await.unwrap();
}
on_both_databases!(session_expiry, sessions_expire_when_idle_or_old);

async fn repeated_failures_slow_down_then_lock_the_account(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let conn = db.connection();
    let identity = identity_with(fast_throttle(), SessionPolicy::default());
    users::create(conn, new_user("jane", Role::Member)).await.unwrap();
    for _ in 0..3 {
        let err = identity.sign_in_with_password(conn, "jane", "not the password", &client()).await.unwrap_err();
        assert!(matches!(err, DomainError::Unauthenticated(_)), "{err}");
    }
    let locked = identity.sign_in_with_password(conn, "jane", PASSWORD, &client()).await.unwrap_err();
    assert!(matches!(locked, DomainError::Throttled { retry_after_secs } if retry_after_secs > 0), "{locked}");
    assert_eq!(locked.status_code(), 429);
    // An unknown account name is locked the same way: nothing tells them apart.
    for _ in 0..3 {
        let _ = identity.sign_in_with_password(conn, "ghost", "not the password", &client()).await;
    }
    let ghost = identity.sign_in_with_password(conn, "ghost", PASSWORD, &client()).await.unwrap_err();
    assert_eq!(ghost.to_string(), locked.to_string());
    // Another account from another address is unaffected.
    users::create(conn, new_user("bob", Role::Member)).await.unwrap();
    let elsewhere = Client { ip: Some("198.51.100.1".into()), user_agent: None };
    assert!(identity.sign_in_with_password(conn, "bob", PASSWORD, &elsewhere).await.is_ok());
    let denied =
        audit::list(conn, &AuditQuery { outcome: Some(AuditOutcome::Denied), ..AuditQuery::default() }).await.unwrap();
    assert_eq!(denied.total, 2);
    db.close().await.unwrap();
}
on_both_databases!(brute_force, repeated_failures_slow_down_then_lock_the_account);

async fn an_address_with_many_failures_is_locked_out(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let conn = db.connection();
    let policy = ThrottlePolicy { address_slow_after: 2, address_lock_after: 4, ..fast_throttle() };
    let identity = identity_with(ThrottlePolicy { account_lock_after: 100, ..policy }, SessionPolicy::default());
    users::create(conn, new_user("jane", Role::Member)).await.unwrap();
    for n in 0..4 {
        let _ = identity.sign_in_with_password(conn, &format!("guess{n}"), "x", &client()).await;
    }
    let err = identity.sign_in_with_password(conn, "jane", PASSWORD, &client()).await.unwrap_err();
    assert!(matches!(err, DomainError::Throttled { .. }), "{err}");
    db.close().await.unwrap();
}
on_both_databases!(address_lockout, an_address_with_many_failures_is_locked_out);

async fn tokens_authenticate_until_revoked_or_expired(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let conn = db.connection();
    let identity = Identity::new(Settings::default());
    let jane = users::create(conn, new_user("jane", Role::Member)).await.unwrap();
    let bob = users::create(conn, new_user("bob", Role::Member)).await.unwrap();
    let jane_session = Principal::from_session(&jane);

    let created = identity.create_token(conn, &jane_session, "ci", TokenScope::Read, None, None).await.unwrap();
    assert!(created.token.starts_with("pt_"));
    assert!(created.token.starts_with(&created.summary.hint));
    let principal = identity.token_principal(conn, &created.token).await.unwrap().unwrap();
    assert_eq!(principal.kind(), "token");
    assert!(identity.authorize(Some(&principal), Action::Read, &Resource::Portal).is_ok());
    let write = identity.authorize(Some(&principal), Action::Write, &Resource::Portal).unwrap_err();
    assert_eq!(write.status_code(), 403);

    let stored = tokens::list_for_user(conn, &jane).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, created.token);
    assert!(!format!("{stored:?}").contains(&created.token), "the secret itself is never stored");

    let bob_session = Principal::from_session(&bob);
    let not_yours = identity.revoke_token(conn, &bob_session, &created.summary.id, None).await.unwrap_err();
    assert_eq!(not_yours.status_code(), 404);
    identity.revoke_token(conn, &jane_session, &created.summary.id, None).await.unwrap();
    assert!(identity.token_principal(conn, &created.token).await.unwrap().is_none());

    let expiring = identity.create_token(conn, &jane_session, "old", TokenScope::Write, Some(1), None).await.unwrap();
    assert!(identity.token_principal(conn, &expiring.token).await.unwrap().is_some());
    let past = tokens::ActiveModel {
        id: Set(expiring.summary.id.clone()),
        expires_at: Set(Some((chrono::Utc::now() - Duration::minutes(1)).fixed_offset())),
        ..Default::default()
    };
    past.update(conn).await.unwrap();
    assert!(identity.token_principal(conn, &expiring.token).await.unwrap().is_none());
    assert!(identity.token_principal(conn, "pt_not-a-real-token").await.unwrap().is_none());
    assert!(identity.token_principal(conn, "garbage").await.unwrap().is_none());

    let bad = identity.create_token(conn, &jane_session, " ", TokenScope::Read, None, None).await.unwrap_err();
    assert!(matches!(bad, DomainError::Invalid { field, .. } if field == "name"));
    let audited =
        audit::list(conn, &AuditQuery { action: Some("token.".into()), ..AuditQuery::default() }).await.unwrap();
    assert_eq!(audited.total, 3, "two created, one revoked");
    assert!(!format!("{audited:?}").contains(&created.token));
    db.close().await.unwrap();
}
on_both_databases!(token_lifecycle, tokens_authenticate_until_revoked_or_expired);

async fn disabling_a_user_stops_sessions_and_tokens_at_once(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let conn = db.connection();
    let identity = Identity::new(Settings::default());
    let admin = users::create(conn, new_user("root", Role::Admin)).await.unwrap();
    let jane = users::create(conn, new_user("jane", Role::Member)).await.unwrap();
    let admin = Principal::from_session(&admin);
    let session = identity.sign_in_with_password(conn, "jane", PASSWORD, &client()).await.unwrap().session_secret;
    let token = identity
        .create_token(conn, &Principal::from_session(&jane), "ci", TokenScope::Write, None, None)
        .await
        .unwrap()
        .token;

    let disable = UserChange { disabled: Some(true), ..UserChange::default() };
    identity.change_user(conn, &admin, "jane", &disable, None).await.unwrap();
    assert!(identity.session_principal(conn, &session).await.unwrap().is_none());
    assert!(identity.token_principal(conn, &token).await.unwrap().is_none());
    let err = identity.sign_in_with_password(conn, "jane", PASSWORD, &client()).await.unwrap_err();
    assert_eq!(err.to_string(), domain::identity::WRONG_CREDENTIALS);

    let enable = UserChange { disabled: Some(false), role: Some(Role::Admin), ..UserChange::default() };
    identity.change_user(conn, &admin, "jane", &enable, None).await.unwrap();
    assert!(identity.token_principal(conn, &token).await.unwrap().is_some(), "tokens work again once enabled");
    let log = audit::list(conn, &AuditQuery { action: Some("user.".into()), ..AuditQuery::default() }).await.unwrap();
    let actions: Vec<&str> = log.events.iter().map(|event| event.action.as_str()).collect();
    assert_eq!(actions, ["user.enabled", "user.role_changed", "user.disabled"]);
    assert!(log.events.iter().all(|event| event.actor.as_deref() == Some("root")));
    db.close().await.unwrap();
}
on_both_databases!(disable_user, disabling_a_user_stops_sessions_and_tokens_at_once);

async fn members_cannot_manage_users_and_the_last_admin_stays(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let conn = db.connection();
    let identity = Identity::new(Settings::default());
    let root = Principal::from_session(&users::create(conn, new_user("root", Role::Admin)).await.unwrap());
    let jane = Principal::from_session(&users::create(conn, new_user("jane", Role::Member)).await.unwrap());

    let promote = UserChange { role: Some(Role::Admin), ..UserChange::default() };
    let err = identity.change_user(conn, &jane, "jane", &promote, None).await.unwrap_err();
    assert_eq!(err.status_code(), 403);
    assert_eq!(identity.list_users(conn, Some(&jane)).await.unwrap_err().status_code(), 403);
    assert_eq!(identity.audit_log(conn, Some(&jane), &AuditQuery::default()).await.unwrap_err().status_code(), 403);
    assert_eq!(
        identity.audit_log(conn, Some(&Principal::Guest), &AuditQuery::default()).await.unwrap_err().status_code(),
        401
    );

    let demote = UserChange { role: Some(Role::Member), ..UserChange::default() };
    let err = identity.change_user(conn, &root, "root", &demote, None).await.unwrap_err();
    assert!(matches!(err, DomainError::Conflict(ref m) if m.contains("last enabled admin")), "{err}");
    let self_disable = UserChange { disabled: Some(true), ..UserChange::default() };
    assert!(identity.change_user(conn, &root, "root", &self_disable, None).await.is_err());
    assert_eq!(users::get_by_username(conn, "root").await.unwrap().role(), Role::Admin);
    db.close().await.unwrap();
}
on_both_databases!(user_management_rights, members_cannot_manage_users_and_the_last_admin_stays);

async fn the_first_admin_can_be_set_up_only_once(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let conn = db.connection();
    let identity = Identity::new(Settings::default());
    assert!(identity.needs_setup(conn).await.unwrap());
    let client = client();
    let (one, two) = tokio::join!(
        identity.set_up_first_admin(conn, new_user("first", Role::Member), &client),
        identity.set_up_first_admin(conn, new_user("second", Role::Member), &client),
    );
    assert!(one.is_ok() != two.is_ok(), "exactly one of two racing set-ups wins");
    let winner = one.or(two).unwrap();
    assert_eq!(winner.user.role(), Role::Admin, "the first user is an admin whatever was asked");
    assert!(!identity.needs_setup(conn).await.unwrap());
    let late = identity.set_up_first_admin(conn, new_user("third", Role::Admin), &client).await.unwrap_err();
    assert_eq!(late.status_code(), 404);
    assert_eq!(users::count(conn).await.unwrap(), 1);
    db.close().await.unwrap();
}
on_both_databases!(first_admin, the_first_admin_can_be_set_up_only_once);
