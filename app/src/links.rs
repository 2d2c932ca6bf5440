//! Links that carry a page's state in the query string (filters, sort,
//! search term, page), so every view can be bookmarked and shared.

use crate::auth::encode_query_value;

/// `path?key=value&...`, or `path` alone when there are no pairs.
pub fn with_query(path: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return path.to_owned();
    }
    let query: Vec<String> = pairs.iter().map(|(key, value)| format!("{key}={}", encode_query_value(value))).collect();
    format!("{path}?{}", query.join("&"))
}

/// Removes `key=value` (any case) if present, adds it if not: a facet
/// value clicked on or off.
pub fn toggle(pairs: &mut Vec<(String, String)>, key: &str, value: &str) {
    let before = pairs.len();
    pairs.retain(|(k, v)| !(k == key && v.eq_ignore_ascii_case(value)));
    if pairs.len() == before {
        pairs.push((key.to_owned(), value.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_become_an_encoded_query() {
        assert_eq!(with_query("/search", &[]), "/search");
        let pairs = vec![("q".to_owned(), "a b&c".to_owned()), ("kind".to_owned(), "API".to_owned())];
        assert_eq!(with_query("/search", &pairs), "/search?q=a%20b%26c&kind=API");
    }

    #[test]
    fn a_value_toggles_on_and_off_whatever_its_case() {
        let mut pairs = vec![("kind".to_owned(), "API".to_owned())];
        toggle(&mut pairs, "kind", "api");
        assert!(pairs.is_empty());
        toggle(&mut pairs, "kind", "Component");
        assert_eq!(pairs, vec![("kind".to_owned(), "Component".to_owned())]);
    }
}
