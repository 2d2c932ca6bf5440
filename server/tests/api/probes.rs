//! Health, readiness and metrics.

use crate::helpers::{start, test_config, TestApp};
use crate::on_both_databases;
use testkit::TestDatabase;

async fn healthz_answers_ok(app: TestApp) {
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    app.shut_down().await;
}
on_both_databases!(healthz, healthz_answers_ok);

async fn readyz_reports_the_database_once_migrated(app: TestApp) {
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    let expected = serde_json::to_value(app.kind).unwrap();
    assert_eq!(body["database"], expected);
    app.shut_down().await;
}
on_both_databases!(readyz, readyz_reports_the_database_once_migrated);

async fn metrics_count_requests_by_route_and_status_and_show_the_pool(app: TestApp) {
    for _ in 0..3 {
        app.get("/healthz").await;
    }
    app.get("/no/such/page").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    assert!(text.contains(r#"portico_http_requests_total{method="GET",route="/healthz",status="200"} 3"#), "{text}");
    assert!(text.contains(r#"portico_http_requests_total{method="GET",route="unmatched",status="404"} 1"#), "{text}");
    assert!(text.contains(r#"portico_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"} 3"#));
    assert!(text.contains("# TYPE portico_http_request_duration_seconds histogram"));
    assert!(text.contains("portico_db_pool_connections{database="), "{text}");
    assert!(text.contains("portico_db_pool_max_connections{database="));
    assert!(text.contains("portico_ready 1"));
    app.shut_down().await;
}
on_both_databases!(metrics, metrics_count_requests_by_route_and_status_and_show_the_pool);

/// An unreachable database: the server still answers, `/readyz` says 503 and
/// why, and it keeps retrying.
#[tokio::test]
async fn an_unreachable_database_is_retried_while_readyz_explains() {
    // Port 1 on loopback: nothing listens there, so every connect is refused.
    let config = test_config("postgres://postgres@127.0.0.1:1/portico");
    let app = start(config, TestDatabase::sqlite()).await;
    // Each attempt waits out the pool's connect timeout (5 s) before it fails.
    let mut reason = String::new();
    for _ in 0..600 {
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 503);
        let body: serde_json::Value = response.json().await.unwrap();
        reason = body["reason"].as_str().unwrap_or_default().to_owned();
        if reason.contains("attempt 2") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(reason.starts_with("database unreachable (attempt 2)"), "{reason}");
    assert_eq!(app.get("/healthz").await.status(), 200);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("portico_ready 0"));
    // Pages still render and say what is wrong instead of failing.
    let home = app.get("/").await.text().await.unwrap();
    assert!(home.contains("database unreachable"), "{home}");
    app.shut_down().await;
}
