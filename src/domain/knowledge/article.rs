//! What an article is made of: its kind, its audience, its status, and
//! the checked forms of its title, body and keywords.

use crate::domain::text::TextError;
use crate::domain::text_enum::text_enum;

text_enum! {
    /// What an article offers: a solution, a known error with its
    /// workaround, an FAQ, a procedure (prosedur) or a guide (panduan).
    ArticleKind {
        Solution => "solution",
        KnownError => "known_error",
        Faq => "faq",
        Procedure => "procedure",
        Guide => "guide",
    }
}

text_enum! {
    /// Who may read a published article: everyone (reporters included),
    /// the desks only (tier 1 and the Dinas), or the Dinas only.
    ArticleAudience {
        Everyone => "everyone",
        Desks => "desks",
        Dinas => "dinas",
    }
}

text_enum! {
    /// Where an article stands: draft, in review, published, retired.
    ArticleStatus {
        Draft => "draft",
        InReview => "in_review",
        Published => "published",
        Retired => "retired",
    }
}

/// The longest body taken, in characters (a long procedure with its
/// steps; anything longer is several articles).
pub const MAX_BODY_CHARS: usize = 50_000;
/// At most this many keywords, each of at most `MAX_KEYWORD_CHARS`.
pub const MAX_KEYWORDS: usize = 20;
pub const MAX_KEYWORD_CHARS: usize = 40;

/// A body: Markdown, 1 to [`MAX_BODY_CHARS`] characters, line breaks and
/// tabs kept, no other control characters.
pub fn parse_body(raw: &str) -> Result<String, TextError> {
    let body = raw.trim();
    if body.is_empty() {
        return Err(TextError::Empty);
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(TextError::TooLong { max: MAX_BODY_CHARS });
    }
    if body.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(TextError::ControlCharacters);
    }
    Ok(body.to_owned())
}

/// Keywords: trimmed, lower case, unique, each 1 to
/// [`MAX_KEYWORD_CHARS`] characters of letters, digits, spaces or `-`.
pub fn parse_keywords(raw: &[String]) -> Result<Vec<String>, String> {
    if raw.len() > MAX_KEYWORDS {
        return Err(format!("at most {MAX_KEYWORDS} keywords"));
    }
    let mut keywords: Vec<String> = Vec::with_capacity(raw.len());
    for word in raw {
        let word = word.trim().to_lowercase();
        let allowed = |c: char| c.is_alphanumeric() || c == ' ' || c == '-';
        if word.is_empty() || word.chars().count() > MAX_KEYWORD_CHARS || !word.chars().all(allowed) {
            return Err(format!(
                "each keyword is 1 to {MAX_KEYWORD_CHARS} characters of letters, digits, spaces or '-'"
            ));
        }
        if !keywords.contains(&word) {
            keywords.push(word);
        }
    }
    Ok(keywords)
}

/// Keywords as stored: one text, comma-separated (none holds a comma).
pub fn keywords_to_stored(keywords: &[String]) -> String {
    keywords.join(",")
}

pub fn keywords_from_stored(stored: &str) -> Vec<String> {
    stored.split(',').filter(|k| !k.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_bounded_and_clean() {
        assert_eq!(parse_body("  # Langkah\n\n1. Buka  "), Ok("# Langkah\n\n1. Buka".to_owned()));
        assert_eq!(parse_body(" "), Err(TextError::Empty));
        assert_eq!(parse_body(&"a".repeat(MAX_BODY_CHARS + 1)), Err(TextError::TooLong { max: MAX_BODY_CHARS }));
        assert_eq!(parse_body("a\u{0007}"), Err(TextError::ControlCharacters));
    }

    #[test]
    fn keywords_are_normalised_and_round_trip() {
        let parsed = parse_keywords(&[" SIMPEG ".into(), "simpeg".into(), "kata sandi".into()]);
        assert_eq!(parsed, Ok(vec!["simpeg".to_owned(), "kata sandi".to_owned()]));
        assert!(parse_keywords(&["a,b".into()]).is_err());
        assert!(parse_keywords(&[String::new()]).is_err());
        let stored = keywords_to_stored(&["simpeg".into(), "kata sandi".into()]);
        assert_eq!(keywords_from_stored(&stored), ["simpeg", "kata sandi"]);
        assert!(keywords_from_stored("").is_empty());
    }
}
