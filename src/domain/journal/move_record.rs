//! What the journal records of a ticket's workflow move: what the command
//! carried ([`MoveDetail`]) and what it did to the SLA clocks
//! ([`MoveClocks`]). The event itself (`Event::TicketMoved`) holds them;
//! `ticket_move` builds it.

use serde::Serialize;
use uuid::Uuid;

use crate::domain::sla::lifecycle::ClockStart;
use crate::domain::ticket::workflow::{Command, TicketState};
use crate::domain::ticket::{PendingReason, ResolutionCode};

/// What a workflow move carried, as its timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum MoveDetail {
    Assignee { assignee_id: Option<Uuid> },
    Pending { reason: PendingReason },
    Escalation { reason: String, steps_taken: String },
    Return { instructions: String },
    Resolution { resolution_code: ResolutionCode, resolution: String },
    Reason { reason: String },
    Nothing {},
}

impl MoveDetail {
    /// What `command` carried, as it moved the ticket to `next`.
    pub fn of(command: &Command, next: &TicketState) -> Self {
        match command {
            Command::Assign { assignee } => MoveDetail::Assignee { assignee_id: Some(*assignee) },
            Command::Start { .. } => MoveDetail::Assignee { assignee_id: next.assignee },
            Command::Pend { reason } => MoveDetail::Pending { reason: *reason },
            Command::Resume | Command::Close => MoveDetail::Nothing {},
            Command::Escalate { reason, steps_taken } => {
                MoveDetail::Escalation { reason: reason.clone(), steps_taken: steps_taken.clone() }
            }
            Command::Return { instructions } => MoveDetail::Return { instructions: instructions.clone() },
            Command::Resolve { code, resolution } => {
                MoveDetail::Resolution { resolution_code: *code, resolution: resolution.clone() }
            }
            Command::Reopen { reason } => MoveDetail::Reason { reason: reason.clone() },
        }
    }
}

/// What a move did to the clocks that the move alone does not say: whether
/// pending paused them (the policy lists the reason) and the tier-2 clock
/// it started, so the clocks can be replayed from the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MoveClocks {
    pub pauses: bool,
    pub tier2_started: Option<ClockStart>,
}
