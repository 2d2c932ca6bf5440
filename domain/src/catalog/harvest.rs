//! Reading a registered location into entities: expand its glob, read each
//! file, split it into documents, resolve `$text`/`$json`/`$yaml`
//! substitutions, check every document, and follow Location entities to
//! further files (each place at most once, so cycles end). Nothing here
//! touches the database: entities go to a [`Sink`] as they are read (the
//! store writes them in batches meanwhile), and what went wrong comes back
//! as a [`Harvest`].

use super::descriptor::{self, CheckedEntity, Problem};
use super::source::{Place, Reader};
use super::yaml::{self, YamlLimits};
use serde_json::{Map, Value};
use std::collections::{HashSet, VecDeque};

pub const LOCATION_ANNOTATION: &str = "backstage.io/managed-by-location";
pub const ORIGIN_LOCATION_ANNOTATION: &str = "backstage.io/managed-by-origin-location";
pub const SOURCE_LOCATION_ANNOTATION: &str = "backstage.io/source-location";

/// Files one location may pull in through Location entities.
const MAX_PLACES: usize = 10_000;
/// Substitutions one document may make.
const MAX_SUBSTITUTIONS: usize = 64;

/// An entity read from a file, ready to store.
#[derive(Debug, Clone)]
pub struct Found {
    /// `kind:namespace/name`, canonical.
    pub entity_ref: String,
    /// The document with defaults and Portico's annotations applied, as
    /// compact JSON (its relations are derived again when it is indexed).
    pub body: String,
    /// The file it came from (`location_ref` form, `file:/...`).
    pub source: String,
}

impl Found {
    pub fn new(entity: &Value, checked: &CheckedEntity, source: String) -> Self {
        Self { entity_ref: checked.reference.canonical(), body: entity.to_string(), source }
    }

    pub fn entity(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

pub use model::catalog::LocationProblem;

/// Where entities go as they are read.
pub type Sink = tokio::sync::mpsc::Sender<Found>;

/// What went wrong while a location was read.
#[derive(Debug, Default)]
pub struct Harvest {
    pub problems: Vec<LocationProblem>,
    /// Files that could not be read or parsed at all: what they brought
    /// before stays as it was.
    pub unreadable: HashSet<String>,
}

/// Reads the location `root` (type `file`, `url` or `git`), sending each
/// entity to `sink`; stops early when nobody receives any more.
pub async fn harvest(reader: &Reader, root: &Place, limits: YamlLimits, sink: &Sink) -> Harvest {
    let mut harvest = Harvest::default();
    let origin = root.location_ref();
    let mut queue = VecDeque::from([root.clone()]);
    let mut seen: HashSet<Place> = HashSet::new();
    while let Some(place) = queue.pop_front() {
        if !seen.insert(place.clone()) {
            continue;
        }
        if seen.len() > MAX_PLACES {
            harvest.problems.push(problem(&place, None, format!("more than {MAX_PLACES} files; stopped here")));
            break;
        }
        let files = match reader.expand(&place).await {
            Ok(files) => files,
            Err(message) => {
                harvest.unreadable.insert(place.location_ref());
                harvest.problems.push(problem(&place, None, message));
                continue;
            }
        };
        if files.is_empty() && place.is_pattern() {
            tracing::debug!(%place, "pattern matches no file");
        }
        for file in files {
            if file != place && !seen.insert(file.clone()) {
                continue;
            }
            if !read_file(reader, &file, &origin, limits, &mut harvest, &mut queue, sink).await {
                return harvest;
            }
        }
    }
    harvest
}

fn problem(place: &Place, document: Option<usize>, message: String) -> LocationProblem {
    LocationProblem { source: place.location_ref(), document, line: None, field: None, message, entity_ref: None }
}

/// Reads one file into `sink`; `false` when the sink is closed. A syntax
/// error ends the file there: the documents before it count, and what the
/// file brought before stays as it was.
async fn read_file(
    reader: &Reader,
    file: &Place,
    origin: &str,
    limits: YamlLimits,
    harvest: &mut Harvest,
    queue: &mut VecDeque<Place>,
    sink: &Sink,
) -> bool {
    let source = file.location_ref();
    let text = match reader.read(file).await {
        Ok(text) => text,
        Err(message) => {
            harvest.unreadable.insert(source);
            harvest.problems.push(problem(file, None, message));
            return true;
        }
    };
    for document in yaml::Documents::new(&text, limits) {
        let document = match document {
            Ok(document) => document,
            Err(err) => {
                harvest.unreadable.insert(source.clone());
                harvest.problems.push(LocationProblem {
                    source,
                    document: Some(err.document),
                    line: Some(err.line),
                    field: None,
                    message: format!("not valid YAML: {} (column {})", err.message, err.column),
                    entity_ref: None,
                });
                return true;
            }
        };
        let mut entity = document.value();
        if entity.is_null() {
            continue;
        }
        let mut substitution_problems = Vec::new();
        substitute(reader, file, limits, &mut entity, String::new(), &mut 0, &mut substitution_problems).await;
        descriptor::apply_defaults(&mut entity);
        let checked =
            if substitution_problems.is_empty() { descriptor::check(&entity) } else { Err(substitution_problems) };
        match checked {
            Ok(checked) => {
                if checked.reference.kind.eq_ignore_ascii_case("Location") {
                    follow_location(file, &entity, document.number, harvest, queue);
                }
                annotate(&mut entity, &source, origin, file);
                if sink.send(Found::new(&entity, &checked, source.clone())).await.is_err() {
                    return false;
                }
            }
            Err(problems) => {
                let entity_ref = readable_ref(&entity);
                for Problem { field, reason } in problems {
                    let line = yaml::line_of(&text, document.number, &field).or(Some(document.line));
                    harvest.problems.push(LocationProblem {
                        source: source.clone(),
                        document: Some(document.number),
                        line,
                        field: (!field.is_empty()).then_some(field),
                        message: reason,
                        entity_ref: entity_ref.clone(),
                    });
                }
            }
        }
    }
    true
}

/// `kind:namespace/name` of a document that failed its checks, when those
/// three can be read, so its last good version can carry the error.
fn readable_ref(entity: &Value) -> Option<String> {
    let kind = entity.get("kind")?.as_str()?;
    let metadata = entity.get("metadata")?;
    let name = metadata.get("name")?.as_str()?;
    let namespace = metadata.get("namespace").and_then(Value::as_str).unwrap_or(model::catalog::DEFAULT_NAMESPACE);
    Some(model::catalog::EntityRef::new(kind, namespace, name).canonical())
}

/// Queues the targets of a Location entity, relative to its file.
fn follow_location(file: &Place, entity: &Value, number: usize, harvest: &mut Harvest, queue: &mut VecDeque<Place>) {
    let spec = entity.get("spec");
    let kind = spec.and_then(|spec| spec.get("type")).and_then(Value::as_str);
    let mut targets: Vec<&str> = Vec::new();
    if let Some(target) = spec.and_then(|spec| spec.get("target")).and_then(Value::as_str) {
        targets.push(target);
    }
    if let Some(list) = spec.and_then(|spec| spec.get("targets")).and_then(Value::as_array) {
        targets.extend(list.iter().filter_map(Value::as_str));
    }
    for target in targets {
        let next = match kind {
            Some("url") => url::Url::parse(target).map(Place::Url).map_err(|err| err.to_string()),
            Some("file") if target.starts_with('/') => Ok(Place::File(target.into())),
            Some("git") => super::location::parse_git_target(target),
            _ => file.join(target),
        };
        match next {
            Ok(place) => queue.push_back(place),
            Err(message) => harvest.problems.push(LocationProblem {
                source: file.location_ref(),
                document: Some(number),
                line: None,
                field: Some("spec.target".to_owned()),
                message: format!("cannot follow \"{target}\": {message}"),
                entity_ref: readable_ref(entity),
            }),
        }
    }
}

/// Adds the annotations Backstage puts on every entity it reads.
fn annotate(entity: &mut Value, source: &str, origin: &str, file: &Place) {
    let Some(metadata) = entity.get_mut("metadata").and_then(Value::as_object_mut) else { return };
    let annotations = metadata.entry("annotations").or_insert_with(|| Value::Object(Map::new()));
    let Some(annotations) = annotations.as_object_mut() else { return };
    annotations.insert(LOCATION_ANNOTATION.to_owned(), Value::String(source.to_owned()));
    annotations.insert(ORIGIN_LOCATION_ANNOTATION.to_owned(), Value::String(origin.to_owned()));
    if let Place::Url(url) = file {
        if let Ok(directory) = url.join("./") {
            annotations.entry(SOURCE_LOCATION_ANNOTATION).or_insert_with(|| Value::String(format!("url:{directory}")));
        }
    }
}

/// Replaces `{$text: path}`, `{$json: path}` and `{$yaml: path}` objects
/// with what they point to, read relative to `file`.
fn substitute<'a>(
    reader: &'a Reader,
    file: &'a Place,
    limits: YamlLimits,
    value: &'a mut Value,
    path: String,
    count: &'a mut usize,
    problems: &'a mut Vec<Problem>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
    Box::pin(async move {
        match value {
            Value::Object(map) => {
                if let Some((key, target)) = placeholder(map) {
                    *count += 1;
                    if *count > MAX_SUBSTITUTIONS {
                        problems.push(Problem {
                            field: path,
                            reason: format!("more than {MAX_SUBSTITUTIONS} substitutions in one document"),
                        });
                        return;
                    }
                    match resolve(reader, file, limits, &key, &target).await {
                        Ok(resolved) => *value = resolved,
                        Err(reason) => {
                            problems.push(Problem { field: path, reason: format!("{key} {target}: {reason}") })
                        }
                    }
                    return;
                }
                for (key, child) in map.iter_mut() {
                    let child_path = if key.contains('.') {
                        format!("{path}[{key}]")
                    } else if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    substitute(reader, file, limits, child, child_path, count, problems).await;
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    substitute(reader, file, limits, item, format!("{path}[{index}]"), count, problems).await;
                }
            }
            _ => {}
        }
    })
}

/// `Some(("$text", "./api.yaml"))` for a one-key placeholder object.
fn placeholder(map: &Map<String, Value>) -> Option<(String, String)> {
    if map.len() != 1 {
        return None;
    }
    let (key, target) = map.iter().next()?;
    let known = matches!(key.as_str(), "$text" | "$json" | "$yaml" | "$openapi" | "$asyncapi");
    match target {
        Value::String(target) if known => Some((key.clone(), target.clone())),
        _ => None,
    }
}

async fn resolve(reader: &Reader, file: &Place, limits: YamlLimits, key: &str, target: &str) -> Result<Value, String> {
    let place = file.join(target)?;
    let text = reader.read(&place).await?;
    match key {
        "$json" => serde_json::from_str(&text).map_err(|err| format!("not valid JSON: {err}")),
        "$yaml" => {
            let mut documents = yaml::parse_documents(&text, limits).map_err(|err| format!("not valid YAML: {err}"))?;
            match documents.len() {
                1 => Ok(documents.remove(0).value()),
                0 => Ok(Value::Null),
                n => Err(format!("holds {n} YAML documents; $yaml takes one")),
            }
        }
        // `$openapi` and `$asyncapi` are read as text; bundling `$ref`s is not done.
        _ => Ok(Value::String(text)),
    }
}
