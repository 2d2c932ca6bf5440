#![allow(clippy::unwrap_used, clippy::expect_used)]
//! scratch: RSS of the whole ingest path
#[cfg(feature = "never")]
#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;
#[cfg(feature = "never")]
fn live() -> f64 { let s = GLOBAL.stats(); (s.bytes_allocated - s.bytes_deallocated) as f64 / 1048576.0 }
#[cfg(not(feature = "never"))]
fn live() -> f64 { 0.0 }
#[cfg(not(feature = "never"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    format!("{} live {:.1} MB", status.lines().filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM")).collect::<Vec<_>>().join(" "), live())
}

#[tokio::main]
async fn main() {
    let path = std::env::args().nth(1).unwrap();
    let url = std::env::args().nth(2).unwrap_or_else(|| "sqlite:///tmp/catmem/portico.db?mode=rwc".into());
    let load_only = std::env::var("LOAD_ONLY").is_ok();
    if !load_only { let _ = std::fs::remove_dir_all("/tmp/catmem"); }
    println!("start {}", rss());
    let db = domain::Database::connect(&url, 4).await.unwrap();
    db.migrate().await.unwrap();
    println!("db {}", rss());
    let catalog = domain::Catalog::new(Default::default());
    if load_only {
        let t = std::time::Instant::now();
        catalog.load(&db).await.unwrap();
        println!("loaded in {:?} {}", t.elapsed(), rss());
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        println!("after 2 s {}", rss());
        return;
    }
    let t = std::time::Instant::now();
    catalog.register(&db, "file", &path, domain::catalog::Origin::Api, None).await.unwrap();
    println!("registered in {:?}: {} entities; {}", t.elapsed(), catalog.index().len(), rss());
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    println!("after 3 s {}", rss());
    if std::env::var("ONLY_REGISTER").is_ok() { return; }
    let t = std::time::Instant::now();
    catalog.load(&db).await.unwrap();
    println!("reloaded in {:?} {}", t.elapsed(), rss());
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    println!("after 3 s {}", rss());
}
