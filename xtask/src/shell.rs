//! Running commands: where the project and its build output live, the PATH
//! that finds the pinned tools, and a small builder that reports failures as
//! one line naming the command.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The repository root (the parent of `xtask/`).
pub fn project_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().map(Path::to_path_buf).unwrap_or(manifest_dir)
}

/// Build output lives outside the clone so that a fresh clone (as in CI)
/// reuses what an earlier build compiled. `CARGO_TARGET_DIR` overrides it.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    home_dir().join(".cache/portico/target")
}

pub fn home_dir() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/root"))
}

/// PATH with the project's npm tools (wasm-opt, tailwindcss) and cargo's
/// installed tools first.
pub fn tool_path() -> String {
    let mut parts = vec![
        project_root().join("node_modules/.bin").display().to_string(),
        home_dir().join(".cargo/bin").display().to_string(),
    ];
    if let Ok(path) = std::env::var("PATH") {
        parts.push(path);
    }
    parts.join(":")
}

/// A command to run from the project root with the project's environment.
pub struct Cmd {
    command: Command,
    display: String,
}

impl Cmd {
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        let display = program.as_ref().to_string_lossy().into_owned();
        let mut command = Command::new(program);
        command
            .current_dir(project_root())
            .env("PATH", tool_path())
            .env("CARGO_TARGET_DIR", target_dir())
            // leptos_config reads this at compile time and cargo-leptos sets it:
            // setting it everywhere lets test and lint builds reuse its output.
            .env("LEPTOS_OUTPUT_NAME", "portico")
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Self { command, display }
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for arg in args {
            self.display.push(' ');
            self.display.push_str(&arg.as_ref().to_string_lossy());
            self.command.arg(arg);
        }
        self
    }

    pub fn arg(self, arg: impl AsRef<OsStr>) -> Self {
        self.args([arg])
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// Runs to completion with inherited output; fails unless it exits 0.
    pub fn run(mut self) -> Result<(), String> {
        println!("$ {}", self.display);
        let status = self.command.status().map_err(|err| format!("cannot run `{}`: {err}", self.display))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{}` failed ({status})", self.display))
        }
    }

    /// Runs with stdout echoed line by line and also returned, so that a
    /// caller can read test counts from it; fails unless it exits 0.
    pub fn run_capturing(mut self) -> (Result<(), String>, String) {
        use std::io::{BufRead, BufReader};
        println!("$ {}", self.display);
        let mut child = match self.command.stdout(Stdio::piped()).spawn() {
            Ok(child) => child,
            Err(err) => return (Err(format!("cannot run `{}`: {err}", self.display)), String::new()),
        };
        let mut captured = String::new();
        if let Some(stdout) = child.stdout.take() {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("{line}");
                captured.push_str(&line);
                captured.push('\n');
            }
        }
        let outcome = match child.wait() {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(format!("`{}` failed ({status})", self.display)),
            Err(err) => Err(format!("`{}` did not finish: {err}", self.display)),
        };
        (outcome, captured)
    }

    /// Runs with `input` on stdin and output inherited; fails unless it exits 0.
    pub fn run_with_input(mut self, input: &str) -> Result<(), String> {
        use std::io::Write;
        println!("$ {}", self.display);
        let mut child = self
            .command
            .stdin(Stdio::piped())
            .spawn()
            .map_err(|err| format!("cannot run `{}`: {err}", self.display))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(input.as_bytes()).map_err(|err| format!("cannot feed `{}`: {err}", self.display))?;
        }
        match child.wait() {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(format!("`{}` failed ({status})", self.display)),
            Err(err) => Err(format!("`{}` did not finish: {err}", self.display)),
        }
    }

    /// Runs quietly and returns stdout, or `None` when it cannot run or fails.
    pub fn output(mut self) -> Option<String> {
        let output = self.command.stderr(Stdio::null()).output().ok()?;
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Starts in the background with its output sent to `log`.
    pub fn spawn_logged(mut self, log: &Path) -> Result<Child, String> {
        let file = std::fs::File::create(log).map_err(|err| format!("cannot create {}: {err}", log.display()))?;
        let file_err = file.try_clone().map_err(|err| err.to_string())?;
        self.command
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(file_err)
            .spawn()
            .map_err(|err| format!("cannot start `{}`: {err}", self.display))
    }
}

pub fn cargo(args: &[&str]) -> Cmd {
    Cmd::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())).args(args)
}
