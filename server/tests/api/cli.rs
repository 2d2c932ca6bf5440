//! `portico user add` and `portico token create` on the database `portico
//! serve` uses with the same environment (SQLite and PostgreSQL), and a full
//! sign-in, token and sign-out session against the real binary whose logs
//! must never contain a password, token or session id.

use crate::helpers::session_cookie;
use crate::process::portico;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use testkit::{DatabaseKind, TestDatabase};

const PASSWORD: &str = "cli password 12345";

fn with_database(command: &mut Command, database: &TestDatabase, data_dir: &std::path::Path) {
    command.env("PORTICO_DATABASE_URL", &database.url).env("PORTICO_DATA_DIR", data_dir);
}

/// Runs `portico ARGS` with `stdin` fed in; returns (status, stdout, stderr).
fn run_with_input(args: &[&str], stdin: &str, database: &TestDatabase, dir: &std::path::Path) -> (i32, String, String) {
    let mut command = portico();
    with_database(&mut command, database, dir);
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("portico runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

async fn cli_users_and_tokens_work_with_serve_and_stay_out_of_logs(kind: DatabaseKind) {
    let database = TestDatabase::new(kind).await;
    let dir = tempfile::tempdir().unwrap();

    let (status, stdout, stderr) = run_with_input(
        &["user", "add", "jane", "--admin", "--email", "jane@example.com"],
        &format!("{PASSWORD}\n"),
        &database,
        dir.path(),
    );
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.contains("created admin jane"), "{stdout}");
    let (status, _, stderr) = run_with_input(&["user", "add", "jane"], &format!("{PASSWORD}\n"), &database, dir.path());
    assert_eq!(status, 1);
    assert!(stderr.contains("a user named 'jane' already exists"), "{stderr}");
    let (status, _, stderr) = run_with_input(&["user", "add", "bob"], "short\n", &database, dir.path());
    assert_eq!(status, 2);
    assert!(stderr.contains("password must be at least 10 characters"), "{stderr}");

    let (status, stdout, stderr) =
        run_with_input(&["token", "create", "--user", "jane", "--scope", "write"], "", &database, dir.path());
    assert_eq!(status, 0, "{stderr}");
    let token = stdout.trim_end().lines().last().unwrap().to_owned();
    assert!(token.starts_with("pt_") && !token.contains(' '), "the token alone on the last line: {stdout}");
    let (status, _, stderr) = run_with_input(&["token", "create", "--user", "nobody"], "", &database, dir.path());
    assert_eq!(status, 1);
    assert!(stderr.contains("user 'nobody' not found"), "{stderr}");

    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let log_file = dir.path().join("serve.log");
    let mut command = portico();
    with_database(&mut command, &database, dir.path());
    let mut server = command
        .args(["serve", "--addr", &addr.to_string()])
        .env("PORTICO_LOG", "debug,hyper=info,h2=info,sqlx=info,tower=info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log_file).unwrap())
        .spawn()
        .unwrap();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let base = format!("http://{addr}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get(format!("{base}/readyz")).send().await.map(|r| r.status() != 200).unwrap_or(true) {
        assert!(Instant::now() < deadline, "portico not ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let me = client.get(format!("{base}/api/auth/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), 200, "the CLI's token works on the server using the same database");
    let signed_in = client
        .post(format!("{base}/auth/sign-in"))
        .header("origin", &base)
        .form(&[("login", "jane"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let session = session_cookie(&signed_in).expect("the CLI's user signs in");
    let _ = client
        .post(format!("{base}/auth/sign-in"))
        .header("origin", &base)
        .form(&[("login", "jane"), ("password", "a wrong password")])
        .send()
        .await
        .unwrap();
    let tokens = client
        .get(format!("{base}/api/auth/tokens?token={token}"))
        .header("cookie", format!("portico_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.status(), 200);
    let _ = client
        .post(format!("{base}/auth/sign-out"))
        .header("origin", &base)
        .header("cookie", format!("portico_session={session}"))
        .send()
        .await
        .unwrap();

    let _ = Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    let mut stdout = String::new();
    server.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    assert!(server.wait().unwrap().success());
    let logs = std::fs::read_to_string(&log_file).unwrap();
    assert!(logs.contains("\"request\"") && logs.lines().count() > 10, "debug logs were written: {logs}");
    for secret in [PASSWORD, "a wrong password", token.as_str(), session.as_str()] {
        assert!(!logs.contains(secret), "a secret reached the log: {secret}");
        assert!(!stdout.contains(secret), "a secret reached standard output: {secret}");
    }
}

#[tokio::test]
async fn cli_on_sqlite() {
    cli_users_and_tokens_work_with_serve_and_stay_out_of_logs(DatabaseKind::Sqlite).await;
}

#[tokio::test]
async fn cli_on_postgres() {
    cli_users_and_tokens_work_with_serve_and_stay_out_of_logs(DatabaseKind::Postgres).await;
}

#[test]
fn the_demo_admin_password_is_printed_once_and_works() {
    let dir = tempfile::tempdir().unwrap();
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut server = portico()
        .args(["serve", "--auth-guest", "--demo-admin", "--addr", &addr.to_string(), "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = server.stdout.take().unwrap();
    let mut printed = String::new();
    let mut buffer = [0u8; 512];
    let deadline = Instant::now() + Duration::from_secs(30);
    while !printed.contains("shown once") {
        assert!(Instant::now() < deadline, "no demo admin line: {printed}");
        let read = stdout.read(&mut buffer).unwrap();
        assert!(read > 0, "portico closed stdout: {printed}");
        printed.push_str(&String::from_utf8_lossy(&buffer[..read]));
    }
    let password = printed.split("with password ").nth(1).and_then(|rest| rest.split_whitespace().next()).unwrap();
    assert!(password.len() >= 16, "{printed}");
    assert_eq!(printed.matches(password).count(), 1, "printed once: {printed}");

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let base = format!("http://{addr}");
        let guest = client.get(format!("{base}/api/auth/me")).send().await.unwrap();
        assert_eq!(guest.json::<model::Viewer>().await.unwrap(), model::Viewer::Guest, "guest mode is on");
        let signed_in = client
            .post(format!("{base}/auth/sign-in"))
            .header("origin", &base)
            .form(&[("login", "admin"), ("password", password)])
            .send()
            .await
            .unwrap();
        assert!(session_cookie(&signed_in).is_some(), "the printed password signs in");
    });
    let _ = Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut logs = String::new();
    server.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
    assert!(server.wait().unwrap().success());
    assert!(!logs.contains(password), "the password is not in the log");
}
