//! Identity and access over HTTP: the sign-in boundary with guest mode off,
//! first-admin setup, sessions, CSRF, brute force, tokens, roles, disabled
//! users, the audit API and the headers on refusals.

use crate::helpers::{session_cookie, TestApp, PASSWORD};
use crate::on_both_databases;
use model::{AuditPage, Role, Viewer};

fn assert_backstage_error(body: &serde_json::Value, status: u16, name: &str) {
    assert_eq!(body["error"]["name"], name, "{body}");
    assert_eq!(body["response"]["statusCode"], status, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|message| !message.is_empty()), "{body}");
}

async fn without_a_session_pages_redirect_and_apis_answer_401(app: TestApp) {
    for path in ["/", "/catalog?kind=api", "/admin", "/settings/tokens", "/no/such/page"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 303, "{path}");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/sign-in?next="), "{path} -> {location}");
        assert!(response.headers().contains_key("content-security-policy"), "{path} has the security headers");
    }
    let refused = app.get("/api/admin/users").await;
    let headers = refused.headers();
    assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin");
    assert_eq!(app.get("/catalog?kind=api").await.headers()["location"], "/sign-in?next=%2Fcatalog%3Fkind%3Dapi");
    for path in ["/api/auth/me", "/api/admin/users", "/api/admin/audit", "/api/auth/tokens"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 401, "{path}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"portico\"");
        assert_backstage_error(&response.json().await.unwrap(), 401, "AuthenticationError");
    }
    let response = app.call_server_fn("system_status").await;
    assert_eq!(response.status(), 401, "server functions are behind sign-in too");
    let error: app::AppError = response.json().await.unwrap();
    assert!(matches!(error, app::AppError::Unauthorized(_)), "the page learns it must sign in: {error:?}");
    for path in ["/healthz", "/readyz", "/sign-in", "/setup"] {
        assert_eq!(app.get(path).await.status(), 200, "{path} is public");
    }
    let garbage = app.get_with_token("/api/auth/me", "pt_not-a-token").await;
    assert_eq!(garbage.status(), 401);
    let basic = app.client.get(app.url("/api/auth/me")).basic_auth("admin", Some("x")).send().await.unwrap();
    assert_eq!(basic.status(), 401);
    app.shut_down().await;
}
on_both_databases!(
    sign_in_boundary,
    without_a_session_pages_redirect_and_apis_answer_401,
    crate::helpers::spawn_private_app
);

async fn the_first_admin_page_works_once(app: TestApp) {
    let page = app.get("/setup").await.text().await.unwrap();
    assert!(page.contains("Create the first admin"), "the setup form is offered on a fresh install");
    let sign_in = app.get("/sign-in").await.text().await.unwrap();
    assert!(sign_in.contains("Create the first admin"), "the sign-in page points to setup");

    let form = [
        ("username", "founder"),
        ("display_name", "Fay Founder"),
        ("email", "fay@example.com"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    let response =
        app.client.post(app.url("/auth/setup")).header("origin", app.origin()).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http gets no Secure flag");
    let session = session_cookie(&response).unwrap();

    let me: Viewer = app.get_as("/api/auth/me", &session).await.json().await.unwrap();
    assert!(me.is_admin());
    assert_eq!(app.get_as("/", &session).await.status(), 200);

    let closed = app.get("/setup").await;
    assert_eq!(closed.status(), 404, "the setup page closes once a user exists");
    let again =
        app.client.post(app.url("/auth/setup")).header("origin", app.origin()).form(&form).send().await.unwrap();
    assert_eq!(again.headers()["location"], "/setup?error=closed");
    app.shut_down().await;
}
on_both_databases!(first_admin_setup, the_first_admin_page_works_once, crate::helpers::spawn_private_app);

async fn sign_in_rotates_the_session_and_sign_out_ends_it(app: TestApp) {
    app.create_user("jane", Role::Member).await;
    let wrong = app.sign_in_form("jane", "wrong password").await;
    assert_eq!(wrong.status(), 303);
    assert_eq!(wrong.headers()["location"], "/sign-in?error=invalid&next=%2Fcatalog");
    assert!(session_cookie(&wrong).is_none());

    let response = app.sign_in_form("jane@example.com", PASSWORD).await;
    assert_eq!(response.headers()["location"], "/catalog", "back to where the visitor was going");
    let first = session_cookie(&response).unwrap();
    assert_eq!(app.get_as("/catalog", &first).await.status(), 200);

    // Signing in again from the same browser replaces the session id.
    let second = app
        .client
        .post(app.url("/auth/sign-in"))
        .header("origin", app.origin())
        .header("cookie", format!("portico_session={first}"))
        .form(&[("login", "jane"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let second = session_cookie(&second).unwrap();
    assert_ne!(first, second);
    assert_eq!(app.get_as("/api/auth/me", &first).await.status(), 401, "the old session id is dead");
    assert_eq!(app.get_as("/api/auth/me", &second).await.status(), 200);

    let out = app
        .client
        .post(app.url("/auth/sign-out"))
        .header("origin", app.origin())
        .header("cookie", format!("portico_session={second}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(app.get_as("/api/auth/me", &second).await.status(), 401);
    let page = app.get_as("/", &second).await;
    assert_eq!(page.status(), 303, "a dead session is sent to sign in");
    assert!(page.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"), "and its cookie is cleared");
    app.shut_down().await;
}
on_both_databases!(
    session_rotation,
    sign_in_rotates_the_session_and_sign_out_ends_it,
    crate::helpers::spawn_private_app
);

async fn cross_origin_writes_are_refused(app: TestApp) {
    app.create_user("jane", Role::Member).await;
    let session = app.sign_in("jane").await;
    let from = |origin: Option<&str>, referer: Option<&str>| {
        let mut request = app
            .client
            .post(app.url("/api/auth/tokens"))
            .header("cookie", format!("portico_session={session}"))
            .json(&serde_json::json!({ "name": "x", "scope": "read" }));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(referer) = referer {
            request = request.header("referer", referer);
        }
        request.send()
    };
    let evil = from(Some("http://evil.example"), None).await.unwrap();
    assert_eq!(evil.status(), 403);
    assert_backstage_error(&evil.json().await.unwrap(), 403, "NotAllowedError");
    assert_eq!(from(None, None).await.unwrap().status(), 403, "no Origin and no Referer");
    assert_eq!(from(Some("null"), None).await.unwrap().status(), 403);
    let port_mismatch = format!("http://127.0.0.1:{}", app.addr.port() + 1);
    assert_eq!(from(Some(&port_mismatch), None).await.unwrap().status(), 403);
    let referer = format!("{}/settings/tokens", app.origin());
    assert_eq!(from(None, Some(&referer)).await.unwrap().status(), 201, "a same-origin Referer will do");
    assert_eq!(from(Some(&app.origin()), None).await.unwrap().status(), 201);

    let forged_sign_in = app
        .client
        .post(app.url("/auth/sign-in"))
        .header("origin", "http://evil.example")
        .form(&[("login", "jane"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged_sign_in.status(), 403, "login CSRF is refused too");
    let forged_fn = app
        .client
        .post(app.url("/api/fn/tokens/revoke"))
        .header("origin", "http://evil.example")
        .header("cookie", format!("portico_session={session}"))
        .form(&[("id", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged_fn.status(), 403, "server functions are checked too");
    let error: app::AppError = forged_fn.json().await.unwrap();
    assert!(matches!(error, app::AppError::Forbidden(_)), "{error:?}");

    // A bearer token is no ambient credential: no Origin needed.
    let token = app.create_token(&session, "write").await;
    let scripted = app
        .client
        .post(app.url("/api/auth/tokens"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "name": "from ci", "scope": "read" }))
        .send()
        .await
        .unwrap();
    assert_eq!(scripted.status(), 201);
    app.shut_down().await;
}
on_both_databases!(csrf, cross_origin_writes_are_refused, crate::helpers::spawn_private_app);

async fn repeated_failed_sign_ins_are_refused_for_a_while(app: TestApp) {
    app.create_user("jane", Role::Member).await;
    let attempt = |login: &'static str, password: &'static str| {
        app.client
            .post(app.url("/auth/sign-in"))
            .header("origin", app.origin())
            .header("accept", "application/json")
            .form(&[("login", login), ("password", password)])
            .send()
    };
    let unknown: serde_json::Value = attempt("nobody", "wrong password").await.unwrap().json().await.unwrap();
    let wrong: serde_json::Value = attempt("jane", "wrong password").await.unwrap().json().await.unwrap();
    assert_eq!(unknown["error"]["message"], wrong["error"]["message"], "no hint whether the user exists");
    assert_backstage_error(&wrong, 401, "AuthenticationError");
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(attempt("jane", "wrong password").await.unwrap().status().as_u16());
    }
    assert!(statuses.contains(&429), "failures end in refusal: {statuses:?}");
    let locked = attempt("jane", PASSWORD).await.unwrap();
    assert_eq!(locked.status(), 429, "even the right password waits out the lock");
    let retry_after: u64 = locked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 60, "{retry_after}");
    let form = app.sign_in_form("jane", PASSWORD).await;
    assert!(form.headers()["location"].to_str().unwrap().starts_with("/sign-in?error=locked&retry=15"));
    app.shut_down().await;
}
on_both_databases!(brute_force, repeated_failed_sign_ins_are_refused_for_a_while, crate::helpers::spawn_private_app);

async fn tokens_work_on_every_api_route_within_their_scope(app: TestApp) {
    app.create_user("jane", Role::Member).await;
    let session = app.sign_in("jane").await;
    let read = app.create_token(&session, "read").await;
    let me: Viewer = app.get_with_token("/api/auth/me", &read).await.json().await.unwrap();
    assert_eq!(me.user().unwrap().username, "jane");
    let listed = app.get_with_token("/api/auth/tokens", &read).await;
    assert_eq!(listed.status(), 200);
    let text = listed.text().await.unwrap();
    assert!(!text.contains(&read), "listing never shows a secret");
    let page = app.get_with_token("/catalog", &read).await;
    assert_eq!(page.status(), 200, "pages accept tokens too");
    let status = app.client.post(app.url("/api/fn/system_status")).bearer_auth(&read).send().await.unwrap();
    assert_eq!(status.status(), 200, "server functions accept tokens");

    let write_with_read = app
        .client
        .post(app.url("/api/auth/tokens"))
        .bearer_auth(&read)
        .json(&serde_json::json!({ "name": "more", "scope": "write" }))
        .send()
        .await
        .unwrap();
    assert_eq!(write_with_read.status(), 403);
    assert_backstage_error(&write_with_read.json().await.unwrap(), 403, "NotAllowedError");

    let tokens: Vec<model::TokenSummary> = app.get_with_token("/api/auth/tokens", &read).await.json().await.unwrap();
    let revoke = app
        .client
        .delete(app.url(&format!("/api/auth/tokens/{}", tokens[0].id)))
        .header("origin", app.origin())
        .header("cookie", format!("portico_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 204);
    let after = app.get_with_token("/api/auth/me", &read).await;
    assert_eq!(after.status(), 401, "a revoked token stops at once");
    assert_backstage_error(&after.json().await.unwrap(), 401, "AuthenticationError");

    let expiring = app
        .client
        .post(app.url("/api/auth/tokens"))
        .header("origin", app.origin())
        .header("cookie", format!("portico_session={session}"))
        .json(&serde_json::json!({ "name": "short", "scope": "read", "expiresInDays": 1 }))
        .send()
        .await
        .unwrap();
    let expiring: model::CreatedToken = expiring.json().await.unwrap();
    assert!(expiring.summary.expires_at.is_some());
    assert_eq!(app.get_with_token("/api/auth/me", &expiring.token).await.status(), 200);
    {
        use domain::identity::tokens;
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let database = app.database().await;
        let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).fixed_offset();
        tokens::Entity::update_many()
            .col_expr(tokens::Column::ExpiresAt, Expr::value(past))
            .filter(tokens::Column::Id.eq(expiring.summary.id.clone()))
            .exec(database.connection())
            .await
            .unwrap();
        database.close().await.unwrap();
    }
    assert_eq!(app.get_with_token("/api/auth/me", &expiring.token).await.status(), 401, "an expired token");
    assert_eq!(app.get_with_token("/catalog", &expiring.token).await.status(), 401, "everywhere");
    app.shut_down().await;
}
on_both_databases!(token_scopes, tokens_work_on_every_api_route_within_their_scope, crate::helpers::spawn_private_app);

async fn members_are_kept_out_of_admin_pages_and_apis(app: TestApp) {
    app.create_user("root", Role::Admin).await;
    app.create_user("jane", Role::Member).await;
    let admin = app.sign_in("root").await;
    let member = app.sign_in("jane").await;
    let member_token = app.create_token(&member, "write").await;

    for path in ["/admin", "/admin/audit"] {
        let page = app.get_as(path, &member).await;
        assert_eq!(page.status(), 403, "{path}");
        assert!(page.text().await.unwrap().contains("Admins only"));
        assert_eq!(app.get_as(path, &admin).await.status(), 200, "{path} for an admin");
    }
    for path in ["/api/admin/users", "/api/admin/audit"] {
        let response = app.get_as(path, &member).await;
        assert_eq!(response.status(), 403, "{path}");
        assert_backstage_error(&response.json().await.unwrap(), 403, "NotAllowedError");
        assert_eq!(app.get_with_token(path, &member_token).await.status(), 403, "{path} with a token");
    }
    // Calling the admin server functions directly does not get around it.
    assert_eq!(app.server_fn_as("admin/users", Some(&member), "").await.status(), 403);
    let promote = app
        .client
        .post(app.url("/api/fn/admin/update_user"))
        .header("origin", app.origin())
        .header("cookie", format!("portico_session={member}"))
        .json(&serde_json::json!({ "username": "jane", "change": { "role": "admin" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(promote.status(), 403);
    let patch = app
        .client
        .patch(app.url("/api/admin/users/jane"))
        .bearer_auth(&member_token)
        .json(&serde_json::json!({ "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), 403);
    let me: Viewer = app.get_as("/api/auth/me", &member).await.json().await.unwrap();
    assert_eq!(me.user().unwrap().role, Role::Member, "still a member");

    let users: Vec<model::UserSummary> = app.get_as("/api/admin/users", &admin).await.json().await.unwrap();
    assert_eq!(users.iter().map(|user| user.username.as_str()).collect::<Vec<_>>(), ["jane", "root"]);
    let listed = app.server_fn_as("admin/users", Some(&admin), "").await;
    assert_eq!(listed.status(), 200);
    app.shut_down().await;
}
on_both_databases!(admin_only, members_are_kept_out_of_admin_pages_and_apis, crate::helpers::spawn_private_app);

async fn a_disabled_user_is_locked_out_at_once(app: TestApp) {
    app.create_user("root", Role::Admin).await;
    app.create_user("jane", Role::Member).await;
    let admin = app.sign_in("root").await;
    let member = app.sign_in("jane").await;
    let token = app.create_token(&member, "read").await;
    let disable = app
        .client
        .patch(app.url("/api/admin/users/jane"))
        .header("origin", app.origin())
        .header("cookie", format!("portico_session={admin}"))
        .json(&serde_json::json!({ "disabled": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(disable.status(), 200);
    assert_eq!(app.get_as("/api/auth/me", &member).await.status(), 401);
    assert_eq!(app.get_as("/catalog", &member).await.status(), 303, "pages go to sign-in");
    assert_eq!(app.get_with_token("/api/auth/me", &token).await.status(), 401);
    let again = app.sign_in_form("jane", PASSWORD).await;
    assert_eq!(again.headers()["location"], "/sign-in?error=invalid&next=%2Fcatalog");

    let audit: AuditPage = app.get_as("/api/admin/audit?actor=root&action=user.", &admin).await.json().await.unwrap();
    assert_eq!(audit.events[0].action, "user.disabled");
    assert_eq!(audit.events[0].target.as_deref(), Some("jane"));
    assert_eq!(audit.events[0].ip.as_deref(), Some("127.0.0.1"));
    app.shut_down().await;
}
on_both_databases!(disabled_user, a_disabled_user_is_locked_out_at_once, crate::helpers::spawn_private_app);

async fn an_expired_session_sends_the_browser_to_sign_in(app: TestApp) {
    use domain::identity::sessions;
    use sea_orm::sea_query::Expr;
    use sea_orm::EntityTrait;
    app.create_user("jane", Role::Member).await;
    let session = app.sign_in("jane").await;
    assert_eq!(app.get_as("/", &session).await.status(), 200);
    let database = app.database().await;
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).fixed_offset();
    sessions::Entity::update_many()
        .col_expr(sessions::Column::ExpiresAt, Expr::value(past))
        .exec(database.connection())
        .await
        .unwrap();
    database.close().await.unwrap();
    let page = app.get_as("/", &session).await;
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/sign-in?next=%2F");
    assert_eq!(app.get_as("/api/auth/me", &session).await.status(), 401);
    app.shut_down().await;
}
on_both_databases!(expired_session, an_expired_session_sends_the_browser_to_sign_in, crate::helpers::spawn_private_app);

async fn sign_ins_and_failures_are_in_the_audit_api(app: TestApp) {
    app.create_user("root", Role::Admin).await;
    let _ = app.sign_in_form("root", "not my password").await;
    let admin = app.sign_in("root").await;
    let page: AuditPage =
        app.get_as("/api/admin/audit?action=auth.sign_in&outcome=failure", &admin).await.json().await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.events[0].target.as_deref(), Some("root"));
    assert_eq!(page.events[0].ip.as_deref(), Some("127.0.0.1"));
    let all = app.get_as("/api/admin/audit", &admin).await.text().await.unwrap();
    assert!(!all.contains(PASSWORD) && !all.contains("not my password") && !all.contains(&admin));
    let broken = app
        .client
        .patch(app.url("/api/admin/users/root"))
        .header("origin", app.origin())
        .header("cookie", format!("portico_session={admin}"))
        .header("content-type", "application/json")
        .body(r#"{"role": "owner"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    let body: serde_json::Value = broken.json().await.unwrap();
    assert_backstage_error(&body, 400, "InputError");
    assert!(body["error"]["message"].as_str().unwrap().contains("role"), "{body}");
    let bad = app.get_as("/api/admin/audit?outcome=maybe", &admin).await;
    assert_eq!(bad.status(), 400);
    assert_backstage_error(&bad.json().await.unwrap(), 400, "InputError");
    app.shut_down().await;
}
on_both_databases!(audit_api, sign_ins_and_failures_are_in_the_audit_api, crate::helpers::spawn_private_app);

async fn guests_read_but_never_write(app: TestApp) {
    assert_eq!(app.get("/").await.status(), 200);
    let me: Viewer = app.get("/api/auth/me").await.json().await.unwrap();
    assert_eq!(me, Viewer::Guest);
    let write = app
        .client
        .post(app.url("/api/auth/tokens"))
        .header("origin", app.origin())
        .json(&serde_json::json!({ "name": "x", "scope": "read" }))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 401, "a guest must sign in to write");
    let admin = app.get("/admin").await;
    assert_eq!(admin.status(), 303, "guests are sent to sign in for admin pages");
    assert!(admin.headers()["location"].to_str().unwrap().starts_with("/sign-in?next=/admin"));
    assert_eq!(app.get("/api/admin/users").await.status(), 401);
    let html = app.get("/").await.text().await.unwrap();
    assert!(html.contains("Guest") && html.contains("Read-only access"));
    app.shut_down().await;
}
on_both_databases!(guest_mode, guests_read_but_never_write);

async fn spawn_with_unreachable_sso(kind: model::DatabaseKind) -> TestApp {
    let toml = "[auth.oidc]\nissuer = \"http://127.0.0.1:9/\"\nclient_id = \"portico\"\nclient_secret = \"s\"\nlabel = \"Example SSO\"\n";
    crate::helpers::spawn_app_with(kind, toml).await
}

async fn single_sign_on_refuses_callbacks_it_did_not_start(app: TestApp) {
    let page = app.get("/sign-in").await.text().await.unwrap();
    assert!(page.contains("Sign in with Example SSO"), "the configured provider is offered");
    // The provider is down: starting fails with a message, not an error page.
    let start = app.get("/auth/oidc/start?next=/catalog").await;
    assert_eq!(start.status(), 303);
    assert_eq!(start.headers()["location"], "/sign-in?error=oidc_failed");
    // A callback without the state cookie of this browser is refused before
    // anything is sent to the provider (login CSRF).
    let forged = app.get("/auth/oidc/callback?code=stolen&state=guessed").await;
    assert_eq!(forged.headers()["location"], "/sign-in?error=oidc_failed");
    assert!(session_cookie(&forged).is_none());
    let mismatched = app
        .client
        .get(app.url("/auth/oidc/callback?code=stolen&state=guessed"))
        .header("cookie", "portico_oidc_state=another")
        .send()
        .await
        .unwrap();
    assert_eq!(mismatched.headers()["location"], "/sign-in?error=oidc_failed");
    let denied = app.get("/auth/oidc/callback?error=access_denied").await;
    assert_eq!(denied.headers()["location"], "/sign-in?error=oidc_failed");
    assert_eq!(app.get("/api/auth/me").await.status(), 401, "nobody got signed in");
    app.shut_down().await;
}
on_both_databases!(
    oidc_refusals,
    single_sign_on_refuses_callbacks_it_did_not_start,
    crate::auth::spawn_with_unreachable_sso
);
