//! Syntax highlighting for API definitions (OpenAPI and AsyncAPI in YAML or
//! JSON, GraphQL SDL, protobuf): a small tokenizer that marks keys, strings,
//! numbers, keywords and comments, rendered as `<span>`s. Good enough to read
//! a definition; a full OpenAPI viewer can come later.

use leptos::prelude::*;

/// A run of text and its token class (`None` for plain text).
type Token = (Option<&'static str>, String);

const KEYWORDS: &[&str] = &[
    "type",
    "query",
    "mutation",
    "subscription",
    "schema",
    "input",
    "enum",
    "interface",
    "union",
    "scalar",
    "extend",
    "implements",
    "fragment",
    "on",
    "directive",
    "syntax",
    "package",
    "import",
    "option",
    "service",
    "rpc",
    "returns",
    "message",
    "repeated",
    "optional",
    "map",
    "oneof",
    "stream",
    "true",
    "false",
    "null",
];

/// Splits a definition into tokens, line by line.
pub fn tokenize(text: &str, language: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let yaml_like = matches!(language, "openapi" | "asyncapi" | "yaml") && !text.trim_start().starts_with('{');
    for line in text.split_inclusive('\n') {
        if yaml_like {
            yaml_line(line, &mut tokens);
        } else {
            code_line(line, &mut tokens);
        }
    }
    tokens
}

fn push(tokens: &mut Vec<Token>, class: Option<&'static str>, text: &str) {
    if text.is_empty() {
        return;
    }
    match tokens.last_mut() {
        Some((last_class, last_text)) if *last_class == class => last_text.push_str(text),
        _ => tokens.push((class, text.to_owned())),
    }
}

fn yaml_line(line: &str, tokens: &mut Vec<Token>) {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    push(tokens, None, indent);
    if trimmed.starts_with('#') {
        let (comment, newline) = trimmed.strip_suffix('\n').map_or((trimmed, ""), |comment| (comment, "\n"));
        push(tokens, Some("tok-comment"), comment);
        push(tokens, None, newline);
        return;
    }
    let mut rest = trimmed;
    if let Some(after_dash) = rest.strip_prefix("- ") {
        push(tokens, Some("tok-punct"), "- ");
        rest = after_dash;
    }
    if let Some(colon) = key_end(rest) {
        push(tokens, Some("tok-key"), &rest[..colon]);
        push(tokens, Some("tok-punct"), ":");
        rest = &rest[colon + 1..];
    }
    let (value, newline) = match rest.strip_suffix('\n') {
        Some(value) => (value, "\n"),
        None => (rest, ""),
    };
    let stripped = value.trim();
    let class = if stripped.starts_with(['"', '\'']) {
        Some("tok-string")
    } else if stripped.parse::<f64>().is_ok() || matches!(stripped, "true" | "false" | "null" | "~") {
        Some("tok-literal")
    } else if stripped.starts_with('#') {
        Some("tok-comment")
    } else if stripped.is_empty() {
        None
    } else {
        Some("tok-value")
    };
    push(tokens, class, value);
    push(tokens, None, newline);
}

/// Where a YAML mapping key ends (`key:` followed by space or end of line).
fn key_end(text: &str) -> Option<usize> {
    if text.starts_with(['"', '\'', '{', '[']) {
        let quote = text.chars().next()?;
        if quote == '{' || quote == '[' {
            return None;
        }
        let close = text[1..].find(quote)? + 1;
        return text[close + 1..].starts_with(':').then_some(close + 1);
    }
    let colon = text.find(':')?;
    let after = &text[colon + 1..];
    let key_ok = !text[..colon].contains(' ') || text[..colon].starts_with('/');
    (key_ok && (after.is_empty() || after.starts_with([' ', '\n']))).then_some(colon)
}

/// JSON, GraphQL and protobuf: strings, comments, numbers and keywords.
fn code_line(line: &str, tokens: &mut Vec<Token>) {
    let chars: Vec<char> = line.chars().collect();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c == '#' || (c == '/' && chars.get(index + 1) == Some(&'/')) {
            let rest: String = chars[index..].iter().collect();
            let (comment, newline) = rest.strip_suffix('\n').map_or((rest.as_str(), ""), |comment| (comment, "\n"));
            push(tokens, Some("tok-comment"), comment);
            push(tokens, None, newline);
            return;
        }
        if c == '"' {
            let mut end = index + 1;
            while end < chars.len() && chars[end] != '"' {
                end += if chars[end] == '\\' { 2 } else { 1 };
            }
            let end = (end + 1).min(chars.len());
            let text: String = chars[index..end].iter().collect();
            let is_key = chars[end..].iter().find(|c| !c.is_whitespace()) == Some(&':');
            push(tokens, Some(if is_key { "tok-key" } else { "tok-string" }), &text);
            index = end;
            continue;
        }
        if c.is_ascii_digit() {
            let end = chars[index..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || *c == '.'))
                .map_or(chars.len(), |n| index + n);
            let text: String = chars[index..end].iter().collect();
            push(tokens, Some("tok-literal"), &text);
            index = end;
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let end = chars[index..]
                .iter()
                .position(|c| !(c.is_alphanumeric() || *c == '_'))
                .map_or(chars.len(), |n| index + n);
            let word: String = chars[index..end].iter().collect();
            let class = if KEYWORDS.contains(&word.as_str()) {
                Some("tok-keyword")
            } else if word.starts_with(char::is_uppercase) {
                Some("tok-type")
            } else {
                None
            };
            push(tokens, class, &word);
            index = end;
            continue;
        }
        push(tokens, if "{}[]():,=;!<>|".contains(c) { Some("tok-punct") } else { None }, &c.to_string());
        index += 1;
    }
}

/// A highlighted, scrollable, keyboard-focusable code block.
#[component]
pub fn CodeBlock(
    #[prop(into)] text: String,
    #[prop(into)] language: String,
    #[prop(into)] label: String,
) -> impl IntoView {
    let tokens = tokenize(&text, &language);
    view! {
        <pre class="code-block" tabindex="0" aria-label=label>
            <code>
                {tokens
                    .into_iter()
                    .map(|(class, text)| match class {
                        Some(class) => view! { <span class=class>{text}</span> }.into_any(),
                        None => text.into_any(),
                    })
                    .collect_view()}
            </code>
        </pre>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_keys_values_and_comments_are_marked() {
        let tokens = tokenize("# title\npaths:\n  /orders/{id}:\n    get: 1\n", "openapi");
        assert!(tokens.contains(&(Some("tok-comment"), "# title".to_owned())));
        assert!(tokens.contains(&(Some("tok-key"), "paths".to_owned())));
        assert!(tokens.contains(&(Some("tok-key"), "/orders/{id}".to_owned())));
        assert!(tokens.contains(&(Some("tok-literal"), " 1".to_owned())));
        let text: String = tokens.iter().map(|(_, text)| text.as_str()).collect();
        assert_eq!(text, "# title\npaths:\n  /orders/{id}:\n    get: 1\n", "nothing is lost");
    }

    #[test]
    fn code_keywords_types_and_strings_are_marked() {
        let tokens = tokenize("type Query {\n  stock(id: ID!): Int # note\n}\n{\"a\": \"b\"}", "graphql");
        assert!(tokens.contains(&(Some("tok-keyword"), "type".to_owned())));
        assert!(tokens.contains(&(Some("tok-type"), "Query".to_owned())));
        assert!(tokens.contains(&(Some("tok-comment"), "# note".to_owned())));
        assert!(tokens.contains(&(Some("tok-key"), "\"a\"".to_owned())));
        assert!(tokens.contains(&(Some("tok-string"), "\"b\"".to_owned())));
    }
}
