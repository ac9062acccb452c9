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

    /// How a refusal says the move: "a change … cannot be ⟨this⟩".
    pub fn participle(self) -> &'static str {
        match self {
            Command::Submit => "submitted",
            Command::Assess => "taken into assessment",
            Command::RequestApproval => "sent for approval",
            Command::Decide(_) => "approved or rejected",
            Command::Schedule => "scheduled",
            Command::Start => "started",
            Command::Complete => "completed",
            Command::Review { .. } => "reviewed",
            Command::Cancel => "cancelled",
            Command::Revise => "edited",
        }
    }

    /// How a list of moves names it: its path, said as a verb where the
    /// path is a noun.
    fn label(self) -> &'static str {
        match self {
            Command::Decide(_) => "approvals (approve or reject)",
            other => other.name(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("A change that is {} cannot be {}; {}", .status.describe(), .command.participle(), allowed_sentence(.allowed))]
    NotAllowed { command: Command, status: ChangeStatus, allowed: Vec<Command> },
    #[error("A change touching an aplikasi khusus or the intra-government network can start only once a passed test with the Dinas is recorded.")]
    DinasTestMissing,
    #[error("The review of a {} change needs at least one follow-up action.", .0.describe())]
    FollowUpNeeded(Outcome),
}

/// The moves allowed now, as the end of a sentence.
fn allowed_sentence(allowed: &[Command]) -> String {
    let labels: Vec<&str> = allowed.iter().map(|c| c.label()).collect();
    match labels.as_slice() {
        [] => "it is closed, so nothing moves it any more.".to_owned(),
        [only] => format!("the only move allowed now is {only}."),
        [first @ .., last] => format!("the moves allowed now are {} and {last}.", first.join(", ")),
    }
}

/// The status a command leads to, or why it may not be applied now.
pub fn next(state: &ChangeState, command: Command) -> Result<ChangeStatus, TransitionError> {
    let Some(to) = target(state, command) else {
        return Err(TransitionError::NotAllowed { command, status: state.status, allowed: allowed(state) });
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
pub fn allowed(state: &ChangeState) -> Vec<Command> {
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
        assert_eq!(
            e.to_string(),
            "A change that is submitted cannot be started; the moves allowed now are assess and cancel."
        );
        let awaiting = state(ChangeStatus::AwaitingApproval, ChangeType::Normal);
        let Err(e) = next(&awaiting, Command::Schedule) else { panic!("not approved yet") };
        assert_eq!(
            e.to_string(),
            "A change that is awaiting approval cannot be scheduled; \
             the moves allowed now are approvals (approve or reject) and cancel."
        );
        let approved = state(ChangeStatus::Approved, ChangeType::Normal);
        let Err(e) = next(&approved, Command::Decide(Tally::Pending)) else { panic!("decided already") };
        assert!(e.to_string().starts_with("A change that is approved cannot be approved or rejected;"), "{e}");
        let done = state(ChangeStatus::Completed, ChangeType::Normal);
        let Err(e) = next(&done, Command::Cancel) else { panic!("completed") };
        assert_eq!(
            e.to_string(),
            "A change that is completed cannot be cancelled; it is closed, so nothing moves it any more."
        );
        let mut reviewing = state(ChangeStatus::Reviewing, ChangeType::Normal);
        reviewing.outcome = Some(Outcome::RolledBack);
        let Err(e) = next(&reviewing, Command::Review { follow_ups: 0 }) else { panic!("needs a follow-up") };
        assert_eq!(e.to_string(), "The review of a rolled-back change needs at least one follow-up action.");
    }

    #[test]
    fn every_refusal_is_a_sentence() {
        for status in ChangeStatus::ALL {
            for command in [
                Command::Submit,
                Command::Assess,
                Command::RequestApproval,
                Command::Decide(Tally::Pending),
                Command::Schedule,
                Command::Start,
                Command::Complete,
                Command::Review { follow_ups: 1 },
                Command::Cancel,
                Command::Revise,
            ] {
                if let Err(e) = next(&state(*status, ChangeType::Normal), command) {
                    let text = e.to_string();
                    assert!(text.starts_with(char::is_uppercase) && text.ends_with('.'), "{text}");
                    assert!(!text.contains('_'), "no identifiers in prose: {text}");
                }
            }
        }
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
