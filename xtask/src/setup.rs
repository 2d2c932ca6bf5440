//! Installs whatever the build and the tests need and this machine lacks:
//! the wasm target, rustfmt and clippy, Debian packages (Chromium, wrk, psql),
//! npm packages (wasm-opt, Tailwind, Playwright) and cargo tools at pinned
//! versions. Each step checks first, so a second run takes a moment.

use crate::shell::{self, Cmd};
use std::sync::atomic::{AtomicBool, Ordering};

/// Cargo tools and the exact versions the build expects. `wasm-bindgen` must
/// match the `wasm-bindgen` crate pinned in Cargo.toml.
const CARGO_TOOLS: [CargoTool; 4] = [
    CargoTool { krate: "cargo-leptos", binary: "cargo-leptos", version: "0.3.10", locked: true },
    CargoTool { krate: "wasm-bindgen-cli", binary: "wasm-bindgen", version: "0.2.130", locked: false },
    CargoTool { krate: "leptosfmt", binary: "leptosfmt", version: "0.1.33", locked: true },
    CargoTool { krate: "trunk", binary: "trunk", version: "0.21.14", locked: true },
];

/// Debian packages: the browser for end2end tests, a load generator and curl
/// for benchmarks, psql to create test databases, fonts for screenshots, and
/// OpenSSL's headers with pkg-config for libgit2's https transport (git locations).
const DEBIAN_PACKAGES: [&str; 8] = [
    "chromium",
    "wrk",
    "curl",
    "postgresql-client",
    "fonts-dejavu-core",
    "fonts-liberation",
    "libssl-dev",
    "pkg-config",
];

struct CargoTool {
    krate: &'static str,
    binary: &'static str,
    version: &'static str,
    locked: bool,
}

static DONE: AtomicBool = AtomicBool::new(false);

pub fn run() -> Result<(), String> {
    if DONE.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    rust_pieces()?;
    debian_packages()?;
    npm_packages()?;
    for tool in &CARGO_TOOLS {
        cargo_tool(tool)?;
    }
    Ok(())
}

fn rust_pieces() -> Result<(), String> {
    let installed = Cmd::new("rustup").args(["target", "list", "--installed"]).output().unwrap_or_default();
    if !installed.lines().any(|line| line.trim() == "wasm32-unknown-unknown") {
        Cmd::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]).run()?;
    }
    for (component, probe) in [("rustfmt", "fmt"), ("clippy", "clippy")] {
        if shell::cargo(&[probe, "--version"]).output().is_none() {
            Cmd::new("rustup").args(["component", "add", component]).run()?;
        }
    }
    Ok(())
}

fn debian_packages() -> Result<(), String> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .into_iter()
        .filter(|package| {
            let status = Cmd::new("dpkg-query").args(["-W", "-f=${Status}", package]).output().unwrap_or_default();
            !status.contains("install ok installed")
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: installing Debian packages: {}", missing.join(" "));
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| {
        let mut full: Vec<&str> = sudo.to_vec();
        full.extend_from_slice(args);
        Cmd::new(full[0]).args(&full[1..]).env("DEBIAN_FRONTEND", "noninteractive").run()
    };
    apt(&["apt-get", "update", "-qq"])?;
    let mut install = vec!["apt-get", "install", "-y", "-qq", "--no-install-recommends"];
    install.extend(missing);
    apt(&install)
}

fn is_root() -> bool {
    Cmd::new("id").args(["-u"]).output().is_some_and(|uid| uid.trim() == "0")
}

fn npm_packages() -> Result<(), String> {
    let root = shell::project_root();
    let lock = root.join("package-lock.json");
    let installed = root.join("node_modules/.package-lock.json");
    let modified = |path: &std::path::Path| std::fs::metadata(path).and_then(|meta| meta.modified()).ok();
    let up_to_date = match (modified(&lock), modified(&installed)) {
        (Some(lock), Some(installed)) => installed >= lock,
        _ => false,
    };
    if up_to_date {
        return Ok(());
    }
    Cmd::new("npm").args(["ci", "--no-audit", "--no-fund"]).run()
}

fn cargo_tool(tool: &CargoTool) -> Result<(), String> {
    let version = Cmd::new(tool.binary).args(["--version"]).output().unwrap_or_default();
    if version.split_whitespace().any(|word| word == tool.version) {
        return Ok(());
    }
    println!(
        "xtask: installing {} {} (once per machine; cargo-leptos takes ~15 minutes on 2 cores)",
        tool.krate, tool.version
    );
    let spec = format!("{}@{}", tool.krate, tool.version);
    let mut args = vec!["install", spec.as_str()];
    if tool.locked {
        args.push("--locked");
    }
    // Tools get their own target directory: their dependencies never match the project's.
    shell::cargo(&args).env("CARGO_TARGET_DIR", shell::home_dir().join(".cache/portico/tools-target")).run()
}
