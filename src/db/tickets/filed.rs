//! A ticket as filing makes it, and the part of it the workflow moves:
//! one constructor for every writer of new tickets (intake, intake batches,
//! the data generator, the sample the templates are checked against).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Ticket;
use crate::db::sla::clocks::Summary;
use crate::domain::policy::Actor;
use crate::domain::sla::clock::ClockKind;
use crate::domain::ticket::intake::{NewTicket, ReporterRef};
use crate::domain::ticket::{TicketState, Tier};

/// How a ticket is filed, beside what it is about.
#[derive(Debug, Clone)]
pub struct Filing {
    pub id: Uuid,
    pub number: String,
    /// Tier 1, or tier 2 for a service it takes directly or a Perangkat
    /// Daerah without a tier-1 technician.
    pub tier: Tier,
    pub by: Actor,
    pub at: DateTime<Utc>,
}

impl Ticket {
    /// The ticket `new` becomes when filed: new at its tier, nothing done
    /// to it yet, and no clocks summarised (see [`Ticket::take_summary`]).
    pub fn filed(new: &NewTicket, filing: Filing) -> Self {
        let state = TicketState::filed(filing.tier);
        let (reporter_id, reporter_name, reporter_email, reporter_phone) = match &new.reporter {
            ReporterRef::User(user) => (Some(*user), None, None, None),
            ReporterRef::OnBehalf { name, email, phone } => (
                None,
                Some(name.as_str().to_owned()),
                email.as_ref().map(|e| e.as_str().to_owned()),
                phone.as_ref().map(|p| p.as_str().to_owned()),
            ),
        };
        Ticket {
            id: filing.id,
            number: filing.number,
            ticket_type: new.ticket_type,
            title: new.title.clone(),
            description: new.description.clone(),
            service_id: new.service_id,
            unit_id: new.unit_id,
            reporter_id,
            reporter_name,
            reporter_email,
            reporter_phone,
            channel: new.channel,
            impact: new.impact,
            urgency: new.urgency,
            priority: new.priority,
            status: state.status,
            tier: state.tier,
            assignee_id: state.assignee,
            tier2_involved: state.tier2_involved,
            escalation_count: state.escalation_count,
            last_escalated_at: state.last_escalated_at,
            pending_reason: state.pending_reason,
            external_source: new.external.as_ref().map(|e| e.source.clone()),
            external_ref: new.external.as_ref().map(|e| e.reference.clone()),
            complaint_ref: new.complaint_ref.clone(),
            problem_id: None,
            resolution_code: state.resolution_code,
            resolution: state.resolution,
            resolved_at: state.resolved_at,
            closed_at: state.closed_at,
            reopen_count: state.reopen_count,
            rating: None,
            rating_remark: None,
            created_by_kind: filing.by.kind().to_owned(),
            created_by: filing.by.id(),
            version: 1,
            created_at: filing.at,
            updated_at: filing.at,
            sla_due_at: None,
            sla_breached: Vec::new(),
        }
    }

    /// The part of the ticket the workflow decides on.
    pub fn state(&self) -> TicketState {
        TicketState {
            status: self.status,
            tier: self.tier,
            assignee: self.assignee_id,
            resolved_at: self.resolved_at,
            pending_reason: self.pending_reason,
            resolution_code: self.resolution_code,
            resolution: self.resolution.clone(),
            closed_at: self.closed_at,
            tier2_involved: self.tier2_involved,
            escalation_count: self.escalation_count,
            last_escalated_at: self.last_escalated_at,
            reopen_count: self.reopen_count,
        }
    }

    /// Takes the state a move left (the rest of the row is the move's writer's).
    pub fn take_state(&mut self, next: TicketState) {
        self.status = next.status;
        self.tier = next.tier;
        self.assignee_id = next.assignee;
        self.resolved_at = next.resolved_at;
        self.pending_reason = next.pending_reason;
        self.resolution_code = next.resolution_code;
        self.resolution = next.resolution;
        self.closed_at = next.closed_at;
        self.tier2_involved = next.tier2_involved;
        self.escalation_count = next.escalation_count;
        self.last_escalated_at = next.last_escalated_at;
        self.reopen_count = next.reopen_count;
    }

    /// Takes what the row keeps of the clocks' summary.
    pub fn take_summary(&mut self, summary: &Summary) {
        self.sla_due_at = summary.due_at;
        self.sla_breached = [
            (summary.response_breached, ClockKind::Response),
            (summary.resolution_breached, ClockKind::Resolution),
            (summary.tier2_breached, ClockKind::Tier2Resolution),
        ]
        .into_iter()
        .filter_map(|(breached, kind)| breached.then_some(kind))
        .collect();
    }
}
