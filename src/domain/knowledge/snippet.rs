//! Highlighted snippets: the words of a text whose terms a query looks for
//! wrapped in `<mark>`, everything else escaped, so the snippet is safe to
//! put into a page as it is.

use std::collections::BTreeSet;

use super::terms::term;

/// Words shown before the first match in a snippet.
const LEAD_WORDS: usize = 8;

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The byte ranges of the words of `text`.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

/// `text` escaped with the words of `wanted` terms marked; with
/// `window`, only that many words around the first match (`…` where cut).
pub fn highlight(text: &str, wanted: &BTreeSet<String>, window: Option<usize>) -> String {
    let spans = word_spans(text);
    let matches = |&(s, e): &(usize, usize)| term(&text[s..e].to_lowercase()).is_some_and(|t| wanted.contains(&t));
    let (first, last) = match window {
        Some(size) => {
            let hit = spans.iter().position(matches).unwrap_or(0);
            let first = hit.saturating_sub(LEAD_WORDS);
            (first, (first + size).min(spans.len()))
        }
        None => (0, spans.len()),
    };
    let (from, to) = match (spans.get(first), last.checked_sub(1).and_then(|l| spans.get(l))) {
        (Some(a), Some(b)) if window.is_some() => (a.0, b.1),
        _ => (0, text.len()),
    };
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut at = from;
    for span in spans.iter().filter(|(s, e)| *s >= from && *e <= to) {
        escape(&text[at..span.0], &mut out);
        if matches(span) {
            out.push_str("<mark>");
            escape(&text[span.0..span.1], &mut out);
            out.push_str("</mark>");
        } else {
            escape(&text[span.0..span.1], &mut out);
        }
        at = span.1;
    }
    escape(&text[at..to], &mut out);
    if to < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(terms: &[&str]) -> BTreeSet<String> {
        terms.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn matching_words_are_marked_in_any_affixed_form_and_the_rest_escaped() {
        let out = highlight("Pengiriman <b>surel</b> gagal", &wanted(&["kirim", "surel"]), None);
        assert_eq!(out, "<mark>Pengiriman</mark> &lt;b&gt;<mark>surel</mark>&lt;/b&gt; gagal");
    }

    #[test]
    fn a_window_is_cut_around_the_first_match() {
        let text = "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas kirim dua belas tiga belas";
        let out = highlight(text, &wanted(&["kirim"]), Some(10));
        assert!(out.starts_with('…') && out.ends_with('…'), "{out}");
        assert!(out.contains("<mark>kirim</mark>"), "{out}");
    }
}
