//! The Backstage catalog REST API over HTTP (each test on SQLite and on
//! PostgreSQL): entity reads and queries, locations, refresh, ownership
//! rules for changes, and the audit entries writes leave.

use crate::helpers::{config_from, start, TestApp};
use model::{DatabaseKind, Role};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use testkit::TestDatabase;

const CATALOG: &str = r#"apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
  title: Team A
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-b
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: jane
spec:
  profile:
    email: jane@example.com
  memberOf: [team-a]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  description: Takes the money
  tags: [java, payments]
spec:
  type: service
  lifecycle: production
  owner: team-a
  providesApis: [checkout-api]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: storefront
  tags: [typescript]
spec:
  type: website
  lifecycle: experimental
  owner: team-b
  consumesApis: [checkout-api]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: checkout-api
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition: "openapi: 3.0.0"
"#;

/// A running Portico whose configuration names one catalog file.
pub struct CatalogApp {
    pub app: TestApp,
    directory: tempfile::TempDir,
}

impl CatalogApp {
    pub fn file(&self) -> std::path::PathBuf {
        self.directory.path().join("catalog-info.yaml")
    }
}

async fn spawn_with_catalog(kind: DatabaseKind, guest: bool) -> CatalogApp {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("catalog-info.yaml");
    std::fs::write(&file, CATALOG).unwrap();
    let toml =
        format!("[auth]\nguest = {guest}\n[[catalog.locations]]\ntype = \"file\"\ntarget = \"{}\"\n", file.display());
    let database = TestDatabase::new(kind).await;
    let app = start(config_from(&database.url, &toml), database).await;
    app.wait_until_ready().await;
    wait_for(&app, "/api/catalog/entities/by-name/api/default/checkout-api").await;
    CatalogApp { app, directory }
}

pub async fn guest_app(kind: DatabaseKind) -> CatalogApp {
    spawn_with_catalog(kind, true).await
}

async fn wait_for(app: &TestApp, path: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let response = app.get(path).await;
        if response.status() == StatusCode::OK {
            return response.json().await.unwrap();
        }
        assert!(Instant::now() < deadline, "{path} did not appear");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn json(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

fn names(items: &Value) -> Vec<String> {
    items.as_array().unwrap().iter().map(|e| e["metadata"]["name"].as_str().unwrap().to_owned()).collect()
}

async fn entity_reads_follow_backstage(catalog: CatalogApp) {
    let app = &catalog.app;
    let checkout = json(app, "/api/catalog/entities/by-name/Component/default/Checkout").await;
    assert_eq!(checkout["metadata"]["name"], "checkout");
    assert_eq!(checkout["metadata"]["namespace"], "default");
    let relations = checkout["relations"].as_array().unwrap();
    assert!(relations.contains(&json!({"type": "ownedBy", "targetRef": "group:default/team-a"})));
    assert!(relations.contains(&json!({"type": "providesApi", "targetRef": "api:default/checkout-api"})));
    let uid = checkout["metadata"]["uid"].as_str().unwrap();
    assert_eq!(json(app, &format!("/api/catalog/entities/by-uid/{uid}")).await["metadata"]["name"], "checkout");

    let missing = app.get("/api/catalog/entities/by-name/component/default/nope").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["name"], "NotFoundError");
    assert_eq!(body["response"]["statusCode"], 404);

    // GET /entities: filter (OR of ANDs), fields, order, limit with a Link header.
    let components =
        json(app, "/api/catalog/entities?filter=kind=component&order=desc:metadata.name&fields=metadata.name,kind")
            .await;
    assert_eq!(
        components,
        json!([{"kind": "Component", "metadata": {"name": "storefront"}}, {"kind": "Component", "metadata": {"name": "checkout"}}])
    );
    let either =
        json(app, "/api/catalog/entities?filter=kind=api&filter=kind=group,metadata.name=team-b&fields=metadata.name")
            .await;
    assert_eq!(names(&either).len(), 2);
    let first = app.get("/api/catalog/entities?filter=kind=group&limit=1&order=asc:metadata.name").await;
    let link = first.headers().get("link").unwrap().to_str().unwrap().to_owned();
    assert!(link.contains("after=") && link.ends_with("rel=\"next\""), "{link}");
    assert_eq!(names(&first.json::<Value>().await.unwrap()), ["team-a"]);
    let next_path = link.trim_start_matches('<').split('>').next().unwrap();
    assert_eq!(names(&json(app, next_path).await), ["team-b"]);

    // by-query: totalItems, cursors, full text.
    let page =
        json(app, "/api/catalog/entities/by-query?filter=kind=component,kind=api&orderField=metadata.name,asc&limit=2")
            .await;
    assert_eq!(page["totalItems"], 3);
    assert_eq!(names(&page["items"]), ["checkout", "checkout-api"]);
    let cursor = page["pageInfo"]["nextCursor"].as_str().unwrap();
    let next = json(app, &format!("/api/catalog/entities/by-query?cursor={cursor}&limit=2")).await;
    assert_eq!(names(&next["items"]), ["storefront"]);
    assert!(next["pageInfo"].get("nextCursor").is_none());
    assert!(next["pageInfo"]["prevCursor"].is_string());
    let text =
        json(app, "/api/catalog/entities/by-query?fullTextFilterTerm=CHECK&fullTextFilterFields=metadata.name").await;
    assert_eq!(text["totalItems"], 2);
    let bad = app.get("/api/catalog/entities/by-query?cursor=garbage").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // Facets count among the filtered entities.
    let facets =
        json(app, "/api/catalog/entity-facets?facet=kind&facet=metadata.tags&filter=spec.lifecycle=production").await;
    assert_eq!(facets["facets"]["kind"], json!([{"value": "API", "count": 1}, {"value": "Component", "count": 1}]));
    assert_eq!(
        facets["facets"]["metadata.tags"],
        json!([{"value": "java", "count": 1}, {"value": "payments", "count": 1}])
    );

    // by-refs keeps the order asked for, with null for unknown references.
    let response = app
        .client
        .post(app.url("/api/catalog/entities/by-refs"))
        .json(&json!({"entityRefs": ["group:team-b", "component:default/nope", "component:checkout"], "fields": ["metadata.name"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"items": [{"metadata": {"name": "team-b"}}, null, {"metadata": {"name": "checkout"}}]})
    );

    // The generated Location entity and the location the file came from.
    let location = json(app, "/api/catalog/locations/by-entity/component/default/checkout").await;
    assert_eq!(location["type"], "file");
    assert_eq!(location["target"], catalog.file().display().to_string());
    let listed = json(app, "/api/catalog/locations").await;
    assert_eq!(listed[0]["data"]["id"], location["id"]);
    let ancestry = json(app, "/api/catalog/entities/by-name/component/default/checkout/ancestry").await;
    assert_eq!(ancestry["rootEntityRef"], "component:default/checkout");
    assert!(ancestry["items"][1]["entity"]["metadata"]["name"].as_str().unwrap().starts_with("generated-"));
}
crate::on_both_databases!(entity_reads, entity_reads_follow_backstage, crate::catalog::guest_app);

async fn post_json(app: &TestApp, path: &str, session: Option<&str>, body: Value) -> reqwest::Response {
    let mut request = app.client.post(app.url(path)).header("origin", app.origin()).json(&body);
    if let Some(session) = session {
        request = request.header("cookie", format!("portico_session={session}"));
    }
    request.send().await.unwrap()
}

async fn delete_as(app: &TestApp, path: &str, session: &str) -> reqwest::Response {
    app.client
        .delete(app.url(path))
        .header("origin", app.origin())
        .header("cookie", format!("portico_session={session}"))
        .send()
        .await
        .unwrap()
}

async fn locations_are_registered_previewed_and_removed(catalog: CatalogApp) {
    let app = &catalog.app;
    app.create_user("jane", Role::Member).await;
    app.create_user("omar", Role::Member).await;
    app.create_user("root", Role::Admin).await;
    let jane = app.sign_in("jane").await;
    let omar = app.sign_in("omar").await;
    let extra = catalog.directory.path().join("extra.yaml");
    std::fs::write(&extra, "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: orders-db\nspec:\n  type: database\n  owner: team-a\n").unwrap();
    let body = json!({"type": "file", "target": extra.display().to_string()});

    // Guests cannot write; a preview (dry run) is a read.
    assert_eq!(post_json(app, "/api/catalog/locations", None, body.clone()).await.status(), StatusCode::UNAUTHORIZED);
    let preview = post_json(app, "/api/catalog/locations?dryRun=true", None, body.clone()).await;
    assert_eq!(preview.status(), StatusCode::CREATED);
    let preview: Value = preview.json().await.unwrap();
    assert_eq!(preview["entities"][1]["metadata"]["name"], "orders-db");
    assert_eq!(
        app.get("/api/catalog/entities/by-name/resource/default/orders-db").await.status(),
        StatusCode::NOT_FOUND
    );

    let created = post_json(app, "/api/catalog/locations", Some(&jane), body.clone()).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let id = created["location"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["location"]["type"], "file");
    // Like Backstage, a real registration answers with an empty entity list.
    assert_eq!(created["entities"], json!([]));
    json(app, "/api/catalog/entities/by-name/resource/default/orders-db").await;
    let again = post_json(app, "/api/catalog/locations", Some(&jane), body.clone()).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(again.json::<Value>().await.unwrap()["error"]["name"], "ConflictError");
    let bad = post_json(app, "/api/catalog/locations", Some(&jane), json!({"type": "svn", "target": "x"})).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("unknown location type"));

    // Only whoever registered it (or an admin) removes it, and its entities go with it.
    assert_eq!(delete_as(app, &format!("/api/catalog/locations/{id}"), &omar).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(delete_as(app, &format!("/api/catalog/locations/{id}"), &jane).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/catalog/entities/by-name/resource/default/orders-db").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&format!("/api/catalog/locations/{id}")).await.status(), StatusCode::NOT_FOUND);

    let admin = app.sign_in("root").await;
    let audit = app.get_as("/api/admin/audit?action=catalog.location_registered", &admin).await;
    let audit: Value = audit.json().await.unwrap();
    assert_eq!(audit["events"][0]["actor"], "jane");
    assert_eq!(audit["events"][0]["target"], format!("file:{}", extra.display()));
    let removed: Value =
        app.get_as("/api/admin/audit?action=catalog.location_removed", &admin).await.json().await.unwrap();
    assert_eq!(removed["events"][0]["actor"], "jane");
}
crate::on_both_databases!(locations, locations_are_registered_previewed_and_removed, crate::catalog::guest_app);

async fn owners_refresh_and_unregister_what_they_own(catalog: CatalogApp) {
    let app = &catalog.app;
    app.create_user("jane", Role::Member).await; // the catalog's user:default/jane, a member of team-a
    app.create_user("omar", Role::Member).await;
    let jane = app.sign_in("jane").await;
    let omar = app.sign_in("omar").await;

    // A change in the file shows after POST /refresh by an owner.
    std::fs::write(catalog.file(), CATALOG.replace("Takes the money", "Takes the money, fast")).unwrap();
    let refresh = |session| {
        post_json(app, "/api/catalog/refresh", Some(session), json!({"entityRef": "component:default/checkout"}))
    };
    assert_eq!(refresh(&omar).await.status(), StatusCode::FORBIDDEN);
    let started = Instant::now();
    assert_eq!(refresh(&jane).await.status(), StatusCode::OK);
    let checkout = json(app, "/api/catalog/entities/by-name/component/default/checkout").await;
    assert_eq!(checkout["metadata"]["description"], "Takes the money, fast");
    assert!(started.elapsed() < Duration::from_secs(5));

    // Unregistering: owners yes, others no.
    let storefront = json(app, "/api/catalog/entities/by-name/component/default/storefront").await;
    let storefront_uid = storefront["metadata"]["uid"].as_str().unwrap();
    assert_eq!(
        delete_as(app, &format!("/api/catalog/entities/by-uid/{storefront_uid}"), &jane).await.status(),
        StatusCode::FORBIDDEN
    );
    let uid = checkout["metadata"]["uid"].as_str().unwrap();
    assert_eq!(
        delete_as(app, &format!("/api/catalog/entities/by-uid/{uid}"), &jane).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/catalog/entities/by-name/component/default/checkout").await.status(),
        StatusCode::NOT_FOUND
    );

    // A read-only token cannot write even for an owner.
    let token = app.create_token(&jane, "read").await;
    let response = app
        .client
        .post(app.url("/api/catalog/refresh"))
        .bearer_auth(&token)
        .json(&json!({"entityRef": "api:default/checkout-api"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // The webhook for a location brings the deleted entity back with the file.
    let location = json(app, "/api/catalog/locations/by-entity/api/default/checkout-api").await;
    let write_token = app.create_token(&jane, "write").await;
    let response = app
        .client
        .post(app.url(&format!("/api/catalog/locations/{}/refresh", location["id"].as_str().unwrap())))
        .bearer_auth(&write_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    json(app, "/api/catalog/entities/by-name/component/default/checkout").await;
}
crate::on_both_databases!(ownership, owners_refresh_and_unregister_what_they_own, crate::catalog::guest_app);

async fn private_app(kind: DatabaseKind) -> CatalogApp {
    let directory = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(kind).await;
    let app = start(config_from(&database.url, "[auth]\nguest = false\n"), database).await;
    app.wait_until_ready().await;
    CatalogApp { app, directory }
}

async fn without_guest_mode_every_catalog_route_needs_a_sign_in(catalog: CatalogApp) {
    let app = &catalog.app;
    for path in [
        "/api/catalog/entities",
        "/api/catalog/entities/by-query",
        "/api/catalog/entity-facets?facet=kind",
        "/api/catalog/locations",
        "/api/catalog/entities/by-name/component/default/x",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
}
crate::on_both_databases!(private, without_guest_mode_every_catalog_route_needs_a_sign_in, crate::catalog::private_app);

async fn validation_and_analysis(catalog: CatalogApp) {
    let app = &catalog.app;
    let valid = json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "x"},
                       "spec": {"type": "service", "lifecycle": "production", "owner": "team-a"}});
    let ok = post_json(
        app,
        "/api/catalog/validate-entity",
        None,
        json!({"entity": valid, "location": "url:https://example.com/x.yaml"}),
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let invalid = json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "bad name"}, "spec": {}});
    let refused = post_json(
        app,
        "/api/catalog/validate-entity",
        None,
        json!({"entity": invalid, "location": "url:https://example.com/x.yaml"}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let errors: Value = refused.json().await.unwrap();
    let messages: Vec<&str> =
        errors["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.starts_with("metadata.name:")), "{messages:?}");

    let analysis = post_json(
        app,
        "/api/catalog/analyze-location",
        None,
        json!({"location": {"type": "file", "target": catalog.file().display().to_string()}}),
    )
    .await;
    assert_eq!(analysis.status(), StatusCode::OK);
    let analysis: Value = analysis.json().await.unwrap();
    assert_eq!(analysis["existingEntityFiles"].as_array().unwrap().len(), 6);
    assert_eq!(analysis["existingEntityFiles"][0]["isRegistered"], true);
}
crate::on_both_databases!(validation, validation_and_analysis, crate::catalog::guest_app);

/// The page's HTML without Leptos's hydration markers.
async fn page(app: &TestApp, path: &str, session: Option<&str>) -> (StatusCode, String) {
    let response = match session {
        Some(session) => app.get_as(path, session).await,
        None => app.get(path).await,
    };
    let status = response.status();
    (status, response.text().await.unwrap().replace("<!>", ""))
}

async fn the_catalog_page_filters_counts_sorts_and_pages(catalog: CatalogApp) {
    let app = &catalog.app;
    let (status, html) = page(app, "/catalog", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(">Checkout</a>") || html.contains(">checkout</a>"), "rows link to entities");
    assert!(html.contains("href=\"/catalog/default/component/checkout\""));
    assert!(html.contains("1–7 of 7"), "six entities and the generated Location");
    // Facets link to the filtered view and count under the other filters.
    assert!(html.contains("href=\"/catalog?kind=Component\""), "{html}");
    let (_, components) = page(app, "/catalog?kind=Component", None).await;
    assert!(components.contains("1–2 of 2"));
    assert!(components.contains("data-testid=\"facet-kind-Component\""));
    assert!(components.contains("aria-checked=\"true\""));
    let lifecycle = components.split("data-testid=\"facet-lifecycle-experimental\"").nth(1).unwrap();
    assert!(lifecycle.contains("facet-count\">1<"), "lifecycle counted among components");
    let kinds = components.split("data-testid=\"facet-kind-Group\"").nth(1).unwrap();
    assert!(kinds.contains("facet-count\">2<"), "the kind facet ignores its own selection");
    // Text filter, sorting, paging state in links.
    let (_, text) = page(app, "/catalog?q=money", None).await;
    assert!(text.contains("1–1 of 1") && text.contains("Takes the money"));
    let (_, sorted) = page(app, "/catalog?kind=Component&sort=name&dir=desc", None).await;
    let storefront = sorted.find("/catalog/default/component/storefront").unwrap();
    let checkout = sorted.find("/catalog/default/component/checkout\"").unwrap();
    assert!(storefront < checkout, "descending by name");
    assert!(sorted.contains("aria-sort=\"descending\""));
    let (_, nothing) = page(app, "/catalog?kind=Component&tag=nope", None).await;
    assert!(nothing.contains("Nothing matches these filters"));

    // "Owned by my teams" and "Starred" for a signed-in user linked by email.
    app.create_user("jane", Role::Member).await;
    let jane = app.sign_in("jane").await;
    let (_, mine) = page(app, "/catalog?mine=1", Some(&jane)).await;
    assert!(mine.contains("1–2 of 2"), "team-a owns checkout and checkout-api");
    let starred =
        app.server_fn_as("catalog/star", Some(&jane), "entity_ref=component%3Adefault%2Fstorefront&star=true").await;
    assert_eq!(starred.status(), 200);
    let (_, stars) = page(app, "/catalog?starred=1", Some(&jane)).await;
    assert!(stars.contains("1–1 of 1") && stars.contains("/catalog/default/component/storefront"));
}
crate::on_both_databases!(catalog_page, the_catalog_page_filters_counts_sorts_and_pages, crate::catalog::guest_app);

async fn the_entity_page_shows_ownership_relations_and_origin(catalog: CatalogApp) {
    let app = &catalog.app;
    let (status, html) = page(app, "/catalog/default/component/storefront", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(">storefront</h1>"));
    assert!(html.contains("href=\"/catalog/default/group/team-b\""), "owner links to the group");
    assert!(html.contains("Consumes APIs") && html.contains("href=\"/catalog/default/api/checkout-api\""));
    assert!(html.contains("class=\"graph-canvas\""), "a relation graph");
    assert!(html.contains(&format!("file:{}", catalog.file().display())), "where it came from");
    assert!(!html.contains(">Refresh<"), "guests cannot refresh");
    // A group page lists what the group owns; the API page its definition.
    let (_, group) = page(app, "/catalog/default/group/team-a", None).await;
    assert!(group.contains("Owned by this group") && group.contains("href=\"/catalog/default/component/checkout\""));
    let (_, api) = page(app, "/catalog/default/api/checkout-api", None).await;
    assert!(api.contains("Definition") && api.contains("tok-key"));
    // Owners see refresh and unregister; others do not.
    app.create_user("jane", Role::Member).await;
    let jane = app.sign_in("jane").await;
    let (_, owned) = page(app, "/catalog/default/component/checkout", Some(&jane)).await;
    assert!(owned.contains(">Refresh<") && owned.contains(">Unregister<"));
    let (_, other) = page(app, "/catalog/default/component/storefront", Some(&jane)).await;
    assert!(!other.contains(">Unregister<"));
    let (status, missing) = page(app, "/catalog/default/component/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("No such entity"));
    // A relation to an entity that does not exist is shown as missing.
    std::fs::write(catalog.file(), CATALOG.replace("owner: team-b", "owner: ghost-team")).unwrap();
    let location = json(app, "/api/catalog/locations/by-entity/component/default/storefront").await;
    app.create_user("root", Role::Admin).await;
    let root = app.sign_in("root").await;
    let refreshed = post_json(
        app,
        &format!("/api/catalog/locations/{}/refresh", location["id"].as_str().unwrap()),
        Some(&root),
        json!({}),
    )
    .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let (_, ghost) = page(app, "/catalog/default/component/storefront", None).await;
    assert!(ghost.contains("missing-ref") && ghost.contains("ghost-team"));
    let (_, health) = page(app, "/catalog/health", None).await;
    assert!(health.contains("References to missing entities") && health.contains("group:default/ghost-team"));
}
crate::on_both_databases!(entity_page, the_entity_page_shows_ownership_relations_and_origin, crate::catalog::guest_app);

async fn health_and_register_pages_show_problems_before_and_after_import(catalog: CatalogApp) {
    let app = &catalog.app;
    app.create_user("jane", Role::Member).await;
    let jane = app.sign_in("jane").await;
    let broken = catalog.directory.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: half\nspec:\n  type: service\n  owner: team-a\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: fine\nspec:\n  type: team\n  children: []\n",
    )
    .unwrap();
    let body = format!("kind=file&target={}", crate::helpers::encode(&broken.display().to_string()));
    let preview = app.server_fn_as("catalog/preview", Some(&jane), &body).await;
    assert_eq!(preview.status(), 200);
    let preview: Value = preview.json().await.unwrap();
    assert_eq!(preview["registered"], false);
    assert_eq!(preview["problems"][0]["field"], "spec.lifecycle");
    assert_eq!(preview["problems"][0]["line"], 5);
    let guest = app.server_fn_as("catalog/preview", None, &body).await;
    assert_eq!(guest.status(), 401, "guests cannot register");
    let imported = app.server_fn_as("catalog/register", Some(&jane), &body).await;
    assert_eq!(imported.status(), 200);
    let imported: Value = imported.json().await.unwrap();
    assert_eq!(imported["registered"], true);
    json(app, "/api/catalog/entities/by-name/group/default/fine").await;
    let (_, health) = page(app, "/catalog/health", None).await;
    assert!(health.contains(&format!("file: {}", broken.display())) || health.contains(&broken.display().to_string()));
    assert!(health.contains("document 1 · line 5 · spec.lifecycle"), "{health}");
    assert!(health.contains("is required"));
    let (_, register) = page(app, "/catalog/register", Some(&jane)).await;
    assert!(register.contains("Register existing component") && register.contains("name=\"target\""));
}
crate::on_both_databases!(
    health_and_register,
    health_and_register_pages_show_problems_before_and_after_import,
    crate::catalog::guest_app
);
