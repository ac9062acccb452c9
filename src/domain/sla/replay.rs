//! A ticket's clocks rebuilt from its event log: each logged step applied
//! with the same rules the store applies as it goes
//! ([`super::lifecycle`]). Stored clocks are a cache of this; where they
//! differ, [`differences`] says how.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::alerts::Alert;
use super::clock::{Clock, ClockKind};
use super::lifecycle::{after_move, after_public_reply, ClockStart, MoveFacts, Needs, VersionRef};
use super::target::Target;

/// A clock with the versions it runs under and the alerts recorded of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedClock {
    pub clock: Clock,
    pub calendar: VersionRef,
    pub policy: VersionRef,
    pub warned_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
}

impl TrackedClock {
    pub fn start(start: &ClockStart, at: DateTime<Utc>) -> Self {
        Self {
            clock: Clock::start(start.kind, start.target, start.warning_percent, at),
            calendar: start.calendar,
            policy: start.policy,
            warned_at: None,
            breached_at: None,
        }
    }
}

/// A running clock given a new target (a priority change), and which of
/// its recorded alerts still hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retarget {
    pub kind: ClockKind,
    pub target: Target,
    pub keeps_warning: bool,
    pub keeps_breach: bool,
}

/// A running clock moved onto other versions (an explicit recompute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rebase {
    pub start: ClockStart,
    pub keeps_warning: bool,
    pub keeps_breach: bool,
}

/// What one logged event did to the clocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Filing started these clocks (none when no calendar or policy applied).
    Filed(Vec<ClockStart>),
    /// A workflow move; the tier-2 clock it started, if it did.
    Moved {
        facts: MoveFacts,
        tier2: Option<ClockStart>,
    },
    /// A public reply of the desk that met the response.
    ResponseMet,
    Retargeted(Vec<Retarget>),
    Rebased(Vec<Rebase>),
    Alerted {
        kind: ClockKind,
        alert: Alert,
    },
}

/// Why a log cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("the log does not start with the ticket's filing")]
    NotFiled,
    #[error("the escalation at {0} started a tier-2 clock the log does not describe")]
    MissingTier2(DateTime<Utc>),
    #[error("the log names a {0} clock the ticket does not have")]
    UnknownClock(ClockKind),
}

/// Rebuilds the clocks from the steps of the log, in order.
pub fn replay(steps: &[(DateTime<Utc>, Step)]) -> Result<Vec<TrackedClock>, ReplayError> {
    let mut steps = steps.iter();
    let Some((filed_at, Step::Filed(starts))) = steps.next() else { return Err(ReplayError::NotFiled) };
    let mut clocks: Vec<TrackedClock> = starts.iter().map(|s| TrackedClock::start(s, *filed_at)).collect();
    for (at, step) in steps {
        apply(&mut clocks, *at, step)?;
    }
    clocks.sort_by_key(|c| c.clock.kind);
    Ok(clocks)
}

fn tracked(clocks: &mut [TrackedClock], kind: ClockKind) -> Result<&mut TrackedClock, ReplayError> {
    clocks.iter_mut().find(|c| c.clock.kind == kind).ok_or(ReplayError::UnknownClock(kind))
}

fn apply(clocks: &mut Vec<TrackedClock>, at: DateTime<Utc>, step: &Step) -> Result<(), ReplayError> {
    let mut refs: Vec<&mut Clock> = clocks.iter_mut().map(|c| &mut c.clock).collect();
    match step {
        // A second filing cannot happen; nothing to apply.
        Step::Filed(_) => {}
        Step::Moved { facts, tier2 } => {
            if after_move(&mut refs, facts, at) == Needs::NewTier2Clock && !refs.is_empty() {
                let start = tier2.ok_or(ReplayError::MissingTier2(at))?;
                clocks.push(TrackedClock::start(&start, at));
            }
        }
        Step::ResponseMet => {
            after_public_reply(&mut refs, at);
        }
        Step::Retargeted(retargets) => {
            for r in retargets {
                let c = tracked(clocks, r.kind)?;
                c.clock.target = r.target;
                keep(c, r.keeps_warning, r.keeps_breach);
            }
        }
        Step::Rebased(rebases) => {
            for r in rebases {
                let c = tracked(clocks, r.start.kind)?;
                (c.calendar, c.policy) = (r.start.calendar, r.start.policy);
                (c.clock.target, c.clock.warning_percent) = (r.start.target, r.start.warning_percent);
                keep(c, r.keeps_warning, r.keeps_breach);
            }
        }
        Step::Alerted { kind, alert } => {
            let c = tracked(clocks, *kind)?;
            match alert {
                Alert::Warning => c.warned_at = Some(at),
                Alert::Breach => c.breached_at = Some(at),
            }
        }
    }
    Ok(())
}

fn keep(c: &mut TrackedClock, warning: bool, breach: bool) {
    if !warning {
        c.warned_at = None;
    }
    if !breach {
        c.breached_at = None;
    }
}

/// How stored clocks differ from the replayed ones, in words (empty when
/// they agree).
pub fn differences(stored: &[TrackedClock], replayed: &[TrackedClock]) -> Vec<String> {
    let mut found = Vec::new();
    for r in replayed {
        let Some(s) = stored.iter().find(|s| s.clock.kind == r.clock.kind) else {
            found.push(format!("the {} clock is missing from the stored clocks", r.clock.kind));
            continue;
        };
        let kind = r.clock.kind;
        let mut differs = |what: &str, stored: String, replayed: String| {
            if stored != replayed {
                found.push(format!("{kind}: {what} is {stored} in the store but {replayed} in the log"));
            }
        };
        differs("the start", format!("{}", s.clock.started_at), format!("{}", r.clock.started_at));
        differs("the target", format!("{:?}", s.clock.target), format!("{:?}", r.clock.target));
        differs("the warning share", s.clock.warning_percent.to_string(), r.clock.warning_percent.to_string());
        differs("the pauses", format!("{:?}", s.clock.pauses), format!("{:?}", r.clock.pauses));
        differs("the stop", format!("{:?}", s.clock.stopped_at), format!("{:?}", r.clock.stopped_at));
        differs("the calendar version", format!("{:?}", s.calendar), format!("{:?}", r.calendar));
        differs("the policy version", format!("{:?}", s.policy), format!("{:?}", r.policy));
        differs("the warning", format!("{:?}", s.warned_at), format!("{:?}", r.warned_at));
        differs("the breach", format!("{:?}", s.breached_at), format!("{:?}", r.breached_at));
    }
    for s in stored.iter().filter(|s| !replayed.iter().any(|r| r.clock.kind == s.clock.kind)) {
        found.push(format!("the stored {} clock has no start in the log", s.clock.kind));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::workflow::CommandKind;
    use crate::domain::ticket::{Status, Tier};
    use chrono::TimeZone;
    use uuid::Uuid;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 8, 3, hour, 0, 0).single().unwrap()
    }

    fn start(kind: ClockKind) -> ClockStart {
        let v = VersionRef { id: Uuid::from_u128(1), version: 1 };
        ClockStart { kind, target: Target::BusinessMinutes(240), warning_percent: 75, calendar: v, policy: v }
    }

    fn moved(command: CommandKind, status: Status, tier: Tier, tier2: Option<ClockStart>) -> Step {
        Step::Moved { facts: MoveFacts { command, next_status: status, next_tier: tier, pausing_reason: None }, tier2 }
    }

    #[test]
    fn an_escalation_and_return_replay_into_a_paused_tier2_clock() {
        let log = vec![
            (at(1), Step::Filed(vec![start(ClockKind::Response), start(ClockKind::Resolution)])),
            (at(2), moved(CommandKind::Start, Status::InProgress, Tier::One, None)),
            (at(3), moved(CommandKind::Escalate, Status::New, Tier::Two, Some(start(ClockKind::Tier2Resolution)))),
            (at(4), Step::Alerted { kind: ClockKind::Resolution, alert: Alert::Warning }),
            (at(5), moved(CommandKind::Return, Status::New, Tier::One, None)),
        ];
        let clocks = replay(&log).unwrap();
        assert_eq!(clocks.len(), 3);
        assert_eq!(clocks[0].clock.stopped_at, Some(at(2)));
        assert_eq!(clocks[1].warned_at, Some(at(4)));
        assert!(clocks[2].clock.is_paused());
        assert!(differences(&clocks, &clocks).is_empty());
    }

    #[test]
    fn a_log_without_the_tier2_start_cannot_be_replayed() {
        let log = vec![
            (at(1), Step::Filed(vec![start(ClockKind::Resolution)])),
            (at(3), moved(CommandKind::Escalate, Status::New, Tier::Two, None)),
        ];
        assert_eq!(replay(&log), Err(ReplayError::MissingTier2(at(3))));
        assert_eq!(replay(&log[1..]), Err(ReplayError::NotFiled));
    }

    #[test]
    fn differences_name_the_clock_and_the_field() {
        let log = vec![(at(1), Step::Filed(vec![start(ClockKind::Resolution)]))];
        let replayed = replay(&log).unwrap();
        let mut stored = replayed.clone();
        stored[0].clock.stopped_at = Some(at(2));
        let found = differences(&stored, &replayed);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("resolution: the stop"), "{found:?}");
        assert_eq!(differences(&[], &replayed).len(), 1);
    }
}
