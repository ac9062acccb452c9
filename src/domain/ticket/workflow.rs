//! The ticket state machine: one exhaustive transition function.
//!
//! `new -> assigned -> in_progress <-> pending -> resolved -> closed`, with
//! `resolved -> in_progress` on reopen, escalation from tier 1 to tier 2 and
//! return from tier 2 to tier 1 (both back to `new` in the other queue).

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{PendingReason, ResolutionCode, Status, Tier};

/// The part of a ticket the workflow decides on: everything a move
/// changes (the store writes these fields, and only from here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketState {
    pub status: Status,
    pub tier: Tier,
    pub assignee: Option<Uuid>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Why it waits, while it is `pending`.
    pub pending_reason: Option<PendingReason>,
    /// How it was resolved, until it is reopened.
    pub resolution_code: Option<ResolutionCode>,
    pub resolution: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Tier 2 has held it (its engineers see it from then on).
    pub tier2_involved: bool,
    pub escalation_count: i32,
    pub last_escalated_at: Option<DateTime<Utc>>,
    pub reopen_count: i32,
}

impl TicketState {
    /// A ticket just filed at `tier`: new, and nothing done to it yet.
    pub fn filed(tier: Tier) -> Self {
        Self {
            status: Status::New,
            tier,
            assignee: None,
            resolved_at: None,
            pending_reason: None,
            resolution_code: None,
            resolution: None,
            closed_at: None,
            tier2_involved: tier == Tier::Two,
            escalation_count: 0,
            last_escalated_at: None,
            reopen_count: 0,
        }
    }
}

/// A requested move, with the validated data it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Assign {
        assignee: Uuid,
    },
    /// Start work; from `new` the actor takes the ticket.
    Start {
        actor: Uuid,
    },
    Pend {
        reason: PendingReason,
    },
    Resume,
    Escalate {
        reason: String,
        steps_taken: String,
    },
    Return {
        instructions: String,
    },
    Resolve {
        code: ResolutionCode,
        resolution: String,
    },
    Close,
    Reopen {
        reason: String,
    },
}

/// The name of a command, as in the API path (`/tickets/{id}/escalate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandKind {
    Assign,
    Start,
    Pend,
    Resume,
    Escalate,
    Return,
    Resolve,
    Close,
    Reopen,
}

impl CommandKind {
    pub const ALL: [CommandKind; 9] = [
        CommandKind::Assign,
        CommandKind::Start,
        CommandKind::Pend,
        CommandKind::Resume,
        CommandKind::Escalate,
        CommandKind::Return,
        CommandKind::Resolve,
        CommandKind::Close,
        CommandKind::Reopen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommandKind::Assign => "assign",
            CommandKind::Start => "start",
            CommandKind::Pend => "pending",
            CommandKind::Resume => "resume",
            CommandKind::Escalate => "escalate",
            CommandKind::Return => "return",
            CommandKind::Resolve => "resolve",
            CommandKind::Close => "close",
            CommandKind::Reopen => "reopen",
        }
    }

    /// The name of the event the command records.
    pub fn event(self) -> &'static str {
        match self {
            CommandKind::Assign => "assigned",
            CommandKind::Start => "started",
            CommandKind::Pend => "pending",
            CommandKind::Resume => "resumed",
            CommandKind::Escalate => "escalated",
            CommandKind::Return => "returned",
            CommandKind::Resolve => "resolved",
            CommandKind::Close => "closed",
            CommandKind::Reopen => "reopened",
        }
    }
}

impl Command {
    pub fn kind(&self) -> CommandKind {
        match self {
            Command::Assign { .. } => CommandKind::Assign,
            Command::Start { .. } => CommandKind::Start,
            Command::Pend { .. } => CommandKind::Pend,
            Command::Resume => CommandKind::Resume,
            Command::Escalate { .. } => CommandKind::Escalate,
            Command::Return { .. } => CommandKind::Return,
            Command::Resolve { .. } => CommandKind::Resolve,
            Command::Close => CommandKind::Close,
            Command::Reopen { .. } => CommandKind::Reopen,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("cannot {command} a ticket that is {status} at tier {tier}; allowed now: {}", list(.allowed))]
    NotAllowed { command: &'static str, status: Status, tier: i16, allowed: Vec<&'static str> },
    #[error("the reopen window of {days} day(s) after resolution has passed")]
    ReopenWindowPassed { days: i64 },
}

fn list(allowed: &[&'static str]) -> String {
    if allowed.is_empty() {
        "nothing (the ticket is closed)".to_owned()
    } else {
        allowed.join(", ")
    }
}

/// Whether `kind` may be applied in `state` at all (who may is `access`'s).
pub fn permits(state: &TicketState, kind: CommandKind) -> bool {
    use Status::{Assigned, Closed, InProgress, New, Pending, Resolved};
    let open = matches!(state.status, New | Assigned | InProgress | Pending);
    state.status != Closed
        && match kind {
            CommandKind::Assign => matches!(state.status, New | Assigned | InProgress),
            CommandKind::Start => matches!(state.status, New | Assigned),
            CommandKind::Pend => state.status == InProgress,
            CommandKind::Resume => state.status == Pending,
            CommandKind::Escalate => open && state.tier == Tier::One,
            CommandKind::Return => open && state.tier == Tier::Two,
            // Resolving straight from `new` covers what the desk fixes at intake.
            CommandKind::Resolve => open,
            CommandKind::Close | CommandKind::Reopen => state.status == Resolved,
        }
}

/// The commands that `state` permits, for error messages and clients.
pub fn allowed(state: &TicketState) -> Vec<&'static str> {
    CommandKind::ALL.into_iter().filter(|kind| permits(state, *kind)).map(CommandKind::as_str).collect()
}

/// Refuses `kind` when `state` does not permit it, naming what it permits.
pub fn check(state: &TicketState, kind: CommandKind) -> Result<(), TransitionError> {
    if permits(state, kind) {
        return Ok(());
    }
    Err(TransitionError::NotAllowed {
        command: kind.as_str(),
        status: state.status,
        tier: i16::from(state.tier),
        allowed: allowed(state),
    })
}

/// Applies `command` at `now`, returning the next state.
pub fn apply(
    state: &TicketState,
    command: &Command,
    now: DateTime<Utc>,
    reopen_window: Duration,
) -> Result<TicketState, TransitionError> {
    check(state, command.kind())?;
    // A pending reason lasts only as long as the wait.
    let mut next = TicketState { pending_reason: None, ..state.clone() };
    match command {
        Command::Assign { assignee } => {
            next.status = Status::Assigned;
            next.assignee = Some(*assignee);
        }
        Command::Start { actor } => {
            next.status = Status::InProgress;
            next.assignee = state.assignee.or(Some(*actor));
        }
        Command::Pend { reason } => {
            next.status = Status::Pending;
            next.pending_reason = Some(*reason);
        }
        Command::Resume => next.status = Status::InProgress,
        Command::Escalate { .. } => {
            next.tier = Tier::Two;
            next.status = Status::New;
            next.assignee = None;
            next.tier2_involved = true;
            next.escalation_count += 1;
            next.last_escalated_at = Some(now);
        }
        Command::Return { .. } => {
            next.tier = Tier::One;
            next.status = Status::New;
            next.assignee = None;
        }
        Command::Resolve { code, resolution } => {
            next.status = Status::Resolved;
            next.resolved_at = Some(now);
            next.resolution_code = Some(*code);
            next.resolution = Some(resolution.clone());
        }
        Command::Close => {
            next.status = Status::Closed;
            next.closed_at = Some(now);
        }
        Command::Reopen { .. } => {
            let resolved_at = state.resolved_at.unwrap_or(now);
            if now - resolved_at > reopen_window {
                return Err(TransitionError::ReopenWindowPassed { days: reopen_window.num_days() });
            }
            next.status = Status::InProgress;
            next.resolved_at = None;
            next.resolution_code = None;
            next.resolution = None;
            next.reopen_count += 1;
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: Status, tier: Tier) -> TicketState {
        TicketState { status, ..TicketState::filed(tier) }
    }

    fn run(state: &TicketState, command: Command) -> Result<TicketState, TransitionError> {
        apply(state, &command, Utc::now(), Duration::days(7))
    }

    #[test]
    fn the_happy_path_reaches_closed() {
        let tech = Uuid::from_u128(7);
        let mut s = state(Status::New, Tier::One);
        s = run(&s, Command::Assign { assignee: tech }).unwrap();
        assert_eq!((s.status, s.assignee), (Status::Assigned, Some(tech)));
        s = run(&s, Command::Start { actor: tech }).unwrap();
        s = run(&s, Command::Pend { reason: PendingReason::WaitingForReporter }).unwrap();
        assert_eq!(s.status, Status::Pending);
        s = run(&s, Command::Resume).unwrap();
        s = run(&s, Command::Resolve { code: ResolutionCode::Solved, resolution: "ok".into() }).unwrap();
        assert!(s.resolved_at.is_some());
        s = run(&s, Command::Close).unwrap();
        assert_eq!(s.status, Status::Closed);
        assert!(allowed(&s).is_empty());
    }

    #[test]
    fn escalation_and_return_move_between_queues_and_clear_the_assignee() {
        let mut s = state(Status::InProgress, Tier::One);
        s.assignee = Some(Uuid::from_u128(1));
        let escalate = Command::Escalate { reason: "server".into(), steps_taken: "restart".into() };
        let up = run(&s, escalate.clone()).unwrap();
        assert_eq!((up.tier, up.status, up.assignee), (Tier::Two, Status::New, None));
        let again = run(&up, escalate).unwrap_err();
        assert!(matches!(again, TransitionError::NotAllowed { command: "escalate", .. }));
        let down = run(&up, Command::Return { instructions: "reinstall".into() }).unwrap();
        assert_eq!((down.tier, down.status), (Tier::One, Status::New));
    }

    #[test]
    fn a_move_returns_every_field_it_changes() {
        let now = Utc::now();
        let filed = TicketState::filed(Tier::One);
        let pending =
            run(&state(Status::InProgress, Tier::One), Command::Pend { reason: PendingReason::WaitingForVendor })
                .unwrap();
        assert_eq!(pending.pending_reason, Some(PendingReason::WaitingForVendor));
        assert_eq!(run(&pending, Command::Resume).unwrap().pending_reason, None);
        let escalate = Command::Escalate { reason: "r".into(), steps_taken: "s".into() };
        let up = apply(&filed, &escalate, now, Duration::days(7)).unwrap();
        assert_eq!((up.tier2_involved, up.escalation_count, up.last_escalated_at), (true, 1, Some(now)));
        let down = run(&up, Command::Return { instructions: "i".into() }).unwrap();
        assert!(down.tier2_involved, "tier 2 keeps seeing a ticket it held");
        let resolve = Command::Resolve { code: ResolutionCode::Workaround, resolution: "ok".into() };
        let resolved = apply(&down, &resolve, now, Duration::days(7)).unwrap();
        assert_eq!(
            (resolved.resolution_code, resolved.resolution.as_deref()),
            (Some(ResolutionCode::Workaround), Some("ok"))
        );
        let reopened = apply(&resolved, &Command::Reopen { reason: "x".into() }, now, Duration::days(7)).unwrap();
        assert_eq!((reopened.resolution_code, reopened.resolution, reopened.reopen_count), (None, None, 1));
        let closed = apply(&resolved, &Command::Close, now, Duration::days(7)).unwrap();
        assert_eq!((closed.closed_at, closed.resolution_code), (Some(now), Some(ResolutionCode::Workaround)));
    }

    #[test]
    fn starting_a_new_ticket_takes_it() {
        let s = run(&state(Status::New, Tier::Two), Command::Start { actor: Uuid::from_u128(9) }).unwrap();
        assert_eq!((s.status, s.assignee), (Status::InProgress, Some(Uuid::from_u128(9))));
    }

    #[test]
    fn invalid_moves_name_the_allowed_ones() {
        let error = run(&state(Status::New, Tier::One), Command::Resume).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("allowed now: assign, start, escalate, resolve"), "{message}");
    }

    #[test]
    fn reopen_only_within_the_window() {
        let resolved_at = Utc::now() - Duration::days(8);
        let s = TicketState { resolved_at: Some(resolved_at), ..state(Status::Resolved, Tier::One) };
        assert_eq!(
            run(&s, Command::Reopen { reason: "x".into() }),
            Err(TransitionError::ReopenWindowPassed { days: 7 })
        );
        let recent = TicketState { resolved_at: Some(Utc::now()), ..s };
        assert_eq!(run(&recent, Command::Reopen { reason: "x".into() }).map(|s| s.status), Ok(Status::InProgress));
    }

    #[test]
    fn every_status_and_command_pair_is_decided_without_panicking() {
        for status in Status::ALL {
            for tier in [Tier::One, Tier::Two] {
                let s = TicketState { resolved_at: Some(Utc::now()), ..state(*status, tier) };
                for kind in CommandKind::ALL {
                    assert_eq!(permits(&s, kind), allowed(&s).contains(&kind.as_str()));
                }
            }
        }
    }
}
