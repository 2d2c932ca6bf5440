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
    pub database_url: String,
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

    /// The origin a browser on one of Portico's pages sends with a write.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Calls a server function without arguments, as the hydrated app does.
    pub async fn call_server_fn(&self, endpoint: &str) -> reqwest::Response {
        self.server_fn_as(endpoint, None, "").await
    }

    /// Calls a server function with a session cookie (or none) and a form body.
    pub async fn server_fn_as(&self, endpoint: &str, session: Option<&str>, body: &str) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url(&format!("/api/fn/{endpoint}")))
            .header("origin", self.origin())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned());
        if let Some(session) = session {
            request = request.header("cookie", format!("portico_session={session}"));
        }
        request.send().await.expect("server function call failed")
    }

    /// A GET with a session cookie.
    pub async fn get_as(&self, path: &str, session: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("cookie", format!("portico_session={session}"))
            .send()
            .await
            .expect("request failed")
    }

    /// A GET with a bearer token.
    pub async fn get_with_token(&self, path: &str, token: &str) -> reqwest::Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.expect("request failed")
    }

    /// Opens the server's database directly (to arrange users and check rows).
    pub async fn database(&self) -> domain::Database {
        domain::Database::connect(&self.database_url, 2).await.expect("the test database opens")
    }

    /// Creates a user with password [`PASSWORD`].
    pub async fn create_user(&self, name: &str, role: model::Role) {
        let database = self.database().await;
        let new = domain::identity::users::NewUser {
            username: name.to_owned(),
            email: Some(format!("{name}@example.com")),
            display_name: None,
            password: Some(PASSWORD.to_owned()),
            role,
            entity_ref: None,
        };
        domain::identity::users::create(database.connection(), new).await.expect("user created");
        database.close().await.unwrap();
    }

    /// Posts the sign-in form as a browser would.
    pub async fn sign_in_form(&self, login: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/auth/sign-in"))
            .header("origin", self.origin())
            .form(&[("login", login), ("password", password), ("next", "/catalog")])
            .send()
            .await
            .expect("sign-in request failed")
    }

    /// Signs in and returns the session id from the cookie.
    pub async fn sign_in(&self, login: &str) -> String {
        let response = self.sign_in_form(login, PASSWORD).await;
        assert_eq!(response.status(), 303, "sign-in redirects");
        session_cookie(&response).expect("a session cookie")
    }

    /// Creates a token through the API with a session; returns the secret.
    pub async fn create_token(&self, session: &str, scope: &str) -> String {
        let response = self
            .client
            .post(self.url("/api/auth/tokens"))
            .header("origin", self.origin())
            .header("cookie", format!("portico_session={session}"))
            .json(&serde_json::json!({ "name": format!("{scope} token"), "scope": scope }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let created: model::CreatedToken = response.json().await.unwrap();
        created.token
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

/// `portico.toml` for guest mode: pages readable without signing in.
const GUEST_MODE: &str = "[auth]\nguest = true\n";

/// The password of users made by [`TestApp::create_user`].
pub const PASSWORD: &str = "a long test password";

/// A configuration for a test server on `database_url`, on a random port, in
/// guest mode (pages readable without signing in).
pub fn test_config(database_url: &str) -> Config {
    config_from(database_url, GUEST_MODE)
}

/// A test configuration from TOML text (plus address and database).
pub fn config_from(database_url: &str, toml: &str) -> Config {
    let args = ServeArgs {
        addr: Some("127.0.0.1:0".parse().unwrap()),
        database_url: Some(database_url.to_owned()),
        data_dir: Some(std::env::temp_dir()),
        ..ServeArgs::default()
    };
    Config::from_toml(toml, std::path::Path::new("test.toml"), &args).unwrap()
}

/// Starts Portico in guest mode with a fresh database of `kind`, ready to serve.
pub async fn spawn_app(kind: DatabaseKind) -> TestApp {
    spawn_app_with(kind, GUEST_MODE).await
}

/// Starts Portico with guest mode off: nothing but sign-in without a session.
pub async fn spawn_private_app(kind: DatabaseKind) -> TestApp {
    spawn_app_with(kind, "").await
}

/// Starts Portico with the given `portico.toml` text, ready to serve.
pub async fn spawn_app_with(kind: DatabaseKind, toml: &str) -> TestApp {
    let database = TestDatabase::new(kind).await;
    let app = start(config_from(&database.url, toml), database).await;
    app.wait_until_ready().await;
    app
}

/// The session id a response sets, if any.
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|cookie| cookie.strip_prefix("portico_session="))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
        .find(|value| !value.is_empty())
}

/// Starts Portico with a given configuration without waiting for readiness.
pub async fn start(config: Config, database: TestDatabase) -> TestApp {
    let kind = database.kind;
    let database_url = database.url.clone();
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
    // A page that never finishes fails its test instead of holding up the whole suite.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    TestApp { addr, database_url, client, kind, stop: Some(stop), server: Some(server), _database: database }
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
    ($name:ident, $body:ident, $setup:path) => {
        testkit::on_both_databases!($name, $body, $setup);
    };
}

/// Percent-encodes a form value.
pub fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
