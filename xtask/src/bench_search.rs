//! The search benchmark, on the same generated catalog as the catalog
//! benchmark (`gen_entities.py N --seed 42`, one file location) plus a
//! one-entity probe file:
//!
//! - *searchable*: process start until search finds all N+2 entities;
//! - query latency (`GET /api/search/query`, one client, sequential
//!   keep-alive requests after warm-ups), as `BACKSTAGE.md` measured
//!   Backstage's search: the generator's search terms, the same words with
//!   two letters swapped (typos), their first four letters (as you type),
//!   and two words together;
//! - a change to searchable: the probe file changes, its location's webhook
//!   is called, and search is asked until it finds the new word;
//! - a full build: `portico search rebuild` into another data directory;
//! - index size on disk and the server's resident memory;
//! - as-you-type in Chromium: key down to the dropdown showing the results
//!   for what was typed (`end2end/bench/search-typing.mjs`).

use crate::bench_catalog::{body_at, generate, latency, search_path, total_found, total_items, wait_for};
use crate::e2e::{Db, Portico};
use crate::http;
use crate::shell::{self, Cmd};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

/// Backstage's search (`GET /api/search/query`) at N = 10,000, p95 in ms:
/// Lunr (runs C and D of BACKSTAGE.md) and PostgreSQL (run E).
const BACKSTAGE_10K_LUNR_P95: f64 = 38.18;
const BACKSTAGE_10K_PG_P95: f64 = 13.43;

/// Changes made to the probe file.
const PROBE_CHANGES: usize = 20;
const BENCH_PASSWORD: &str = "benchmark password 2";

fn probe_yaml(generation: usize) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: search-probe\n  description: probe zqmarker{generation}\nspec:\n  type: service\n  lifecycle: production\n  owner: bench\n"
    )
}

/// The same word with its second and third letters swapped.
fn with_typo(word: &str) -> String {
    let mut letters: Vec<char> = word.chars().collect();
    if letters.len() >= 5 {
        letters.swap(1, 2);
    }
    letters.into_iter().collect()
}

/// The id of the location whose target ends with `suffix`.
fn location_id(portico: &Portico, suffix: &str) -> Option<String> {
    let body = body_at(portico, "/api/catalog/locations")?;
    body.split("\"data\":").find(|item| item.contains(suffix)).and_then(|item| {
        let rest = &item[item.find("\"id\":\"")? + 6..];
        Some(rest[..rest.find('"')?].to_owned())
    })
}

/// The value of an unlabelled metric in Prometheus text.
fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn run_one(binary: &Path, db: Db, entities: usize, report: &mut String, targets: bool) -> Result<(), String> {
    let (file, meta) = generate(entities)?;
    let probe = shell::target_dir().join(format!("bench-search-probe-{}.yaml", db.name()));
    std::fs::write(&probe, probe_yaml(0)).map_err(|err| format!("cannot write {}: {err}", probe.display()))?;
    println!("\n==> search, {entities} entities, {}", db.name());
    let env = [
        ("PORTICO_AUTH_GUEST", "true".to_owned()),
        ("PORTICO_CATALOG", format!("{};{}", file.display(), probe.display())),
        ("PORTICO_LOG", "warn".to_owned()),
    ];
    let spawned = Instant::now();
    let portico = Portico::start_with(binary, db, &format!("bench-search-{entities}"), http::free_port()?, &env)?;
    // Backstage adds a Location entity per file location.
    let expected = meta.expected_total + 2;
    let visible = wait_for(spawned, Duration::from_secs(600), || total_items(&portico) >= expected)?;
    let searchable = wait_for(spawned, Duration::from_secs(600), || total_found(&portico, "") >= expected)?;
    println!("all visible {visible:?}, all searchable {searchable:?}");

    let base = portico.base_url();
    let words = &meta.search_terms;
    let pairs: Vec<String> = words.chunks(2).map(|pair| pair.join(" ")).collect();
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("a word (the generator's search terms)", words.iter().map(|word| search_path(word)).collect()),
        ("a word with two letters swapped (typo)", words.iter().map(|word| search_path(&with_typo(word))).collect()),
        (
            "the first four letters (as you type)",
            words.iter().map(|word| search_path(&word.chars().take(4).collect::<String>())).collect(),
        ),
        ("two words", pairs.iter().map(|pair| search_path(pair)).collect()),
        ("results page, server-rendered", words.iter().map(|word| format!("/search?q={word}")).collect()),
    ];
    let _ = writeln!(report, "\n### {entities} entities on {}\n", db.name());
    let _ = writeln!(
        report,
        "| query ({} requests after warm-ups) | p50 | p95 | p99 | max | {} |\n|---|---|---|---|---|---|",
        200,
        if targets { "target p95" } else { "Backstage p95 (Lunr / PostgreSQL) · ratio" }
    );
    for (label, paths) in cases {
        let measured = latency(&base, &paths)?;
        println!("{label}: p50 {:.2} ms, p95 {:.2} ms", measured.p50, measured.p95);
        let compare = match (targets, label.starts_with("results page")) {
            (true, false) => "< 10 ms".to_owned(),
            (true, true) => "< 50 ms".to_owned(),
            (false, true) => String::new(),
            (false, false) => format!(
                "{BACKSTAGE_10K_LUNR_P95} / {BACKSTAGE_10K_PG_P95} ms · {:.0}× / {:.0}× faster",
                BACKSTAGE_10K_LUNR_P95 / measured.p95.max(0.001),
                BACKSTAGE_10K_PG_P95 / measured.p95.max(0.001)
            ),
        };
        let _ = writeln!(
            report,
            "| {label} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {compare} |",
            measured.p50, measured.p95, measured.p99, measured.max
        );
    }

    // A change to one entity, through its location's webhook.
    portico
        .command(binary)
        .args(["user", "add", "bench-admin", "--admin"])
        .run_with_input(&format!("{BENCH_PASSWORD}\n"))?;
    let token = portico
        .command(binary)
        .args(["token", "create", "--user", "bench-admin", "--scope", "write", "--name", "bench"])
        .output()
        .and_then(|output| output.trim_end().lines().last().map(str::to_owned))
        .ok_or("portico token create failed")?;
    let probe_name = probe.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let location = location_id(&portico, &probe_name).ok_or("the probe location is not registered")?;
    let (mut changes, mut updates) = (Vec::new(), Vec::new());
    for generation in 1..=PROBE_CHANGES {
        std::fs::write(&probe, probe_yaml(generation)).map_err(|err| format!("cannot write the probe: {err}"))?;
        let started = Instant::now();
        Cmd::new("curl")
            .args(["-s", "-o", "/dev/null", "-X", "POST", "-H", &format!("Authorization: Bearer {token}")])
            .arg(format!("{base}/api/catalog/locations/{location}/refresh"))
            .output()
            .ok_or("the webhook call failed")?;
        let marker = format!("zqmarker{generation}");
        wait_for(started, Duration::from_secs(30), || total_found(&portico, &marker) >= 1)?;
        changes.push(started.elapsed().as_secs_f64() * 1000.0);
        // The update that took in this one change (not a later, larger one).
        let metrics = body_at(&portico, "/metrics").unwrap_or_default();
        let one_change = metric(&metrics, "portico_search_last_update_changes") == Some(1.0);
        if let (true, Some(seconds)) = (one_change, metric(&metrics, "portico_search_last_update_seconds")) {
            updates.push(seconds * 1000.0);
        }
    }
    changes.sort_by(f64::total_cmp);
    updates.sort_by(f64::total_cmp);
    if updates.is_empty() {
        return Err("/metrics has no portico_search_last_update_seconds".to_owned());
    }
    println!(
        "change to searchable: p50 {:.1} ms, p95 {:.1} ms; index update p50 {:.1} ms, p95 {:.1} ms",
        percentile(&changes, 0.5),
        percentile(&changes, 0.95),
        percentile(&updates, 0.5),
        percentile(&updates, 0.95)
    );

    // A full build from the database, into a data directory of its own.
    let rebuild_dir = shell::target_dir().join(format!("bench-search-rebuild-{}", db.name()));
    let _ = std::fs::remove_dir_all(&rebuild_dir);
    let mut rebuild = portico.command(binary).args(["search", "rebuild", "--data-dir"]).arg(&rebuild_dir);
    if db == Db::Sqlite {
        rebuild = rebuild.args(["--database-url", &portico.sqlite_url()]);
    }
    let rebuilt = rebuild.output().ok_or("portico search rebuild failed")?;
    let rebuilt = rebuilt.lines().last().unwrap_or_default().to_owned();
    println!("{rebuilt}");
    let _ = std::fs::remove_dir_all(&rebuild_dir);
    let build_seconds = rebuilt.split(" in ").nth(1).and_then(|rest| rest.split(' ').next()).unwrap_or("?").to_owned();
    let size_mib = rebuilt.split(", ").nth(1).and_then(|rest| rest.split(' ').next()).unwrap_or("?").to_owned();

    let typing = if targets { as_you_type(&base, words)? } else { None };
    let (rss, anonymous, mapped) = portico.pid().map(crate::bench::memory_of).unwrap_or_default();
    println!("RSS after the requests: {rss:.0} MiB (anonymous {anonymous:.0}, mapped files {mapped:.0})");
    drop(portico);

    let _ = writeln!(report, "\n| what | Portico | {} |\n|---|---|---|", if targets { "target" } else { "" });
    let _ = writeln!(
        report,
        "| all searchable (process start to search finding all N+2) | {:.2} s | (all visible {:.2} s) |",
        searchable.as_secs_f64(),
        visible.as_secs_f64()
    );
    let _ = writeln!(
        report,
        "| full index build from the database (`portico search rebuild`) | {build_seconds} s | {} |",
        if targets { "< 10 s" } else { "" }
    );
    let _ = writeln!(
        report,
        "| one entity changed → searchable (webhook call, location re-read and stored, index updated), p50 / p95 of {PROBE_CHANGES} | {:.1} / {:.1} ms | {} |",
        percentile(&changes, 0.5),
        percentile(&changes, 0.95),
        if targets { "< 1 s" } else { "" }
    );
    let _ = writeln!(
        report,
        "| of which the index update (read the entity, index, commit; `portico_search_last_update_seconds`), p50 / p95 of {} | {:.1} / {:.1} ms | {} |",
        updates.len(),
        percentile(&updates, 0.5),
        percentile(&updates, 0.95),
        if targets { "< 50 ms" } else { "" }
    );
    if let Some((p50, p95, samples)) = typing {
        let _ = writeln!(
            report,
            "| as you type in Chromium, key down → dropdown rendered, p50 / p95 of {samples} keys | {p50:.1} / {p95:.1} ms | < 50 ms |"
        );
    }
    let _ = writeln!(report, "| index size on disk | {size_mib} MiB | |");
    let _ = writeln!(
        report,
        "| server resident memory after the requests: anonymous + mapped files (index, binary) | {rss:.0} MiB: {anonymous:.0} + {mapped:.0} | |"
    );
    Ok(())
}

/// Key down to rendered dropdown in headless Chromium: (p50, p95, samples).
fn as_you_type(base: &str, words: &[String]) -> Result<Option<(f64, f64, u64)>, String> {
    let terms: Vec<String> = words.iter().take(8).map(|word| format!("\"{word}\"")).collect();
    let output = Cmd::new("node")
        .arg(shell::project_root().join("end2end/bench/search-typing.mjs"))
        .env("PORTICO_BASE_URL", base)
        .env("PORTICO_BENCH_TERMS", format!("[{}]", terms.join(",")))
        .output()
        .ok_or("the as-you-type measurement in Chromium failed")?;
    let line = output.lines().last().unwrap_or_default();
    let number = |key: &str| -> Option<f64> {
        let rest = &line[line.find(&format!("\"{key}\":"))? + key.len() + 3..];
        rest.split([',', '}']).next()?.trim().parse().ok()
    };
    println!("as you type: {line}");
    Ok(number("p50").zip(number("p95")).map(|(p50, p95)| (p50, p95, number("samples").unwrap_or(0.0) as u64)))
}

/// The search section of BENCHMARKS.md.
pub fn run(binary: &Path, report: &mut String) -> Result<(), String> {
    let _ = writeln!(report, "\n## Search\n");
    let _ = writeln!(
        report,
        "The catalog benchmark's generated file plus a one-entity probe file; queries as `shared/bench/BACKSTAGE.md` \
         measured Backstage's search (`GET /api/search/query` over the generator's search terms, one client, sequential \
         keep-alive requests)."
    );
    crate::bench_catalog::each_size(|db, entities, targets| run_one(binary, db, entities, report, targets))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_read_by_name() {
        let text = "# HELP x\nportico_search_last_update_seconds_total 9\nportico_search_last_update_seconds 0.012\n";
        assert_eq!(metric(text, "portico_search_last_update_seconds"), Some(0.012));
        assert_eq!(metric(text, "portico_search_documents"), None);
    }

    #[test]
    fn typos_swap_two_letters_of_long_words() {
        assert_eq!(with_typo("payments"), "pyaments");
        assert_eq!(with_typo("api"), "api");
    }
}
