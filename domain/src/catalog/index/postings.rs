//! Which entities have each `key = value` pair. Most values (names,
//! descriptions, uids) belong to one entity only, so those are kept as a
//! plain id; a bitmap is made only when a second entity shares the value.

use roaring::RoaringBitmap;
use std::collections::HashMap;

pub type Pair = (u32, u32);

#[derive(Default)]
pub struct Postings {
    single: HashMap<Pair, u32>,
    multi: HashMap<Pair, RoaringBitmap>,
}

impl Postings {
    pub fn add(&mut self, pair: Pair, id: u32) {
        if let Some(bitmap) = self.multi.get_mut(&pair) {
            bitmap.insert(id);
            return;
        }
        match self.single.get(&pair).copied() {
            Some(existing) if existing == id => {}
            Some(existing) => {
                self.single.remove(&pair);
                self.multi.insert(pair, RoaringBitmap::from_iter([existing, id]));
            }
            None => {
                self.single.insert(pair, id);
            }
        }
    }

    /// Removes `id` from `pair`; returns whether no entity has the pair any more.
    pub fn remove(&mut self, pair: Pair, id: u32) -> bool {
        if self.single.get(&pair) == Some(&id) {
            self.single.remove(&pair);
            return true;
        }
        let Some(bitmap) = self.multi.get_mut(&pair) else { return !self.single.contains_key(&pair) };
        bitmap.remove(id);
        match bitmap.len() {
            0 => {
                self.multi.remove(&pair);
                true
            }
            1 => {
                if let Some(last) = bitmap.min() {
                    self.multi.remove(&pair);
                    self.single.insert(pair, last);
                }
                false
            }
            _ => false,
        }
    }

    /// Adds the entities with `pair` to `set`.
    pub fn union_into(&self, pair: Pair, set: &mut RoaringBitmap) {
        if let Some(id) = self.single.get(&pair) {
            set.insert(*id);
        } else if let Some(bitmap) = self.multi.get(&pair) {
            *set |= bitmap;
        }
    }

    /// How many entities of `within` have `pair`.
    pub fn count_within(&self, pair: Pair, within: &RoaringBitmap, everything: bool) -> u64 {
        if let Some(id) = self.single.get(&pair) {
            return u64::from(within.contains(*id));
        }
        match self.multi.get(&pair) {
            Some(bitmap) if everything => bitmap.len(),
            Some(bitmap) => bitmap.intersection_len(within),
            None => 0,
        }
    }

    /// The entities with `pair`, ascending.
    pub fn ids(&self, pair: Pair) -> Vec<u32> {
        if let Some(id) = self.single.get(&pair) {
            return vec![*id];
        }
        self.multi.get(&pair).map(|bitmap| bitmap.iter().collect()).unwrap_or_default()
    }

    /// Rough bytes held, for the memory report.
    pub fn bytes(&self) -> usize {
        self.single.capacity() * 13
            + self.multi.capacity() * 33
            + self.multi.values().map(RoaringBitmap::serialized_size).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singles_become_bitmaps_and_back() {
        let mut postings = Postings::default();
        postings.add((1, 1), 10);
        postings.add((1, 1), 11);
        assert_eq!(postings.ids((1, 1)), [10, 11]);
        assert!(!postings.remove((1, 1), 10));
        assert_eq!(postings.ids((1, 1)), [11]);
        assert!(postings.remove((1, 1), 11));
        assert!(postings.ids((1, 1)).is_empty());
        let mut set = RoaringBitmap::new();
        postings.add((2, 2), 5);
        postings.union_into((2, 2), &mut set);
        assert!(set.contains(5));
        assert_eq!(postings.count_within((2, 2), &set, false), 1);
    }
}
