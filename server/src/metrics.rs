//! Prometheus metrics: requests by route and status, latency histograms, and
//! the database pool, rendered in the text exposition format at `/metrics`.
//!
//! Hand-written rather than a metrics framework: a handful of series, no global
//! recorder, and the registry lives in `AppState` like everything else.

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds of the latency histogram buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RequestKey {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RouteKey {
    method: String,
    route: String,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (bucket, bound) in self.buckets.iter_mut().zip(LATENCY_BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }
}

#[derive(Debug, Default)]
struct Series {
    requests: BTreeMap<RequestKey, u64>,
    latency: BTreeMap<RouteKey, Histogram>,
}

/// The metrics registry of one server process.
#[derive(Debug, Default)]
pub struct Metrics {
    series: Mutex<Series>,
}

impl Metrics {
    /// Records one finished request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let Ok(mut series) = self.series.lock() else { return };
        let key = RequestKey { method: method.to_owned(), route: route.to_owned(), status };
        *series.requests.entry(key).or_default() += 1;
        let key = RouteKey { method: method.to_owned(), route: route.to_owned() };
        series.latency.entry(key).or_default().observe(seconds);
    }

    /// Renders the request series in Prometheus text format.
    fn render_requests(&self, out: &mut String) {
        let Ok(series) = self.series.lock() else { return };
        out.push_str("# HELP portico_http_requests_total HTTP requests answered, by method, route and status.\n");
        out.push_str("# TYPE portico_http_requests_total counter\n");
        for (key, count) in &series.requests {
            let _ = writeln!(
                out,
                "portico_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {count}",
                escape(&key.method),
                escape(&key.route),
                key.status
            );
        }
        out.push_str(
            "# HELP portico_http_request_duration_seconds Time to answer HTTP requests, by method and route.\n",
        );
        out.push_str("# TYPE portico_http_request_duration_seconds histogram\n");
        for (key, histogram) in &series.latency {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(&key.method), escape(&key.route));
            for (bound, count) in LATENCY_BUCKETS.iter().zip(histogram.buckets) {
                let _ =
                    writeln!(out, "portico_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}");
            }
            let _ = writeln!(
                out,
                "portico_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(out, "portico_http_request_duration_seconds_sum{{{labels}}} {}", histogram.sum);
            let _ = writeln!(out, "portico_http_request_duration_seconds_count{{{labels}}} {}", histogram.count);
        }
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Middleware: times every request and records it under its route pattern
/// (never the raw path, which would let clients create unbounded series).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = match request.extensions().get::<MatchedPath>() {
        Some(path) => path.as_str().to_owned(),
        None if request.uri().path().starts_with("/pkg/") => "/pkg/{file}".to_owned(),
        None => "unmatched".to_owned(),
    };
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    state.metrics().observe_request(&method, &route, response.status().as_u16(), seconds);
    response
}

/// `GET /metrics`: the Prometheus text exposition.
pub async fn render(State(state): State<AppState>) -> Response {
    let mut out = String::with_capacity(4096);
    out.push_str("# HELP portico_build_info Portico version of this process.\n");
    out.push_str("# TYPE portico_build_info gauge\n");
    let _ = writeln!(out, "portico_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
    out.push_str("# HELP portico_uptime_seconds Seconds since this process started.\n");
    out.push_str("# TYPE portico_uptime_seconds gauge\n");
    let _ = writeln!(out, "portico_uptime_seconds {}", state.started().elapsed().as_secs_f64());
    out.push_str("# HELP portico_ready Whether the database is reachable and migrated (1) or not (0).\n");
    out.push_str("# TYPE portico_ready gauge\n");
    let _ = writeln!(out, "portico_ready {}", u8::from(state.database().is_some()));
    state.metrics().render_requests(&mut out);
    {
        let index = state.catalog().index();
        out.push_str("# HELP portico_catalog_entities Entities in this replica's catalog index.\n");
        out.push_str("# TYPE portico_catalog_entities gauge\n");
        let _ = writeln!(out, "portico_catalog_entities {}", index.len());
        out.push_str("# HELP portico_catalog_index_bytes Approximate memory held by the catalog index.\n");
        out.push_str("# TYPE portico_catalog_index_bytes gauge\n");
        let _ = writeln!(out, "portico_catalog_index_bytes {}", index.memory_bytes());
    }
    if let Some(search) = state.search().stats() {
        out.push_str("# HELP portico_search_documents Documents in this replica's search index.\n");
        out.push_str("# TYPE portico_search_documents gauge\n");
        let _ = writeln!(out, "portico_search_documents {}", search.documents);
        out.push_str("# HELP portico_search_index_bytes Bytes the search index takes on disk.\n");
        out.push_str("# TYPE portico_search_index_bytes gauge\n");
        let _ = writeln!(out, "portico_search_index_bytes {}", search.bytes_on_disk);
        if let Some((took, changes)) = search.last_update {
            out.push_str(
                "# HELP portico_search_last_update_seconds How long the search index's last update from the \
                 catalog change log took (reading the changed entities, indexing, committing).\n",
            );
            out.push_str("# TYPE portico_search_last_update_seconds gauge\n");
            let _ = writeln!(out, "portico_search_last_update_seconds {}", took.as_secs_f64());
            out.push_str("# HELP portico_search_last_update_changes Catalog changes the last update took in.\n");
            out.push_str("# TYPE portico_search_last_update_changes gauge\n");
            let _ = writeln!(out, "portico_search_last_update_changes {changes}");
        }
    }
    if let Some(db) = state.database() {
        let pool = db.pool_stats();
        let kind = db.kind().label();
        out.push_str("# HELP portico_db_pool_connections Open database connections, by state.\n");
        out.push_str("# TYPE portico_db_pool_connections gauge\n");
        let _ = writeln!(out, "portico_db_pool_connections{{database=\"{kind}\",state=\"idle\"}} {}", pool.idle);
        let _ = writeln!(
            out,
            "portico_db_pool_connections{{database=\"{kind}\",state=\"in_use\"}} {}",
            pool.size.saturating_sub(pool.idle)
        );
        out.push_str("# HELP portico_db_pool_max_connections Most connections the pool may open.\n");
        out.push_str("# TYPE portico_db_pool_max_connections gauge\n");
        let _ = writeln!(out, "portico_db_pool_max_connections{{database=\"{kind}\"}} {}", pool.max);
    }
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_lands_in_its_buckets_and_counters() {
        let metrics = Metrics::default();
        metrics.observe_request("GET", "/healthz", 200, 0.003);
        metrics.observe_request("GET", "/healthz", 200, 0.2);
        let mut out = String::new();
        metrics.render_requests(&mut out);
        assert!(
            out.contains("portico_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"),
            "{out}"
        );
        assert!(out.contains(
            "portico_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.0025\"} 0"
        ));
        assert!(out.contains(
            "portico_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.005\"} 1"
        ));
        assert!(out
            .contains("portico_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.25\"} 2"));
        assert!(out.contains("portico_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 2"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
