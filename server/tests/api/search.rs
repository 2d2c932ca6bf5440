//! Search over HTTP (each test on SQLite and on PostgreSQL): Backstage's
//! `/api/search/query` shape and paging, odd input that never fails, a
//! catalog change becoming searchable, and two `portico` processes on one
//! database whose indexes both follow it.

use crate::catalog::CatalogApp;
use crate::helpers::{encode, TestApp};
use crate::on_both_databases;
use crate::process::{free_addr, portico, terminate, wait_until_ready};
use reqwest::StatusCode;
use serde_json::Value;
use std::process::Stdio;
use std::time::{Duration, Instant};
use testkit::TestDatabase;

async fn search(app: &TestApp, query: &str) -> Value {
    let response = app.get(&format!("/api/search/query?{query}")).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.unwrap()
}

/// Waits until `query` finds at least `count` results (the index is built
/// in the background and follows changes).
async fn until_found(app: &TestApp, query: &str, count: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = search(app, query).await;
        if found["numberOfResults"].as_u64().unwrap_or(0) >= count {
            return found;
        }
        assert!(Instant::now() < deadline, "{query} found {found}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn results_follow_backstage_search_api(catalog: CatalogApp) {
    let app = &catalog.app;
    let found = until_found(app, "term=checkout", 1).await;
    let first = &found["results"][0];
    assert_eq!(first["type"], "software-catalog");
    assert_eq!(first["rank"], 1);
    let document = &first["document"];
    assert_eq!(document["title"], "checkout");
    assert_eq!(document["text"], "Takes the money");
    assert_eq!(document["location"], "/catalog/default/component/checkout");
    assert_eq!(document["kind"], "Component");
    assert_eq!(document["namespace"], "default");
    assert_eq!(document["type"], "service");
    assert_eq!(document["componentType"], "service");
    assert_eq!(document["lifecycle"], "production");
    assert_eq!(document["owner"], "team-a");
    let highlight = &first["highlight"];
    let (pre, post) = (highlight["preTag"].as_str().unwrap(), highlight["postTag"].as_str().unwrap());
    assert!(pre.starts_with('<') && post.starts_with("</") && pre != post);
    assert_eq!(highlight["fields"]["title"], format!("{pre}checkout{post}"));
    assert!(found["numberOfResults"].as_u64().unwrap() >= 2, "checkout-api matches too: {found}");

    // Types and filters as Backstage's client writes them (qs brackets).
    let apis = search(app, "term=checkout&types%5B0%5D=software-catalog&filters%5Bkind%5D=API").await;
    assert_eq!(apis["numberOfResults"], 1);
    assert_eq!(apis["results"][0]["document"]["title"], "checkout-api");
    let either =
        search(app, "filters%5Blifecycle%5D%5B0%5D=production&filters%5Blifecycle%5D%5B1%5D=experimental").await;
    assert_eq!(either["numberOfResults"], 3);

    // Paging with cursors.
    let page_one = search(app, "term=&pageLimit=2").await;
    assert_eq!(page_one["results"].as_array().unwrap().len(), 2);
    assert!(page_one.get("previousPageCursor").is_none());
    let next = page_one["nextPageCursor"].as_str().unwrap();
    let page_two = search(app, &format!("term=&pageLimit=2&pageCursor={}", encode(next))).await;
    assert_eq!(page_two["results"][0]["rank"], 3);
    assert!(page_two["previousPageCursor"].is_string());
    assert_eq!(page_two["numberOfResults"], page_one["numberOfResults"]);
    catalog.app.shut_down().await;
}
on_both_databases!(api_shape, results_follow_backstage_search_api, crate::catalog::guest_app);

async fn odd_input_never_fails(catalog: CatalogApp) {
    let app = &catalog.app;
    until_found(app, "term=checkout", 1).await;
    let long = "checkout ".repeat(1200);
    for term in ["", "((", "\"", "!!!", "a.*b[(+", "🙂 Zürich", "%", "kind:", long.as_str()] {
        let found = search(app, &format!("term={}", encode(term))).await;
        assert!(found["results"].is_array(), "{term}: {found}");
    }
    assert_eq!(search(app, "term=checkout&filters%5Bcolour%5D=blue").await["numberOfResults"], 0);
    assert_eq!(search(app, "term=checkout&types%5B0%5D=techdocs").await["numberOfResults"], 0);
    let refused = app.get("/api/search/query?term=x&pageLimit=1000").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["name"], "InputError");
    assert!(body["error"]["message"].as_str().unwrap().contains("1000"), "{body}");
    let refused = app.get("/api/search/query?pageCursor=not-a-cursor").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    catalog.app.shut_down().await;
}
on_both_databases!(odd_input, odd_input_never_fails, crate::catalog::guest_app);

async fn a_changed_file_is_searchable_after_its_refresh(catalog: CatalogApp) {
    let app = &catalog.app;
    until_found(app, "term=storefront", 1).await;
    let changed = std::fs::read_to_string(catalog.file()).unwrap().replace("name: storefront", "name: kiwi-shop");
    std::fs::write(catalog.file(), changed).unwrap();
    // The webhook a git host calls; the search index is nudged at once.
    app.create_user("ada", model::Role::Admin).await;
    let session = app.sign_in("ada").await;
    let token = app.create_token(&session, "write").await;
    let location: Value =
        app.get("/api/catalog/locations/by-entity/component/default/storefront").await.json().await.unwrap();
    let location = location["id"].as_str().unwrap();
    let refreshed = app
        .client
        .post(app.url(&format!("/api/catalog/locations/{location}/refresh")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), StatusCode::OK);
    let found = until_found(app, "term=kiwi", 1).await;
    assert_eq!(found["results"][0]["document"]["title"], "kiwi-shop");
    // The index's size and its last update are in the metrics.
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for gauge in ["portico_search_documents ", "portico_search_index_bytes ", "portico_search_last_update_seconds "] {
        assert!(metrics.contains(gauge), "{gauge} in {metrics}");
    }
    // The old name goes once the location's removals are settled.
    let deadline = Instant::now() + Duration::from_secs(20);
    while search(app, "term=storefront").await["numberOfResults"] != 0 {
        assert!(Instant::now() < deadline, "storefront is still found");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    catalog.app.shut_down().await;
}
on_both_databases!(follows_refresh, a_changed_file_is_searchable_after_its_refresh, crate::catalog::guest_app);

const ONE_COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: alpha\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n";

/// Two replicas on one database, each with its own data directory. Only
/// the first reads the file again; the second learns of the change from
/// the database's change log, and both indexes find it.
async fn two_replicas_converge(database: TestDatabase) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalog-info.yaml");
    std::fs::write(&file, ONE_COMPONENT).unwrap();
    let mut replicas = Vec::new();
    for (name, refresh_secs) in [("one", 1), ("two", 3600)] {
        let config = dir.path().join(format!("{name}.toml"));
        std::fs::write(
            &config,
            format!(
                "[catalog]\nrefresh_interval_secs = {refresh_secs}\n[[catalog.locations]]\ntype = \"file\"\ntarget = \"{}\"\n",
                file.display()
            ),
        )
        .unwrap();
        let addr = free_addr();
        let mut child = portico()
            .args(["serve", "--auth-guest", "--addr", &addr.to_string(), "--database-url", &database.url])
            .arg("--data-dir")
            .arg(dir.path().join(name))
            .arg("--config")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join(format!("{name}.log"))).unwrap())
            .spawn()
            .unwrap();
        wait_until_ready(addr, &mut child);
        replicas.push((addr, child));
    }
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let logs = dir.path().to_owned();
    let found = |addr: std::net::SocketAddr, term: &'static str| {
        let client = client.clone();
        let logs = logs.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let url = format!("http://{addr}/api/search/query?term={term}");
                let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
                if body["numberOfResults"].as_u64().unwrap_or(0) > 0 {
                    return body["results"][0]["document"]["title"].as_str().unwrap_or_default().to_owned();
                }
                if Instant::now() > deadline {
                    let one = std::fs::read_to_string(logs.join("one.log")).unwrap_or_default();
                    let two = std::fs::read_to_string(logs.join("two.log")).unwrap_or_default();
                    let entities = client
                        .get(format!("http://{addr}/api/catalog/entities?fields=metadata.name"))
                        .send()
                        .await
                        .unwrap()
                        .text()
                        .await
                        .unwrap();
                    let file = std::fs::read_to_string(logs.join("catalog-info.yaml")).unwrap_or_default();
                    panic!("{term} never found on {addr}\n{entities}\n{file}\n--- one:\n{one}\n--- two:\n{two}");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    for (addr, _) in &replicas {
        assert_eq!(found(*addr, "alpha").await, "alpha");
    }
    std::fs::write(
        &file,
        format!("{ONE_COMPONENT}---\n{}", ONE_COMPONENT.replace("name: alpha", "name: zebra-unicorn")),
    )
    .unwrap();
    for (addr, _) in &replicas {
        assert_eq!(found(*addr, "unicorn").await, "zebra-unicorn");
    }
    for (_, mut child) in replicas {
        terminate(&child);
        assert!(child.wait().unwrap().success());
    }
}
on_both_databases!(replicas, two_replicas_converge, testkit::TestDatabase::new);

/// `portico search rebuild` makes the index of a data directory again from
/// the database, with the server stopped, and says what it did.
#[tokio::test]
async fn the_rebuild_command_rebuilds_a_stopped_servers_index() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalog-info.yaml");
    std::fs::write(&file, ONE_COMPONENT).unwrap();
    let addr = free_addr();
    let mut child = portico()
        .args(["serve", "--auth-guest", "--addr", &addr.to_string(), "--data-dir"])
        .arg(dir.path())
        .arg("--catalog")
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_ready(addr, &mut child);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let url = format!("http://{addr}/api/search/query?term=alpha");
        let body: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
        if body["numberOfResults"] == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "alpha never found");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    terminate(&child);
    assert!(child.wait().unwrap().success());
    let output = portico().args(["search", "rebuild", "--data-dir"]).arg(dir.path()).output().unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed} {}", String::from_utf8_lossy(&output.stderr));
    // The component and the Location entity generated for the file.
    assert!(printed.starts_with("search index rebuilt: 2 entities in "), "{printed}");
    assert!(printed.contains("MiB on disk"), "{printed}");
}
