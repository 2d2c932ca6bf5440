//! What a user typed, read forgivingly, and the index query it becomes.
//!
//! - words match in any order, each as a whole word, a prefix (for
//!   as-you-type) or with a typo: one edit for words of 4+ letters, two for
//!   8+ (a swap of two letters counts as one);
//! - `"quoted words"` must appear together;
//! - `kind:api`, `type:`, `owner:`, `lifecycle:`, `tag:`, `namespace:`,
//!   `system:` filter;
//! - there is no syntax error: what is not a phrase or a filter is words.
//!
//! Ranking: the exact name first, then the exact title, then the score of
//! where the words matched (name over title over the rest), whole words
//! over prefixes over typos.

use super::schema::{self, Fields};
use model::catalog::{EntityRef, DEFAULT_NAMESPACE};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

/// More words than this are ignored (a pasted paragraph still searches).
const MOST_WORDS: usize = 12;
/// Longer input is cut here before reading.
const LONGEST_INPUT: usize = 1000;

/// The parts of a query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub words: Vec<String>,
    pub phrases: Vec<Vec<String>>,
    /// (filter key, lower-cased value).
    pub filters: Vec<(String, String)>,
    /// The input without filters, as a whole value (for exact name/title).
    pub whole: String,
}

impl Parsed {
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty()
    }

    /// Every word, in phrases too.
    pub fn all_words(&self) -> impl Iterator<Item = &String> {
        self.words.iter().chain(self.phrases.iter().flatten())
    }
}

/// The filter key a `key:` prefix names, in Backstage's and Portico's words.
pub fn filter_key(key: &str) -> Option<&'static str> {
    Some(match key.to_ascii_lowercase().as_str() {
        "kind" => "kind",
        "type" | "spec.type" | "componenttype" => "type",
        "owner" | "spec.owner" => "owner",
        "lifecycle" | "spec.lifecycle" => "lifecycle",
        "tag" | "tags" | "metadata.tags" => "tag",
        "namespace" | "metadata.namespace" => "namespace",
        "system" | "spec.system" => "system",
        _ => return None,
    })
}

/// Reads a query; never fails.
pub fn parse(input: &str) -> Parsed {
    let input = super::cut(input, LONGEST_INPUT);
    let mut parsed = Parsed::default();
    let mut plain = String::new();
    // Quotes pair up; an unpaired one is just a character.
    let mut rest = input;
    while let Some(open) = rest.find('"') {
        let Some(close) = rest[open + 1..].find('"') else { break };
        let before = &rest[..open];
        let quoted = &rest[open + 1..open + 1 + close];
        rest = &rest[open + close + 2..];
        // `owner:"Team A"`: a quoted filter value.
        let last_piece = before.rsplit(char::is_whitespace).next().unwrap_or_default();
        if let Some(key) = last_piece.strip_suffix(':').and_then(filter_key) {
            plain.push_str(&before[..before.len() - last_piece.len()]);
            plain.push(' ');
            parsed.filters.push((key.to_owned(), schema::whole_value(quoted)));
            continue;
        }
        plain.push_str(before);
        plain.push(' ');
        let phrase: Vec<String> = schema::words_of(quoted).into_iter().map(|(word, _)| word).collect();
        match phrase.len() {
            0 => {}
            1 => parsed.words.extend(phrase),
            _ => parsed.phrases.push(phrase),
        }
    }
    plain.push_str(rest);

    let mut kept = Vec::new();
    for piece in plain.split_whitespace() {
        let filter = piece.split_once(':').and_then(|(key, value)| {
            let key = filter_key(key)?;
            let value = value.trim_matches(|c| c == '"' || c == '\'');
            (!value.is_empty()).then(|| (key.to_owned(), schema::whole_value(value)))
        });
        match filter {
            Some(filter) => parsed.filters.push(filter),
            None => kept.push(piece),
        }
    }
    let kept = kept.join(" ");
    parsed.words.extend(schema::words_of(&kept).into_iter().map(|(word, _)| word));
    parsed.words.truncate(MOST_WORDS);
    parsed.phrases.truncate(MOST_WORDS);
    parsed.whole = if parsed.phrases.is_empty() { schema::whole_value(&kept) } else { String::new() };
    parsed
}

/// How many typos a word may have.
pub fn typos_allowed(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Words shorter than this are not matched as prefixes (a single letter
/// would match most of the index).
const SHORTEST_PREFIX: usize = 2;

/// Where a word counts, and how much.
const FIELD_WEIGHTS: [(&str, f32); 5] =
    [("name", 8.0), ("title", 5.0), ("about", 2.0), ("definition", 1.5), ("text", 1.0)];

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, boost))
}

fn term_query(field: Field, word: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::WithFreqs))
}

/// One word: whole in a field (scored), or as a prefix or with typos.
fn word_query(fields: &Fields, word: &str, with_variants: bool) -> Box<dyn Query> {
    let mut options: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (name, weight) in FIELD_WEIGHTS {
        if let Some(field) = fields.text_field(name) {
            options.push((Occur::Should, boosted(term_query(field, word), weight)));
        }
    }
    if with_variants {
        let length = word.chars().count();
        let typos = typos_allowed(word);
        if length >= SHORTEST_PREFIX {
            let name_prefix = FuzzyTermQuery::new_prefix(Term::from_field_text(fields.name, word), 0, true);
            options.push((Occur::Should, constant(Box::new(name_prefix), 4.0)));
            let any_prefix = FuzzyTermQuery::new_prefix(Term::from_field_text(fields.all, word), 0, true);
            options.push((Occur::Should, constant(Box::new(any_prefix), 1.5)));
        }
        // A nearer word scores more: each distance up to the allowed one adds.
        for distance in 1..=typos {
            let name_typo = FuzzyTermQuery::new(Term::from_field_text(fields.name, word), distance, true);
            options.push((Occur::Should, constant(Box::new(name_typo), 1.0)));
            let any_typo = FuzzyTermQuery::new(Term::from_field_text(fields.all, word), distance, true);
            options.push((Occur::Should, constant(Box::new(any_typo), 0.4)));
        }
    }
    Box::new(BooleanQuery::new(options))
}

fn constant(query: Box<dyn Query>, score: f32) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, score))
}

fn phrase_query(fields: &Fields, words: &[String], weight: f32) -> Box<dyn Query> {
    let options = FIELD_WEIGHTS
        .iter()
        .filter_map(|(name, field_weight)| fields.text_field(name).map(|field| (field, *field_weight)))
        .map(|(field, field_weight)| {
            let terms = words.iter().map(|word| Term::from_field_text(field, word)).collect();
            (Occur::Should, boosted(Box::new(PhraseQuery::new(terms)), field_weight * weight))
        })
        .collect();
    Box::new(BooleanQuery::new(options))
}

/// How the words of a query must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// Every word (the normal case).
    AllWords,
    /// Any word (when every word finds nothing).
    AnyWord,
}

/// The index query for `parsed`, limited to the result `types` (all when
/// empty) and to `filters` (key, value) from the API or the results page.
pub fn build(
    fields: &Fields,
    parsed: &Parsed,
    types: &[String],
    filters: &[(String, String)],
    strictness: Strictness,
) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    // Values of one key are alternatives; keys must all match.
    let mut by_key: Vec<(&str, Vec<&str>)> = Vec::new();
    for (key, value) in parsed.filters.iter().chain(filters) {
        match by_key.iter_mut().find(|(known, _)| known == key) {
            Some((_, values)) => values.push(value),
            None => by_key.push((key, vec![value])),
        }
    }
    for (key, values) in by_key {
        let Some(field) = fields.filter(key) else { return Box::new(EmptyQuery) };
        let mut one_of = Vec::new();
        for value in values {
            let value = schema::whole_value(value);
            one_of.push((Occur::Should, term_query(field, &value)));
            // `team-a`, `group:team-a` and `group:default/team-a` name one owner.
            if let (true, Some(owner_ref)) = (key == "owner", fields.filter("owner_ref")) {
                if let Ok(full) = EntityRef::parse(&value, Some("group"), Some(DEFAULT_NAMESPACE)) {
                    one_of.push((Occur::Should, term_query(owner_ref, &schema::whole_value(&full.to_string()))));
                }
            }
        }
        clauses.push((Occur::Must, constant(Box::new(BooleanQuery::new(one_of)), 0.0)));
    }
    if !types.is_empty() {
        let one_of = types.iter().map(|kind| (Occur::Should, term_query(fields.result_type, kind))).collect();
        clauses.push((Occur::Must, constant(Box::new(BooleanQuery::new(one_of)), 0.0)));
    }
    if parsed.is_empty() {
        clauses.push((Occur::Must, Box::new(AllQuery)));
        return Box::new(BooleanQuery::new(clauses));
    }
    let word_occur = match strictness {
        Strictness::AllWords => Occur::Must,
        Strictness::AnyWord => Occur::Should,
    };
    for word in &parsed.words {
        clauses.push((word_occur, word_query(fields, word, true)));
    }
    for phrase in &parsed.phrases {
        clauses.push((Occur::Must, phrase_query(fields, phrase, 1.0)));
    }
    if strictness == Strictness::AnyWord && parsed.phrases.is_empty() {
        // At least one word must match; the clause itself adds no score.
        let any = parsed.words.iter().map(|word| (Occur::Should, word_query(fields, word, true))).collect();
        clauses.push((Occur::Must, constant(Box::new(BooleanQuery::new(any)), 0.0)));
    }
    // Ranking: the exact name, then the exact title, then the words together.
    if !parsed.whole.is_empty() {
        clauses.push((Occur::Should, constant(term_query(fields.name_whole, &parsed.whole), 1000.0)));
        clauses.push((Occur::Should, constant(term_query(fields.title_whole, &parsed.whole), 300.0)));
    }
    if parsed.words.len() >= 2 {
        clauses.push((Occur::Should, phrase_query(fields, &parsed.words, 3.0)));
    }
    Box::new(BooleanQuery::new(clauses))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn words_phrases_and_filters_are_told_apart() {
        let mut parsed = parse(r#"Payments "order history" kind:API owner:"Team A" tag:"#);
        assert_eq!(parsed.words, words(&["payments", "tag"]));
        assert_eq!(parsed.phrases, vec![words(&["order", "history"])]);
        parsed.filters.sort();
        assert_eq!(
            parsed.filters,
            vec![("kind".to_owned(), "api".to_owned()), ("owner".to_owned(), "team a".to_owned())]
        );
    }

    #[test]
    fn anything_typed_is_words_and_never_an_error() {
        assert_eq!(parse("/orders/{id}").words, words(&["orders", "id"]));
        assert_eq!(parse("\"unclosed quote").words, words(&["unclosed", "quote"]));
        assert_eq!(parse("a.*b[(+").words, words(&["a", "b"]));
        assert!(parse("!!! ??? ***").is_empty());
        assert!(parse("").is_empty());
        assert_eq!(parse("Zürich Café").words, words(&["zurich", "cafe"]));
        assert_eq!(parse("unknown:thing").words, words(&["unknown", "thing"]));
        let long = "word ".repeat(2000);
        assert_eq!(parse(&long).words.len(), MOST_WORDS);
    }

    #[test]
    fn the_whole_input_is_kept_for_exact_name_matches() {
        assert_eq!(parse("Checkout-Service").whole, "checkout-service");
        assert_eq!(parse("kind:component  checkout").whole, "checkout");
    }

    #[test]
    fn longer_words_may_have_more_typos() {
        assert_eq!(typos_allowed("api"), 0);
        assert_eq!(typos_allowed("chec"), 1);
        assert_eq!(typos_allowed("payment"), 1);
        assert_eq!(typos_allowed("paymnets"), 2);
    }
}
