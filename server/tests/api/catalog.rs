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
struct CatalogApp {
    app: TestApp,
    directory: tempfile::TempDir,
}

impl CatalogApp {
    fn file(&self) -> std::path::PathBuf {
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

async fn guest_app(kind: DatabaseKind) -> CatalogApp {
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
    assert_eq!(names(&created["entities"]).len(), 2);
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
