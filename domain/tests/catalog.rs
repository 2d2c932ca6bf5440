//! The catalog on a real database (each test on SQLite and on PostgreSQL):
//! reading file, glob, URL and git locations, substitutions, validation
//! errors with their place, keeping the last good version, conflicts,
//! removals, and a second replica following the change log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use domain::catalog::source::ReadPolicy;
use domain::catalog::{Catalog, CatalogSettings, Origin};
use domain::{Database, DomainError};
use serde_json::Value;
use std::path::Path;
use testkit::{on_both_databases, TestDatabase};

async fn open(test_db: &TestDatabase) -> Database {
    let db = Database::connect(&test_db.url, 4).await.unwrap();
    db.migrate().await.unwrap();
    db
}

fn catalog(base: &Path) -> Catalog {
    Catalog::new(CatalogSettings {
        base_dir: base.to_owned(),
        git_dir: base.join(".git-mirrors"),
        read_policy: ReadPolicy { allowed_hosts: vec!["127.0.0.1".to_owned()], ..ReadPolicy::default() },
        ..CatalogSettings::default()
    })
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn component(name: &str, owner: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
    )
}

const TEAM: &str =
    "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n";

async fn entity(catalog: &Catalog, db: &Database, entity_ref: &str) -> Option<Value> {
    catalog.entity_value(db, entity_ref).await.unwrap()
}

fn count(catalog: &Catalog) -> u64 {
    catalog.index().len()
}

async fn a_file_location_loads_valid_documents_and_names_each_problem(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalog-info.yaml");
    let bad = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: broken\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n  dependsOn:\n    - no-kind-here\n";
    write(&file, &format!("{}---\n{TEAM}---\n{bad}", component("checkout", "team-a")));
    let catalog = catalog(dir.path());
    let registered = catalog.register(&db, "file", "catalog-info.yaml", Origin::Api, Some("jane")).await.unwrap();
    assert_eq!(registered.location.target, file.display().to_string(), "relative targets are stored absolute");
    // The generated Location entity, checkout and team-a; `broken` is refused.
    assert_eq!(count(&catalog), 3);
    let checkout = entity(&catalog, &db, "component:default/checkout").await.unwrap();
    assert_eq!(checkout["metadata"]["namespace"], "default");
    assert_eq!(
        checkout["metadata"]["annotations"]["backstage.io/managed-by-location"],
        format!("file:{}", file.display())
    );
    assert_eq!(checkout["relations"], serde_json::json!([{"type": "ownedBy", "targetRef": "group:default/team-a"}]));
    let team = entity(&catalog, &db, "group:default/team-a").await.unwrap();
    assert_eq!(team["relations"], serde_json::json!([{"type": "ownerOf", "targetRef": "component:default/checkout"}]));
    assert!(entity(&catalog, &db, "component:default/broken").await.is_none());
    let problem = &registered.problems[0];
    assert_eq!(registered.problems.len(), 1, "{:?}", registered.problems);
    assert_eq!(problem.source, format!("file:{}", file.display()));
    assert_eq!((problem.document, problem.line), (Some(3), Some(27)));
    assert_eq!(problem.field.as_deref(), Some("spec.dependsOn[0]"));
    assert!(problem.message.contains("has no kind"), "{problem:?}");
    let health = catalog.health(&db).await.unwrap();
    assert_eq!((health[0].status.as_str(), health[0].entity_count), ("error", 3));
}
on_both_databases!(file_location, a_file_location_loads_valid_documents_and_names_each_problem);

async fn the_last_good_version_stays_when_a_file_turns_bad(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("all.yaml");
    write(&file, &format!("{}---\n{TEAM}", component("checkout", "team-a")));
    let catalog = catalog(dir.path());
    let location = catalog.register(&db, "file", file.to_str().unwrap(), Origin::Api, None).await.unwrap().location;
    assert_eq!(count(&catalog), 3);

    // A syntax error: nothing in the file can be trusted, everything stays.
    write(&file, "kind: Component\nmetadata: a: b\n");
    catalog.refresh_location(&db, &location.id).await.unwrap();
    assert_eq!(count(&catalog), 3);
    let health = catalog.location_health(&db, &location.id).await.unwrap();
    assert!(health.problems[0].message.contains("not valid YAML"), "{:?}", health.problems);
    assert_eq!(health.problems[0].line, Some(2));

    // One document turns invalid: its last good version stays, with the error in its status.
    let invalid = component("checkout", "team-a").replace("  lifecycle: production\n", "");
    write(&file, &format!("{invalid}---\n{TEAM}"));
    catalog.refresh_location(&db, &location.id).await.unwrap();
    let checkout = entity(&catalog, &db, "component:default/checkout").await.unwrap();
    assert_eq!(checkout["spec"]["lifecycle"], "production", "the last good version is kept");
    let status = &checkout["status"]["items"][0];
    assert_eq!(status["level"], "error");
    assert_eq!(status["type"], "backstage.io/catalog-processing");
    assert!(status["error"]["message"].as_str().unwrap().contains("spec.lifecycle"), "{status}");

    // Fixed again: the error goes; a document removed from the file goes too.
    write(&file, &component("checkout", "team-b"));
    let summary = catalog.refresh_location(&db, &location.id).await.unwrap();
    assert_eq!(summary.removed, 1);
    let checkout = entity(&catalog, &db, "component:default/checkout").await.unwrap();
    assert!(checkout.get("status").is_none());
    assert_eq!(checkout["spec"]["owner"], "team-b");
    assert!(entity(&catalog, &db, "group:default/team-a").await.is_none());

    // A fresh replica builds the same index from the database.
    let replica = self::catalog(dir.path());
    assert_eq!(replica.load(&db).await.unwrap(), 2);
    assert_eq!(entity(&replica, &db, "component:default/checkout").await.unwrap()["spec"]["owner"], "team-b");

    // Removing the location removes what it brought.
    catalog.delete_location(&db, &location.id).await.unwrap();
    assert_eq!(count(&catalog), 0);
    assert!(matches!(catalog.delete_location(&db, &location.id).await, Err(DomainError::NotFound(_))));
}
on_both_databases!(last_good_version, the_last_good_version_stays_when_a_file_turns_bad);

async fn the_first_location_keeps_an_entity_two_locations_claim(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("a.yaml"), &component("checkout", "team-a"));
    write(&dir.path().join("b.yaml"), &component("checkout", "team-b"));
    let catalog = catalog(dir.path());
    catalog.register(&db, "file", "a.yaml", Origin::Api, None).await.unwrap();
    let second = catalog.register(&db, "file", "b.yaml", Origin::Api, None).await.unwrap();
    assert_eq!(entity(&catalog, &db, "component:default/checkout").await.unwrap()["spec"]["owner"], "team-a");
    assert!(second.problems[0].message.contains("the first location keeps it"), "{:?}", second.problems);
    let again = catalog.register(&db, "file", "a.yaml", Origin::Api, None).await;
    assert!(matches!(again, Err(DomainError::Conflict(_))), "{again:?}");
}
on_both_databases!(conflicts, the_first_location_keeps_an_entity_two_locations_claim);

async fn globs_location_entities_and_substitutions(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("services/checkout/catalog-info.yaml"), &component("checkout", "team-a"));
    write(&root.join("services/payments/catalog-info.yaml"), &component("payments", "team-a"));
    write(
        &root.join("apis/orders.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: orders\n  description:\n    $text: ./description.txt\n  labels:\n    $json: ./labels.json\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./orders.openapi.yaml\n  extra:\n    $yaml: ./extra.yaml\n",
    );
    write(&root.join("apis/description.txt"), "Orders, as an API.");
    write(&root.join("apis/labels.json"), "{\"tier\": \"one\"}");
    write(&root.join("apis/orders.openapi.yaml"), "openapi: 3.0.0\npaths:\n  /orders/{id}: {}\n");
    write(&root.join("apis/extra.yaml"), "answer: 42\n");
    // The root file points to the others, and back to itself (a cycle).
    write(
        &root.join("all.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: everything\nspec:\n  targets:\n    - ./services/*/catalog-info.yaml\n    - ./apis/orders.yaml\n    - ./all.yaml\n    - ./nested/more.yaml\n",
    );
    write(
        &root.join("nested/more.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: more\nspec:\n  target: ../all.yaml\n",
    );
    let catalog = catalog(root);
    let registered = catalog.register(&db, "file", "all.yaml", Origin::Api, None).await.unwrap();
    assert!(registered.problems.is_empty(), "{:?}", registered.problems);
    for entity_ref in [
        "location:default/everything",
        "location:default/more",
        "component:default/checkout",
        "component:default/payments",
        "api:default/orders",
    ] {
        assert!(entity(&catalog, &db, entity_ref).await.is_some(), "{entity_ref} missing");
    }
    let api = entity(&catalog, &db, "api:default/orders").await.unwrap();
    assert_eq!(api["metadata"]["description"], "Orders, as an API.");
    assert_eq!(api["metadata"]["labels"]["tier"], "one");
    assert!(api["spec"]["definition"].as_str().unwrap().contains("/orders/{id}"));
    assert_eq!(api["spec"]["extra"]["answer"], 42);

    // A missing substitution target is an error on the right field.
    std::fs::remove_file(root.join("apis/labels.json")).unwrap();
    let location = registered.location.id;
    catalog.refresh_location(&db, &location).await.unwrap();
    let health = catalog.location_health(&db, &location).await.unwrap();
    let problem = &health.problems[0];
    assert_eq!(problem.field.as_deref(), Some("metadata.labels"));
    assert_eq!(problem.line, Some(7));
    assert!(problem.message.contains("no such file"), "{problem:?}");
}
on_both_databases!(globs_and_substitutions, globs_location_entities_and_substitutions);

/// Serves `body` for every request and counts requests.
async fn serve_once_per_request(body: &'static str) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/yaml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    addr
}

async fn url_locations_obey_the_allowed_hosts_and_size_limit(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let dir = tempfile::tempdir().unwrap();
    const BODY: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: web-team\nspec:\n  type: team\n  children: []\n";
    let addr = serve_once_per_request(BODY).await;
    let catalog = catalog(dir.path());
    let url = format!("http://127.0.0.1:{}/catalog-info.yaml", addr.port());
    let registered = catalog.register(&db, "url", &url, Origin::Api, None).await.unwrap();
    assert!(registered.problems.is_empty(), "{:?}", registered.problems);
    let team = entity(&catalog, &db, "group:default/web-team").await.unwrap();
    assert_eq!(team["metadata"]["annotations"]["backstage.io/managed-by-location"], format!("url:{url}"));

    let refused = catalog.register(&db, "url", "http://169.254.169.254/latest/meta-data", Origin::Api, None).await;
    match refused {
        Err(DomainError::Invalid { field, reason }) => {
            assert_eq!(field, "target");
            assert!(reason.contains("not in the allowed hosts"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }

    let small = Catalog::new(CatalogSettings {
        base_dir: dir.path().to_owned(),
        read_policy: ReadPolicy {
            allowed_hosts: vec!["127.0.0.1".to_owned()],
            max_file_bytes: 16,
            ..ReadPolicy::default()
        },
        ..CatalogSettings::default()
    });
    let preview = small.preview(&db, "url", &format!("http://127.0.0.1:{}/other.yaml", addr.port())).await.unwrap();
    assert!(preview.problems[0].message.contains("more than the limit"), "{:?}", preview.problems);
}
on_both_databases!(url_locations, url_locations_obey_the_allowed_hosts_and_size_limit);

fn commit_files(repo: &git2::Repository, files: &[(&str, &str)], message: &str) {
    let workdir = repo.workdir().unwrap().to_owned();
    let mut index = repo.index().unwrap();
    for (path, text) in files {
        write(&workdir.join(path), text);
        index.add_path(Path::new(path)).unwrap();
    }
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let signature = git2::Signature::now("Portico Tests", "tests@example.com").unwrap();
    let parent = repo.head().ok().and_then(|head| head.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &signature, &signature, message, &tree, &parents).unwrap();
}

async fn git_locations_read_committed_files_from_a_branch(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let dir = tempfile::tempdir().unwrap();
    let repo_path = dir.path().join("shop");
    let repo = git2::Repository::init(&repo_path).unwrap();
    commit_files(
        &repo,
        &[("services/checkout/catalog-info.yaml", &component("checkout", "team-a")), ("team.yaml", TEAM)],
        "first",
    );
    let branch = repo.head().unwrap().shorthand().unwrap().to_owned();
    // Uncommitted changes in the working tree are not what Portico reads.
    write(&repo_path.join("services/checkout/catalog-info.yaml"), "not: committed\n");
    let catalog = catalog(dir.path());
    let remote = format!("file://{}#{branch}:services/*/catalog-info.yaml", repo_path.display());
    let registered = catalog.register(&db, "git", &remote, Origin::Api, None).await.unwrap();
    assert!(registered.problems.is_empty(), "{:?}", registered.problems);
    let checkout = entity(&catalog, &db, "component:default/checkout").await.unwrap();
    assert_eq!(checkout["spec"]["owner"], "team-a");
    assert!(checkout["metadata"]["annotations"]["backstage.io/managed-by-location"]
        .as_str()
        .unwrap()
        .ends_with(&format!("#{branch}:services/checkout/catalog-info.yaml")));

    // A new commit shows after a refresh.
    commit_files(&repo, &[("services/checkout/catalog-info.yaml", &component("checkout", "team-b"))], "second");
    catalog.refresh_location(&db, &registered.location.id).await.unwrap();
    assert_eq!(entity(&catalog, &db, "component:default/checkout").await.unwrap()["spec"]["owner"], "team-b");

    // A path outside the repository and a missing branch are clear errors.
    let missing = catalog.preview(&db, "git", &format!("{}#nope:team.yaml", repo_path.display())).await.unwrap();
    assert!(missing.problems[0].message.contains("no branch \"nope\""), "{:?}", missing.problems);
    assert!(catalog.preview(&db, "git", &format!("{}#main:../x.yaml", repo_path.display())).await.is_err());
}
on_both_databases!(git_locations, git_locations_read_committed_files_from_a_branch);

async fn a_second_replica_follows_the_change_log(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("all.yaml");
    write(&file, &format!("{}---\n{TEAM}", component("checkout", "team-a")));
    let writer = catalog(dir.path());
    let follower = catalog(dir.path());
    follower.load(&db).await.unwrap();
    let location = writer.register(&db, "file", "all.yaml", Origin::Api, None).await.unwrap().location;
    assert_eq!(count(&follower), 0);
    follower.follow_changes(&db).await.unwrap();
    assert_eq!(count(&follower), 3);
    assert_eq!(
        entity(&follower, &db, "group:default/team-a").await.unwrap()["relations"],
        serde_json::json!([{"type": "ownerOf", "targetRef": "component:default/checkout"}])
    );
    // The writer does not re-read its own changes.
    assert_eq!(writer.follow_changes(&db).await.unwrap(), 3);
    assert_eq!(count(&writer), 3);
    writer.delete_location(&db, &location.id).await.unwrap();
    follower.follow_changes(&db).await.unwrap();
    assert_eq!(count(&follower), 0);
}
on_both_databases!(replicas, a_second_replica_follows_the_change_log);

fn repository_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// Every relation type, by the field that declares it.
const RELATION_TYPES: &[&str] = &[
    "ownedBy",
    "ownerOf",
    "partOf",
    "hasPart",
    "dependsOn",
    "dependencyOf",
    "providesApi",
    "apiProvidedBy",
    "consumesApi",
    "apiConsumedBy",
    "memberOf",
    "hasMember",
    "childOf",
    "parentOf",
    "subcomponentOf",
    "hasSubcomponent",
];

async fn the_demo_catalog_loads_cleanly_with_every_kind_and_relation(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let root = repository_root();
    let catalog = catalog(&root);
    let registered = catalog.register(&db, "file", "catalog/all.yaml", Origin::Config, None).await.unwrap();
    assert!(registered.problems.is_empty(), "{:#?}", registered.problems);
    let api = entity(&catalog, &db, "api:default/payments-api").await.unwrap();
    assert!(api["spec"]["definition"].as_str().unwrap().contains("/payments/{id}/refunds"));
    let index = catalog.index();
    for kind in ["Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"] {
        let filter = domain::catalog::query::parse_filter(&[("filter".to_owned(), format!("kind={kind}"))]).unwrap();
        assert!(!index.matching(&filter).is_empty(), "no {kind} in the demo catalog");
    }
    for relation in RELATION_TYPES {
        let filter =
            domain::catalog::query::parse_filter(&[("filter".to_owned(), format!("relations.{relation}"))]).unwrap();
        assert!(!index.matching(&filter).is_empty(), "no {relation} relation in the demo catalog");
    }
    assert!(index.dangling_relations().is_empty(), "{:?}", index.dangling_relations());
}
on_both_databases!(demo_catalog, the_demo_catalog_loads_cleanly_with_every_kind_and_relation);

/// Backstage's own example catalog (`../shared/corpus`), when present: every
/// entity loads except the three APIs whose `$text` points at github.com,
/// which is not an allowed host here; each of those is a readable error.
async fn backstage_examples_load_as_backstage_loads_them(test_db: TestDatabase) {
    let corpus = repository_root().join("../shared/corpus/backstage-examples");
    if !corpus.is_dir() {
        eprintln!("skipped: {} is not here", corpus.display());
        return;
    }
    let db = open(&test_db).await;
    let catalog = catalog(&corpus);
    let examples = "packages/catalog-model/examples";
    let all = catalog.register(&db, "file", &format!("{examples}/all.yaml"), Origin::Api, None).await.unwrap();
    let acme = catalog.register(&db, "file", &format!("{examples}/acme-corp.yaml"), Origin::Api, None).await.unwrap();
    let templates = catalog
        .register(&db, "file", "software-templates/scaffolder-templates/*/template.yaml", Origin::Api, None)
        .await
        .unwrap();
    assert!(acme.problems.is_empty(), "{:#?}", acme.problems);
    assert!(templates.problems.is_empty(), "{:#?}", templates.problems);
    assert_eq!(all.problems.len(), 3, "{:#?}", all.problems);
    for problem in &all.problems {
        assert_eq!(problem.field.as_deref(), Some("spec.definition"));
        assert!(problem.message.contains("host github.com is not in the allowed hosts"), "{problem:?}");
        assert!(problem.line.is_some() && problem.document == Some(1), "{problem:?}");
    }
    let count = |kind: &str| {
        let filter = domain::catalog::query::parse_filter(&[("filter".to_owned(), format!("kind={kind}"))]).unwrap();
        catalog.index().matching(&filter).len()
    };
    assert_eq!(
        [
            count("Component"),
            count("API"),
            count("Resource"),
            count("System"),
            count("Domain"),
            count("Group"),
            count("User"),
            count("Template")
        ],
        [13, 4, 1, 3, 2, 8, 16, 5]
    );
    let team_a = entity(&catalog, &db, "group:default/team-a").await.unwrap();
    let relations = team_a["relations"].as_array().unwrap();
    assert!(relations.iter().any(|r| r["type"] == "childOf"), "{relations:?}");
    assert!(relations.iter().any(|r| r["type"] == "hasMember"), "{relations:?}");
}
on_both_databases!(backstage_examples, backstage_examples_load_as_backstage_loads_them);

/// Prepared statements each idle connection of `pool` keeps.
async fn statements_kept<DB>(pool: &sea_orm::sqlx::Pool<DB>) -> Vec<usize>
where
    DB: sea_orm::sqlx::Database + sea_orm::sqlx::database::HasStatementCache,
{
    use sea_orm::sqlx::Connection;
    let mut idle = Vec::new();
    for _ in 0..pool.num_idle() {
        idle.push(pool.acquire().await.unwrap());
    }
    idle.iter_mut().map(|connection| connection.cached_statements_size()).collect()
}

/// A batch write compiles to megabytes in an SQLite connection, so none
/// keeps it; PostgreSQL's statements live in the server, and its
/// connections keep them so that a batch is not planned again.
async fn only_postgres_connections_keep_compiled_batch_writes(test_db: TestDatabase) {
    let db = open(&test_db).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.yaml");
    let documents: Vec<String> = (0..200).map(|n| component(&format!("service-{n}"), "team-a")).collect();
    write(&file, &documents.join("---\n"));
    let catalog = catalog(dir.path());
    catalog.register(&db, "file", file.to_str().unwrap(), Origin::Api, None).await.unwrap();
    assert_eq!(count(&catalog), 201);
    let kept = match db.kind() {
        testkit::DatabaseKind::Sqlite => statements_kept(db.connection().get_sqlite_connection_pool()).await,
        testkit::DatabaseKind::Postgres => statements_kept(db.connection().get_postgres_connection_pool()).await,
    };
    assert!(!kept.is_empty());
    let any_kept = kept.iter().any(|statements| *statements > 0);
    assert_eq!(any_kept, db.kind() == testkit::DatabaseKind::Postgres, "statements kept per connection: {kept:?}");
}
on_both_databases!(compiled_statements, only_postgres_connections_keep_compiled_batch_writes);
