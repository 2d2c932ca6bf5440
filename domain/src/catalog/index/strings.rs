//! Interned strings in one arena: every distinct value is stored once, as
//! bytes in a single buffer, and named by a `u32`. No allocation per string,
//! which is most of the saving at 100,000 entities (half a million distinct
//! values). The arena only grows; a full reload builds a fresh one.
//!
//! A case-folding arena treats `Team-A` and `team-a` as one string (Backstage
//! matches filter values and entity references case-insensitively) and keeps
//! the first spelling it saw, so facets and references show what was written
//! without a second, lowercased copy of every title and description.

use hashbrown::HashTable;
use std::cmp::Ordering;
use std::hash::{BuildHasher, Hasher, RandomState};

/// Bytes per arena chunk: the arena grows a chunk at a time, never by
/// doubling (which would leave up to half of it unused).
const CHUNK: usize = 1 << 18;

#[derive(Default)]
pub struct Strings {
    /// Text in chunks of [`CHUNK`] bytes (a longer text gets a chunk of its
    /// own); a span's start is `chunk number * CHUNK + offset`.
    chunks: Vec<String>,
    spans: Vec<(u32, u32)>,
    table: HashTable<u32>,
    hasher: RandomState,
    folding: bool,
}

impl Strings {
    /// An arena in which strings differing only in case are one.
    pub fn folding() -> Self {
        Self { folding: true, ..Self::default() }
    }

    fn hash(hasher: &RandomState, folding: bool, text: &str) -> u64 {
        if !folding {
            return hasher.hash_one(text);
        }
        let mut state = hasher.build_hasher();
        for folded in text.chars().flat_map(char::to_lowercase) {
            state.write_u32(u32::from(folded));
        }
        state.finish()
    }

    /// The hash of a stored string, for the table when it grows or shrinks
    /// (which borrows the table, so `self` cannot be).
    fn hash_stored(hasher: &RandomState, folding: bool, chunks: &[String], spans: &[(u32, u32)], id: u32) -> u64 {
        Self::hash(hasher, folding, Self::stored(chunks, spans, id))
    }

    fn same(folding: bool, a: &str, b: &str) -> bool {
        if folding {
            eq_folded(a, b)
        } else {
            a == b
        }
    }

    fn span(&self, id: u32) -> &str {
        Self::stored(&self.chunks, &self.spans, id)
    }

    /// The text of `id` (empty for an unknown id).
    fn stored<'a>(chunks: &'a [String], spans: &[(u32, u32)], id: u32) -> &'a str {
        spans.get(id as usize).map_or("", |(start, len)| Self::slice(chunks, *start, *len))
    }

    fn slice(chunks: &[String], start: u32, len: u32) -> &str {
        let (chunk, offset) = (start as usize / CHUNK, start as usize % CHUNK);
        chunks.get(chunk).and_then(|text| text.get(offset..offset + len as usize)).unwrap_or("")
    }

    /// The id of `text`, adding it when new.
    pub fn intern(&mut self, text: &str) -> u32 {
        let hash = Self::hash(&self.hasher, self.folding, text);
        if let Some(id) = self.table.find(hash, |id| Self::same(self.folding, self.span(*id), text)) {
            return *id;
        }
        let id = u32::try_from(self.spans.len()).unwrap_or(u32::MAX - 1);
        let span = self.append(text);
        self.spans.push(span);
        let Self { table, spans, chunks, hasher, folding } = self;
        table.insert_unique(hash, id, |id| Self::hash_stored(hasher, *folding, chunks, spans, *id));
        id
    }

    fn append(&mut self, text: &str) -> (u32, u32) {
        let fits = self.chunks.last().is_some_and(|chunk| chunk.len() + text.len() <= CHUNK);
        if !fits {
            self.chunks.push(String::with_capacity(CHUNK.max(text.len())));
        }
        let number = self.chunks.len() - 1;
        let chunk = &mut self.chunks[number];
        let start = u32::try_from(number * CHUNK + chunk.len()).unwrap_or(u32::MAX);
        chunk.push_str(text);
        (start, u32::try_from(text.len()).unwrap_or(0))
    }

    /// Makes `text` the spelling shown for its id (an entity's own name wins
    /// over how others referred to it). Only a case-folding arena may do
    /// this: the new spelling must fold to the same string.
    pub fn respell(&mut self, id: u32, text: &str) {
        if self.folding && self.span(id) != text && eq_folded(self.span(id), text) {
            let span = self.append(text);
            if let Some(slot) = self.spans.get_mut(id as usize) {
                *slot = span;
            }
        }
    }

    /// The id of `text`, if it was ever interned.
    pub fn get(&self, text: &str) -> Option<u32> {
        let hash = Self::hash(&self.hasher, self.folding, text);
        self.table.find(hash, |id| Self::same(self.folding, self.span(*id), text)).copied()
    }

    pub fn text(&self, id: u32) -> &str {
        self.span(id)
    }

    /// Gives back the spare capacity of the span list and the table.
    pub fn shrink_to_fit(&mut self) {
        self.spans.shrink_to_fit();
        let Self { table, spans, chunks, hasher, folding } = self;
        table.shrink_to_fit(|id| Self::hash_stored(hasher, *folding, chunks, spans, *id));
    }

    /// Bytes held, for the memory report.
    pub fn bytes(&self) -> usize {
        self.chunks.iter().map(String::capacity).sum::<usize>() + self.spans.capacity() * 8 + self.table.capacity() * 5
    }
}

/// `a` and `b` are equal ignoring case.
pub fn eq_folded(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
    }
}

/// Orders `a` and `b` by their lowercased forms.
pub fn cmp_folded(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.bytes().map(|byte| byte.to_ascii_lowercase()).cmp(b.bytes().map(|byte| byte.to_ascii_lowercase()))
    } else {
        a.chars().flat_map(char::to_lowercase).cmp(b.chars().flat_map(char::to_lowercase))
    }
}

/// `haystack` contains `lowered` (already lowercase), ignoring case.
pub fn contains_folded(haystack: &str, lowered: &str) -> bool {
    if haystack.is_ascii() && lowered.is_ascii() {
        let (haystack, needle) = (haystack.as_bytes(), lowered.as_bytes());
        needle.is_empty()
            || haystack
                .windows(needle.len())
                .any(|window| window.iter().zip(needle).all(|(have, want)| have.to_ascii_lowercase() == *want))
    } else {
        haystack.to_lowercase().contains(lowered)
    }
}

/// `text` starts with `lowered` (already lowercase), ignoring case.
pub fn starts_with_folded(text: &str, lowered: &str) -> bool {
    if text.is_ascii() && lowered.is_ascii() {
        text.len() >= lowered.len() && text.as_bytes()[..lowered.len()].eq_ignore_ascii_case(lowered.as_bytes())
    } else {
        text.to_lowercase().starts_with(lowered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable_and_lookups_exact() {
        let mut strings = Strings::default();
        let a = strings.intern("checkout");
        let b = strings.intern("payments");
        assert_eq!(strings.intern("checkout"), a);
        assert_ne!(a, b);
        assert_eq!(strings.get("payments"), Some(b));
        assert_eq!(strings.get("pay"), None);
        assert_eq!(strings.get("Payments"), None);
        assert_eq!(strings.text(b), "payments");
        for n in 0..100_000 {
            strings.intern(&format!("value-{n}"));
        }
        let long = "x".repeat(CHUNK + 10);
        let long_id = strings.intern(&long);
        let after = strings.intern("after the long one");
        assert_eq!(strings.text(a), "checkout");
        assert_eq!(strings.get("value-99999").map(|id| strings.text(id)), Some("value-99999"));
        assert_eq!(strings.text(long_id), long);
        assert_eq!(strings.text(after), "after the long one");
    }

    #[test]
    fn a_folding_arena_keeps_one_spelling_per_word() {
        let mut strings = Strings::folding();
        let title = strings.intern("Checkout Service");
        assert_eq!(strings.intern("checkout service"), title);
        assert_eq!(strings.get("CHECKOUT SERVICE"), Some(title));
        assert_eq!(strings.text(title), "Checkout Service");
        let umlaut = strings.intern("Übersicht");
        assert_eq!(strings.get("übersicht"), Some(umlaut));
        assert_ne!(strings.intern("checkout"), title);
        strings.respell(title, "checkout SERVICE");
        assert_eq!(strings.text(title), "checkout SERVICE");
        strings.respell(title, "something else");
        assert_eq!(strings.text(title), "checkout SERVICE");
    }

    #[test]
    fn folded_comparisons() {
        assert!(contains_folded("Stores Checkout events", "checkout"));
        assert!(!contains_folded("Stores events", "checkout"));
        assert!(contains_folded("Grüße aus KÖLN", "köln"));
        assert!(starts_with_folded("Checkout", "check"));
        assert!(!starts_with_folded("Che", "check"));
        assert_eq!(cmp_folded("alpha", "Beta"), Ordering::Less);
        assert_eq!(cmp_folded("Ärger", "ärger"), Ordering::Equal);
    }
}
