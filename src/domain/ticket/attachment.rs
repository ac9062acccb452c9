//! Rules for files attached to tickets: names and types, judged by content.

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("the file is empty")]
    Empty,
    #[error("files of type {0} are not accepted; accepted: {1}")]
    RefusedType(String, String),
}

/// The media type of `content` judged by its bytes (magic numbers), never
/// by the name or the type the client claims; UTF-8 text without a
/// signature is `text/plain`.
pub fn sniff(content: &[u8]) -> String {
    match infer::get(content) {
        Some(kind) => kind.mime_type().to_owned(),
        None if std::str::from_utf8(content).is_ok() => "text/plain".to_owned(),
        None => "application/octet-stream".to_owned(),
    }
}

/// Checks the sniffed type against the accepted ones; returns it.
pub fn check_type(content: &[u8], accepted: &[String]) -> Result<String, AttachmentError> {
    if content.is_empty() {
        return Err(AttachmentError::Empty);
    }
    let kind = sniff(content);
    if accepted.iter().any(|a| a == &kind) {
        Ok(kind)
    } else {
        Err(AttachmentError::RefusedType(kind, accepted.join(", ")))
    }
}

/// A safe display name: the last path segment, without control characters
/// or quotes, at most 200 characters; `lampiran` when nothing is left.
pub fn clean_filename(raw: Option<&str>) -> String {
    let base = raw.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "lampiran".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R'];

    #[test]
    fn types_are_judged_by_content() {
        let accepted = vec!["image/png".to_owned(), "text/plain".to_owned()];
        assert_eq!(check_type(PNG, &accepted), Ok("image/png".to_owned()));
        assert_eq!(check_type(b"log baris 1\n", &accepted), Ok("text/plain".to_owned()));
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff";
        assert!(matches!(check_type(exe, &accepted), Err(AttachmentError::RefusedType(..))));
        assert_eq!(check_type(b"", &accepted), Err(AttachmentError::Empty));
    }

    #[test]
    fn filenames_lose_paths_and_control_characters() {
        assert_eq!(clean_filename(Some("C:\\Users\\budi\\layar.png")), "layar.png");
        assert_eq!(clean_filename(Some("../../etc/passwd")), "passwd");
        assert_eq!(clean_filename(Some("a\"b\nc.txt")), "abc.txt");
        assert_eq!(clean_filename(Some("..")), "lampiran");
        assert_eq!(clean_filename(None), "lampiran");
    }
}
