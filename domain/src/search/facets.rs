//! Counting results by kind, type, owner, lifecycle and tag, over every
//! match of a query (not only the page shown), from the index's columns.

use super::schema::{self, Fields};
use model::search::FacetCount;
use std::collections::HashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Most values listed per facet.
const MOST_VALUES: usize = 30;

/// Counts each facet's values among the matching documents.
pub struct FacetCounts {
    keys: Vec<(&'static str, String)>,
}

impl FacetCounts {
    pub fn new(fields: &Fields) -> Self {
        Self { keys: fields.counted.iter().map(|(key, _)| (*key, schema::counted_name(key))).collect() }
    }
}

/// Per segment: value ordinals counted per facet.
pub struct SegmentFacetCounts {
    columns: Vec<(&'static str, Option<StrColumn>, HashMap<u64, u64>)>,
}

impl Collector for FacetCounts {
    type Fruit = Vec<(String, Vec<FacetCount>)>;
    type Child = SegmentFacetCounts;

    fn for_segment(&self, _segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentFacetCounts> {
        let mut columns = Vec::with_capacity(self.keys.len());
        for (key, column_name) in &self.keys {
            columns.push((*key, reader.fast_fields().str(column_name)?, HashMap::new()));
        }
        Ok(SegmentFacetCounts { columns })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Vec<(String, u64, &'static str)>>) -> tantivy::Result<Self::Fruit> {
        let mut totals: Vec<(String, HashMap<String, u64>)> =
            self.keys.iter().map(|(key, _)| ((*key).to_owned(), HashMap::new())).collect();
        for (value, count, key) in segments.into_iter().flatten() {
            if let Some((_, counts)) = totals.iter_mut().find(|(name, _)| name == key) {
                *counts.entry(value).or_default() += count;
            }
        }
        Ok(totals
            .into_iter()
            .map(|(key, counts)| {
                let mut counts: Vec<FacetCount> =
                    counts.into_iter().map(|(value, count)| FacetCount { value, count }).collect();
                counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                counts.truncate(MOST_VALUES);
                (key, counts)
            })
            .collect())
    }
}

impl SegmentCollector for SegmentFacetCounts {
    type Fruit = Vec<(String, u64, &'static str)>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (_, column, counts) in &mut self.columns {
            if let Some(column) = column {
                for ordinal in column.term_ords(doc) {
                    *counts.entry(ordinal).or_default() += 1;
                }
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut out = Vec::new();
        let mut text = String::new();
        for (key, column, counts) in self.columns {
            let Some(column) = column else { continue };
            for (ordinal, count) in counts {
                text.clear();
                if column.ord_to_str(ordinal, &mut text).unwrap_or(false) {
                    out.push((text.clone(), count, key));
                }
            }
        }
        out
    }
}
