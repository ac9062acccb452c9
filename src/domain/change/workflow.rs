//! The change lifecycle: one exhaustive transition function.
//!
//! `draft -> submitted -> assessing -> awaiting_approval -> approved |
//! rejected -> scheduled -> implementing -> reviewing -> completed`, and
//! `cancelled` from any state before `implementing`. Standard changes skip
//! the approval round; an emergency change may start once approved,
//! without a schedule; editing the approved content returns the change to
//! `awaiting_approval`.

use super::approval::Tally;
use super::kinds::{ChangeStatus, ChangeType, Outcome};

/// What the lifecycle decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeState {
    pub status: ChangeStatus,
    pub change_type: ChangeType,
    /// The change must have a passed test with the Dinas before it starts.
    pub needs_dinas_test: bool,
    pub dinas_test_passed: bool,
    pub outcome: Option<Outcome>,
}

/// A requested move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Submit,
    /// Take the change into analysis.
    Assess,
    /// Close the analysis and ask for the approvals.
    RequestApproval,
    /// An approval was cast; the tally says where the round stands.
    Decide(Tally),
    Schedule,
    Start,
    Complete,
    /// Record the post-implementation review; `follow_ups` is how many it lists.
    Review {
        follow_ups: usize,
    },
    Cancel,
    /// The approved content was edited: the approvals are void.
    Revise,
}

impl Command {
    /// The name of the move, as the API's path says it.
    pub fn name(self) -> &'static str {
        match self {
            Command::Submit => "submit",
            Command::Assess => "assess",
            Command::RequestApproval => "request-approval",
            Command::Decide(_) => "approvals",
            Command::Schedule => "schedule",
            Command::Start => "start",
            Command::Complete => "complete",
            Command::Review { .. } => "review",
            Command::Cancel => "cancel",
            Command::Revise => "edit",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("cannot {command} a change that is {status}; allowed now: {}", allowed_list(.allowed))]
    NotAllowed { command: &'static str, status: ChangeStatus, allowed: Vec<&'static str> },
    #[error("a change touching an aplikasi khusus or the intra-government network starts only after a passed test with the Dinas is recorded")]
    DinasTestMissing,
    #[error("a {0} change needs at least one follow-up action in its review")]
    FollowUpNeeded(Outcome),
}

fn allowed_list(allowed: &[&'static str]) -> String {
    if allowed.is_empty() {
        "nothing (the change is closed)".to_owned()
    } else {
        allowed.join(", ")
    }
}

/// The status a command leads to, or why it may not be applied now.
pub fn next(state: &ChangeState, command: Command) -> Result<ChangeStatus, TransitionError> {
    let Some(to) = target(state, command) else {
        return Err(TransitionError::NotAllowed {
            command: command.name(),
            status: state.status,
            allowed: allowed(state),
        });
    };
    if command == Command::Start && state.needs_dinas_test && !state.dinas_test_passed {
        return Err(TransitionError::DinasTestMissing);
    }
    if let (Command::Review { follow_ups: 0 }, Some(outcome)) = (command, state.outcome) {
        if outcome.needs_follow_up() {
            return Err(TransitionError::FollowUpNeeded(outcome));
        }
    }
    Ok(to)
}

/// The transition table, guards aside: every status against every command.
fn target(state: &ChangeState, command: Command) -> Option<ChangeStatus> {
    use ChangeStatus::*;
    let emergency = state.change_type == ChangeType::Emergency;
    let standard = state.change_type == ChangeType::Standard;
    match (state.status, command) {
        (Draft, Command::Submit) => Some(Submitted),
        (Submitted, Command::Assess) => Some(Assessing),
        (Assessing, Command::RequestApproval) if standard => Some(Approved),
        (Assessing, Command::RequestApproval) => Some(AwaitingApproval),
        (AwaitingApproval, Command::Decide(Tally::Pending)) => Some(AwaitingApproval),
        (AwaitingApproval, Command::Decide(Tally::Approved)) => Some(Approved),
        (AwaitingApproval, Command::Decide(Tally::Rejected)) => Some(Rejected),
        (Approved | Scheduled, Command::Schedule) => Some(Scheduled),
        (Scheduled, Command::Start) => Some(Implementing),
        (Approved, Command::Start) if emergency => Some(Implementing),
        (Implementing, Command::Complete) => Some(Reviewing),
        (Reviewing, Command::Review { .. }) => Some(Completed),
        (Draft | Submitted | Assessing | AwaitingApproval | Approved | Scheduled, Command::Cancel) => Some(Cancelled),
        (AwaitingApproval | Approved | Scheduled, Command::Revise) if !standard => Some(AwaitingApproval),
        (
            Draft | Submitted | Assessing | AwaitingApproval | Approved | Rejected | Scheduled | Implementing
            | Reviewing | Completed | Cancelled,
            _,
        ) => None,
    }
}

/// The moves a caller could make now (guards aside), for error messages.
pub fn allowed(state: &ChangeState) -> Vec<&'static str> {
    [
        Command::Submit,
        Command::Assess,
        Command::RequestApproval,
        Command::Decide(Tally::Pending),
        Command::Schedule,
        Command::Start,
        Command::Complete,
        Command::Review { follow_ups: 1 },
        Command::Cancel,
    ]
    .into_iter()
    .filter(|command| target(state, *command).is_some())
    .map(Command::name)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: ChangeStatus, change_type: ChangeType) -> ChangeState {
        ChangeState { status, change_type, needs_dinas_test: false, dinas_test_passed: false, outcome: None }
    }

    fn walk(change_type: ChangeType, commands: &[Command]) -> Result<ChangeStatus, TransitionError> {
        let mut s = state(ChangeStatus::Draft, change_type);
        for command in commands {
            s.status = next(&s, *command)?;
        }
        Ok(s.status)
    }

    #[test]
    fn a_normal_change_walks_every_phase() {
        let path = [
            Command::Submit,
            Command::Assess,
            Command::RequestApproval,
            Command::Decide(Tally::Pending),
            Command::Decide(Tally::Approved),
            Command::Schedule,
            Command::Start,
            Command::Complete,
            Command::Review { follow_ups: 0 },
        ];
        assert_eq!(walk(ChangeType::Normal, &path), Ok(ChangeStatus::Completed));
    }

    #[test]
    fn standard_changes_skip_the_approval_round_and_emergencies_may_start_unscheduled() {
        let to_approval = [Command::Submit, Command::Assess, Command::RequestApproval];
        assert_eq!(walk(ChangeType::Standard, &to_approval), Ok(ChangeStatus::Approved));
        assert_eq!(walk(ChangeType::Normal, &to_approval), Ok(ChangeStatus::AwaitingApproval));
        let rushed = [Command::Submit, Command::Assess, Command::RequestApproval, Command::Decide(Tally::Approved)];
        let mut s = state(walk(ChangeType::Emergency, &rushed).unwrap_or(ChangeStatus::Draft), ChangeType::Emergency);
        assert_eq!(next(&s, Command::Start), Ok(ChangeStatus::Implementing));
        s.change_type = ChangeType::Normal;
        assert!(matches!(next(&s, Command::Start), Err(TransitionError::NotAllowed { .. })));
    }

    #[test]
    fn a_rejection_ends_the_change() {
        let s = state(ChangeStatus::AwaitingApproval, ChangeType::Normal);
        assert_eq!(next(&s, Command::Decide(Tally::Rejected)), Ok(ChangeStatus::Rejected));
        let rejected = state(ChangeStatus::Rejected, ChangeType::Normal);
        let Err(TransitionError::NotAllowed { allowed, .. }) = next(&rejected, Command::Schedule) else {
            panic!("a rejected change cannot be scheduled")
        };
        assert!(allowed.is_empty());
    }

    #[test]
    fn cancelling_is_possible_only_before_implementation() {
        for status in ChangeStatus::ALL {
            let s = state(*status, ChangeType::Normal);
            let before = matches!(
                status,
                ChangeStatus::Draft
                    | ChangeStatus::Submitted
                    | ChangeStatus::Assessing
                    | ChangeStatus::AwaitingApproval
                    | ChangeStatus::Approved
                    | ChangeStatus::Scheduled
            );
            assert_eq!(next(&s, Command::Cancel).is_ok(), before, "{status}");
        }
    }

    #[test]
    fn steps_out_of_order_name_what_is_allowed() {
        let s = state(ChangeStatus::Submitted, ChangeType::Normal);
        let Err(e) = next(&s, Command::Start) else { panic!("cannot start a submitted change") };
        assert_eq!(e.to_string(), "cannot start a change that is submitted; allowed now: assess, cancel");
    }

    #[test]
    fn special_changes_start_only_after_their_dinas_test() {
        let mut s = state(ChangeStatus::Scheduled, ChangeType::Normal);
        s.needs_dinas_test = true;
        assert_eq!(next(&s, Command::Start), Err(TransitionError::DinasTestMissing));
        s.dinas_test_passed = true;
        assert_eq!(next(&s, Command::Start), Ok(ChangeStatus::Implementing));
    }

    #[test]
    fn a_failed_change_is_reviewed_with_a_follow_up() {
        let mut s = state(ChangeStatus::Reviewing, ChangeType::Normal);
        s.outcome = Some(Outcome::RolledBack);
        assert_eq!(
            next(&s, Command::Review { follow_ups: 0 }),
            Err(TransitionError::FollowUpNeeded(Outcome::RolledBack))
        );
        assert_eq!(next(&s, Command::Review { follow_ups: 1 }), Ok(ChangeStatus::Completed));
    }

    #[test]
    fn editing_approved_content_reopens_the_approval_round_except_for_standard_changes() {
        for status in [ChangeStatus::AwaitingApproval, ChangeStatus::Approved, ChangeStatus::Scheduled] {
            assert_eq!(next(&state(status, ChangeType::Normal), Command::Revise), Ok(ChangeStatus::AwaitingApproval));
            assert!(next(&state(status, ChangeType::Standard), Command::Revise).is_err());
        }
        assert!(next(&state(ChangeStatus::Implementing, ChangeType::Normal), Command::Revise).is_err());
    }
}
