//! Who gets what: configurable rules mapping an event to an audience and
//! the template it is told with.

use serde::{Deserialize, Serialize};

use crate::domain::text_enum::text_enum;
use crate::domain::ticket::TicketType;

text_enum!(
    /// Whom a rule tells.
    Audience {
        /// The ticket's reporter (a user, or the e-mail given at intake).
        Reporter => "reporter",
        /// The team mailbox of the ticket's Perangkat Daerah (tier 1).
        Tier1Mailbox => "tier1_mailbox",
        /// The team mailbox of the Dinas (tier 2).
        Tier2Mailbox => "tier2_mailbox",
        /// The user the ticket is assigned to (not when they assigned themselves).
        Assignee => "assignee",
        /// Every active supervisor of the Dinas.
        Supervisors => "supervisors",
        /// The head of the ticket's Perangkat Daerah, where the unit names one.
        UnitHead => "unit_head",
        /// The mailbox of the unit owning the ticket's service (PD pemilik layanan).
        ServiceOwner => "service_owner",
    }
);

/// Told when an SLA auto-escalation (by the system, not a person) happens,
/// beside the rules of `ticket.escalated`.
pub const AUTO_ESCALATED: &str = "ticket.auto_escalated";

/// A breached SLA clock: told to supervisors always ([`check`]).
pub const SLA_BREACHED: &str = "ticket.sla_breached";

/// One rule: tell `audience` of `event` with `template`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub event: String,
    pub audience: Audience,
    pub template: String,
    /// Only when the ticket is at this tier after the event.
    #[serde(default)]
    pub tier: Option<i16>,
    /// Only for tickets of these types (empty: every type).
    #[serde(default)]
    pub ticket_types: Vec<TicketType>,
    /// Sent even to users who opted out of the event.
    #[serde(default)]
    pub essential: bool,
}

/// What the rules look at in an event.
#[derive(Debug, Clone, Copy)]
pub struct Occasion<'a> {
    pub event: &'a str,
    /// No person caused it (the SLA sweeper).
    pub by_system: bool,
    pub tier: i16,
    pub ticket_type: TicketType,
}

impl Occasion<'_> {
    /// The event names rules are matched against.
    fn names(&self) -> Vec<&str> {
        let mut names = vec![self.event];
        if self.event == "ticket.escalated" && self.by_system {
            names.push(AUTO_ESCALATED);
        }
        names
    }
}

impl Rule {
    fn matches(&self, occasion: &Occasion<'_>) -> bool {
        occasion.names().contains(&self.event.as_str())
            && self.tier.is_none_or(|tier| tier == occasion.tier)
            && (self.ticket_types.is_empty() || self.ticket_types.contains(&occasion.ticket_type))
    }
}

/// The rules that apply to an occasion, in order.
pub fn applicable<'r>(rules: &'r [Rule], occasion: &Occasion<'_>) -> Vec<&'r Rule> {
    rules.iter().filter(|rule| rule.matches(occasion)).collect()
}

/// Whether a notice goes out at once, whatever the recipient's hours.
pub fn is_critical(event: &str, priority_critical: bool) -> bool {
    priority_critical || matches!(event, "ticket.sla_breached" | "ticket.sla_warning" | AUTO_ESCALATED)
}

/// The events a rule may name.
pub const NOTICE_EVENTS: &[&str] = &[
    "ticket.created",
    "ticket.assigned",
    "ticket.started",
    "ticket.pending",
    "ticket.resumed",
    "ticket.escalated",
    AUTO_ESCALATED,
    "ticket.returned",
    "ticket.resolved",
    "ticket.closed",
    "ticket.reopened",
    "ticket.updated",
    "ticket.priority_changed",
    "ticket.rated",
    "ticket.sla_warning",
    SLA_BREACHED,
    "comment.created",
    "attachment.created",
];

/// The rules of the regulation's desks, used unless configured otherwise.
pub fn defaults() -> Vec<Rule> {
    let rule = |event: &str, audience, template: &str| Rule {
        event: event.to_owned(),
        audience,
        template: template.to_owned(),
        tier: None,
        ticket_types: Vec::new(),
        essential: false,
    };
    vec![
        rule("ticket.created", Audience::Reporter, "ticket_received"),
        Rule { tier: Some(1), ..rule("ticket.created", Audience::Tier1Mailbox, "ticket_new") },
        Rule { tier: Some(2), ..rule("ticket.created", Audience::Tier2Mailbox, "ticket_new") },
        Rule {
            tier: Some(2),
            ticket_types: vec![TicketType::Incident],
            ..rule("ticket.created", Audience::ServiceOwner, "service_incident")
        },
        rule("ticket.escalated", Audience::Tier2Mailbox, "ticket_escalated"),
        Rule {
            ticket_types: vec![TicketType::Incident],
            ..rule("ticket.escalated", Audience::ServiceOwner, "service_incident")
        },
        Rule { essential: true, ..rule(AUTO_ESCALATED, Audience::Supervisors, "ticket_auto_escalated") },
        Rule { essential: true, ..rule(AUTO_ESCALATED, Audience::UnitHead, "ticket_auto_escalated") },
        rule("ticket.returned", Audience::Tier1Mailbox, "ticket_returned"),
        rule("ticket.assigned", Audience::Assignee, "ticket_assigned"),
        rule("ticket.resolved", Audience::Reporter, "ticket_resolved"),
        rule("ticket.closed", Audience::Reporter, "ticket_closed"),
        rule("ticket.sla_warning", Audience::Supervisors, "sla_warning"),
        rule("ticket.sla_warning", Audience::UnitHead, "sla_warning"),
        Rule { essential: true, ..rule("ticket.sla_breached", Audience::Supervisors, "sla_breached") },
        Rule { essential: true, ..rule("ticket.sla_breached", Audience::UnitHead, "sla_breached") },
    ]
}

/// Checks configured rules: known events, tiers 1 or 2, and breaches to
/// supervisors never optional (the regulation's supervision duty).
pub fn check(rules: &[Rule]) -> Result<(), String> {
    for rule in rules {
        if !NOTICE_EVENTS.contains(&rule.event.as_str()) {
            return Err(format!("notice rule for unknown event `{}`", rule.event));
        }
        if rule.tier.is_some_and(|tier| !(1..=2).contains(&tier)) {
            return Err(format!("notice rule for `{}`: tier must be 1 or 2", rule.event));
        }
        if rule.event == SLA_BREACHED && rule.audience == Audience::Supervisors && !rule.essential {
            return Err("breach notices to supervisors must be essential (they cannot be turned off)".to_owned());
        }
    }
    if !rules.iter().any(|r| r.event == SLA_BREACHED && r.audience == Audience::Supervisors) {
        return Err(
            "supervisors must be told of SLA breaches (a rule for ticket.sla_breached to supervisors)".to_owned()
        );
    }
    Ok(())
}

/// Events a user may turn off: those no essential rule sends.
pub fn may_opt_out(rules: &[Rule], event: &str) -> bool {
    NOTICE_EVENTS.contains(&event) && !rules.iter().any(|rule| rule.essential && rule.event == event)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occasion(event: &str, tier: i16) -> Occasion<'_> {
        Occasion { event, by_system: false, tier, ticket_type: TicketType::Incident }
    }

    fn audiences(rules: &[&Rule]) -> Vec<Audience> {
        rules.iter().map(|rule| rule.audience).collect()
    }

    #[test]
    fn a_new_ticket_tells_the_reporter_and_the_desk_holding_it() {
        let rules = defaults();
        assert_eq!(
            audiences(&applicable(&rules, &occasion("ticket.created", 1))),
            [Audience::Reporter, Audience::Tier1Mailbox]
        );
        assert_eq!(
            audiences(&applicable(&rules, &occasion("ticket.created", 2))),
            [Audience::Reporter, Audience::Tier2Mailbox, Audience::ServiceOwner]
        );
    }

    #[test]
    fn service_owners_hear_of_incidents_only() {
        let rules = defaults();
        let request = Occasion { ticket_type: TicketType::ServiceRequest, ..occasion("ticket.escalated", 2) };
        assert_eq!(audiences(&applicable(&rules, &request)), [Audience::Tier2Mailbox]);
    }

    #[test]
    fn an_auto_escalation_also_tells_supervision() {
        let rules = defaults();
        let auto = Occasion { by_system: true, ..occasion("ticket.escalated", 2) };
        assert_eq!(
            audiences(&applicable(&rules, &auto)),
            [Audience::Tier2Mailbox, Audience::ServiceOwner, Audience::Supervisors, Audience::UnitHead]
        );
    }

    #[test]
    fn breaches_cannot_be_turned_off_and_rules_are_checked() {
        let rules = defaults();
        assert!(check(&rules).is_ok());
        assert!(!may_opt_out(&rules, "ticket.sla_breached"));
        assert!(may_opt_out(&rules, "ticket.assigned"));
        assert!(!may_opt_out(&rules, "ticket.nonsense"));
        let mut lax = rules.clone();
        lax.iter_mut().for_each(|rule| rule.essential = false);
        assert!(check(&lax).is_err());
        let unknown = vec![Rule { event: "ticket.exploded".into(), ..rules[0].clone() }];
        assert!(check(&unknown).is_err());
        let no_breach_rule: Vec<Rule> = rules.iter().filter(|r| r.event != "ticket.sla_breached").cloned().collect();
        assert!(check(&no_breach_rule).unwrap_err().contains("supervisors"));
    }

    #[test]
    fn breaches_and_critical_tickets_go_out_at_once() {
        assert!(is_critical("ticket.sla_breached", false));
        assert!(is_critical("ticket.created", true));
        assert!(!is_critical("ticket.created", false));
    }
}
