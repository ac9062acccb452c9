//! An article's lifecycle: draft → in review → published → retired, with
//! the way back (a reviewer returns a draft; a published article is revised
//! as a draft and published again as its next version), and its review date.

use chrono::{DateTime, Duration, Utc};

use super::article::ArticleStatus;
use crate::domain::text_enum::text_enum;

text_enum! {
    /// The moves of an article (each a journal event `knowledge.<move>`).
    ArticleMove {
        Submit => "submitted",
        Return => "returned",
        Publish => "published",
        Revise => "revised",
        Retire => "retired",
    }
}

/// What happened to an article, as the journal names it
/// (`knowledge.<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleChange {
    Created,
    /// A draft's content edited.
    Updated,
    Moved(ArticleMove),
    /// A ticket it solved linked it (its `detail` names the ticket).
    Linked,
    /// A reader rated it, flagged it as wrong, or an owner closed a flag.
    Rated,
    Flagged,
    FlagClosed,
    /// An owner confirmed it still holds; its review date moved on.
    Reviewed,
    /// Its review fell due (its owners are told once per due date).
    ReviewDue,
    /// A file added to or removed from its draft.
    AttachmentAdded,
    AttachmentRemoved,
}

impl ArticleChange {
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleChange::Created => "created",
            ArticleChange::Updated => "updated",
            ArticleChange::Moved(m) => m.as_str(),
            ArticleChange::Linked => "linked",
            ArticleChange::Rated => "rated",
            ArticleChange::Flagged => "flagged",
            ArticleChange::FlagClosed => "flag_closed",
            ArticleChange::Reviewed => "reviewed",
            ArticleChange::ReviewDue => "review_due",
            ArticleChange::AttachmentAdded => "attachment_added",
            ArticleChange::AttachmentRemoved => "attachment_removed",
        }
    }
}

/// Why a move does not apply where the article stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an article that is {from} cannot be {verb}")]
pub struct TransitionError {
    pub from: ArticleStatus,
    pub verb: &'static str,
}

impl ArticleMove {
    /// Where the move takes an article that stands at `from`.
    pub fn apply(self, from: ArticleStatus) -> Result<ArticleStatus, TransitionError> {
        use ArticleStatus as S;
        let to = match (self, from) {
            // A writer hands the draft to a reviewer.
            (ArticleMove::Submit, S::Draft) => S::InReview,
            // The reviewer sends it back with a reason.
            (ArticleMove::Return, S::InReview) => S::Draft,
            // Publishing is a review; a reviewer may publish a draft at once
            // (KCS: a licensed writer publishes their own work).
            (ArticleMove::Publish, S::Draft | S::InReview) => S::Published,
            // Improving a published article starts a new draft of it.
            (ArticleMove::Revise, S::Published) => S::Draft,
            (ArticleMove::Retire, S::Published | S::Draft | S::InReview) => S::Retired,
            (_, from) => return Err(TransitionError { from, verb: self.as_str() }),
        };
        Ok(to)
    }
}

/// Edits are made to a draft only: what readers see changes by publishing.
pub fn editable(status: ArticleStatus) -> bool {
    status == ArticleStatus::Draft
}

/// When a published article is due for review.
pub fn review_due_at(published_at: DateTime<Utc>, review_period_days: u32) -> DateTime<Utc> {
    published_at + Duration::days(i64::from(review_period_days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ArticleStatus as S;

    #[test]
    fn the_lifecycle_runs_forward_and_back_where_it_may() {
        assert_eq!(ArticleMove::Submit.apply(S::Draft), Ok(S::InReview));
        assert_eq!(ArticleMove::Return.apply(S::InReview), Ok(S::Draft));
        assert_eq!(ArticleMove::Publish.apply(S::InReview), Ok(S::Published));
        assert_eq!(ArticleMove::Revise.apply(S::Published), Ok(S::Draft));
        assert_eq!(ArticleMove::Retire.apply(S::Published), Ok(S::Retired));
        for status in S::ALL {
            assert_eq!(ArticleMove::Submit.apply(*status).is_ok(), *status == S::Draft);
        }
        let err = ArticleMove::Publish.apply(S::Retired).unwrap_err();
        assert_eq!(err.to_string(), "an article that is retired cannot be published");
        assert!(editable(S::Draft) && !editable(S::Published) && !editable(S::InReview));
    }

    #[test]
    fn a_review_falls_due_a_period_after_publishing() {
        let at = DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(review_due_at(at, 180).to_rfc3339(), "2027-06-05T10:00:00+00:00");
    }
}
