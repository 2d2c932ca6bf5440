//! Portico's developer commands, run as `cargo xtask <command>`:
//!
//! - `run`   installs what is missing, builds a release and runs Portico on
//!   http://127.0.0.1:7007 with its data in `./data`;
//! - `test`  installs what is missing and runs every check (format, lints,
//!   unit and integration tests on SQLite and PostgreSQL, the Trunk build, and
//!   the end2end suite in headless Chromium on both databases), then prints a
//!   summary and exits non-zero on any failure;
//! - `bench` measures start-up, page weight and throughput into BENCHMARKS.md;
//! - `setup`, `build [--release]`, `fmt` for the pieces.
//!
//! Everything is std-only so that `cargo xtask` compiles in seconds on a new machine.

mod bench;
mod bench_catalog;
mod bench_search;
mod e2e;
mod http;
mod setup;
mod shell;
mod summary;
mod test;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run              set up, build a release and run Portico at http://127.0.0.1:7007
  test             set up and run every check (fmt, clippy, tests on SQLite and
                   PostgreSQL, Trunk build, end2end in headless Chromium)
  bench            set up, build a release and write benchmark figures to BENCHMARKS.md
  bench catalog    only the catalog figures (printed; PORTICO_BENCH_SIZES=10000,100000)
  bench search     only the search figures (printed; PORTICO_BENCH_SIZES as above)
  setup            install the toolchain pieces, cargo tools, npm and Debian packages
  build [--release]  build server, wasm and CSS with cargo-leptos
  fmt              format Rust code and view! macros";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("help");
    let outcome = match command {
        "run" => run(),
        "test" => test::run(),
        "bench" if args.get(1).map(String::as_str) == Some("catalog") => bench::catalog_only(),
        "bench" if args.get(1).map(String::as_str) == Some("search") => bench::search_only(),
        "bench" => bench::run(),
        "setup" => setup::run(),
        "build" => build(args.iter().any(|arg| arg == "--release")),
        "fmt" => format(),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Builds server, wasm and CSS; a release build also precompresses assets.
pub fn build(release: bool) -> Result<(), String> {
    setup::run()?;
    let mut args = vec!["leptos", "build"];
    if release {
        args.extend(["--release", "--precompress"]);
    }
    shell::cargo(&args).run()?;
    if release {
        recompress_gzip_at_best_level()?;
    }
    Ok(())
}

/// cargo-leptos writes `.gz` files at gzip's default level; browsers on plain
/// http get gzip (brotli needs https), so it pays to squeeze harder: `gzip -9`
/// makes the wasm about 15% smaller.
fn recompress_gzip_at_best_level() -> Result<(), String> {
    let pkg = shell::target_dir().join("site/pkg");
    let entries = std::fs::read_dir(&pkg).map_err(|err| format!("cannot read {}: {err}", pkg.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let compressed = matches!(path.extension().and_then(|ext| ext.to_str()), Some("gz" | "br"));
        if path.is_file() && !compressed {
            shell::Cmd::new("gzip").args(["-9", "-n", "-k", "-f"]).args([&path]).run()?;
        }
    }
    Ok(())
}

fn run() -> Result<(), String> {
    build(true)?;
    let binary = shell::target_dir().join("release/portico");
    let data_dir = shell::project_root().join("data");
    println!();
    println!("  Portico is starting at http://127.0.0.1:7007  (data in {}, Ctrl-C to stop)", data_dir.display());
    println!("  Guests may read without signing in; the demo admin's password is printed below.");
    println!("  The catalog is the demo company in catalog/ (Fernhill Cycles).");
    println!();
    shell::Cmd::new(binary)
        .args(["serve", "--addr", "127.0.0.1:7007"])
        .env("PORTICO_DATA_DIR", data_dir.to_string_lossy().as_ref())
        .env("PORTICO_AUTH_GUEST", "true")
        .env("PORTICO_AUTH_DEMO_ADMIN", "true")
        .env("PORTICO_CATALOG", "catalog/all.yaml")
        .current_dir(shell::project_root())
        .run()
}

fn format() -> Result<(), String> {
    setup::run()?;
    shell::cargo(&["fmt", "--all"]).run()?;
    shell::Cmd::new("leptosfmt").args(["app/src", "frontend/src"]).run()
}
