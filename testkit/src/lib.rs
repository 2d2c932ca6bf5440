//! Fresh databases for tests: a new SQLite file, or a new PostgreSQL database
//! created on the machine's server and dropped again when the test ends.
//!
//! Every test that touches the database runs on both engines; the
//! [`on_both_databases!`](crate::on_both_databases) macro writes the two variants.
//! Its own crate, so that tests change no feature of the crates they test
//! and test builds reuse what the product build compiled.
//! Test support panics on purpose: a test that cannot get its database must fail.

#![allow(clippy::expect_used, clippy::panic)]

pub use model::DatabaseKind;

/// Where tests find PostgreSQL; override with `PORTICO_TEST_POSTGRES_URL`.
pub const DEFAULT_POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that exists for one test only.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    pub kind: DatabaseKind,
    postgres_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

fn postgres_admin_url() -> String {
    std::env::var("PORTICO_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_ADMIN_URL.to_owned())
}

impl TestDatabase {
    /// A new SQLite file in its own temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory for the test database");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("portico.db").display());
        Self { url, kind: DatabaseKind::Sqlite, postgres_name: None, _dir: Some(dir) }
    }

    /// A new, empty PostgreSQL database on the test server.
    pub async fn postgres() -> Self {
        use sea_orm::ConnectionTrait;
        let admin_url = postgres_admin_url();
        let name = format!("portico_test_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(&admin_url)
            .await
            .unwrap_or_else(|err| panic!("PostgreSQL must be reachable at {admin_url} for tests: {err}"));
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create the test database");
        let _ = admin.close().await;
        let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin_url);
        Self { url: format!("{base}/{name}"), kind: DatabaseKind::Postgres, postgres_name: Some(name), _dir: None }
    }

    /// A fresh database of the given kind.
    pub async fn new(kind: DatabaseKind) -> Self {
        match kind {
            DatabaseKind::Sqlite => Self::sqlite(),
            DatabaseKind::Postgres => Self::postgres().await,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.postgres_name.take() else { return };
        // Drop runs inside the test's runtime, which cannot block on itself:
        // a short-lived thread with its own runtime removes the database.
        let dropper = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async move {
                use sea_orm::ConnectionTrait;
                if let Ok(admin) = sea_orm::Database::connect(&postgres_admin_url()).await {
                    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                    let _ = admin.close().await;
                }
            });
        });
        let _ = dropper.join();
    }
}

/// Writes a test twice, once on a fresh SQLite file and once on a fresh
/// PostgreSQL database: `on_both_databases!(name, body)` yields the tests
/// `name::sqlite` and `name::postgres`, each calling `body(TestDatabase)`.
/// With a third argument, `setup(DatabaseKind)` makes what `body` receives
/// instead (for example a server spawned on that database).
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, $body:ident) => {
        $crate::on_both_databases!($name, $body, $crate::TestDatabase::new);
    };
    ($name:ident, $body:ident, $setup:path) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$body($setup($crate::DatabaseKind::Sqlite).await).await;
            }

            #[tokio::test]
            async fn postgres() {
                super::$body($setup($crate::DatabaseKind::Postgres).await).await;
            }
        }
    };
}
