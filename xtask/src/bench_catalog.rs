//! The catalog benchmark, measured exactly as `shared/bench/BACKSTAGE.md`
//! measured stock Backstage: one file made by `gen_entities.py N --seed 42`
//! given as a single file location, then
//!
//! - *all visible*: process start until `by-query?limit=1` reports `totalItems >= N+1`;
//! - *relations settled*: until the `relations.ownerOf` facet counts every owned entity;
//! - latency: 200 sequential keep-alive requests from one client after 10 warm-ups
//!   (`by-name` over the generator's `sample_refs`, `by-query`, `entity-facets`,
//!   `fullText` over its `search_terms`), and the server-rendered catalog page;
//! - throughput: `by-name` under `wrk` (2 threads, 32 connections);
//! - resident memory once everything is visible.
//!
//! Sizes: 10,000 (the size Backstage was measured at, for the ratio) and
//! 100,000 (Portico's targets), on SQLite and on PostgreSQL.

use crate::e2e::{Db, Portico};
use crate::http;
use crate::shell::{self, Cmd};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const WARM_UPS: usize = 10;
const SAMPLES: usize = 200;

/// Backstage on the same machine kind at N = 10,000 (runs C, D and E of
/// BACKSTAGE.md): (p50, p95) in ms per endpoint, and the best all-visible time.
const BACKSTAGE_10K: &[(&str, f64, f64)] = &[
    ("by-name", 1.04, 2.08),
    ("by-query kind=component limit=20", 16.21, 22.68),
    ("entity-facets spec.type", 7.6, 11.79),
    ("by-query fullText limit=20", 12.16, 59.03),
];
const BACKSTAGE_10K_VISIBLE_S: f64 = 105.95;

pub struct Meta {
    pub expected_total: u64,
    pub expected_owned: u64,
    pub sample_refs: Vec<String>,
    pub search_terms: Vec<String>,
}

pub fn generate(entities: usize) -> Result<(PathBuf, Meta), String> {
    let generator = shell::project_root().join("../shared/bench/gen_entities.py");
    if !generator.is_file() {
        return Err(format!("{} is missing: the catalog benchmark needs the shared generator", generator.display()));
    }
    let file = shell::target_dir().join(format!("bench-entities-{entities}.yaml"));
    let meta_path = PathBuf::from(format!("{}.meta.json", file.display()));
    if !meta_path.is_file() {
        Cmd::new("python3")
            .arg(&generator)
            .args([entities.to_string(), file.to_string_lossy().into_owned(), "--seed".to_owned(), "42".to_owned()])
            .run()?;
    }
    let text = std::fs::read_to_string(&meta_path).map_err(|err| format!("{}: {err}", meta_path.display()))?;
    Ok((
        file,
        Meta {
            expected_total: json_number(&text, "expected_backstage_total").unwrap_or(entities as u64 + 1),
            expected_owned: json_number(&text, "expected_owned").unwrap_or(0),
            sample_refs: json_strings(&text, "sample_refs"),
            search_terms: json_strings(&text, "search_terms"),
        },
    ))
}

/// The number after `"key":` (enough JSON for the generator's metadata and
/// the catalog's answers, keeping xtask std-only).
pub fn json_number(text: &str, key: &str) -> Option<u64> {
    let rest = &text[text.find(&format!("\"{key}\""))? + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Every number after `"key":`, summed.
fn json_sum(text: &str, key: &str) -> u64 {
    let needle = format!("\"{key}\"");
    text.match_indices(&needle).filter_map(|(at, _)| json_number(&text[at..], key)).sum()
}

/// The strings of the array after `"key":` (without escapes).
fn json_strings(text: &str, key: &str) -> Vec<String> {
    let Some(start) = text.find(&format!("\"{key}\"")) else { return Vec::new() };
    let rest = &text[start..];
    let (Some(open), Some(close)) = (rest.find('['), rest.find(']')) else { return Vec::new() };
    rest[open + 1..close]
        .split(',')
        .map(|item| item.trim().trim_matches('"').to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

pub fn body_at(portico: &Portico, path: &str) -> Option<String> {
    let (status, body) = http::get(portico.addr, path)?;
    (status == 200).then_some(body)
}

/// How many entities the catalog API counts (0 while it cannot answer).
pub fn total_items(portico: &Portico) -> u64 {
    body_at(portico, "/api/catalog/entities/by-query?limit=1")
        .and_then(|body| json_number(&body, "totalItems"))
        .unwrap_or(0)
}

/// The search API path for `term`.
pub fn search_path(term: &str) -> String {
    format!("/api/search/query?term={}", term.replace(' ', "+"))
}

/// How many results search counts for `term` (0 while it cannot answer).
pub fn total_found(portico: &Portico, term: &str) -> u64 {
    body_at(portico, &format!("{}&pageLimit=1", search_path(term)))
        .and_then(|body| json_number(&body, "numberOfResults"))
        .unwrap_or(0)
}

/// Polls until `done` holds; returns the time since `since`.
pub fn wait_for(since: Instant, limit: Duration, mut done: impl FnMut() -> bool) -> Result<Duration, String> {
    while since.elapsed() < limit {
        if done() {
            return Ok(since.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!("not reached within {} s", limit.as_secs()))
}

/// Per-request times (ms) of `paths`, fetched in order on one keep-alive connection.
fn timings(base: &str, paths: &[String]) -> Result<Vec<f64>, String> {
    let mut command = Cmd::new("curl").args(["-s", "-w", "%{http_code} %{time_total}\\n"]);
    for path in paths {
        // Each URL needs its own `-o`; one curl keeps the connection alive.
        command = command.args(["-o", "/dev/null"]).arg(format!("{base}{path}"));
    }
    let output = command.output().ok_or("curl failed")?;
    let mut times = Vec::new();
    for line in output.lines() {
        let (status, seconds) = line.split_once(' ').ok_or("unexpected curl output")?;
        if status != "200" {
            return Err(format!("a request answered {status}"));
        }
        times.push(seconds.trim().parse::<f64>().map_err(|err| err.to_string())? * 1000.0);
    }
    Ok(times)
}

pub struct Latency {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

pub fn latency(base: &str, paths: &[String]) -> Result<Latency, String> {
    let mut cycle: Vec<String> = paths.iter().cycle().take(WARM_UPS + SAMPLES).cloned().collect();
    let measured = cycle.split_off(WARM_UPS);
    let mut all = cycle;
    all.extend(measured);
    let mut times = timings(base, &all)?.split_off(WARM_UPS);
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    Ok(Latency { p50: at(0.50), p95: at(0.95), p99: at(0.99), max: times[times.len() - 1] })
}

fn by_name_path(entity_ref: &str) -> String {
    let (kind, rest) = entity_ref.split_once(':').unwrap_or(("component", entity_ref));
    let (namespace, name) = rest.split_once('/').unwrap_or(("default", rest));
    format!("/api/catalog/entities/by-name/{kind}/{namespace}/{name}")
}

/// Measures one size on one database and appends its rows.
fn run_one(binary: &Path, db: Db, entities: usize, report: &mut String, targets: bool) -> Result<(), String> {
    let (file, meta) = generate(entities)?;
    println!("\n==> catalog, {entities} entities, {}", db.name());
    let env = [
        ("PORTICO_AUTH_GUEST", "true".to_owned()),
        ("PORTICO_CATALOG", file.to_string_lossy().into_owned()),
        ("PORTICO_LOG", "warn".to_owned()),
    ];
    let spawned = Instant::now();
    let portico = Portico::start_with(binary, db, &format!("bench-catalog-{entities}"), http::free_port()?, &env)?;
    let ready = portico.ready_after;
    let visible = wait_for(spawned, Duration::from_secs(600), || total_items(&portico) >= meta.expected_total)?;
    let settled = wait_for(spawned, Duration::from_secs(600), || {
        body_at(&portico, "/api/catalog/entity-facets?facet=relations.ownerOf")
            .map(|body| json_sum(&body, "count"))
            .is_some_and(|owned| owned >= meta.expected_owned)
    })?;
    let rss_mib = portico.pid().map(crate::bench::rss_of).unwrap_or_default() as f64 / 1024.0;
    // Latency is measured in the steady state: once search has taken in
    // what was read (it waits for the catalog, then indexes on two threads).
    let searchable = wait_for(spawned, Duration::from_secs(600), || total_found(&portico, "") >= meta.expected_total)?;
    let rate = entities as f64 / (visible - ready).as_secs_f64();
    println!(
        "ready {ready:?}, all visible {visible:?}, relations settled {settled:?}, {rate:.0} entities/s, RSS {rss_mib:.0} MiB"
    );
    let base = portico.base_url();
    let full_text: Vec<String> = meta
        .search_terms
        .iter()
        .map(|term| format!("/api/catalog/entities/by-query?fullTextFilterTerm={term}&limit=20"))
        .collect();
    let full_text_named: Vec<String> = meta
        .search_terms
        .iter()
        .map(|term| {
            format!("/api/catalog/entities/by-query?fullTextFilterTerm={term}&fullTextFilterFields=metadata.name,metadata.title&limit=20")
        })
        .collect();
    let endpoints: Vec<(&str, Vec<String>, Option<f64>)> = vec![
        ("by-name", meta.sample_refs.iter().map(|r| by_name_path(r)).collect(), Some(2.0)),
        (
            "by-query kind=component limit=20",
            vec!["/api/catalog/entities/by-query?filter=kind=component&limit=20".into()],
            Some(20.0),
        ),
        ("entity-facets spec.type", vec!["/api/catalog/entity-facets?facet=spec.type".into()], Some(10.0)),
        ("by-query fullText limit=20", full_text, Some(20.0)),
        ("by-query fullText on name and title", full_text_named, Some(20.0)),
        ("catalog page, server-rendered", vec!["/catalog".into()], Some(50.0)),
        (
            "catalog page, kind=component&lifecycle=production",
            vec!["/catalog?kind=component&lifecycle=production".into()],
            Some(50.0),
        ),
    ];
    let _ = writeln!(report, "\n### {entities} entities on {}\n", db.name());
    let _ = writeln!(
        report,
        "| what | Portico | {} |\n|---|---|---|",
        if targets { "target" } else { "Backstage (same N, BACKSTAGE.md) · ratio" }
    );
    let visible_note = if targets {
        "< 10 s".to_owned()
    } else {
        format!("{BACKSTAGE_10K_VISIBLE_S} s · {:.0}× faster", BACKSTAGE_10K_VISIBLE_S / visible.as_secs_f64())
    };
    let _ = writeln!(report, "| ready (empty database) | {:.2} s | |", ready.as_secs_f64());
    let _ = writeln!(
        report,
        "| all visible (process start to totalItems ≥ N+1) | {:.2} s | {visible_note} |",
        visible.as_secs_f64()
    );
    let _ = writeln!(report, "| relations settled | {:.2} s | |", settled.as_secs_f64());
    let _ = writeln!(
        report,
        "| all searchable (the search index has taken everything in; latency below is measured after this) | {:.2} s | |",
        searchable.as_secs_f64()
    );
    let _ = writeln!(report, "| ingest rate, N / (visible − ready) | {rate:.0} entities/s | Backstage ~100/s |");
    let _ = writeln!(
        report,
        "| resident memory once visible | {rss_mib:.0} MiB | {} |",
        if targets { "< 150 MB" } else { "" }
    );
    let _ = writeln!(
        report,
        "\n| endpoint ({SAMPLES} sequential keep-alive requests after {WARM_UPS} warm-ups) | p50 | p95 | p99 | max | {} |\n|---|---|---|---|---|---|",
        if targets { "target p95" } else { "Backstage p95 · ratio" }
    );
    for (label, paths, target) in endpoints {
        let measured = latency(&base, &paths)?;
        println!("{label}: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms", measured.p50, measured.p95, measured.p99);
        let compare = if targets {
            target.map(|t| format!("< {t} ms")).unwrap_or_default()
        } else {
            BACKSTAGE_10K
                .iter()
                .find(|(name, _, _)| *name == label)
                .map(|(_, _, p95)| format!("{p95} ms · {:.0}× faster", p95 / measured.p95.max(0.001)))
                .unwrap_or_default()
        };
        let _ = writeln!(
            report,
            "| {label} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {compare} |",
            measured.p50, measured.p95, measured.p99, measured.max
        );
    }
    if targets {
        let script = shell::target_dir().join("bench-by-name.lua");
        let paths: Vec<String> = meta.sample_refs.iter().map(|r| format!("\"{}\"", by_name_path(r))).collect();
        let lua = format!(
            "paths = {{{}}}\ncounter = 0\nrequest = function()\n  counter = counter % #paths + 1\n  return wrk.format(\"GET\", paths[counter])\nend\n",
            paths.join(",")
        );
        std::fs::write(&script, lua).map_err(|err| format!("cannot write {}: {err}", script.display()))?;
        let output = Cmd::new("wrk")
            .args(["-t2", "-c32", "-d10s", "--latency", "-s"])
            .arg(&script)
            .arg(&base)
            .output()
            .ok_or("wrk failed")?;
        let rps = crate::bench::line_value(&output, "Requests/sec:").unwrap_or_default();
        let p99 = crate::bench::latency_percentile(&output, "99%").unwrap_or_default();
        println!("by-name under load: {rps} req/s, p99 {p99}");
        let _ = writeln!(
            report,
            "\n`by-name` under load (wrk, 2 threads, 32 connections, 10 s, over the sample refs; wrk shares the 2 cores): \
             **{rps} requests/s**, p99 {p99} (target > 10,000/s)."
        );
    }
    let (rss_after, anonymous, mapped) = portico.pid().map(crate::bench::memory_of).unwrap_or_default();
    println!("RSS after the requests: {rss_after:.0} MiB (anonymous {anonymous:.0}, mapped files {mapped:.0})");
    let _ = writeln!(
        report,
        "\nResident memory after all the requests above (the steady state with {entities} entities, search index \
         included): **{rss_after:.0} MiB**, of which {anonymous:.0} MiB anonymous and {mapped:.0} MiB mapped files \
         (the search index and the binary, pages the kernel can drop){}.",
        if targets { " (target < 150 MB)" } else { "" }
    );
    drop(portico);
    Ok(())
}

/// The catalog section of BENCHMARKS.md.
pub fn run(binary: &Path, report: &mut String) -> Result<(), String> {
    let _ = writeln!(report, "\n## Catalog\n");
    let _ = writeln!(
        report,
        "One file from `gen_entities.py N --seed 42` as a single file location, measured as `shared/bench/BACKSTAGE.md` \
         measured stock Backstage (latency: one client, sequential keep-alive requests; load generator on the same 2 cores)."
    );
    each_size(|db, entities, targets| run_one(binary, db, entities, report, targets))
}

/// Runs `measure(db, entities, targets)` for each size of
/// `PORTICO_BENCH_SIZES` (10,000 and 100,000 unless set) on both databases;
/// `targets` is true at 100,000 and over, where DESIGN.md's targets apply
/// (below, Backstage's figures are the comparison).
pub fn each_size(mut measure: impl FnMut(Db, usize, bool) -> Result<(), String>) -> Result<(), String> {
    let sizes: Vec<usize> = std::env::var("PORTICO_BENCH_SIZES")
        .ok()
        .map(|text| text.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000]);
    for entities in sizes {
        for db in [Db::Sqlite, Db::Postgres] {
            measure(db, entities, entities >= 100_000)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_json_it_needs() {
        let text = "{\"expected_owned\": 83000, \"sample_refs\": [\"a:default/x\", \"b:default/y\"], \"facets\": [{\"count\":2},{\"count\": 3}]}";
        assert_eq!(json_number(text, "expected_owned"), Some(83000));
        assert_eq!(json_strings(text, "sample_refs"), ["a:default/x", "b:default/y"]);
        assert_eq!(json_sum(text, "count"), 5);
    }
}
