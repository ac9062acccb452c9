//! An article's Markdown body as front ends show it: HTML that carries no
//! raw HTML and no script. Raw HTML blocks and inline tags are turned into
//! text (escaped, so `<script>` is shown, never run), and links and images
//! keep only `http`, `https`, `mailto` and relative addresses
//! (`javascript:` and `data:` become `#`). A reference to one of the
//! article's files (`![alt](attachment:<id>)`) becomes the file's download
//! address. Sanitising the parser's events rather than its output leaves no
//! HTML to clean up afterwards.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};
use uuid::Uuid;

/// How a body refers to one of its article's files: `attachment:<id>`.
pub const ATTACHMENT_SCHEME: &str = "attachment:";

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

/// The file an address refers to: `Some(Ok(id))` for `attachment:<id>`,
/// `Some(Err(raw))` for an `attachment:` that names no id, `None` for any
/// other address.
fn attachment_of(address: &str) -> Option<Result<Uuid, String>> {
    let trimmed = address.trim();
    let scheme = trimmed.get(..ATTACHMENT_SCHEME.len())?;
    if !scheme.eq_ignore_ascii_case(ATTACHMENT_SCHEME) {
        return None;
    }
    Some(Uuid::try_parse(&trimmed[ATTACHMENT_SCHEME.len()..]).map_err(|_| trimmed.to_owned()))
}

fn neutralised<'a>(address: CowStr<'a>, attachment_url: &dyn Fn(Uuid) -> String) -> CowStr<'a> {
    match attachment_of(&address) {
        Some(Ok(id)) => CowStr::Boxed(attachment_url(id).into_boxed_str()),
        Some(Err(_)) => CowStr::Borrowed("#"),
        None if safe_address(&address) => address,
        None => CowStr::Borrowed("#"),
    }
}

fn sanitised<'a>(event: Event<'a>, attachment_url: &dyn Fn(Uuid) -> String) -> Event<'a> {
    match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: neutralised(dest_url, attachment_url), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Image { link_type, dest_url: neutralised(dest_url, attachment_url), title, id })
        }
        Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => Event::Text(CowStr::Borrowed("")),
        other => other,
    }
}

/// The body as sanitised HTML; a reference to one of the article's files
/// points at `attachment_url` of its id.
pub fn to_html(markdown: &str, attachment_url: &dyn Fn(Uuid) -> String) -> String {
    let mut out = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut out, Parser::new_ext(markdown, options()).map(|e| sanitised(e, attachment_url)));
    out
}

/// The files a body refers to in its links and images, in order (an
/// `attachment:` address that names no id as its raw text).
pub fn attachment_references(markdown: &str) -> Vec<Result<Uuid, String>> {
    Parser::new_ext(markdown, options())
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => attachment_of(&dest_url),
            _ => None,
        })
        .collect()
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

    fn to_html(markdown: &str) -> String {
        super::to_html(markdown, &|id| format!("/files/{id}"))
    }

    #[test]
    fn a_reference_to_a_file_becomes_its_download_address() {
        let id = Uuid::now_v7();
        let html = to_html(&format!("![layar](attachment:{id}) [panduan](ATTACHMENT:{id}) [x](attachment:x.exe)"));
        assert!(html.contains(&format!("<img src=\"/files/{id}\" alt=\"layar\"")), "{html}");
        assert!(html.contains(&format!("href=\"/files/{id}\"")), "{html}");
        assert!(html.contains("href=\"#\""), "an attachment that names no id goes nowhere: {html}");
        let found =
            attachment_references(&format!("![a](attachment:{id}) [b](/docs) `attachment:{id}` [c](attachment:x)"));
        assert_eq!(found, [Ok(id), Err("attachment:x".to_owned())], "code is not a reference");
    }

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
