//! Many small lists kept in one vector: each entity names its part of the
//! shelf by start and length. One large allocation instead of one per
//! entity keeps the index compact and lets the allocator hand memory back
//! after a big refresh. Removed parts are garbage until the owner compacts.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Part {
    start: u32,
    len: u32,
}

impl Part {
    pub fn len(self) -> usize {
        self.len as usize
    }
}

pub struct Shelf<T> {
    items: Vec<T>,
    garbage: usize,
}

impl<T> Default for Shelf<T> {
    fn default() -> Self {
        Self { items: Vec::new(), garbage: 0 }
    }
}

impl<T: Copy> Shelf<T> {
    pub fn push(&mut self, items: &[T]) -> Part {
        let start = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        self.items.extend_from_slice(items);
        Part { start, len: u32::try_from(items.len()).unwrap_or(0) }
    }

    pub fn get(&self, part: Part) -> &[T] {
        let start = part.start as usize;
        self.items.get(start..start + part.len as usize).unwrap_or(&[])
    }

    /// Marks a part as no longer used.
    pub fn release(&mut self, part: Part) {
        self.garbage += part.len as usize;
    }

    /// Overwrites a part in place with as many items.
    pub fn overwrite(&mut self, part: Part, items: &[T]) {
        let start = part.start as usize;
        if let Some(place) = self.items.get_mut(start..start + part.len as usize) {
            if place.len() == items.len() {
                place.copy_from_slice(items);
            }
        }
    }

    /// More than a quarter of the shelf is garbage (and enough to bother).
    pub fn needs_compacting(&self) -> bool {
        self.garbage > 4096 && self.garbage * 4 > self.items.len()
    }

    /// Keeps only the given parts, in the order given, and points them at
    /// their new places.
    pub fn compact<'a>(&mut self, parts: impl Iterator<Item = &'a mut Part>) {
        let mut kept = Vec::with_capacity(self.items.len() - self.garbage.min(self.items.len()));
        for part in parts {
            let start = u32::try_from(kept.len()).unwrap_or(u32::MAX);
            kept.extend_from_slice(self.get(*part));
            part.start = start;
        }
        self.items = kept;
        self.garbage = 0;
    }

    /// Bytes held, for the memory report.
    pub fn bytes(&self) -> usize {
        self.items.capacity() * size_of::<T>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_survive_compaction() {
        let mut shelf = Shelf::default();
        let mut parts: Vec<Part> = (0..3000u32).map(|n| shelf.push(&[n, n + 1, n + 2])).collect();
        shelf.overwrite(parts[2500], &[7, 8, 9]);
        assert_eq!(shelf.get(parts[2500]), [7, 8, 9]);
        for part in parts.drain(..2000) {
            shelf.release(part);
        }
        assert!(shelf.needs_compacting());
        shelf.compact(parts.iter_mut());
        assert!(!shelf.needs_compacting());
        assert_eq!(shelf.get(parts[0]), [2000, 2001, 2002]);
        assert_eq!(shelf.get(parts[999]), [2999, 3000, 3001]);
        assert_eq!(shelf.get(parts[500]), [7, 8, 9]);
        assert_eq!(shelf.bytes(), 3000 * 4);
    }
}
