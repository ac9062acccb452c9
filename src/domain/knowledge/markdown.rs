//! An article's Markdown body as front ends show it: HTML that carries no
//! raw HTML and no script. Raw HTML blocks and inline tags are turned into
//! text (escaped, so `<script>` is shown, never run), and links and images
//! keep only `http`, `https`, `mailto` and relative addresses
//! (`javascript:` and `data:` become `#`). Sanitising the parser's events
//! rather than its output leaves no HTML to clean up afterwards.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Whether an address may stand in a link or image: no scheme (relative),
/// or one of the few harmless ones.
fn safe_address(address: &str) -> bool {
    let cleaned: String = address.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
    let scheme_end = cleaned.find(':');
    let path_start = cleaned.find(['/', '?', '#']);
    match (scheme_end, path_start) {
        (Some(colon), Some(slash)) if slash < colon => true,
        (Some(colon), _) => ["http", "https", "mailto"].contains(&cleaned[..colon].to_ascii_lowercase().as_str()),
        (None, _) => true,
    }
}

fn neutralised(address: CowStr<'_>) -> CowStr<'_> {
    if safe_address(&address) {
        address
    } else {
        CowStr::Borrowed("#")
    }
}

fn sanitised(event: Event<'_>) -> Event<'_> {
    match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: neutralised(dest_url), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Image { link_type, dest_url: neutralised(dest_url), title, id })
        }
        Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => Event::Text(CowStr::Borrowed("")),
        other => other,
    }
}

/// The body as sanitised HTML.
pub fn to_html(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut out, Parser::new_ext(markdown, options()).map(sanitised));
    out
}

fn ends_block(tag: TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::Item
            | TagEnd::CodeBlock
            | TagEnd::BlockQuote(_)
            | TagEnd::TableCell
            | TagEnd::TableRow
            | TagEnd::TableHead
            | TagEnd::List(_)
    )
}

/// The body's text without its markup, for snippets.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(text) | Event::Code(text) | Event::Html(text) | Event::InlineHtml(text) => out.push_str(&text),
            Event::SoftBreak | Event::HardBreak if !out.ends_with(' ') => out.push(' '),
            Event::End(tag) if ends_block(tag) && !out.ends_with(' ') => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_raw_html_are_shown_as_text_never_run() {
        let html = to_html(
            "Halo <script>alert(1)</script>\n\n<div onclick=\"x()\">klik</div>\n\n<img src=x onerror=alert(1)>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn only_harmless_addresses_survive_in_links_and_images() {
        let html = to_html("[a](javascript:alert(1)) [b](JaVaScRiPt:x) [c](https://simpeg.go.id/x) [d](/docs/a) ![e](data:text/html;base64,xx)");
        assert!(!html.to_lowercase().contains("javascript"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("href=\"https://simpeg.go.id/x\"") && html.contains("href=\"/docs/a\""), "{html}");
    }

    #[test]
    fn markdown_renders_as_expected() {
        assert_eq!(to_html("# Judul\n\n**tebal**"), "<h1>Judul</h1>\n<p><strong>tebal</strong></p>\n");
        assert_eq!(plain_text("# Judul\n\nLangkah **satu**.\n\n- dua"), "Judul Langkah satu. dua");
    }
}
