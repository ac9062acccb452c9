//! Who among an audience is mailed, and when: the decisions the fan-out
//! obeys once the rules ([`super::rules`]) have named the audiences.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::rules::Audience;

/// The assignee an assignment is told to: nobody is told of assigning a
/// ticket to themselves.
pub fn assignee_to_tell(assignee: Option<Uuid>, actor: Option<Uuid>) -> Option<Uuid> {
    assignee.filter(|id| Some(*id) != actor)
}

/// Whether `audience` may hear of an event: internal notes and SLA alerts
/// are the desk's, never mailed to reporters.
pub fn may_hear(audience: Audience, internal_event: bool) -> bool {
    !(internal_event && audience == Audience::Reporter)
}

/// Whether a recipient's opt-outs keep a mail from them: they turned off
/// one of the `events` it tells of, and it is not essential (breaches to
/// supervisors cannot be turned off).
pub fn opted_out(opt_outs: &[String], events: &[&str], essential: bool) -> bool {
    !essential && opt_outs.iter().any(|e| events.contains(&e.as_str()))
}

/// Whether a mail waits for its recipient's working hours: a critical one
/// never does, and others only while the desk holds mails.
pub fn waits_for_working_hours(holding: bool, critical: bool) -> bool {
    holding && !critical
}

/// When a waiting mail may go: the recipient's next working instant, or
/// now when that has begun or their calendar has no working time ahead.
pub fn not_before(next_working: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
    next_working.map_or(now, |next| next.max(now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn nobody_is_told_of_assigning_themselves() {
        let (tech, lead) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(assignee_to_tell(Some(tech), Some(lead)), Some(tech));
        assert_eq!(assignee_to_tell(Some(tech), Some(tech)), None);
        assert_eq!(assignee_to_tell(Some(tech), None), Some(tech));
    }

    #[test]
    fn internal_events_never_reach_reporters() {
        assert!(!may_hear(Audience::Reporter, true));
        assert!(may_hear(Audience::Reporter, false));
        assert!(may_hear(Audience::Supervisors, true));
    }

    #[test]
    fn an_opt_out_holds_unless_the_mail_is_essential() {
        let opt_outs = vec!["ticket.sla_warning".to_owned()];
        assert!(opted_out(&opt_outs, &["ticket.sla_warning"], false));
        assert!(!opted_out(&opt_outs, &["ticket.sla_warning"], true));
        assert!(!opted_out(&opt_outs, &["ticket.created"], false));
        assert!(opted_out(&opt_outs, &["ticket.auto_escalated", "ticket.sla_warning"], false));
    }

    #[test]
    fn only_non_critical_mails_wait_and_never_into_the_past() {
        assert!(waits_for_working_hours(true, false));
        assert!(!waits_for_working_hours(true, true));
        assert!(!waits_for_working_hours(false, false));
        let now = DateTime::from_timestamp(1_775_440_800, 0).unwrap();
        assert_eq!(not_before(Some(now + Duration::hours(3)), now), now + Duration::hours(3));
        assert_eq!(not_before(Some(now - Duration::hours(3)), now), now);
        assert_eq!(not_before(None, now), now);
    }
}
