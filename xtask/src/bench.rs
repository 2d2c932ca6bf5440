//! `cargo xtask bench`: the figures `DESIGN.md` sets targets for, measured on
//! a release build and written to `BENCHMARKS.md`.
//!
//! - cold start: process spawn until `/readyz` answers 200, on a new SQLite file;
//! - first page weight: the home page's HTML, JS, wasm and CSS as transferred
//!   with `Accept-Encoding: br, gzip`;
//! - throughput: requests/s and p99 latency for `/healthz` and the
//!   server-rendered home page, under `wrk` on loopback;
//! - the catalog at 10,000 and 100,000 entities (see [`crate::bench_catalog`]);
//! - search at the same sizes (see [`crate::bench_search`]);
//! - authentication: p95 of `/api/auth/me` one request at a time as a guest,
//!   with a session cookie and with an API token (the difference is what
//!   authentication costs), and `/healthz` latency during a burst of
//!   password sign-ins (argon2 runs off the async runtime).

use crate::e2e::{Db, Portico};
use crate::shell::{self, Cmd};
use std::fmt::Write as _;
use std::time::Duration;

const COLD_START_RUNS: usize = 7;
const LOAD_SECONDS: &str = "10s";
const LOAD_CONNECTIONS: &str = "32";

pub fn run() -> Result<(), String> {
    crate::build(true)?;
    let binary = shell::target_dir().join("release/portico");
    let mut report = String::new();
    let _ = writeln!(report, "# Benchmarks\n");
    let _ = writeln!(
        report,
        "Latest figures from `cargo xtask bench` (release build, {}), on this project's machine kind \
         (2 cores, 24 GiB). Targets from `DESIGN.md`; Backstage figures from `shared/bench/BACKSTAGE.md`.\n",
        today()
    );

    println!("\n==> cold start to /readyz 200 ({COLD_START_RUNS} runs, fresh SQLite each)");
    let mut starts = Vec::new();
    let mut rss_kib = 0;
    for run in 0..COLD_START_RUNS {
        let portico = Portico::start(&binary, Db::Sqlite, &format!("bench-start-{run}"))?;
        starts.push(portico.ready_after);
        rss_kib = portico.pid().map(rss_of).unwrap_or_default();
    }
    starts.sort();
    let median = starts[starts.len() / 2];
    let worst = starts[starts.len() - 1];
    println!("median {median:?}, worst {worst:?}, RSS when ready {} KiB", rss_kib);
    let _ = writeln!(report, "## Start-up\n");
    let _ = writeln!(report, "| what | Portico | target | Backstage |\n|---|---|---|---|");
    let _ = writeln!(
        report,
        "| cold start to `/readyz` 200, empty SQLite (median of {COLD_START_RUNS}) | {} | < 1 s | 2.4-3.8 s |",
        ms(median)
    );
    let _ = writeln!(report, "| worst of {COLD_START_RUNS} | {} | | |", ms(worst));
    let _ = writeln!(
        report,
        "| resident memory when ready | {:.1} MiB | | 430-620 MiB after ingest |\n",
        rss_kib as f64 / 1024.0
    );

    // Guest mode, so that pages render without signing in, as in the quick start.
    let guest = [("PORTICO_AUTH_GUEST", "true".to_owned())];
    let portico = Portico::start_with(&binary, Db::Sqlite, "bench", crate::http::free_port()?, &guest)?;
    let base = portico.base_url();

    println!("\n==> first page transfer size");
    let html =
        Cmd::new("curl").args(["-s", &format!("{base}/")]).output().ok_or("curl could not fetch the home page")?;
    let mut assets: Vec<String> = ["/", "js", "wasm", "css"]
        .iter()
        .filter_map(|kind| if *kind == "/" { Some("/".to_owned()) } else { find_asset(&html, kind) })
        .collect();
    assets.dedup();
    let _ = writeln!(report, "## First page weight (home page, compressed as transferred)\n");
    let _ = writeln!(report, "| file | brotli | gzip | uncompressed |\n|---|---|---|---|");
    let mut totals = [0u64; 3];
    for path in &assets {
        let url = format!("{base}{path}");
        let sizes = [transfer_size(&url, "br")?, transfer_size(&url, "gzip")?, transfer_size(&url, "identity")?];
        for (total, size) in totals.iter_mut().zip(sizes) {
            *total += size;
        }
        println!("{path}: br {} B, gzip {} B, raw {} B", sizes[0], sizes[1], sizes[2]);
        let _ = writeln!(report, "| `{path}` | {} | {} | {} |", kb(sizes[0]), kb(sizes[1]), kb(sizes[2]));
    }
    let _ = writeln!(
        report,
        "| **total** (target < 400 KB; Backstage ~1.2 MB gzip) | **{}** | **{}** | {} |\n",
        kb(totals[0]),
        kb(totals[1]),
        kb(totals[2])
    );

    println!("\n==> throughput (wrk, {LOAD_CONNECTIONS} connections, {LOAD_SECONDS} each)");
    let _ = writeln!(
        report,
        "## Throughput on loopback (wrk, 2 threads, {LOAD_CONNECTIONS} connections, {LOAD_SECONDS})\n"
    );
    let _ = writeln!(report, "Load generator and server share the same 2 cores.\n");
    let _ = writeln!(report, "| route | requests/s | p50 | p99 |\n|---|---|---|---|");
    for path in ["/healthz", "/"] {
        let output = Cmd::new("wrk")
            .args(["-t2", "-c", LOAD_CONNECTIONS, "-d", LOAD_SECONDS, "--latency", &format!("{base}{path}")])
            .output()
            .ok_or("wrk failed")?;
        let rps = line_value(&output, "Requests/sec:").unwrap_or_default();
        let p50 = latency_percentile(&output, "50%").unwrap_or_default();
        let p99 = latency_percentile(&output, "99%").unwrap_or_default();
        println!("{path}: {rps} req/s, p50 {p50}, p99 {p99}");
        let _ = writeln!(report, "| `GET {path}` | {rps} | {p50} | {p99} |");
    }
    drop(portico);

    authentication(&binary, &mut report)?;
    crate::bench_catalog::run(&binary, &mut report)?;
    crate::bench_search::run(&binary, &mut report)?;

    let _ = writeln!(report, "\nReproduce: `cargo xtask bench` (writes this file).");
    let path = shell::project_root().join("BENCHMARKS.md");
    std::fs::write(&path, &report).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    println!("\n{report}");
    println!("written to {}", path.display());
    Ok(())
}

/// `cargo xtask bench catalog`: only the catalog section, printed (BENCHMARKS.md is not touched).
pub fn catalog_only() -> Result<(), String> {
    section_only(crate::bench_catalog::run)
}

/// `cargo xtask bench search`: only the search section, printed (BENCHMARKS.md is not touched).
pub fn search_only() -> Result<(), String> {
    section_only(crate::bench_search::run)
}

fn section_only(section: fn(&std::path::Path, &mut String) -> Result<(), String>) -> Result<(), String> {
    crate::build(true)?;
    let binary = shell::target_dir().join("release/portico");
    let mut report = String::new();
    section(&binary, &mut report)?;
    println!("\n{report}");
    Ok(())
}

const BENCH_PASSWORD: &str = "benchmark password 1";

/// Prints wrk's 95th and 99th latency percentiles in microseconds.
const PERCENTILES_LUA: &str = r#"
done = function(summary, latency, requests)
  io.write(string.format("p95_us %d\np99_us %d\nrequests %d\n", latency:percentile(95), latency:percentile(99), summary.requests))
end
"#;

fn authentication(binary: &std::path::Path, report: &mut String) -> Result<(), String> {
    println!("\n==> authentication cost (one connection, sequential requests)");
    let portico = Portico::start_with(
        binary,
        Db::Sqlite,
        "bench-auth",
        crate::http::free_port()?,
        &[("PORTICO_AUTH_GUEST", "true".to_owned())],
    )?;
    let base = portico.base_url();
    portico.command(binary).args(["user", "add", "bench"]).run_with_input(&format!("{BENCH_PASSWORD}\n"))?;
    let token_output = portico
        .command(binary)
        .args(["token", "create", "--user", "bench"])
        .output()
        .ok_or("portico token create failed")?;
    let token = token_output.trim_end().lines().last().unwrap_or_default().to_owned();
    let headers = Cmd::new("curl")
        .args(["-s", "-D", "-", "-o", "/dev/null", "-H", &format!("Origin: {base}")])
        .args(["--data", &format!("login=bench&password={}", BENCH_PASSWORD.replace(' ', "+"))])
        .arg(format!("{base}/auth/sign-in"))
        .output()
        .ok_or("curl could not sign in")?;
    let session = headers
        .lines()
        .find_map(|line| line.strip_prefix("set-cookie: portico_session="))
        .and_then(|rest| rest.split(';').next())
        .ok_or("no session cookie from sign-in")?
        .to_owned();
    let script = shell::target_dir().join("bench-percentiles.lua");
    std::fs::write(&script, PERCENTILES_LUA).map_err(|err| format!("cannot write {}: {err}", script.display()))?;
    let url = format!("{base}/api/auth/me");
    let cases = [
        ("guest (no credential)", None),
        ("session cookie", Some(format!("Cookie: portico_session={session}"))),
        ("API token", Some(format!("Authorization: Bearer {token}"))),
    ];
    let _ = writeln!(report, "\n## Authentication\n");
    let _ = writeln!(
        report,
        "`GET /api/auth/me`, one connection, one request at a time for 5 s (SQLite). \
         Authentication adds the difference to the guest row (target: < 1 ms at p95).\n"
    );
    let _ = writeln!(report, "| credential | p95 | p99 | added at p95 |\n|---|---|---|---|");
    let mut guest_p95 = 0u64;
    for (label, header) in cases {
        let mut command = Cmd::new("wrk").args(["-t1", "-c1", "-d5s", "-s"]).arg(&script);
        if let Some(header) = &header {
            command = command.args(["-H", header]);
        }
        let output = command.arg(&url).output().ok_or("wrk failed")?;
        let p95 = lua_value(&output, "p95_us").unwrap_or_default();
        let p99 = lua_value(&output, "p99_us").unwrap_or_default();
        if header.is_none() {
            guest_p95 = p95;
        }
        let added = p95.saturating_sub(guest_p95);
        println!("{label}: p95 {p95} µs, p99 {p99} µs, added {added} µs");
        let _ = writeln!(report, "| {label} | {} | {} | {} |", us(p95), us(p99), us(added));
    }

    println!("\n==> /healthz during a burst of password sign-ins");
    let sign_in_lua = shell::target_dir().join("bench-sign-in.lua");
    let body = format!("login=bench&password={}", BENCH_PASSWORD.replace(' ', "+"));
    std::fs::write(
        &sign_in_lua,
        format!(
            "wrk.method = \"POST\"\nwrk.body = \"{body}\"\nwrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\nwrk.headers[\"Origin\"] = \"{base}\"\n{PERCENTILES_LUA}"
        ),
    )
    .map_err(|err| format!("cannot write {}: {err}", sign_in_lua.display()))?;
    let probe = |label: &str| -> Result<(u64, u64), String> {
        let output = Cmd::new("wrk")
            .args(["-t1", "-c1", "-d5s", "-s"])
            .arg(&script)
            .arg(format!("{base}/healthz"))
            .output()
            .ok_or("wrk failed")?;
        let p99 = lua_value(&output, "p99_us").unwrap_or_default();
        let p95 = lua_value(&output, "p95_us").unwrap_or_default();
        println!("/healthz {label}: p95 {p95} µs, p99 {p99} µs");
        Ok((p95, p99))
    };
    let idle = probe("idle")?;
    let burst_url = format!("{base}/auth/sign-in");
    let sign_in_script = sign_in_lua.clone();
    let burst = std::thread::spawn(move || {
        Cmd::new("wrk").args(["-t1", "-c8", "-d7s", "-s"]).arg(&sign_in_script).arg(&burst_url).output()
    });
    std::thread::sleep(Duration::from_millis(500));
    let loaded = probe("during sign-ins")?;
    let burst_output = burst.join().map_err(|_| "the sign-in burst panicked")?.unwrap_or_default();
    let sign_ins = lua_value(&burst_output, "requests").unwrap_or_default();
    let sign_in_p95 = lua_value(&burst_output, "p95_us").unwrap_or_default();
    println!("sign-ins: {sign_ins} in 7 s, p95 {}", us(sign_in_p95));
    let _ = writeln!(
        report,
        "\n`/healthz` (one connection) while 8 connections sign in with a password as fast as they can \
         ({sign_ins} argon2id sign-ins in 7 s, p95 {}):\n",
        us(sign_in_p95)
    );
    let _ = writeln!(report, "| `/healthz` | p95 | p99 |\n|---|---|---|");
    let _ = writeln!(report, "| idle | {} | {} |", us(idle.0), us(idle.1));
    let _ = writeln!(report, "| during the sign-in burst | {} | {} |", us(loaded.0), us(loaded.1));
    drop(portico);
    Ok(())
}

fn lua_value(output: &str, key: &str) -> Option<u64> {
    output.lines().find_map(|line| line.strip_prefix(key)).and_then(|value| value.trim().parse().ok())
}

fn us(micros: u64) -> String {
    if micros >= 1000 {
        format!("{:.2} ms", micros as f64 / 1000.0)
    } else {
        format!("{micros} µs")
    }
}

/// The `/pkg/...` path of the first asset with this extension in the page.
fn find_asset(html: &str, extension: &str) -> Option<String> {
    html.match_indices("/pkg/").find_map(|(start, _)| {
        let rest = &html[start..];
        let end = rest.find(|c: char| c == '"' || c == '\'' || c == ')' || c.is_whitespace())?;
        let path = &rest[..end];
        path.ends_with(&format!(".{extension}")).then(|| path.to_owned())
    })
}

fn transfer_size(url: &str, encoding: &str) -> Result<u64, String> {
    let output = Cmd::new("curl")
        .args(["-s", "-o", "/dev/null", "-H", &format!("Accept-Encoding: {encoding}"), "-w", "%{size_download}", url])
        .output()
        .ok_or_else(|| format!("curl could not fetch {url}"))?;
    output.trim().parse().map_err(|_| format!("curl gave no size for {url}"))
}

pub(crate) fn rss_of(pid: u32) -> u64 {
    status_kib(pid, "VmRSS:")
}

/// Resident memory of a process in MiB, with its parts: (total, anonymous,
/// file-backed). File-backed pages are mapped files (the search index), which
/// the kernel can drop and read again.
pub(crate) fn memory_of(pid: u32) -> (f64, f64, f64) {
    let mib = |key| status_kib(pid, key) as f64 / 1024.0;
    (mib("VmRSS:"), mib("RssAnon:"), mib("RssFile:"))
}

/// A `kB` line of `/proc/PID/status`.
fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(key))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or_default()
}

pub(crate) fn line_value(output: &str, label: &str) -> Option<String> {
    output
        .lines()
        .find(|line| line.trim_start().starts_with(label))
        .and_then(|line| line.split_whitespace().nth(1))
        .map(str::to_owned)
}

pub(crate) fn latency_percentile(output: &str, percentile: &str) -> Option<String> {
    output
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with(percentile))
        .and_then(|line| line.split_whitespace().nth(1))
        .map(str::to_owned)
}

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

fn today() -> String {
    Cmd::new("date").args(["-u", "+%Y-%m-%d"]).output().map(|d| d.trim().to_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_are_found_in_the_page() {
        let html = r#"<link rel="stylesheet" href="/pkg/portico.abc.css"><script>import('/pkg/portico.def.js')</script><link rel="preload" href="/pkg/portico.ghi.wasm">"#;
        assert_eq!(find_asset(html, "css").as_deref(), Some("/pkg/portico.abc.css"));
        assert_eq!(find_asset(html, "js").as_deref(), Some("/pkg/portico.def.js"));
        assert_eq!(find_asset(html, "wasm").as_deref(), Some("/pkg/portico.ghi.wasm"));
    }

    #[test]
    fn the_percentile_script_output_is_read() {
        assert_eq!(lua_value("p95_us 812\np99_us 1500\n", "p95_us"), Some(812));
        assert_eq!(us(812), "812 µs");
        assert_eq!(us(1500), "1.50 ms");
    }

    #[test]
    fn wrk_output_is_read() {
        let output = "  Latency Distribution\n     50%  1.20ms\n     99%  5.01ms\nRequests/sec:  12345.67\n";
        assert_eq!(line_value(output, "Requests/sec:").as_deref(), Some("12345.67"));
        assert_eq!(latency_percentile(output, "99%").as_deref(), Some("5.01ms"));
    }
}
