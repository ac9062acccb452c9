//! Bounded, trimmed text values used for names, codes and descriptions.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control characters")]
    ControlCharacters,
    #[error("must not contain invisible or direction-changing characters (zero-width, bidirectional overrides)")]
    DeceptiveCharacters,
    #[error("must be 2 to 32 characters of A-Z, 0-9, '-' or '_'")]
    BadCode,
}

/// Trims `raw` and checks it is non-empty, at most `max` characters and free
/// of control characters (names end up in mail headers and CSV exports).
pub fn bounded(raw: &str, max: usize) -> Result<String, TextError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    if trimmed.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    if trimmed.chars().any(char::is_control) {
        return Err(TextError::ControlCharacters);
    }
    if trimmed.chars().any(is_deceptive) {
        return Err(TextError::DeceptiveCharacters);
    }
    Ok(trimmed.to_owned())
}

/// Characters that make one single-line string display as another:
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069), marks (U+200E, U+200F, U+061C), and zero-width ones
/// (U+200B–U+200D, U+2060, U+FEFF).
pub fn is_deceptive(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{061C}')
}

/// A person's or unit's display name (1–200 characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, TextError> {
        bounded(raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A short upper-case code such as `DISKOMINFO` or `BAPPEDA`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code(String);

impl Code {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        let code = raw.trim().to_uppercase();
        if code.is_empty() {
            return Err(TextError::Empty);
        }
        let valid_chars = code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !(2..=32).contains(&code.len()) || !valid_chars {
            return Err(TextError::BadCode);
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_text_refuses_invisible_and_direction_changing_characters() {
        for sneaky in ["gaji\u{202E}fdp.exe", "Bud\u{200B}i", "\u{2066}Admin\u{2069}", "a\u{FEFF}b", "x\u{200F}y"] {
            assert_eq!(bounded(sneaky, 200), Err(TextError::DeceptiveCharacters), "{sneaky:?}");
        }
        assert_eq!(bounded("Dinas Komunikasi dan Informatika", 200).map(|s| s.len()), Ok(32));
        assert!(bounded("نظام", 200).is_ok(), "right-to-left letters themselves are fine");
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Dinas Kominfo ").map(|n| n.0), Ok("Dinas Kominfo".into()));
        assert_eq!(DisplayName::parse("   "), Err(TextError::Empty));
        assert_eq!(DisplayName::parse(&"a".repeat(201)), Err(TextError::TooLong { max: 200 }));
        assert_eq!(DisplayName::parse("a\u{0}b"), Err(TextError::ControlCharacters));
    }

    #[test]
    fn codes_are_upper_cased_and_restricted() {
        assert_eq!(Code::parse("bappeda").map(|c| c.0), Ok("BAPPEDA".into()));
        assert_eq!(Code::parse("DIS KOMINFO"), Err(TextError::BadCode));
        assert_eq!(Code::parse("X"), Err(TextError::BadCode));
    }
}
