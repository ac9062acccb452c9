//! The reporter's satisfaction rating of the service received: a score of
//! 1 to 5 and an optional remark.

use crate::domain::text::{bounded, TextError};

/// A satisfaction score: 1 (very dissatisfied) to 5 (very satisfied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rating(i16);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to 5")]
pub struct RatingError;

impl Rating {
    pub fn parse(raw: i16) -> Result<Self, RatingError> {
        if (1..=5).contains(&raw) {
            Ok(Self(raw))
        } else {
            Err(RatingError)
        }
    }

    pub fn value(self) -> i16 {
        self.0
    }
}

/// What the reporter adds in words: 1–1000 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRemark(String);

impl RatingRemark {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        bounded(raw, 1000).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<RatingRemark> for String {
    fn from(remark: RatingRemark) -> Self {
        remark.0
    }
}

/// Why a rating was refused; the score is checked first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    #[error(transparent)]
    Rating(#[from] RatingError),
    #[error(transparent)]
    Remark(TextError),
}

/// A rating as given, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRating {
    pub rating: Rating,
    pub remark: Option<RatingRemark>,
}

impl TicketRating {
    pub fn parse(rating: i16, remark: Option<&str>) -> Result<Self, RateError> {
        let rating = Rating::parse(rating)?;
        let remark = remark.map(RatingRemark::parse).transpose().map_err(RateError::Remark)?;
        Ok(Self { rating, remark })
    }
}

/// Why a ticket cannot be rated now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotRateableError {
    #[error("a ticket is rated after it is resolved")]
    NotResolved,
    #[error("this ticket has already been rated")]
    AlreadyRated,
}

/// A ticket is rated once, after it is resolved (or closed).
pub fn check_may_rate(status: super::Status, already_rated: bool) -> Result<(), NotRateableError> {
    if !matches!(status, super::Status::Resolved | super::Status::Closed) {
        Err(NotRateableError::NotResolved)
    } else if already_rated {
        Err(NotRateableError::AlreadyRated)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_is_rated_once_after_resolution() {
        use crate::domain::ticket::Status;
        assert_eq!(check_may_rate(Status::Resolved, false), Ok(()));
        assert_eq!(check_may_rate(Status::Closed, false), Ok(()));
        assert_eq!(check_may_rate(Status::InProgress, false), Err(NotRateableError::NotResolved));
        assert_eq!(check_may_rate(Status::Closed, true), Err(NotRateableError::AlreadyRated));
    }

    #[test]
    fn scores_from_one_to_five_are_ratings() {
        for score in 1..=5 {
            assert_eq!(Rating::parse(score).map(Rating::value), Ok(score));
        }
    }

    #[test]
    fn scores_outside_one_to_five_are_refused() {
        for score in [0, 6, -1, i16::MIN, i16::MAX] {
            assert_eq!(Rating::parse(score), Err(RatingError));
        }
    }

    #[test]
    fn a_remark_is_trimmed_and_may_be_left_out() {
        let rated = TicketRating::parse(4, Some("  Cukup cepat ")).unwrap();
        assert_eq!((rated.rating.value(), rated.remark.as_ref().map(RatingRemark::as_str)), (4, Some("Cukup cepat")));
        assert_eq!(TicketRating::parse(5, None).unwrap().remark, None);
    }

    #[test]
    fn an_empty_overlong_or_control_character_remark_is_refused() {
        assert_eq!(TicketRating::parse(3, Some("  ")), Err(RateError::Remark(TextError::Empty)));
        let long = "a".repeat(1001);
        assert_eq!(TicketRating::parse(3, Some(&long)), Err(RateError::Remark(TextError::TooLong { max: 1000 })));
        assert_eq!(TicketRating::parse(3, Some("a\u{0}b")), Err(RateError::Remark(TextError::ControlCharacters)));
        assert!(TicketRating::parse(3, Some(&"a".repeat(1000))).is_ok());
    }

    #[test]
    fn a_bad_score_is_reported_before_a_bad_remark() {
        assert_eq!(TicketRating::parse(0, Some(" ")), Err(RateError::Rating(RatingError)));
    }
}
