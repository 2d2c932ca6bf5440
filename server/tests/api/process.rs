//! The `portico` binary as a user runs it: help, configuration mistakes, a
//! port already in use, and a graceful stop on SIGTERM that lets a request in
//! flight finish and closes the database.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn portico() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portico"));
    for (key, _) in std::env::vars() {
        if key.starts_with("PORTICO_") {
            command.env_remove(key);
        }
    }
    command.env("PORTICO_LOG_FORMAT", "json");
    command
}

fn run(command: &mut Command) -> Output {
    command.stdin(Stdio::null()).output().expect("portico runs")
}

pub fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

#[test]
fn help_documents_commands_and_environment_variables() {
    let output = run(portico().arg("--help"));
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for needle in [
        "serve",
        "migrate",
        "PORTICO_ADDR",
        "PORTICO_DATABASE_URL",
        "PORTICO_DATA_DIR",
        "PORTICO_LOG_FORMAT",
        "PORTICO_CONFIG",
        "/readyz",
    ] {
        assert!(help.contains(needle), "--help does not mention {needle}");
    }
}

#[test]
fn environment_overrides_the_file_and_flags_override_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("portico.toml");
    std::fs::write(&file, "[server]\naddr = \"127.0.0.1:1111\"\n[log]\nformat = \"pretty\"\n").unwrap();
    let output = run(portico().args(["config", "--config"]).arg(&file).env("PORTICO_ADDR", "127.0.0.1:2222"));
    let shown = String::from_utf8(output.stdout).unwrap();
    assert!(shown.contains("addr = \"127.0.0.1:2222\""), "{shown}");
    assert!(shown.contains("log_format = \"json\""), "{shown}");
    let output = run(portico()
        .args(["config", "--addr", "127.0.0.1:3333", "--config"])
        .arg(&file)
        .env("PORTICO_ADDR", "127.0.0.1:2222"));
    assert!(String::from_utf8(output.stdout).unwrap().contains("addr = \"127.0.0.1:3333\""));
}

#[test]
fn an_invalid_config_file_names_file_line_and_key_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("portico.toml");
    std::fs::write(&file, "[server]\naddr = \"127.0.0.1:0\"\n\n[database]\nmax_conections = 5\n").unwrap();
    let output = run(portico().arg("--config").arg(&file));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let expected =
        format!("portico: {}:5:1: [database] max_conections: unknown field `max_conections`", file.display());
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
}

#[test]
fn a_port_already_in_use_is_a_one_line_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = run(portico().args(["serve", "--addr", &addr.to_string(), "--data-dir"]).arg(dir.path()));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    assert_eq!(last, format!("portico: cannot listen on {addr}: address already in use (is another Portico running?)"));
    assert!(!stderr.contains("panicked"), "{stderr}");
}

pub fn wait_until_ready(addr: SocketAddr, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut stream) = TcpStream::connect(addr) {
            let _ = stream.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut response = String::new();
            let _ = stream.read_to_string(&mut response);
            if response.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        assert!(child.try_wait().unwrap().is_none(), "portico exited early");
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("portico not ready");
}

pub fn terminate(child: &Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

#[test]
fn sigterm_lets_a_request_in_flight_finish_then_closes_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let mut child = portico()
        .args(["serve", "--auth-guest", "--addr", &addr.to_string(), "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_ready(addr, &mut child);

    // A request whose body is still arriving when the signal comes.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"POST /api/fn/check_database HTTP/1.1\r\nHost: x\r\nOrigin: http://x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4\r\nConnection: close\r\n\r\na=")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    terminate(&child);
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "portico must wait for the request in flight");
    stream.write_all(b"12").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    let status = child.wait().unwrap();
    assert!(status.success(), "clean exit after SIGTERM: {status}");
    let mut logs = String::new();
    child.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
    assert!(logs.contains("shutting down"), "{logs}");
    assert!(logs.contains("\"stopped\""), "{logs}");
    // SQLite removes its write-ahead log when the last connection closes cleanly.
    assert!(dir.path().join("portico.db").exists());
    assert!(!Path::new(&dir.path().join("portico.db-wal")).exists(), "the database was closed");
}
