//! What a sweep owes a clock: its warning, then its breach, one at a
//! time so that a catch-up after downtime records them in the order they
//! fell due. Warnings wait for the working time of the people warned
//! unless the ticket is critical; a breach that comes first supersedes one.

use chrono::{DateTime, Utc};

use super::calendar::WorkingCalendar;
use super::clock::Schedule;
use super::math::{in_working_time, next_working_instant};

/// What has already been recorded of a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Recorded {
    pub warned: bool,
    pub breached: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    Warning,
    Breach,
}

/// The next thing to do about a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Record this alert now; it fell due at the instant given.
    Fire(Alert, DateTime<Utc>),
    /// Nothing before this instant.
    CheckAt(DateTime<Utc>),
    /// Everything has been recorded.
    Done,
}

impl Next {
    /// The instant the sweeper orders this clock by.
    pub fn instant(self) -> Option<DateTime<Utc>> {
        match self {
            Next::Fire(_, at) | Next::CheckAt(at) => Some(at),
            Next::Done => None,
        }
    }
}

/// Decides the next alert of a running clock at `now`. `cal` is the
/// calendar of the people warned: outside its working time a warning
/// waits (unless the ticket is critical); if the breach comes first, the
/// breach notice supersedes the warning.
pub fn next_alert(
    schedule: Schedule,
    recorded: Recorded,
    critical: bool,
    cal: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Next {
    if recorded.breached {
        return Next::Done;
    }
    if !recorded.warned {
        if schedule.warn_at > now {
            return Next::CheckAt(schedule.warn_at);
        }
        if critical || in_working_time(cal, now) {
            return Next::Fire(Alert::Warning, schedule.warn_at);
        }
        if schedule.due_at > now {
            // Held back to the next working instant, or the breach if sooner.
            let opening = next_working_instant(cal, now).unwrap_or(schedule.due_at);
            return Next::CheckAt(opening.min(schedule.due_at));
        }
    }
    if schedule.due_at <= now {
        Next::Fire(Alert::Breach, schedule.due_at)
    } else {
        Next::CheckAt(schedule.due_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sla::math::tests::{majene_2026, wita};

    fn schedule() -> Schedule {
        // Warn Friday 14 Aug 16:00, due Tuesday 18 Aug 10:50 (WITA).
        Schedule { warn_at: wita(2026, 8, 14, 16, 0), due_at: wita(2026, 8, 18, 10, 50) }
    }

    fn fresh() -> Recorded {
        Recorded::default()
    }

    #[test]
    fn nothing_before_the_warning() {
        let next = next_alert(schedule(), fresh(), false, &majene_2026(), wita(2026, 8, 14, 15, 0));
        assert_eq!(next, Next::CheckAt(wita(2026, 8, 14, 16, 0)));
    }

    #[test]
    fn a_warning_in_working_time_goes_out_and_the_breach_is_next() {
        let cal = majene_2026();
        let now = wita(2026, 8, 14, 16, 1);
        assert_eq!(next_alert(schedule(), fresh(), false, &cal, now), Next::Fire(Alert::Warning, schedule().warn_at));
        let warned = Recorded { warned: true, breached: false };
        assert_eq!(next_alert(schedule(), warned, false, &cal, now), Next::CheckAt(schedule().due_at));
    }

    #[test]
    fn a_warning_at_night_waits_for_the_next_working_morning_unless_critical() {
        let cal = majene_2026();
        let saturday = wita(2026, 8, 15, 2, 0);
        // Monday 17 Aug is a holiday: Tuesday 07:30.
        assert_eq!(next_alert(schedule(), fresh(), false, &cal, saturday), Next::CheckAt(wita(2026, 8, 18, 7, 30)));
        assert!(matches!(next_alert(schedule(), fresh(), true, &cal, saturday), Next::Fire(Alert::Warning, _)));
    }

    #[test]
    fn a_breach_at_night_supersedes_the_held_warning() {
        let cal = majene_2026();
        let night = wita(2026, 8, 19, 23, 0);
        assert_eq!(next_alert(schedule(), fresh(), false, &cal, night), Next::Fire(Alert::Breach, schedule().due_at));
        let breached = Recorded { warned: false, breached: true };
        assert_eq!(next_alert(schedule(), breached, false, &cal, night), Next::Done, "a breach implies the warning");
    }

    #[test]
    fn after_downtime_the_warning_comes_first_then_the_breach_then_nothing() {
        let cal = majene_2026();
        let late = wita(2026, 8, 19, 10, 0);
        assert_eq!(next_alert(schedule(), fresh(), false, &cal, late), Next::Fire(Alert::Warning, schedule().warn_at));
        let warned = Recorded { warned: true, breached: false };
        assert_eq!(next_alert(schedule(), warned, false, &cal, late), Next::Fire(Alert::Breach, schedule().due_at));
        let both = Recorded { warned: true, breached: true };
        assert_eq!(next_alert(schedule(), both, false, &cal, late), Next::Done);
    }
}
