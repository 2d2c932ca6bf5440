#![allow(clippy::unwrap_used, clippy::expect_used)]
use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};
use std::alloc::System;
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;
fn live() -> usize { let s = GLOBAL.stats(); s.bytes_allocated - s.bytes_deallocated }
fn mb(b: usize) -> f64 { b as f64 / 1048576.0 }

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let docs = domain::catalog::yaml::parse_documents(&text, Default::default()).unwrap();
    println!("text {:.1} MB, docs live {:.1} MB", mb(text.len()), mb(live()));
    let mut stored = Vec::new();
    for (n, doc) in docs.iter().enumerate() {
        let mut value: serde_json::Value = serde_json::from_str(&doc.json).unwrap();
        domain::catalog::descriptor::apply_defaults(&mut value);
        let uid = uuid::Uuid::from_u128(n as u128 + 1).to_string();
        value["metadata"]["uid"] = uid.clone().into();
        value["metadata"]["etag"] = format!("{:x}", n * 7919).into();
        let ns = value["metadata"]["namespace"].as_str().unwrap_or("default").to_owned();
        let entity_ref = format!("{}:{}/{}", value["kind"].as_str().unwrap().to_lowercase(), ns, value["metadata"]["name"].as_str().unwrap());
        stored.push(domain::catalog::index::StoredEntity {
            uid, entity_ref, location_id: "loc-1".into(), source: format!("file:{path}"),
            body: value.to_string(), problems: None, refreshed_at: "2026-11-26T06:00:00.000Z".into(),
        });
    }
    drop(docs); drop(text);
    let before = live();
    let bodies: usize = stored.iter().map(|s| s.body.len()).sum();
    println!("stored bodies {:.1} MB, live {:.1} MB", mb(bodies), mb(before));
    let mut index = domain::catalog::index::Index::default();
    let t = std::time::Instant::now();
    let mut consumed = 0usize;
    for s in stored.drain(..) {
        consumed += s.body.capacity() + s.uid.capacity() + s.entity_ref.capacity() + s.location_id.capacity() + s.source.capacity() + s.refreshed_at.capacity();
        index.upsert(s);
    }
    drop(stored);
    let after = live();
    println!("index built in {:?}: live {:.1} MB (estimate memory_bytes {:.1} MB); peak {:.1} MB", t.elapsed(), mb(after), mb(index.memory_bytes()), 0.0);
    let _ = consumed; 
    let with_index = live();
    drop(index);
    println!("index alone: {:.1} MB (without it live {:.1} MB)", mb(with_index - live()), mb(live()));

}
