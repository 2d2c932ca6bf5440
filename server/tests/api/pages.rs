//! Server-rendered pages, the server-function round trip, compression,
//! request ids and security headers.

use crate::helpers::TestApp;
use crate::on_both_databases;

async fn the_home_page_is_rendered_with_live_status(app: TestApp) {
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let policy = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let html = response.text().await.unwrap();
    assert!(html.contains("Welcome to Portico"));
    assert!(html.contains(app.kind.label()), "the page names the database");
    // Every inline script carries the nonce that the policy allows.
    let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce in the CSP");
    assert!(html.matches("<script").count() >= 2);
    for script in html.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap_or_default();
        if !tag.contains("src=") {
            assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "inline script without the nonce: <script{tag}>");
        }
    }
    app.shut_down().await;
}
on_both_databases!(home_page, the_home_page_is_rendered_with_live_status);

/// Starting a server lists the app's routes by rendering it with resource
/// loading switched off for the whole process. A page another server renders
/// meanwhile must still finish (leptos issue #4773): the list is made once.
async fn pages_finish_while_other_servers_start_in_the_same_process(app: TestApp) {
    let kind = app.kind;
    let starting = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            for _ in 0..6 {
                crate::helpers::spawn_app(kind).await.shut_down().await;
            }
        });
    });
    let mut rendered = 0;
    while !starting.is_finished() || rendered == 0 {
        let page = async { app.get("/").await.text().await.unwrap() };
        let html = tokio::time::timeout(std::time::Duration::from_secs(10), page)
            .await
            .expect("a page rendered while another server started never finished");
        assert!(html.contains("Welcome to Portico"));
        rendered += 1;
    }
    starting.join().unwrap();
    app.shut_down().await;
}
on_both_databases!(pages_while_servers_start, pages_finish_while_other_servers_start_in_the_same_process);

async fn every_section_has_a_page_and_unknown_paths_get_404(app: TestApp) {
    for (path, heading) in [("/catalog", "Catalog"), ("/create", "Create"), ("/docs", "Docs")] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        // `<!>` are Leptos's hydration markers.
        let html = response.text().await.unwrap().replace("<!>", "");
        assert!(html.contains(&format!(">{heading}</h1>")), "{path} has its heading");
        assert!(html.contains("<title>"), "{path} has a title");
    }
    let response = app.get("/definitely/not/here").await;
    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(html.contains("/definitely/not/here"));
    app.shut_down().await;
}
on_both_databases!(sections, every_section_has_a_page_and_unknown_paths_get_404);

async fn server_functions_answer_with_data_from_the_database(app: TestApp) {
    let response = app.call_server_fn("system_status").await;
    assert_eq!(response.status(), 200);
    let status: model::SystemStatus = response.json().await.unwrap();
    assert_eq!(status.database, app.kind);
    assert_eq!(status.version, env!("CARGO_PKG_VERSION"));
    assert!(status.migrations_applied >= 1);
    assert!(!status.database_version.is_empty());
    assert_eq!(status.installation_id.len(), 36);

    let response = app.call_server_fn("check_database").await;
    assert_eq!(response.status(), 200);
    let check: model::DatabaseCheck = response.json().await.unwrap();
    assert_eq!(check.database, app.kind);
    assert!(check.round_trip_micros > 0);
    app.shut_down().await;
}
on_both_databases!(server_functions, server_functions_answer_with_data_from_the_database);

async fn html_is_compressed_with_brotli_or_gzip(app: TestApp) {
    let raw = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    for encoding in ["br", "gzip"] {
        let response = raw.get(app.url("/")).header("accept-encoding", encoding).send().await.unwrap();
        assert_eq!(response.headers()["content-encoding"], encoding);
    }
    let response = raw.get(app.url("/")).send().await.unwrap();
    assert!(response.headers().get("content-encoding").is_none());
    app.shut_down().await;
}
on_both_databases!(compression, html_is_compressed_with_brotli_or_gzip);

async fn every_response_has_a_request_id_and_security_headers(app: TestApp) {
    for path in ["/", "/healthz", "/metrics", "/nope"] {
        let response = app.get(path).await;
        let headers = response.headers();
        let id = headers["x-request-id"].to_str().unwrap();
        assert_eq!(id.len(), 36, "{path}: request id is a UUID");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin", "{path}");
        assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"), "{path}");
    }
    // An id set by a proxy in front is kept, so logs can be joined up.
    let response = app.client.get(app.url("/healthz")).header("x-request-id", "proxy-given-id").send().await.unwrap();
    assert_eq!(response.headers()["x-request-id"], "proxy-given-id");
    app.shut_down().await;
}
on_both_databases!(headers, every_response_has_a_request_id_and_security_headers);
