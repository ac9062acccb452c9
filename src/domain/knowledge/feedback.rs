//! What readers tell an article: a rating (helpful or not, with an
//! optional comment) and a flag (it is wrong, and why), and who handles
//! the flags.

use super::access::{may, ArticleFacts, KnowledgeAction, Publishers};
use super::article::ArticleStatus;
use crate::domain::policy::Principal;
use crate::domain::text::TextError;

/// The longest comment or reason taken.
pub const MAX_FEEDBACK_CHARS: usize = 2_000;

/// Free text of 1 to [`MAX_FEEDBACK_CHARS`] characters, line breaks kept.
pub fn parse_feedback(raw: &str) -> Result<String, TextError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().count() > MAX_FEEDBACK_CHARS {
        return Err(TextError::TooLong { max: MAX_FEEDBACK_CHARS });
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(TextError::ControlCharacters);
    }
    Ok(text.to_owned())
}

/// An optional comment: absent or blank is none.
pub fn parse_comment(raw: Option<&str>) -> Result<Option<String>, TextError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => parse_feedback(text).map(Some),
    }
}

/// Readers rate and flag what is published: a draft is still its
/// writers' to fix.
pub fn takes_feedback(status: ArticleStatus) -> bool {
    status == ArticleStatus::Published
}

/// Who reads and closes an article's flags: its owners, that is whoever
/// edits it (its author, its unit's tier 1) or reviews it.
pub fn owns(principal: &Principal, facts: &ArticleFacts, publishers: Publishers) -> bool {
    may(principal, KnowledgeAction::Edit, Some(facts), publishers)
        || may(principal, KnowledgeAction::Review, Some(facts), publishers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_optional_and_bounded() {
        assert_eq!(parse_comment(None), Ok(None));
        assert_eq!(parse_comment(Some("  ")), Ok(None));
        assert_eq!(parse_comment(Some(" Membantu ")), Ok(Some("Membantu".to_owned())));
        let long = "a".repeat(MAX_FEEDBACK_CHARS + 1);
        assert_eq!(parse_comment(Some(&long)), Err(TextError::TooLong { max: MAX_FEEDBACK_CHARS }));
        assert_eq!(parse_feedback(""), Err(TextError::Empty));
        assert!(takes_feedback(ArticleStatus::Published) && !takes_feedback(ArticleStatus::Draft));
    }
}
