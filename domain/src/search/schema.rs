//! The index's fields and how their text is cut into words.
//!
//! Words are runs of letters and digits, lower-cased and folded to ASCII
//! (`Café-Service` → `cafe`, `service`), the same at indexing and at query
//! time. Names and titles are also kept whole for "exact name first".

use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::Index;

/// Bumped whenever the fields or their analysis change: an index of another
/// version is rebuilt.
pub const SCHEMA_VERSION: u32 = 1;

/// The word analyzer's name.
pub const WORDS: &str = "portico_words";
/// Whole values, lower-cased: names, titles, filter values.
pub const WHOLE: &str = "portico_whole";

/// The column of name lengths.
pub const NAME_LENGTH: &str = "name_length";

/// Longer tokens are dropped (hashes, base64 blobs in annotations).
const LONGEST_WORD: usize = 48;

/// The facet keys kept as filter fields (lower-cased) and, except
/// `namespace`, `system` and `owner_ref`, as counted columns.
pub const FILTER_KEYS: [&str; 8] = ["kind", "type", "owner", "owner_ref", "lifecycle", "tag", "namespace", "system"];

/// Handles to every field.
#[derive(Debug, Clone)]
pub struct Fields {
    pub uid: Field,
    pub result_type: Field,
    pub name: Field,
    pub name_whole: Field,
    pub title: Field,
    pub title_whole: Field,
    pub text: Field,
    pub about: Field,
    pub definition: Field,
    /// Every word of the fields above, for prefix and typo matching.
    pub all: Field,
    /// The result's Backstage document, as JSON.
    pub document: Field,
    /// Characters in the name: among equal scores, the shorter name (the
    /// closer one to what was typed) comes first.
    pub name_length: Field,
    pub filters: Vec<(&'static str, Field)>,
    pub counted: Vec<(&'static str, Field)>,
}

impl Fields {
    pub fn filter(&self, key: &str) -> Option<Field> {
        self.filters.iter().find(|(name, _)| *name == key).map(|(_, field)| *field)
    }

    pub fn counted(&self, key: &str) -> Option<Field> {
        self.counted.iter().find(|(name, _)| *name == key).map(|(_, field)| *field)
    }

    /// The searchable text fields by name, for snippets.
    pub fn text_field(&self, name: &str) -> Option<Field> {
        match name {
            "name" => Some(self.name),
            "title" => Some(self.title),
            "text" => Some(self.text),
            "about" => Some(self.about),
            "definition" => Some(self.definition),
            _ => None,
        }
    }
}

fn words(stored: bool, positions: bool) -> TextOptions {
    let record = if positions { IndexRecordOption::WithFreqsAndPositions } else { IndexRecordOption::WithFreqs };
    let options = TextOptions::default()
        .set_indexing_options(TextFieldIndexing::default().set_tokenizer(WORDS).set_index_option(record));
    if stored {
        options.set_stored()
    } else {
        options
    }
}

fn whole() -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(WHOLE).set_index_option(IndexRecordOption::Basic),
    )
}

/// The schema and its field handles.
pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let uid = builder.add_text_field("uid", STRING | STORED);
    let result_type = builder.add_text_field("result_type", STRING);
    let name = builder.add_text_field("name", words(true, true));
    let name_whole = builder.add_text_field("name_whole", whole());
    let title = builder.add_text_field("title", words(true, true));
    let title_whole = builder.add_text_field("title_whole", whole());
    let text = builder.add_text_field("text", words(true, true));
    let about = builder.add_text_field("about", words(true, true));
    let definition = builder.add_text_field("definition", words(true, true));
    let all = builder.add_text_field("all", words(false, false));
    let document = builder.add_text_field("document", STORED);
    let name_length = builder.add_u64_field(NAME_LENGTH, FAST);
    let filters = FILTER_KEYS.iter().map(|key| (*key, builder.add_text_field(&format!("is_{key}"), whole()))).collect();
    let counted = model::search::FACETS
        .iter()
        .map(|(key, _)| (*key, builder.add_text_field(&counted_name(key), STRING | FAST)))
        .collect();
    let fields = Fields {
        uid,
        result_type,
        name,
        name_whole,
        title,
        title_whole,
        text,
        about,
        definition,
        all,
        document,
        name_length,
        filters,
        counted,
    };
    (builder.build(), fields)
}

/// The column a facet is counted from.
pub fn counted_name(key: &str) -> String {
    format!("count_{key}")
}

/// The word analyzer, also used to cut queries and snippets into words.
pub fn word_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

fn whole_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default()).filter(LowerCaser).filter(AsciiFoldingFilter).build()
}

/// Registers the analyzers on an opened or created index.
pub fn register_analyzers(index: &Index) {
    index.tokenizers().register(WORDS, word_analyzer());
    index.tokenizers().register(WHOLE, whole_analyzer());
}

/// A whole value as [`WHOLE`] indexes it.
pub fn whole_value(text: &str) -> String {
    let mut analyzer = whole_analyzer();
    let mut stream = analyzer.token_stream(text.trim());
    let mut out = String::new();
    while let Some(token) = stream.next() {
        out.push_str(&token.text);
    }
    out
}

/// The words of a text as [`WORDS`] indexes them, with their byte ranges.
pub fn words_of(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut analyzer = word_analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push((token.text.clone(), token.offset_from..token.offset_to));
    }
    out
}
