//! How a ticket's moves drive its SLA clocks, as pure rules: filing starts
//! them, starting work or a public reply meets the response, pending (for a
//! reason the policy lists) pauses, escalation runs tier 2's clock, a return
//! pauses it, resolution stops them, reopening runs them on, a priority
//! change re-targets them. The store loads the clocks, applies these and
//! saves; the replay applies the same rules to the event log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use chrono::Duration;

use super::calendar::WorkingCalendar;
use super::clock::{Clock, ClockKind, PauseCause, Schedule};
use super::math::NoWorkingTime;
use super::target::Target;
use crate::domain::ticket::workflow::{Command, CommandKind, TicketState};
use crate::domain::ticket::{PendingReason, Status, Tier};

/// The clocks filing starts; tier 2's starts at the first escalation.
pub const FILING_CLOCKS: [ClockKind; 2] = [ClockKind::Response, ClockKind::Resolution];

/// A calendar or policy at one of its versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRef {
    pub id: Uuid,
    pub version: i64,
}

/// Everything a new clock starts from, as the event log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockStart {
    pub kind: ClockKind,
    pub target: Target,
    pub warning_percent: u8,
    pub calendar: VersionRef,
    pub policy: VersionRef,
}

/// What a move does to the clocks, beyond the command itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoveFacts {
    pub command: CommandKind,
    pub next_status: Status,
    pub next_tier: Tier,
    /// For `pending`: the reason, when the clocks' policy pauses for it.
    pub pausing_reason: Option<PendingReason>,
}

impl MoveFacts {
    /// What `command`, moving the ticket to `next`, does to clocks whose
    /// policy pauses for `pausing_reasons`.
    pub fn of(command: &Command, next: &TicketState, pausing_reasons: &[PendingReason]) -> Self {
        let pausing_reason = match command {
            Command::Pend { reason } if pausing_reasons.contains(reason) => Some(*reason),
            _ => None,
        };
        MoveFacts { command: command.kind(), next_status: next.status, next_tier: next.tier, pausing_reason }
    }
}

/// What the store must add after a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    /// The first escalation: a tier-2 clock starts under the versions that apply now.
    NewTier2Clock,
}

fn find<'a>(clocks: &'a mut [&mut Clock], kind: ClockKind) -> Option<&'a mut Clock> {
    clocks.iter_mut().find(|c| c.kind == kind).map(|c| &mut **c)
}

/// Applies a workflow move to a ticket's clocks at `now`.
pub fn after_move(clocks: &mut [&mut Clock], facts: &MoveFacts, now: DateTime<Utc>) -> Needs {
    // Leaving `pending` ends a pending pause, whatever the move.
    if facts.next_status != Status::Pending {
        for c in clocks.iter_mut() {
            if c.pauses.last().is_some_and(|p| p.to.is_none() && p.cause == PauseCause::Pending) {
                c.resume(now);
            }
        }
    }
    let stop = |clocks: &mut [&mut Clock], kinds: &[ClockKind]| {
        for c in clocks.iter_mut().filter(|c| kinds.contains(&c.kind)) {
            c.stop(now);
        }
    };
    match facts.command {
        CommandKind::Start => stop(clocks, &[ClockKind::Response]),
        CommandKind::Resolve | CommandKind::Close => {
            stop(clocks, &[ClockKind::Response, ClockKind::Resolution, ClockKind::Tier2Resolution])
        }
        CommandKind::Escalate => match find(clocks, ClockKind::Tier2Resolution) {
            // Back at tier 2 after a return: the OLA runs on.
            Some(tier2) if tier2.stopped_at.is_some() => tier2.restart(now, PauseCause::Returned),
            Some(tier2) => tier2.resume(now),
            None => return Needs::NewTier2Clock,
        },
        CommandKind::Return => {
            if let Some(tier2) = find(clocks, ClockKind::Tier2Resolution) {
                tier2.pause(now, PauseCause::Returned, None);
            }
        }
        CommandKind::Reopen => {
            if let Some(resolution) = find(clocks, ClockKind::Resolution) {
                resolution.restart(now, PauseCause::Resolved);
            }
            if let (Tier::Two, Some(tier2)) = (facts.next_tier, find(clocks, ClockKind::Tier2Resolution)) {
                tier2.restart(now, PauseCause::Resolved);
            }
        }
        CommandKind::Pend => {
            if let Some(reason) = facts.pausing_reason {
                for c in clocks.iter_mut() {
                    c.pause(now, PauseCause::Pending, Some(reason.as_str().to_owned()));
                }
            }
        }
        CommandKind::Assign | CommandKind::Resume => {}
    }
    Needs::Nothing
}

/// A staff member's public reply meets a running response clock; whether it did.
pub fn after_public_reply(clocks: &mut [&mut Clock], now: DateTime<Utc>) -> bool {
    match find(clocks, ClockKind::Response) {
        Some(response) if response.stopped_at.is_none() => {
            response.stop(now);
            true
        }
        _ => false,
    }
}

/// A clock's instants as the store keeps them, worked out again after a
/// change to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    /// Due and warning instants (`None` while a pause holds it short of due).
    pub schedule: Option<Schedule>,
    /// Clock time run, once stopped.
    pub elapsed: Option<Duration>,
    /// It stopped on or after its due instant with no breach recorded: the
    /// breach is recorded now, as the move that stopped it is.
    pub breaches_now: bool,
}

/// Settles a clock on `cal` after a change (`breach_recorded`: a breach is
/// already on record). The one place that decides a late stop is a breach.
pub fn settle(clock: &Clock, cal: &WorkingCalendar, breach_recorded: bool) -> Result<Settled, NoWorkingTime> {
    let schedule = clock.schedule(cal)?;
    let elapsed = clock.stopped_at.map(|stop| clock.elapsed(cal, stop));
    let stopped_late = matches!((clock.stopped_at, schedule), (Some(stop), Some(s)) if stop >= s.due_at);
    Ok(Settled { schedule, elapsed, breaches_now: stopped_late && !breach_recorded })
}

/// The alerts recorded of a clock (warning, breach) that still hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kept {
    pub warning: bool,
    pub breach: bool,
}

/// After a re-target, a warning or breach recorded for an instant that now
/// lies in the future no longer holds (it is recorded again if reached).
/// Judged by time run, so that a clock paused now is judged right too.
pub fn alerts_after_retarget(clock: &Clock, cal: &WorkingCalendar, now: DateTime<Utc>) -> Result<Kept, NoWorkingTime> {
    let length = clock.target_length(cal)?;
    let run = clock.elapsed(cal, now);
    Ok(Kept { warning: run >= length * i32::from(clock.warning_percent) / 100, breach: run >= length })
}

/// Whether a breach the sweeper just recorded escalates the ticket: a
/// tier-1 resolution breach, when the clock's policy says so.
pub fn breach_escalates(kind: ClockKind, tier: Tier, policy_auto_escalates: bool) -> bool {
    kind == ClockKind::Resolution && tier == Tier::One && policy_auto_escalates
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 8, 3, hour, 0, 0).single().unwrap()
    }

    fn clocks() -> Vec<Clock> {
        vec![
            Clock::start(ClockKind::Response, Target::BusinessMinutes(60), 75, at(1)),
            Clock::start(ClockKind::Resolution, Target::BusinessMinutes(480), 75, at(1)),
        ]
    }

    fn facts(command: CommandKind, next_status: Status, next_tier: Tier) -> MoveFacts {
        MoveFacts { command, next_status, next_tier, pausing_reason: None }
    }

    fn apply(clocks: &mut [Clock], facts: &MoveFacts, now: DateTime<Utc>) -> Needs {
        let mut refs: Vec<&mut Clock> = clocks.iter_mut().collect();
        after_move(&mut refs, facts, now)
    }

    #[test]
    fn starting_work_meets_the_response_only() {
        let mut c = clocks();
        apply(&mut c, &facts(CommandKind::Start, Status::InProgress, Tier::One), at(2));
        assert_eq!((c[0].stopped_at, c[1].stopped_at), (Some(at(2)), None));
    }

    #[test]
    fn pending_pauses_only_for_a_reason_the_policy_lists_and_any_move_out_resumes() {
        let mut c = clocks();
        apply(&mut c, &facts(CommandKind::Pend, Status::Pending, Tier::One), at(2));
        assert!(c.iter().all(|c| c.pauses.is_empty()));
        let pend = MoveFacts {
            pausing_reason: Some(PendingReason::WaitingForReporter),
            ..facts(CommandKind::Pend, Status::Pending, Tier::One)
        };
        apply(&mut c, &pend, at(3));
        assert!(c.iter().all(Clock::is_paused));
        apply(&mut c, &facts(CommandKind::Resolve, Status::Resolved, Tier::One), at(4));
        assert!(c.iter().all(|c| c.pauses[0].to == Some(at(4)) && c.stopped_at == Some(at(4))));
    }

    #[test]
    fn the_first_escalation_asks_for_a_tier2_clock_and_a_return_pauses_it() {
        let mut c = clocks();
        assert_eq!(apply(&mut c, &facts(CommandKind::Escalate, Status::New, Tier::Two), at(2)), Needs::NewTier2Clock);
        c.push(Clock::start(ClockKind::Tier2Resolution, Target::BusinessMinutes(240), 75, at(2)));
        apply(&mut c, &facts(CommandKind::Return, Status::New, Tier::One), at(3));
        assert!(c[2].is_paused());
        assert_eq!(apply(&mut c, &facts(CommandKind::Escalate, Status::New, Tier::Two), at(4)), Needs::Nothing);
        assert!(!c[2].is_paused());
    }

    #[test]
    fn pending_pauses_the_clocks_only_for_a_reason_their_policy_lists() {
        let next = TicketState { status: Status::Pending, ..TicketState::filed(Tier::One) };
        let pend = Command::Pend { reason: PendingReason::WaitingForVendor };
        assert_eq!(MoveFacts::of(&pend, &next, &[PendingReason::WaitingForReporter]).pausing_reason, None);
        let facts = MoveFacts::of(&pend, &next, &[PendingReason::WaitingForVendor]);
        assert_eq!(facts.pausing_reason, Some(PendingReason::WaitingForVendor));
        assert_eq!((facts.command, facts.next_status), (CommandKind::Pend, Status::Pending));
    }

    #[test]
    fn a_clock_stopped_on_or_after_its_due_instant_breaches_once() {
        let always = crate::domain::sla::calendar::WeekSchedule::always();
        let cal = WorkingCalendar::new(chrono_tz::Asia::Makassar, always);
        let mut c = Clock::start(ClockKind::Response, Target::CalendarHours(1), 75, at(1));
        c.stop(at(2));
        let settled = settle(&c, &cal, false).unwrap();
        assert_eq!(settled.schedule.map(|s| s.due_at), Some(at(2)));
        assert_eq!(settled.elapsed, Some(Duration::hours(1)));
        assert!(settled.breaches_now);
        assert!(!settle(&c, &cal, true).unwrap().breaches_now, "a breach is recorded once");
        let mut early = Clock::start(ClockKind::Response, Target::CalendarHours(2), 75, at(1));
        early.stop(at(2));
        assert!(!settle(&early, &cal, false).unwrap().breaches_now);
        let running = Clock::start(ClockKind::Response, Target::CalendarHours(1), 75, at(1));
        assert_eq!(settle(&running, &cal, false).unwrap().elapsed, None);
    }

    #[test]
    fn a_public_reply_meets_a_running_response_once() {
        let mut c = clocks();
        let mut refs: Vec<&mut Clock> = c.iter_mut().collect();
        assert!(after_public_reply(&mut refs, at(2)));
        assert!(!after_public_reply(&mut refs, at(3)));
        assert_eq!(c[0].stopped_at, Some(at(2)));
    }

    #[test]
    fn only_a_tier1_resolution_breach_escalates_and_only_by_policy() {
        assert!(breach_escalates(ClockKind::Resolution, Tier::One, true));
        assert!(!breach_escalates(ClockKind::Resolution, Tier::One, false));
        assert!(!breach_escalates(ClockKind::Response, Tier::One, true));
        assert!(!breach_escalates(ClockKind::Resolution, Tier::Two, true));
    }
}
