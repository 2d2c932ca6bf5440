//! What of an API definition is worth finding: OpenAPI (and Swagger)
//! operations with their paths, operationIds and summaries; AsyncAPI
//! channels and operations; GraphQL type names; gRPC services, methods and
//! messages. One line per thing, so a snippet shows the one that matched.

use crate::catalog::yaml::{parse_documents, YamlLimits};
use serde_json::Value;

/// HTTP methods as OpenAPI spells its path-item keys.
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Definitions longer than this are only partly read.
const MAX_DEFINITION: usize = 2 * 1024 * 1024;

/// The searchable lines of an API definition of the given `spec.type`.
/// An unreadable definition yields nothing: the entity is still found by
/// its other fields.
pub fn searchable_lines(api_type: &str, definition: &str) -> Vec<String> {
    let definition = super::cut(definition, MAX_DEFINITION);
    match api_type.to_ascii_lowercase().as_str() {
        "openapi" | "swagger" => structured(definition).map(|spec| openapi(&spec)).unwrap_or_default(),
        "asyncapi" => structured(definition).map(|spec| asyncapi(&spec)).unwrap_or_default(),
        "graphql" => declarations(definition, &["type", "input", "enum", "interface", "union", "scalar"]),
        "grpc" => declarations(definition, &["service", "rpc", "message", "enum"]),
        _ => Vec::new(),
    }
}

/// A JSON or YAML definition as a value.
fn structured(definition: &str) -> Option<Value> {
    if let Ok(value) = serde_json::from_str::<Value>(definition) {
        return Some(value);
    }
    parse_documents(definition, YamlLimits::default()).ok()?.first().map(|document| document.value())
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str).filter(|text| !text.trim().is_empty())
}

/// `GET /orders/{id} getOrder: Fetch one order`, one per operation.
fn openapi(spec: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else { return lines };
    for (path, item) in paths {
        let mut described = false;
        for method in METHODS {
            let Some(operation) = item.get(method) else { continue };
            described = true;
            lines.push(line(
                &format!("{} {path}", method.to_ascii_uppercase()),
                text(operation, "operationId"),
                text(operation, "summary").or_else(|| text(operation, "description")),
            ));
        }
        if !described {
            lines.push(path.clone());
        }
    }
    lines
}

/// `orders/created publishOrderCreated: An order was placed`, per channel
/// (AsyncAPI 2) or per channel and operation (AsyncAPI 3).
fn asyncapi(spec: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(channels) = spec.get("channels").and_then(Value::as_object) {
        for (name, channel) in channels {
            let address = text(channel, "address").unwrap_or(name);
            let mut described = false;
            for action in ["publish", "subscribe"] {
                if let Some(operation) = channel.get(action) {
                    described = true;
                    lines.push(line(
                        &format!("{action} {address}"),
                        text(operation, "operationId"),
                        text(operation, "summary").or_else(|| text(operation, "description")),
                    ));
                }
            }
            if !described {
                lines.push(line(address, None, text(channel, "description")));
            }
        }
    }
    if let Some(operations) = spec.get("operations").and_then(Value::as_object) {
        for (name, operation) in operations {
            let action = text(operation, "action").unwrap_or("operation");
            lines.push(line(
                &format!("{action} {name}"),
                None,
                text(operation, "summary").or_else(|| text(operation, "description")),
            ));
        }
    }
    lines
}

fn line(what: &str, id: Option<&str>, summary: Option<&str>) -> String {
    let mut line = what.to_owned();
    if let Some(id) = id {
        line.push(' ');
        line.push_str(id);
        let words = split_camel_case(id);
        if words != id {
            line.push_str(" (");
            line.push_str(&words);
            line.push(')');
        }
    }
    if let Some(summary) = summary {
        line.push_str(": ");
        line.push_str(summary.lines().next().unwrap_or_default().trim());
    }
    line
}

/// `getOrderById` → `get Order By Id`, so each word can be found.
pub fn split_camel_case(identifier: &str) -> String {
    let mut out = String::with_capacity(identifier.len() + 8);
    let mut previous: Option<char> = None;
    for character in identifier.chars() {
        if let Some(previous) = previous {
            if character.is_uppercase() && (previous.is_lowercase() || previous.is_ascii_digit()) {
                out.push(' ');
            }
        }
        out.push(character);
        previous = Some(character);
    }
    out
}

/// `type Order`, `enum Status`, ...: each declaration by keyword (GraphQL
/// SDL, protobuf), comments left out.
fn declarations(definition: &str, keywords: &[&str]) -> Vec<String> {
    let mut lines = Vec::new();
    for source_line in definition.lines() {
        let code = source_line.split('#').next().unwrap_or_default();
        let code = code.split("//").next().unwrap_or_default();
        let mut words = code.split(|c: char| c.is_whitespace() || "{(=:;".contains(c)).filter(|w| !w.is_empty());
        while let Some(word) = words.next() {
            let keyword = if word == "extend" { words.next().unwrap_or_default() } else { word };
            if keywords.contains(&keyword) {
                if let Some(name) = words.next() {
                    if name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                        lines.push(format!("{keyword} {name}"));
                    }
                }
                break;
            }
        }
    }
    lines.dedup();
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_operations_become_one_line_each() {
        let spec = "openapi: 3.0.0\npaths:\n  /orders/{id}:\n    get:\n      operationId: getOrderById\n      summary: Fetch one order\n    delete:\n      summary: Cancel it\n  /health: {}\n";
        assert_eq!(
            searchable_lines("openapi", spec),
            vec![
                "/health",
                "GET /orders/{id} getOrderById (get Order By Id): Fetch one order",
                "DELETE /orders/{id}: Cancel it",
            ]
        );
        let json = r#"{"swagger":"2.0","paths":{"/pets":{"post":{"operationId":"addPet"}}}}"#;
        assert_eq!(searchable_lines("openapi", json), vec!["POST /pets addPet (add Pet)"]);
    }

    #[test]
    fn asyncapi_channels_and_operations_are_listed() {
        let v2 = "asyncapi: 2.6.0\nchannels:\n  orders/created:\n    subscribe:\n      summary: An order was placed\n  audit: {}\n";
        assert_eq!(searchable_lines("asyncapi", v2), vec!["audit", "subscribe orders/created: An order was placed"]);
        let v3 = "asyncapi: 3.0.0\nchannels:\n  created:\n    address: orders.created\noperations:\n  onCreated:\n    action: receive\n    summary: Order created\n";
        assert_eq!(searchable_lines("asyncapi", v3), vec!["orders.created", "receive onCreated: Order created"]);
    }

    #[test]
    fn graphql_and_grpc_declarations_are_named() {
        let sdl = "# the schema\ntype Query {\n  order(id: ID!): Order\n}\ninput NewOrder { id: ID }\nenum Status { OPEN }\nextend type Order { note: String }\n";
        assert_eq!(searchable_lines("graphql", sdl), vec!["type Query", "input NewOrder", "enum Status", "type Order"]);
        let proto = "service Orders {\n  rpc GetOrder (GetOrderRequest) returns (Order);\n}\nmessage Order {}\n";
        assert_eq!(searchable_lines("grpc", proto), vec!["service Orders", "rpc GetOrder", "message Order"]);
    }

    #[test]
    fn unreadable_or_unknown_definitions_yield_nothing() {
        assert!(searchable_lines("openapi", "{{{ not yaml").is_empty());
        assert!(searchable_lines("openapi", "just a string").is_empty());
        assert!(searchable_lines("trpc", "anything").is_empty());
    }
}
