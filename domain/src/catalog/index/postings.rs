//! Which entities have each `key = value` pair, one column per key: the
//! column is a vector of `(value, entity)` sorted by value, so a value's
//! entities are one range, found by binary search. Eight bytes per pair
//! and no allocation per value, which at 100,000 entities (three million
//! pairs, most values held by one entity) is a fraction of a map of sets.
//!
//! New pairs wait in a short unsorted list until there are enough to merge
//! in one pass. Removing a whole entity is not done here: the index stops
//! counting it as live, readers skip it, and [`Postings::purge`] drops its
//! pairs in bulk later.

use roaring::RoaringBitmap;
use std::collections::{HashMap, HashSet};

pub type Pair = (u32, u32);

/// Pairs added since the last merge, at most this many (or a sixteenth of
/// the column).
const RECENT_MIN: usize = 1024;

#[derive(Default)]
struct Column {
    /// (value, entity), sorted.
    sorted: Vec<(u32, u32)>,
    /// Added since the last merge, unsorted.
    recent: Vec<(u32, u32)>,
    /// Single pairs taken back while still in `sorted`.
    removed: HashSet<(u32, u32)>,
}

impl Column {
    fn range(&self, value: u32) -> &[(u32, u32)] {
        let start = self.sorted.partition_point(|(have, _)| *have < value);
        let end = start + self.sorted[start..].partition_point(|(have, _)| *have == value);
        &self.sorted[start..end]
    }

    /// Every entity holding `value`, the purged ones possibly included.
    fn each(&self, value: u32, mut visit: impl FnMut(u32)) {
        for (_, id) in self.range(value) {
            if !self.removed.contains(&(value, *id)) {
                visit(*id);
            }
        }
        for (have, id) in &self.recent {
            if *have == value {
                visit(*id);
            }
        }
    }

    /// Merges `recent` into `sorted` in place, from the back, so the column
    /// grows by reallocation (which the allocator can often do without
    /// copying) rather than by a new vector each time.
    fn merge(&mut self) {
        if !self.removed.is_empty() {
            let removed = std::mem::take(&mut self.removed);
            self.sorted.retain(|pair| !removed.contains(pair));
        }
        let mut recent = std::mem::take(&mut self.recent);
        recent.sort_unstable();
        let (old, new) = (self.sorted.len(), recent.len());
        // Exactly what is needed: doubling would leave up to half unused.
        self.sorted.reserve_exact(new);
        self.sorted.resize(old + new, (0, 0));
        let (mut from_old, mut from_new) = (old, new);
        for place in (0..old + new).rev() {
            let take_old = from_new == 0 || (from_old > 0 && self.sorted[from_old - 1] > recent[from_new - 1]);
            if take_old {
                from_old -= 1;
                self.sorted[place] = self.sorted[from_old];
            } else {
                from_new -= 1;
                self.sorted[place] = recent[from_new];
            }
        }
        self.sorted.dedup();
    }
}

#[derive(Default)]
pub struct Postings {
    columns: HashMap<u32, Column>,
}

impl Postings {
    pub fn add(&mut self, (key, value): Pair, id: u32) {
        let column = self.columns.entry(key).or_default();
        if column.removed.remove(&(value, id)) {
            return;
        }
        column.recent.push((value, id));
        if column.recent.len() > RECENT_MIN.max(column.sorted.len() / 16) {
            column.merge();
        }
    }

    /// Takes back one pair of a live entity (a relation it no longer has).
    pub fn remove(&mut self, (key, value): Pair, id: u32) {
        let Some(column) = self.columns.get_mut(&key) else { return };
        if let Some(at) = column.recent.iter().position(|pair| *pair == (value, id)) {
            column.recent.swap_remove(at);
        } else if column.range(value).iter().any(|(_, have)| *have == id) {
            column.removed.insert((value, id));
            if column.removed.len() > RECENT_MIN.max(column.sorted.len() / 16) {
                column.merge();
            }
        }
    }

    /// Drops every pair of the `gone` entities.
    pub fn purge(&mut self, gone: &RoaringBitmap) {
        for column in self.columns.values_mut() {
            column.sorted.retain(|(_, id)| !gone.contains(*id));
            column.recent.retain(|(_, id)| !gone.contains(*id));
            column.removed.retain(|(_, id)| !gone.contains(*id));
            column.sorted.shrink_to_fit();
        }
        self.columns.retain(|_, column| !column.sorted.is_empty() || !column.recent.is_empty());
    }

    /// Adds the entities with `pair` to `set` (purged ones possibly included).
    pub fn union_into(&self, (key, value): Pair, set: &mut RoaringBitmap) {
        if let Some(column) = self.columns.get(&key) {
            column.each(value, |id| {
                set.insert(id);
            });
        }
    }

    /// The entities with `pair`, ascending (purged ones possibly included).
    pub fn ids(&self, (key, value): Pair) -> Vec<u32> {
        let mut ids = Vec::new();
        if let Some(column) = self.columns.get(&key) {
            column.each(value, |id| ids.push(id));
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The distinct values under `key`, ascending by id.
    pub fn values(&self, key: u32) -> Vec<u32> {
        let Some(column) = self.columns.get(&key) else { return Vec::new() };
        let mut values: Vec<u32> = Vec::new();
        for (value, _) in &column.sorted {
            if values.last() != Some(value) {
                values.push(*value);
            }
        }
        if !column.recent.is_empty() {
            values.extend(column.recent.iter().map(|(value, _)| *value));
            values.sort_unstable();
            values.dedup();
        }
        values
    }

    /// Adds to `set` the entities whose value under `key` passes `test`
    /// (purged ones possibly included); `test` runs once per distinct value.
    pub fn union_where(&self, key: u32, test: impl Fn(u32) -> bool, set: &mut RoaringBitmap) {
        let Some(column) = self.columns.get(&key) else { return };
        let mut last: Option<(u32, bool)> = None;
        for pair in &column.sorted {
            let passes = match last {
                Some((value, passes)) if value == pair.0 => passes,
                _ => test(pair.0),
            };
            last = Some((pair.0, passes));
            if passes && !column.removed.contains(pair) {
                set.insert(pair.1);
            }
        }
        for (value, id) in &column.recent {
            if test(*value) {
                set.insert(*id);
            }
        }
    }

    /// How many entities of `within` have each value under `key`.
    pub fn counts_within(&self, key: u32, within: &Bits) -> HashMap<u32, u64> {
        let mut counts: HashMap<u32, u64> = HashMap::new();
        let Some(column) = self.columns.get(&key) else { return counts };
        let mut run: Option<(u32, u64)> = None;
        for pair in &column.sorted {
            if !within.contains(pair.1) || (!column.removed.is_empty() && column.removed.contains(pair)) {
                continue;
            }
            match &mut run {
                Some((value, count)) if *value == pair.0 => *count += 1,
                _ => {
                    if let Some((value, count)) = run.replace((pair.0, 1)) {
                        *counts.entry(value).or_default() += count;
                    }
                }
            }
        }
        if let Some((value, count)) = run {
            *counts.entry(value).or_default() += count;
        }
        for (value, id) in &column.recent {
            if within.contains(*id) {
                *counts.entry(*value).or_default() += 1;
            }
        }
        counts
    }

    /// Merges what waits in every column and gives back spare capacity.
    pub fn shrink_to_fit(&mut self) {
        for column in self.columns.values_mut() {
            if !column.recent.is_empty() || !column.removed.is_empty() {
                column.merge();
            }
            column.sorted.shrink_to_fit();
            column.recent.shrink_to_fit();
            column.removed.shrink_to_fit();
        }
        self.columns.shrink_to_fit();
    }

    /// Bytes held, for the memory report.
    pub fn bytes(&self) -> usize {
        self.columns
            .values()
            .map(|column| {
                64 + (column.sorted.capacity() + column.recent.capacity()) * 8 + column.removed.capacity() * 9
            })
            .sum()
    }
}

/// A set of entity ids as plain bits: one shift and mask per lookup, for
/// the loops that test every pair of a column.
pub struct Bits(Vec<u64>);

impl Bits {
    pub fn contains(&self, id: u32) -> bool {
        self.0.get(id as usize / 64).is_some_and(|word| word & (1 << (id % 64)) != 0)
    }
}

impl From<&RoaringBitmap> for Bits {
    fn from(set: &RoaringBitmap) -> Self {
        let mut words = vec![0u64; set.max().map_or(0, |max| max as usize / 64 + 1)];
        for id in set {
            words[id as usize / 64] |= 1 << (id % 64);
        }
        Self(words)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_found_before_and_after_merging() {
        let mut postings = Postings::default();
        postings.add((1, 7), 10);
        postings.add((1, 7), 11);
        postings.add((1, 8), 12);
        assert_eq!(postings.ids((1, 7)), [10, 11]);
        for id in 0..5000 {
            postings.add((2, id % 10), id);
        }
        assert_eq!(postings.ids((2, 3)).len(), 500);
        assert_eq!(postings.values(2), (0..10).collect::<Vec<_>>());
        postings.remove((2, 3), 3);
        postings.remove((1, 7), 10);
        assert_eq!(postings.ids((2, 3)).len(), 499);
        assert_eq!(postings.ids((1, 7)), [11]);
        postings.add((2, 3), 3);
        assert_eq!(postings.ids((2, 3)).len(), 500);

        let within = Bits::from(&RoaringBitmap::from_iter(0..100));
        assert_eq!(postings.counts_within(2, &within).get(&3), Some(&10));
        assert!(!within.contains(100) && within.contains(99) && !within.contains(100_000));
        let mut odd = RoaringBitmap::new();
        postings.union_where(2, |value| value % 2 == 1, &mut odd);
        assert_eq!(odd.len(), 2500);
        let mut set = RoaringBitmap::new();
        postings.union_into((1, 8), &mut set);
        assert!(set.contains(12));

        postings.purge(&RoaringBitmap::from_iter([12, 13]));
        assert!(postings.ids((1, 8)).is_empty());
        assert_eq!(postings.values(1), [7]);
        assert_eq!(postings.ids((2, 3)).len(), 499);
    }
}
