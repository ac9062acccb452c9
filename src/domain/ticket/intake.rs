//! What a new ticket is made of, validated.

use uuid::Uuid;

use super::{Channel, Level, Priority, TicketType};
use crate::domain::email::EmailAddress;
use crate::domain::text::{bounded, DisplayName, TextError};

/// Who the ticket is for: a user, or someone reported on their behalf
/// (a phone call or walk-in at the desk).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReporterRef {
    User(Uuid),
    OnBehalf { name: DisplayName, email: Option<EmailAddress>, phone: Option<Phone> },
}

/// A phone number as people write it (`+62 812-3456-7890`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let phone = raw.trim();
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if allowed && (6..=20).contains(&digits) {
            Ok(Self(phone.to_owned()))
        } else {
            Err("must be a phone number of 6 to 20 digits".to_owned())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A front end's own reference for a ticket, unique per source, which makes
/// intake idempotent (a retried create finds the ticket it made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalRef {
    pub source: String,
    pub reference: String,
}

impl ExternalRef {
    pub fn parse(source: &str, reference: &str) -> Result<Self, TextError> {
        Ok(Self { source: bounded(source, 100)?, reference: bounded(reference, 200)? })
    }
}

/// A validated request for a new ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    pub ticket_type: TicketType,
    pub title: String,
    pub description: String,
    pub service_id: Uuid,
    pub unit_id: Uuid,
    pub reporter: ReporterRef,
    pub channel: Channel,
    pub impact: Level,
    pub urgency: Level,
    pub priority: Priority,
    pub external: Option<ExternalRef>,
    /// Tracking id of the national complaint system (SP4N-LAPOR!).
    pub complaint_ref: Option<String>,
    /// Send it to tier 2 when its PD has no active tier-1 technician
    /// (`tickets.route_uncovered_to_tier2`).
    pub route_uncovered: bool,
}

/// Ticket titles: 1–200 characters.
pub fn parse_title(raw: &str) -> Result<String, TextError> {
    bounded(raw, 200)
}

/// Long free text (descriptions, comments, resolutions): 1–10 000
/// characters; line breaks are kept.
pub fn parse_long_text(raw: &str) -> Result<String, TextError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().count() > 10_000 {
        return Err(TextError::TooLong { max: 10_000 });
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(TextError::ControlCharacters);
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_digits_with_separators() {
        assert!(Phone::parse("+62 812-3456-7890").is_ok());
        assert!(Phone::parse("(0422) 21234").is_ok());
        assert!(Phone::parse("12345").is_err());
        assert!(Phone::parse("call me").is_err());
    }

    #[test]
    fn long_text_keeps_line_breaks_and_refuses_empty_or_huge() {
        assert_eq!(parse_long_text(" a\nb "), Ok("a\nb".to_owned()));
        assert_eq!(parse_long_text("  "), Err(TextError::Empty));
        assert_eq!(parse_long_text(&"x".repeat(10_001)), Err(TextError::TooLong { max: 10_000 }));
        assert_eq!(parse_long_text("a\u{7}b"), Err(TextError::ControlCharacters));
    }
}
