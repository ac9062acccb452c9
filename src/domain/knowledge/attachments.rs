//! Files of articles: which types an article takes, in which of its
//! versions a file is shown, and the files a body may refer to.
//!
//! A file belongs to the article and records the version it was first
//! published in and, once removed from a draft, the version it left in.
//! Version `n` shows the files added in `n` or before and not removed by
//! `n`, so a published version keeps the files it was published with
//! whatever later drafts do.

use uuid::Uuid;

use super::markdown::attachment_references;
use crate::domain::ticket::attachment::{check_type, AttachmentError};

/// What an article takes: images and PDFs, the screenshots and documents a
/// guide shows; never a page or a program that could run in a reader's
/// browser.
pub const ARTICLE_FILE_TYPES: [&str; 5] = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"];

/// The media type of a file for an article, judged from its bytes (the
/// ticket rules), or why it is refused.
pub fn check_article_file(content: &[u8]) -> Result<String, AttachmentError> {
    let accepted: Vec<String> = ARTICLE_FILE_TYPES.iter().map(|t| (*t).to_owned()).collect();
    check_type(content, &accepted)
}

/// The versions of an article that show a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSpan {
    /// The first version that shows it.
    pub added_in: i32,
    /// The first version that no longer shows it.
    pub removed_in: Option<i32>,
}

impl FileSpan {
    /// A file added to the draft of an article last published as
    /// `published_version` (0: never): the next publish first shows it.
    pub fn added(published_version: i32) -> Self {
        Self { added_in: published_version + 1, removed_in: None }
    }

    /// The file removed from the draft: the next publish no longer shows it
    /// (a file added and removed in one draft was never shown).
    pub fn removed(self, published_version: i32) -> Self {
        Self { removed_in: Some(published_version + 1), ..self }
    }

    /// Whether the article as it stands (its draft, or what readers read
    /// now) has the file.
    pub fn in_draft(&self) -> bool {
        self.removed_in.is_none()
    }

    /// Whether published version `number` shows the file.
    pub fn shown_in(&self, number: i32) -> bool {
        self.added_in <= number && self.removed_in.is_none_or(|removed| number < removed)
    }
}

/// Checks that every file `body` refers to (`attachment:<id>`) is one of
/// `on_article`: a body never shows a file its readers cannot download.
pub fn check_references(body: &str, on_article: &[Uuid]) -> Result<(), String> {
    for reference in attachment_references(body) {
        match reference {
            Ok(id) if on_article.contains(&id) => {}
            Ok(id) => return Err(format!("refers to attachment {id}, which is not on the article; upload it first")),
            Err(raw) => return Err(format!("`{raw}` does not name an attachment by its id")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_and_pdfs_pass_and_everything_else_is_refused_by_content() {
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R'];
        assert_eq!(check_article_file(&png), Ok("image/png".to_owned()));
        assert_eq!(check_article_file(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), Ok("application/pdf".to_owned()));
        for refused in [&b"<html><script>alert(1)</script></html>"[..], b"MZ\x90\x00\x03\x00\x00\x00", b"teks biasa"] {
            assert!(matches!(check_article_file(refused), Err(AttachmentError::RefusedType(..))));
        }
        assert_eq!(check_article_file(b""), Err(AttachmentError::Empty));
    }

    #[test]
    fn a_published_version_keeps_the_files_it_was_published_with() {
        // Added while drafting version 1, removed while drafting version 3.
        let file = FileSpan::added(0);
        assert!(file.in_draft() && file.shown_in(1) && !file.shown_in(0));
        let removed = file.removed(2);
        assert!(!removed.in_draft());
        assert!(removed.shown_in(1) && removed.shown_in(2) && !removed.shown_in(3));
        // Added and removed in one draft: never shown.
        let never = FileSpan::added(2).removed(2);
        assert!((0..5).all(|n| !never.shown_in(n)));
    }

    #[test]
    fn a_body_refers_only_to_files_on_its_article() {
        let (on, off) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(check_references(&format!("![layar](attachment:{on}) [b](https://a.id)"), &[on]), Ok(()));
        assert!(check_references(&format!("![layar](attachment:{off})"), &[on])
            .unwrap_err()
            .contains(&off.to_string()));
        assert!(check_references("[panduan](attachment:panduan.pdf)", &[on]).is_err());
    }
}
