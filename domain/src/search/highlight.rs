//! Which part of a result matched: the words of a field that answer a
//! query word (whole, as a prefix or with typos, by the same rules as the
//! query), cut down to a short snippet around the best matches.

use super::query::{typos_allowed, Parsed};
use super::schema;
use model::search::Segment;

/// About this many characters of a long field are shown.
const SNIPPET_CHARS: usize = 160;

/// Whether a word of the text answers a word of the query.
pub fn answers(text_word: &str, query_word: &str) -> bool {
    if text_word == query_word || (query_word.len() >= 2 && text_word.starts_with(query_word)) {
        return true;
    }
    let typos = typos_allowed(query_word) as usize;
    typos > 0 && edit_distance_within(text_word, query_word, typos)
}

/// Optimal-string-alignment distance (a swap of neighbours is one edit),
/// compared with `limit` without computing more than needed.
pub fn edit_distance_within(a: &str, b: &str, limit: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return false;
    }
    let width = b.len() + 1;
    let mut rows = vec![vec![0usize; width]; a.len() + 1];
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i][0] = i;
        let mut row_min = rows[i][0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
            row_min = row_min.min(best);
        }
        if row_min > limit {
            return false;
        }
    }
    rows[a.len()][b.len()] <= limit
}

/// The byte ranges of `text` that answer the query.
fn matches(text: &str, parsed: &Parsed) -> Vec<std::ops::Range<usize>> {
    let wanted: Vec<&String> = parsed.all_words().collect();
    schema::words_of(text)
        .into_iter()
        .filter(|(word, _)| wanted.iter().any(|query_word| answers(word, query_word)))
        .map(|(_, range)| range)
        .collect()
}

/// The whole text in segments, matched words marked; `None` when nothing
/// in it matched.
pub fn whole(text: &str, parsed: &Parsed) -> Option<Vec<Segment>> {
    let ranges = matches(text, parsed);
    (!ranges.is_empty()).then(|| segments(text, 0..text.len(), &ranges))
}

/// A short part of a long text around its best matches; `None` when
/// nothing in it matched. Texts of lines (definitions) show matching lines.
pub fn snippet(text: &str, parsed: &Parsed) -> Option<Vec<Segment>> {
    let ranges = matches(text, parsed);
    let first = ranges.first()?;
    let window = if text.contains('\n') { best_lines(text, &ranges) } else { window_around(text, first.start) };
    let mut out = Vec::new();
    if window.start > 0 {
        out.push(Segment { text: "…".to_owned(), matched: false });
    }
    out.extend(segments(text, window.clone(), &ranges));
    if window.end < text.len() {
        out.push(Segment { text: "…".to_owned(), matched: false });
    }
    Some(out)
}

/// Up to two lines with the most matches, as one range when adjacent.
fn best_lines(text: &str, ranges: &[std::ops::Range<usize>]) -> std::ops::Range<usize> {
    let mut best = (0usize, 0..0);
    let mut start = 0;
    for line in text.split('\n') {
        let end = start + line.len();
        let count = ranges.iter().filter(|range| range.start >= start && range.end <= end).count();
        if count > best.0 {
            best = (count, start..end);
        }
        start = end + 1;
    }
    let range = best.1;
    if range.len() > SNIPPET_CHARS * 2 {
        return window_around(text, ranges.iter().find(|r| r.start >= range.start).map_or(range.start, |r| r.start));
    }
    range
}

/// About [`SNIPPET_CHARS`] from a little before `at`, on word boundaries.
fn window_around(text: &str, at: usize) -> std::ops::Range<usize> {
    if text.len() <= SNIPPET_CHARS {
        return 0..text.len();
    }
    let lead = SNIPPET_CHARS / 4;
    let mut start = at.saturating_sub(lead);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    if start > 0 {
        start = text[..start].rfind(char::is_whitespace).map_or(0, |space| space + 1);
    }
    let mut end = (start + SNIPPET_CHARS).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    if end < text.len() {
        end = text[..end].rfind(char::is_whitespace).filter(|space| *space > at).unwrap_or(end);
    }
    start..end
}

fn segments(text: &str, window: std::ops::Range<usize>, ranges: &[std::ops::Range<usize>]) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut push = |piece: &str, matched: bool| {
        if piece.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.matched == matched => last.text.push_str(piece),
            _ => out.push(Segment { text: piece.to_owned(), matched }),
        }
    };
    let mut at = window.start;
    for range in ranges.iter().filter(|range| range.start >= window.start && range.end <= window.end) {
        push(&text[at..range.start], false);
        push(&text[range.clone()], true);
        at = range.end;
    }
    push(&text[at..window.end], false);
    out
}

/// Segments as one string with the matched parts between `pre` and `post`
/// (Backstage's `highlight.fields`).
pub fn tagged(segments: &[Segment], pre: &str, post: &str) -> String {
    let mut out = String::new();
    for segment in segments {
        if segment.matched {
            out.push_str(pre);
            out.push_str(&segment.text);
            out.push_str(post);
        } else {
            out.push_str(&segment.text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::query::parse;
    use super::*;

    fn marked(segments: &[Segment]) -> String {
        tagged(segments, "[", "]")
    }

    #[test]
    fn words_match_whole_as_prefixes_and_with_typos() {
        assert!(answers("payments", "payments"));
        assert!(answers("checkout", "chec"));
        assert!(answers("payments", "paymnets"), "a swap is one edit, and 8 letters allow two");
        assert!(answers("orders", "ordrs"));
        assert!(!answers("api", "apx"), "short words must be exact");
        assert!(!answers("shipping", "payments"));
    }

    #[test]
    fn whole_fields_mark_every_match() {
        let parsed = parse("pay chec");
        assert_eq!(marked(&whole("Payments and Checkout", &parsed).unwrap()), "[Payments] and [Checkout]");
        assert!(whole("Shipping", &parsed).is_none());
    }

    #[test]
    fn long_text_is_cut_around_the_match() {
        let text = format!("{} the checkout flow {}", "lorem ipsum ".repeat(30), "dolor sit ".repeat(30));
        let snippet = marked(&snippet(&text, &parse("checkout")).unwrap());
        assert!(snippet.starts_with('…') && snippet.ends_with('…'), "{snippet}");
        assert!(snippet.contains("the [checkout] flow"), "{snippet}");
        assert!(snippet.chars().count() < 200, "{snippet}");
    }

    #[test]
    fn definitions_show_the_matching_line() {
        let text = "GET /users: Users\nGET /orders/{id}: One order\nPOST /orders: New order";
        assert_eq!(marked(&snippet(text, &parse("/orders/{id}")).unwrap()), "…GET /[orders]/{[id]}: One [order]…");
    }
}
