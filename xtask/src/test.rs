//! `cargo xtask test`: every check the project has, in the order that finds
//! problems fastest, with one summary at the end.

use crate::e2e::{self, Db};
use crate::summary::Summary;
use crate::{setup, shell};

/// The crates compiled for the server (the `ssr` side).
const SERVER_CRATES: [&str; 14] =
    ["-p", "model", "-p", "domain", "-p", "migration", "-p", "app", "-p", "server", "-p", "testkit", "-p", "xtask"];

pub fn run() -> Result<(), String> {
    let mut summary = Summary::default();
    if !summary.step("setup (tools and packages)", |_| setup::run()) {
        summary.print();
        return Err("setup failed".to_owned());
    }
    summary.step("cargo fmt --check", |_| shell::cargo(&["fmt", "--all", "--check"]).run());
    summary
        .step("leptosfmt --check", |_| shell::Cmd::new("leptosfmt").args(["--check", "app/src", "frontend/src"]).run());
    summary.step("clippy (ssr: server crates, all targets)", |_| {
        let mut args = vec!["clippy", "--all-targets"];
        args.extend(SERVER_CRATES);
        args.extend(["--", "-D", "warnings"]);
        shell::cargo(&args).run()
    });
    summary.step("clippy (hydrate: wasm frontend)", |_| {
        shell::cargo(&[
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "frontend",
            "-p",
            "app",
            "--features",
            "frontend/hydrate",
            "--",
            "-D",
            "warnings",
        ])
        .run()
    });
    let built = summary.step("cargo leptos build (server, wasm, css)", |_| shell::cargo(&["leptos", "build"]).run());
    summary.step("unit and integration tests (SQLite, PostgreSQL)", |summary| {
        let mut args = vec!["test"];
        args.extend(SERVER_CRATES);
        let (outcome, output) = shell::cargo(&args).run_capturing();
        summary.count_tests(&output);
        outcome
    });
    summary
        .step("trunk build (client-side dev build)", |_| shell::Cmd::new("trunk").args(["build", "--offline"]).run());
    let binary = shell::target_dir().join("debug/portico");
    for db in [Db::Sqlite, Db::Postgres] {
        let name = format!("end2end in Chromium ({})", db.name());
        if !built {
            summary.skipped(&name, "the build failed");
            continue;
        }
        summary.step(&name, |summary| {
            let (outcome, output) = e2e::run_suite(&binary, db);
            summary.count_tests(&output);
            outcome
        });
    }
    summary.print();
    if summary.all_passed() {
        Ok(())
    } else {
        Err("some checks failed (see the summary above)".to_owned())
    }
}
