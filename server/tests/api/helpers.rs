//! `spawn_app`: starts Portico in-process on 127.0.0.1:0 with a fresh
//! database and waits until it is ready; and the macro that runs a test on
//! both databases.

use model::DatabaseKind;
use server::cli::ServeArgs;
use server::config::Config;
use server::startup::Application;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use testkit::TestDatabase;

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub kind: DatabaseKind,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    // Dropped last: the database outlives the server that uses it.
    _database: TestDatabase,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request failed")
    }

    /// Calls a server function without arguments, as the hydrated app does.
    pub async fn call_server_fn(&self, endpoint: &str) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/fn/{endpoint}")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .expect("server function call failed")
    }

    /// Stops the server as SIGTERM would and waits for it to finish.
    pub async fn shut_down(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task");
        }
    }
}

/// A configuration for a test server on `database_url`, on a random port.
pub fn test_config(database_url: &str) -> Config {
    let args = ServeArgs {
        addr: Some("127.0.0.1:0".parse().unwrap()),
        database_url: Some(database_url.to_owned()),
        data_dir: Some(std::env::temp_dir()),
        ..ServeArgs::default()
    };
    Config::from_toml("", std::path::Path::new("test.toml"), &args).unwrap()
}

/// Starts Portico with a fresh database of `kind`, ready to serve.
pub async fn spawn_app(kind: DatabaseKind) -> TestApp {
    let database = TestDatabase::new(kind).await;
    let app = start(test_config(&database.url), database).await;
    app.wait_until_ready().await;
    app
}

/// Starts Portico with a given configuration without waiting for readiness.
pub async fn start(config: Config, database: TestDatabase) -> TestApp {
    let kind = database.kind;
    let application = Application::build(config, Instant::now()).await.expect("server starts");
    let addr = application.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        application
            .run_until(async move {
                let _ = stopped.await;
            })
            .await
            .expect("server runs");
    });
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { addr, client, kind, stop: Some(stop), server: Some(server), _database: database }
}

impl TestApp {
    pub async fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(response) = self.client.get(self.url("/readyz")).send().await {
                if response.status() == 200 {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("Portico was not ready within 30 s");
    }
}

/// Defines `name::sqlite` and `name::postgres`, each running `body(app)` on a
/// freshly spawned server.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, $body:ident) => {
        testkit::on_both_databases!($name, $body, $crate::helpers::spawn_app);
    };
}
