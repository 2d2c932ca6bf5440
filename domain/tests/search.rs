//! Search on a real database (each test on SQLite and on PostgreSQL):
//! relevance (exact name first, typos, prefixes, API paths, phrases,
//! filters), snippets, facets, odd input, following catalog changes, a
//! second replica's index, and an index directory that is damaged or gone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use domain::catalog::browse;
use domain::catalog::{Catalog, CatalogSettings, Origin};
use domain::search::{Search, SearchRequest};
use domain::{Database, DomainError};
use model::search::{SearchHit, SearchResults, Suggestion};
use std::path::Path;
use testkit::{on_both_databases, DatabaseKind, TestDatabase};

const CATALOG: &str = r#"apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  title: Payments Service
  description: Takes card payments for every order.
  tags: [java, money]
spec:
  type: service
  lifecycle: production
  owner: team-payments
  system: shop
  providesApis: [orders-api]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payment-gateway
  title: Payment Gateway
  description: Payments, payments and more payments, to the card networks.
  tags: [java]
spec:
  type: service
  lifecycle: experimental
  owner: group:default/team-payments
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  title: Checkout
  description: The checkout flow of the web shop; it calls payments.
  tags: [typescript]
spec:
  type: website
  lifecycle: production
  owner: team-web
  system: shop
  consumesApis: [orders-api]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
  title: Web storefront
spec:
  type: website
  lifecycle: production
  owner: team-web
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: orders-api
  title: Orders
  description: Orders as the shop keeps them.
spec:
  type: openapi
  lifecycle: production
  owner: team-payments
  definition:
    $text: ./orders.yaml
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: users-api
  description: Accounts and profiles.
spec:
  type: openapi
  lifecycle: production
  owner: team-web
  definition: |
    openapi: 3.0.0
    paths:
      /users/{id}:
        get:
          operationId: getUser
          summary: One user account
---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: rust-service
  title: Create a Rust service
  description: A new service with CI, docs and a catalog entry.
  tags: [rust, recommended]
spec:
  type: service
  owner: team-platform
  steps: []
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-payments
  title: Payments team
spec:
  type: team
  children: []
"#;

const ORDERS_OPENAPI: &str = "openapi: 3.0.0\ninfo:\n  title: Orders\n  version: '1'\npaths:\n  /orders:\n    get:\n      operationId: listOrders\n      summary: Every order\n  /orders/{id}:\n    get:\n      operationId: getOrderById\n      summary: One order by its id\n";

struct Fixture {
    db: Database,
    catalog: Catalog,
    search: Search,
    dir: tempfile::TempDir,
    location: String,
    _test_db: TestDatabase,
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

async fn fixture(kind: DatabaseKind) -> Fixture {
    let test_db = TestDatabase::new(kind).await;
    let db = Database::connect(&test_db.url, 4).await.unwrap();
    db.migrate().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("catalog/all.yaml"), CATALOG);
    write(&dir.path().join("catalog/orders.yaml"), ORDERS_OPENAPI);
    let catalog = Catalog::new(CatalogSettings { base_dir: dir.path().to_owned(), ..CatalogSettings::default() });
    let location = catalog.register(&db, "file", "catalog/all.yaml", Origin::Api, None).await.unwrap().location.id;
    let search = Search::new(dir.path().join("search"));
    search.open("installation").await.unwrap();
    search.catch_up(&db).await.unwrap();
    Fixture { db, catalog, search, dir, location, _test_db: test_db }
}

fn request(term: &str) -> SearchRequest {
    SearchRequest { term: term.to_owned(), limit: 25, ..SearchRequest::default() }
}

fn find(search: &Search, term: &str) -> SearchResults {
    search.query(&request(term)).unwrap()
}

fn names(results: &SearchResults) -> Vec<&str> {
    results.hits.iter().map(|hit| hit.document.name.as_str()).collect()
}

fn marked(hit: &SearchHit, field: &str) -> String {
    let snippet = hit.snippet(field).unwrap_or_else(|| panic!("no {field} snippet in {hit:?}"));
    model::search::Segment::marked(&snippet.segments)
}

async fn results_rank_the_exact_name_first_and_forgive_typos(fixture: Fixture) {
    let search = &fixture.search;
    // `payment-gateway` says "payments" three times; the exact name wins.
    let payments = find(search, "payments");
    assert_eq!(names(&payments)[0], "payments", "{:?}", names(&payments));
    assert!(names(&payments).contains(&"payment-gateway"));
    assert_eq!(payments.hits[0].rank, 1);
    assert_eq!(marked(&payments.hits[0], "title"), "[Payments] Service");
    // A swapped pair of letters in an 8-letter word.
    assert_eq!(names(&find(search, "paymnets"))[0], "payments");
    // As you type.
    assert!(names(&find(search, "chec")).contains(&"checkout"), "{:?}", names(&find(search, "chec")));
    assert_eq!(names(&find(search, "checkou"))[0], "checkout");
    // The exact title next.
    assert_eq!(names(&find(search, "payment gateway"))[0], "payment-gateway");
    // Words in any order.
    assert_eq!(names(&find(search, "service payments"))[0], "payments");
    // Short words must be exact: no typo matches for three letters.
    assert!(find(search, "wbe").hits.is_empty());
}
on_both_databases!(relevance, results_rank_the_exact_name_first_and_forgive_typos, crate::fixture);

async fn api_definitions_are_searched_by_path_and_operation(fixture: Fixture) {
    let search = &fixture.search;
    let by_path = find(search, "/orders/{id}");
    assert_eq!(names(&by_path)[0], "orders-api", "{:?}", names(&by_path));
    assert_eq!(
        marked(&by_path.hits[0], "definition"),
        "…GET /[orders]/{[id]} getOrderById (get [Order] By [Id]): One [order] by its [id]"
    );
    assert_eq!(names(&find(search, "getUser"))[0], "users-api", "an operationId");
    assert_eq!(names(&find(search, "user account"))[0], "users-api", "a summary");
    // Templates are found by title, description and tags.
    assert_eq!(names(&find(search, "rust"))[0], "rust-service");
    assert_eq!(names(&find(search, "recommended"))[0], "rust-service");
}
on_both_databases!(api_definitions, api_definitions_are_searched_by_path_and_operation, crate::fixture);

async fn phrases_and_filters_narrow_the_results(fixture: Fixture) {
    let search = &fixture.search;
    assert_eq!(names(&find(search, "\"card payments\"")), vec!["payments"]);
    assert!(find(search, "\"payments card\"").hits.is_empty(), "a phrase keeps its order");
    assert_eq!(names(&find(search, "kind:api orders")), vec!["orders-api"]);
    assert_eq!(names(&find(search, "orders kind:API")), vec!["orders-api"], "filters are case-insensitive");
    let mut by_owner = SearchRequest { filters: vec![("owner".into(), "team-payments".into())], ..request("") };
    let mut owned = names(&search.query(&by_owner).unwrap()).into_iter().map(str::to_owned).collect::<Vec<_>>();
    owned.sort();
    assert_eq!(owned, vec!["orders-api", "payment-gateway", "payments"], "short and full owner refs");
    by_owner.filters.push(("lifecycle".into(), "production".into()));
    assert_eq!(search.query(&by_owner).unwrap().total, 2);
    let tagged = SearchRequest { filters: vec![("tag".into(), "java".into())], ..request("payments") };
    assert_eq!(search.query(&tagged).unwrap().total, 2);
    let typed = SearchRequest { filters: vec![("spec.type".into(), "website".into())], ..request("") };
    assert_eq!(search.query(&typed).unwrap().total, 2);
    let either = SearchRequest {
        filters: vec![("kind".into(), "API".into()), ("kind".into(), "Template".into())],
        ..request("")
    };
    assert_eq!(search.query(&either).unwrap().total, 3, "values of one field are alternatives");
    // Backstage's result types: everything is `software-catalog`.
    let typed = SearchRequest { types: vec!["software-catalog".into()], ..request("checkout") };
    assert_eq!(search.query(&typed).unwrap().total, 1);
    let other = SearchRequest { types: vec!["techdocs".into()], ..request("checkout") };
    assert_eq!(search.query(&other).unwrap().total, 0);
}
on_both_databases!(phrases_and_filters, phrases_and_filters_narrow_the_results, crate::fixture);

async fn facets_count_every_match_and_paging_goes_on(fixture: Fixture) {
    let search = &fixture.search;
    let all = search.query(&SearchRequest { facets: true, limit: 3, ..request("") }).unwrap();
    // Eight entities and the generated Location.
    assert_eq!(all.total, 9);
    assert_eq!(all.hits.len(), 3);
    let kinds = &all.facets.iter().find(|(key, _)| key == "kind").unwrap().1;
    let component = kinds.iter().find(|count| count.value == "Component").unwrap();
    assert_eq!(component.count, 4);
    assert_eq!(kinds[0].value, "Component", "the most common first");
    let second = search.query(&SearchRequest { offset: 3, limit: 3, ..request("") }).unwrap();
    assert_eq!(second.hits[0].rank, 4);
    let shown: Vec<&str> = names(&all).into_iter().chain(names(&second)).collect();
    let mut unique = shown.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 6, "pages do not repeat results: {shown:?}");
    let java = search.query(&SearchRequest { facets: true, ..request("payments") }).unwrap();
    let tags = &java.facets.iter().find(|(key, _)| key == "tag").unwrap().1;
    assert_eq!(tags.iter().find(|count| count.value == "java").map(|count| count.count), Some(2));
    // `team-payments` and `group:default/team-payments` are counted as one owner.
    let owners = &java.facets.iter().find(|(key, _)| key == "owner").unwrap().1;
    // payments, payment-gateway (the two spellings) and orders-api (its owner's name says payments).
    assert_eq!(owners.iter().find(|count| count.value == "group:default/team-payments").map(|c| c.count), Some(3));
}
on_both_databases!(facets, facets_count_every_match_and_paging_goes_on, crate::fixture);

async fn odd_input_finds_something_sensible_or_nothing(fixture: Fixture) {
    let search = &fixture.search;
    for term in ["", "   ", "!!! ??? ***", "\"", "((", "a.*b[(+", "%00%ff", "🙂", "Zürich", "DROP TABLE entities;"] {
        let results = search.query(&request(term)).unwrap();
        assert!(results.total == 0 || results.total == 9 || !results.hits.is_empty(), "{term:?}");
    }
    let long = "payments ".repeat(1200);
    assert_eq!(names(&find(search, &long))[0], "payments", "10,000 characters still search");
    let unknown = SearchRequest { filters: vec![("colour".into(), "blue".into())], ..request("payments") };
    assert_eq!(search.query(&unknown).unwrap().total, 0, "an unknown filter field matches nothing");
    // Nothing found: the nearest names are suggested.
    let nothing = find(search, "wbe");
    assert_eq!(nothing.total, 0);
    assert_eq!(nothing.did_you_mean.first().map(|(name, _)| name.as_str()), Some("web"));
    assert_eq!(nothing.did_you_mean[0].1, "/catalog/default/component/web");
}
on_both_databases!(odd_input, odd_input_finds_something_sensible_or_nothing, crate::fixture);

async fn catalog_changes_are_searchable_after_catching_up(fixture: Fixture) {
    let Fixture { db, catalog, search, dir, location, .. } = &fixture;
    let file = dir.path().join("catalog/all.yaml");
    let changed = CATALOG.replace("The checkout flow of the web shop", "Basket and pay with kiwi fruit");
    write(&file, &changed.replace("name: web\n", "name: webshop\n"));
    catalog.refresh_location(db, location).await.unwrap();
    let caught_up = search.catch_up(db).await.unwrap();
    assert!(!caught_up.rebuilt && caught_up.changes >= 2, "{caught_up:?}");
    assert_eq!(names(&find(search, "kiwi")), vec!["checkout"]);
    assert!(find(search, "storefront").hits.iter().all(|hit| hit.document.name == "webshop"));
    assert_eq!(names(&find(search, "webshop")), vec!["webshop"]);
    catalog.delete_location(db, location).await.unwrap();
    search.catch_up(db).await.unwrap();
    assert_eq!(find(search, "").total, 0, "removing the location removes its results");
}
on_both_databases!(follows_changes, catalog_changes_are_searchable_after_catching_up, crate::fixture);

async fn a_second_replica_builds_and_follows_its_own_index(fixture: Fixture) {
    let Fixture { db, catalog, search, dir, location, .. } = &fixture;
    let replica = Search::new(dir.path().join("replica-search"));
    replica.open("installation").await.unwrap();
    replica.catch_up(db).await.unwrap();
    assert_eq!(find(&replica, "").total, 9, "built from the database");
    write(&dir.path().join("catalog/all.yaml"), &CATALOG.replace("Takes card payments", "Takes zebra payments"));
    catalog.refresh_location(db, location).await.unwrap();
    search.catch_up(db).await.unwrap();
    replica.catch_up(db).await.unwrap();
    assert_eq!(names(&find(&replica, "zebra")), vec!["payments"]);
    assert_eq!(names(&find(search, "zebra")), vec!["payments"]);
}
on_both_databases!(replicas, a_second_replica_builds_and_follows_its_own_index, crate::fixture);

async fn a_pruned_change_log_rebuilds_only_a_replica_that_missed_changes(fixture: Fixture) {
    let Fixture { db, catalog, search, dir, location, .. } = &fixture;
    let away = Search::new(dir.path().join("away-search"));
    away.open("installation").await.unwrap();
    assert!(away.catch_up(db).await.unwrap().rebuilt, "a new index is built");
    // Everything in the log is pruned: an index that had applied it all stays.
    domain::catalog::store::prune_changes(db.connection(), chrono::Duration::zero()).await.unwrap();
    assert_eq!(search.catch_up(db).await.unwrap(), domain::search::CaughtUp { rebuilt: false, changes: 0 });
    // A change while `away` is away, then pruned: only `away` must rebuild.
    write(&dir.path().join("catalog/all.yaml"), &CATALOG.replace("Takes card payments", "Takes yak payments"));
    catalog.refresh_location(db, location).await.unwrap();
    assert!(!search.catch_up(db).await.unwrap().rebuilt);
    domain::catalog::store::prune_changes(db.connection(), chrono::Duration::zero()).await.unwrap();
    write(&dir.path().join("catalog/all.yaml"), &CATALOG.replace("Takes card payments", "Takes emu payments"));
    catalog.refresh_location(db, location).await.unwrap();
    assert!(!search.catch_up(db).await.unwrap().rebuilt, "its position is just before the log");
    let caught_up = away.catch_up(db).await.unwrap();
    assert!(caught_up.rebuilt, "{caught_up:?}");
    assert_eq!(names(&find(&away, "emu")), vec!["payments"]);
    assert_eq!(names(&find(search, "emu")), vec!["payments"]);
}
on_both_databases!(pruned_log, a_pruned_change_log_rebuilds_only_a_replica_that_missed_changes, crate::fixture);

async fn a_damaged_or_missing_index_is_built_again(fixture: Fixture) {
    let Fixture { db, dir, search, .. } = fixture;
    let db = &db;
    // A second process on the same directory is refused, not let in to write.
    let second = Search::new(dir.path().join("search"));
    let refused = second.open("installation").await.unwrap_err().to_string();
    assert!(refused.contains("in use by another Portico process"), "{refused}");
    drop(search);
    let index_dir = dir.path().join("search/installation");
    for damage in ["garbage in meta.json", "delete the directory", "delete segments"] {
        match damage {
            "garbage in meta.json" => std::fs::write(index_dir.join("meta.json"), "{ not json").unwrap(),
            "delete the directory" => std::fs::remove_dir_all(&index_dir).unwrap(),
            _ => {
                for entry in std::fs::read_dir(&index_dir).unwrap() {
                    let path = entry.unwrap().path();
                    if path.extension().is_some_and(|ext| ext == "store" || ext == "idx") {
                        std::fs::remove_file(path).unwrap();
                    }
                }
            }
        }
        let reopened = Search::new(dir.path().join("search"));
        reopened.open("installation").await.unwrap();
        reopened.catch_up(db).await.unwrap();
        assert_eq!(find(&reopened, "").total, 9, "after: {damage}");
        assert_eq!(names(&find(&reopened, "payments"))[0], "payments", "after: {damage}");
        drop(reopened);
    }
}
on_both_databases!(damaged_index, a_damaged_or_missing_index_is_built_again, crate::fixture);

const MORE: &str = r#"apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: basket
  tags: [typescript]
spec:
  type: service
  lifecycle: production
  owner: team-web
  system: shop
  consumesApis: [orders-api, users-api]
  dependsOn: [component:payments]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: wishlist
  tags: [typescript]
spec:
  type: service
  lifecycle: production
  owner: team-growth
  dependsOn: [resource:wishlist-db]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-web
spec:
  type: team
  children: []
"#;

/// "Services you may need" as the entity page shows them (none without a page).
async fn suggestions(catalog: &Catalog, db: &Database, entity_ref: &str) -> Result<Vec<Suggestion>, DomainError> {
    let page = browse::entity_page(catalog, db, entity_ref, &browse::Viewer::default()).await?;
    Ok(page.map(|page| page.suggestions).unwrap_or_default())
}

async fn similar_components_suggest_what_they_use(fixture: Fixture) {
    let Fixture { db, catalog, dir, .. } = &fixture;
    write(&dir.path().join("catalog/more.yaml"), MORE);
    catalog.register(db, "file", "catalog/more.yaml", Origin::Api, None).await.unwrap();
    // checkout: in system shop with payments and basket, consuming orders-api like basket, tagged typescript
    // like basket and wishlist.
    let suggested = suggestions(catalog, db, "component:default/checkout").await.unwrap();
    let refs: Vec<&str> = suggested.iter().map(|s| s.entity_ref.as_str()).collect();
    assert_eq!(refs, vec!["api:default/users-api", "component:default/payments", "resource:default/wishlist-db"]);
    assert_eq!(suggested[0].used_by, vec!["component:default/basket"]);
    assert_eq!(suggested[0].because, vec!["same APIs", "same system", "same tags"]);
    assert!(suggested[0].score > suggested[2].score, "a system and API neighbour outweighs a tag neighbour");
    // The team owning checkout, web, users-api and basket: what else its components' neighbours use.
    let for_team = suggestions(catalog, db, "group:default/team-web").await.unwrap();
    let refs: Vec<&str> = for_team.iter().map(|s| s.entity_ref.as_str()).collect();
    assert!(!refs.contains(&"api:default/users-api"), "the team owns it: {refs:?}");
    assert!(!refs.contains(&"component:default/payments"), "basket already uses it: {refs:?}");
    // Something nobody resembles gets no suggestions.
    assert!(suggestions(catalog, db, "component:default/wishlist").await.unwrap().iter().all(|s| s.score > 0));
    assert!(suggestions(catalog, db, "component:default/nothing-here").await.unwrap().is_empty());
}
on_both_databases!(suggestions, similar_components_suggest_what_they_use, crate::fixture);
