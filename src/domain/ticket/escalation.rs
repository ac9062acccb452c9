//! What tier 1 hands over when it escalates a ticket to tier 2: why it
//! cannot solve it, and what it already tried. Both are required. The SLA
//! sweeper's own escalation says so in the same words wherever it is made.

use super::intake::parse_long_text;
use super::workflow::Command;
use crate::domain::text::TextError;

/// What is wrong with each text of an escalation (`None`: that one is fine).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EscalationError {
    pub reason: Option<TextError>,
    pub steps_taken: Option<TextError>,
}

/// The escalation command, once both texts are valid long texts.
pub fn parse_escalation(reason: &str, steps_taken: &str) -> Result<Command, EscalationError> {
    match (parse_long_text(reason), parse_long_text(steps_taken)) {
        (Ok(reason), Ok(steps_taken)) => Ok(Command::Escalate { reason, steps_taken }),
        (reason, steps_taken) => Err(EscalationError { reason: reason.err(), steps_taken: steps_taken.err() }),
    }
}

/// The escalation the SLA sweeper makes when a tier-1 resolution target
/// is breached and the policy escalates (`lifecycle::breach_escalates`).
pub fn auto_escalation() -> Command {
    Command::Escalate {
        reason: "Target penyelesaian SLA terlampaui; eskalasi otomatis sesuai kebijakan SLA".to_owned(),
        steps_taken: "Eskalasi otomatis oleh sistem".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_escalation_with_both_texts_becomes_the_command_trimmed() {
        assert_eq!(
            parse_escalation(" Perlu akses basis data ", "Mulai ulang layanan"),
            Ok(Command::Escalate {
                reason: "Perlu akses basis data".to_owned(),
                steps_taken: "Mulai ulang layanan".to_owned()
            })
        );
    }

    #[test]
    fn an_escalation_names_each_missing_text() {
        assert_eq!(
            parse_escalation(" ", "Mulai ulang layanan"),
            Err(EscalationError { reason: Some(TextError::Empty), steps_taken: None })
        );
        assert_eq!(
            parse_escalation("", "\t"),
            Err(EscalationError { reason: Some(TextError::Empty), steps_taken: Some(TextError::Empty) })
        );
    }
}
