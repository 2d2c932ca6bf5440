//! Reading descriptor files: multi-document YAML into JSON values, with the
//! line each document starts on, YAML 1.2 core-schema scalars (as Backstage's
//! `yaml` package reads them), and limits that stop alias bombs and runaway
//! nesting. Finding the line of a field is done again on demand
//! ([`line_of`]): errors are rare, and remembering every line of a
//! 100,000-entity file would cost more than re-reading one document.

use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// How much a file may make the reader do.
#[derive(Debug, Clone, Copy)]
pub struct YamlLimits {
    /// Deepest nesting of mappings and sequences.
    pub max_depth: usize,
    /// Values an alias may copy in, summed over the whole file.
    pub max_alias_nodes: usize,
}

impl Default for YamlLimits {
    fn default() -> Self {
        Self { max_depth: 64, max_alias_nodes: 10_000 }
    }
}

/// One document of a file, as compact JSON: a 100,000-document file is
/// held as text while it is read, not as a tree of values.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlDocument {
    /// 1-based position in the file.
    pub number: usize,
    /// 1-based line the document's content starts on.
    pub line: usize,
    pub json: String,
}

impl YamlDocument {
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.json).unwrap_or(Value::Null)
    }
}

/// Why a file could not be read as YAML, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based document number the error is in.
    pub document: usize,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

/// Reads every document of `text`. Empty documents (a lone `---`) are skipped
/// as Backstage skips them; a syntax error anywhere fails the file, because
/// the documents after it cannot be told apart reliably.
pub fn parse_documents(text: &str, limits: YamlLimits) -> Result<Vec<YamlDocument>, YamlError> {
    Documents::new(text, limits).collect()
}

/// The documents of `text`, read one at a time as the caller asks for them,
/// so a 100,000-document file is never held as documents all at once. After
/// a syntax error it yields that error and ends.
pub struct Documents<'a> {
    parser: Parser<std::str::Chars<'a>>,
    builder: Builder,
    ended: bool,
}

impl<'a> Documents<'a> {
    pub fn new(text: &'a str, limits: YamlLimits) -> Self {
        Self { parser: Parser::new_from_str(text), builder: Builder::new(limits), ended: false }
    }

    fn fail(&mut self, line: usize, column: usize, message: String) -> Option<Result<YamlDocument, YamlError>> {
        self.ended = true;
        Some(Err(YamlError { document: self.builder.finished + 1, line, column, message }))
    }
}

impl Iterator for Documents<'_> {
    type Item = Result<YamlDocument, YamlError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.ended {
            let (event, mark) = match self.parser.next_token() {
                Ok(next) => next,
                Err(err) => {
                    return self.fail(err.marker().line(), err.marker().col() + 1, err.info().to_owned());
                }
            };
            if event == Event::StreamEnd {
                self.ended = true;
                break;
            }
            if let Err(message) = self.builder.on_event(event, mark) {
                return self.fail(mark.line(), mark.col() + 1, message);
            }
            if let Some(document) = self.builder.ready.take() {
                return Some(Ok(document));
            }
        }
        None
    }
}

/// The 1-based line where `path` (`spec.owner`, `spec.dependsOn[1]`) is
/// written in document `number` of `text`; for a missing field, the line of
/// its nearest parent that is there (or the document's first line).
pub fn line_of(text: &str, number: usize, path: &str) -> Option<usize> {
    let wanted: Vec<PathStep> = parse_path(path);
    let mut parser = Parser::new_from_str(text);
    let mut document = 0;
    let mut document_line = None;
    let mut stack: Vec<Cursor> = Vec::new();
    let mut best: Option<usize> = None;
    // The deepest parent of the path seen so far: (depth, line).
    let mut parent: Option<(usize, usize)> = None;
    loop {
        let (event, mark) = parser.next_token().ok()?;
        let fallback = |best: Option<usize>, parent: Option<(usize, usize)>| {
            best.or(parent.map(|(_, line)| line)).or(document_line)
        };
        match event {
            Event::StreamEnd => return fallback(best, parent),
            Event::DocumentStart => {
                document += 1;
                stack.clear();
            }
            Event::DocumentEnd if document == number => return fallback(best, parent),
            _ if document != number => {}
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if document_line.is_none() {
                    document_line = Some(mark.line());
                }
                let sequence = matches!(event, Event::SequenceStart(..));
                let path = current_path(&mut stack);
                let matched = path.as_ref().is_some_and(|path| wanted.starts_with(path));
                if let Some(path) = &path {
                    if matched && path.len() == wanted.len() {
                        best = best.or(Some(mark.line()));
                    }
                }
                stack.push(Cursor { path: path.filter(|_| matched), sequence, index: 0, key: None, expect_key: true });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                finish_value(&mut stack);
            }
            Event::Scalar(value, ..) => {
                if document_line.is_none() {
                    document_line = Some(mark.line());
                }
                let Some(top) = stack.last_mut() else { continue };
                if !top.sequence && top.expect_key {
                    if let Some(container) = &top.path {
                        let mut path = container.clone();
                        path.push(PathStep::Key(value.clone()));
                        if wanted.starts_with(&path) {
                            if path.len() == wanted.len() {
                                best = best.or(Some(mark.line()));
                            } else if parent.is_none_or(|(depth, _)| path.len() > depth) {
                                parent = Some((path.len(), mark.line()));
                            }
                        }
                    }
                    top.key = Some(value);
                    top.expect_key = false;
                } else {
                    if let Some(path) = current_path(&mut stack) {
                        if path == wanted {
                            best = best.or(Some(mark.line()));
                        }
                    }
                    finish_value(&mut stack);
                }
            }
            Event::Alias(_) => finish_value(&mut stack),
            _ => {}
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PathStep {
    Key(String),
    Index(usize),
}

/// `spec.dependsOn[1]` → [Key(spec), Key(dependsOn), Index(1)]. Keys holding
/// dots (annotation names) are written in brackets: `metadata.annotations[backstage.io/x]`.
fn parse_path(path: &str) -> Vec<PathStep> {
    let mut steps = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']').unwrap_or(inner.len());
            let token = &inner[..end];
            steps.push(match token.parse::<usize>() {
                Ok(index) => PathStep::Index(index),
                Err(_) => PathStep::Key(token.trim_matches('"').to_owned()),
            });
            rest = inner.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            steps.push(PathStep::Key(rest[..end].to_owned()));
            rest = &rest[end..];
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    steps
}

struct Cursor {
    /// The path of this container, when it is on the way to the wanted path.
    path: Option<Vec<PathStep>>,
    sequence: bool,
    index: usize,
    key: Option<String>,
    expect_key: bool,
}

/// The path of the value about to be read in the innermost container.
fn current_path(stack: &mut [Cursor]) -> Option<Vec<PathStep>> {
    let Some(top) = stack.last() else { return Some(Vec::new()) };
    let mut path = top.path.clone()?;
    if top.sequence {
        path.push(PathStep::Index(top.index));
    } else {
        path.push(PathStep::Key(top.key.clone().unwrap_or_default()));
    }
    Some(path)
}

fn finish_value(stack: &mut [Cursor]) {
    if let Some(top) = stack.last_mut() {
        if top.sequence {
            top.index += 1;
        } else {
            top.expect_key = true;
        }
    }
}

/// A container being filled.
enum Frame {
    Mapping { map: Map<String, Value>, key: Option<String>, anchor: usize },
    Sequence { items: Vec<Value>, anchor: usize },
}

struct Builder {
    limits: YamlLimits,
    /// Documents finished so far, empty ones included.
    finished: usize,
    /// The document just finished, until the reader takes it.
    ready: Option<YamlDocument>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Value, usize)>,
    alias_nodes: usize,
    document_line: usize,
    root: Option<Value>,
}

impl Builder {
    fn new(limits: YamlLimits) -> Self {
        Self {
            limits,
            finished: 0,
            ready: None,
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            document_line: 0,
            root: None,
        }
    }

    fn on_event(&mut self, event: Event, mark: Marker) -> Result<(), String> {
        match event {
            Event::DocumentStart => {
                self.root = None;
                self.document_line = 0;
                self.anchors.clear();
            }
            Event::DocumentEnd => {
                self.finished += 1;
                let number = self.finished;
                // Documents are numbered as written, empty ones included, so a
                // number in an error matches what the author counts.
                match self.root.take() {
                    Some(Value::Null) | None => {
                        self.ready = Some(YamlDocument {
                            number,
                            line: self.document_line.max(mark.line()),
                            json: "null".to_owned(),
                        })
                    }
                    Some(value) => {
                        self.ready = Some(YamlDocument { number, line: self.document_line, json: value.to_string() })
                    }
                }
            }
            Event::MappingStart(anchor, _) => {
                self.open(mark)?;
                self.stack.push(Frame::Mapping { map: Map::new(), key: None, anchor });
            }
            Event::SequenceStart(anchor, _) => {
                self.open(mark)?;
                self.stack.push(Frame::Sequence { items: Vec::new(), anchor });
            }
            Event::MappingEnd => {
                if let Some(Frame::Mapping { map, anchor, .. }) = self.stack.pop() {
                    self.finish(Value::Object(map), anchor)?;
                }
            }
            Event::SequenceEnd => {
                if let Some(Frame::Sequence { items, anchor }) = self.stack.pop() {
                    self.finish(Value::Array(items), anchor)?;
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                if self.document_line == 0 {
                    self.document_line = mark.line();
                }
                let value = scalar(text, style, tag.as_ref())?;
                self.finish(value, anchor)?;
            }
            Event::Alias(id) => {
                let (value, nodes) =
                    self.anchors.get(&id).cloned().ok_or_else(|| "alias to an unknown anchor".to_owned())?;
                self.alias_nodes += nodes;
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(format!(
                        "aliases expand to more than {} values; the file looks like a YAML bomb",
                        self.limits.max_alias_nodes
                    ));
                }
                self.finish(value, 0)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn open(&mut self, mark: Marker) -> Result<(), String> {
        if self.document_line == 0 {
            self.document_line = mark.line();
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(format!("nesting deeper than {} levels", self.limits.max_depth));
        }
        Ok(())
    }

    /// Places a finished value in its container (or as the document root).
    fn finish(&mut self, value: Value, anchor: usize) -> Result<(), String> {
        if anchor > 0 {
            let nodes = count_nodes(&value);
            self.anchors.insert(anchor, (value.clone(), nodes));
        }
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Sequence { items, .. }) => items.push(value),
            Some(Frame::Mapping { map, key, .. }) => match key.take() {
                None => *key = Some(key_text(value)?),
                Some(name) => {
                    if map.contains_key(&name) {
                        return Err(format!("duplicate key \"{name}\""));
                    }
                    map.insert(name, value);
                }
            },
        }
        Ok(())
    }
}

fn count_nodes(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Value::Object(map) => 1 + map.values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}

/// Mapping keys become strings, as in JSON.
fn key_text(value: Value) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text),
        Value::Null => Ok("null".to_owned()),
        Value::Bool(flag) => Ok(flag.to_string()),
        Value::Number(number) => Ok(number.to_string()),
        Value::Array(_) | Value::Object(_) => Err("a mapping key must be a plain value".to_owned()),
    }
}

/// Resolves a scalar with the YAML 1.2 core schema: only plain scalars can be
/// null, booleans or numbers; quoted and block scalars are strings.
fn scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    if let Some(tag) = tag {
        if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
            return match tag.suffix.as_str() {
                "str" => Ok(Value::String(text)),
                "null" => Ok(Value::Null),
                "bool" => plain(&text).filter(Value::is_boolean).ok_or_else(|| format!("\"{text}\" is not a bool")),
                "int" | "float" => {
                    plain(&text).filter(Value::is_number).ok_or_else(|| format!("\"{text}\" is not a number"))
                }
                _ => Ok(Value::String(text)),
            };
        }
    }
    if style != TScalarStyle::Plain {
        return Ok(Value::String(text));
    }
    Ok(plain(&text).unwrap_or(Value::String(text)))
}

fn plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let first = text.as_bytes().first().copied()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(|n| Value::Number(n.into()));
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return i64::from_str_radix(octal, 8).ok().map(|n| Value::Number(n.into()));
    }
    if is_integer(text) {
        if let Ok(n) = text.parse::<i64>() {
            return Some(Value::Number(n.into()));
        }
    }
    if is_float(text) {
        return text.parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number);
    }
    None
}

fn is_integer(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match fraction {
        Some(fraction) => digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty()),
        None => !whole.is_empty() && digits(whole),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Vec<YamlDocument> {
        parse_documents(text, YamlLimits::default()).unwrap()
    }

    #[test]
    fn reads_several_documents_with_their_first_lines() {
        let documents = read("kind: A\n---\n# comment\nkind: B\nlist: [1, x]\n");
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[0].value(), json!({"kind": "A"}));
        assert_eq!((documents[1].number, documents[1].line), (2, 4));
        assert_eq!(documents[1].value(), json!({"kind": "B", "list": [1, "x"]}));
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let documents = read("a: yes\nb: true\nc: '1'\nd: 1.5\ne: ~\nf: 0x1F\ng: 1e3\nh: 1.2.3\ni: !!str 12\n");
        assert_eq!(
            documents[0].value(),
            json!({"a": "yes", "b": true, "c": "1", "d": 1.5, "e": null, "f": 31, "g": 1000.0, "h": "1.2.3", "i": "12"})
        );
    }

    #[test]
    fn syntax_errors_name_document_and_line() {
        let error = parse_documents("a: 1\n---\nb: [1, 2\nc: 3\n", YamlLimits::default()).unwrap_err();
        assert_eq!(error.document, 2);
        assert!(error.line >= 3, "{error:?}");
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let error = parse_documents("a: 1\na: 2\n", YamlLimits::default()).unwrap_err();
        assert!(error.message.contains("duplicate key \"a\""), "{error:?}");
        assert_eq!(error.line, 2);
    }

    #[test]
    fn alias_bombs_are_stopped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..8 {
            let previous = level - 1;
            text.push_str(&format!(
                "a{level}: &a{level} [*a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}]\n"
            ));
        }
        let error = parse_documents(&text, YamlLimits::default()).unwrap_err();
        assert!(error.message.contains("YAML bomb"), "{error:?}");
        // A few honest aliases are fine.
        assert_eq!(read("a: &x {k: v}\nb: *x\n")[0].value(), json!({"a": {"k": "v"}, "b": {"k": "v"}}));
    }

    #[test]
    fn deep_nesting_is_stopped() {
        let text = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        let error = parse_documents(&text, YamlLimits::default()).unwrap_err();
        assert!(error.message.contains("nesting"), "{error:?}");
    }

    #[test]
    fn finds_the_line_of_a_field() {
        let text = "kind: A\nmetadata:\n  name: a\n---\nkind: B\nmetadata:\n  name: b\n  annotations:\n    backstage.io/x: y\nspec:\n  dependsOn:\n    - one\n    - two\n";
        assert_eq!(line_of(text, 2, "spec.dependsOn[1]"), Some(13));
        assert_eq!(line_of(text, 2, "metadata.annotations[backstage.io/x]"), Some(9));
        assert_eq!(line_of(text, 1, "metadata.name"), Some(3));
        assert_eq!(line_of(text, 2, "spec.owner"), Some(10), "a missing field points at its parent");
        assert_eq!(line_of(text, 2, "status"), Some(5), "or at its document");
    }
}
