//! One SLA clock of a ticket: when it started, its target, its pauses and
//! whether it stopped. Due and warning instants are a pure function of
//! these and the calendar; the store keeps them only as an index.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::WorkingCalendar;
use super::math::{add_business, business_elapsed, NoWorkingTime};
use super::target::Target;
use crate::domain::text_enum::text_enum;

text_enum!(
    /// The clocks a ticket can carry.
    ClockKind {
        /// First response the reporter can see.
        Response => "response",
        /// Resolution at tier 1, or overall when tier 2 takes tickets directly.
        Resolution => "resolution",
        /// Tier 2's resolution after an escalation (the OLA).
        Tier2Resolution => "tier2_resolution",
    }
);

text_enum!(
    /// Why a clock stood still for a while.
    PauseCause {
        /// The ticket waited for the reporter or a vendor.
        Pending => "pending",
        /// The ticket was resolved and later reopened.
        Resolved => "resolved",
        /// Tier 2 returned the ticket to tier 1 (stops the tier-2 clock).
        Returned => "returned",
    }
);

/// A stretch of time that does not count against the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: DateTime<Utc>,
    /// `None` while the pause lasts.
    pub to: Option<DateTime<Utc>>,
    pub cause: PauseCause,
    /// The pending reason, when `cause` is `pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// When the sweeper has to look at a running clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub due_at: DateTime<Utc>,
    pub warn_at: DateTime<Utc>,
}

/// A clock as its events define it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    pub kind: ClockKind,
    pub target: Target,
    pub warning_percent: u8,
    pub started_at: DateTime<Utc>,
    pub pauses: Vec<Pause>,
    pub stopped_at: Option<DateTime<Utc>>,
}

/// How a clock stands at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Running,
    Paused,
    Met,
    Breached,
}

impl Standing {
    pub const ALL: [Standing; 4] = [Standing::Running, Standing::Paused, Standing::Met, Standing::Breached];
}

impl Clock {
    pub fn start(kind: ClockKind, target: Target, warning_percent: u8, at: DateTime<Utc>) -> Self {
        Self { kind, target, warning_percent, started_at: at, pauses: Vec::new(), stopped_at: None }
    }

    /// Calendar-hour targets run on the wall clock; the others in working time.
    fn counts_working_time_only(&self) -> bool {
        !matches!(self.target, Target::CalendarHours(_))
    }

    /// Clock time between two instants.
    pub fn measure(&self, cal: &WorkingCalendar, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if self.counts_working_time_only() {
            business_elapsed(cal, from, to)
        } else {
            (to - from).max(Duration::zero())
        }
    }

    /// The instant `amount` of clock time after `from`.
    fn shift(
        &self,
        cal: &WorkingCalendar,
        from: DateTime<Utc>,
        amount: Duration,
    ) -> Result<DateTime<Utc>, NoWorkingTime> {
        if self.counts_working_time_only() {
            add_business(cal, from, amount)
        } else {
            from.checked_add_signed(amount).ok_or(NoWorkingTime)
        }
    }

    pub fn is_paused(&self) -> bool {
        self.stopped_at.is_none() && self.pauses.last().is_some_and(|p| p.to.is_none())
    }

    /// Clock time a pause held back (so far, if it still lasts at `now`).
    pub fn pause_length(&self, cal: &WorkingCalendar, pause: &Pause, now: DateTime<Utc>) -> Duration {
        self.measure(cal, pause.from, pause.to.unwrap_or(now).max(pause.from))
    }

    /// Clock time held back by all pauses until `now`.
    pub fn paused_time(&self, cal: &WorkingCalendar, now: DateTime<Utc>) -> Duration {
        self.pauses.iter().map(|p| self.pause_length(cal, p, now)).sum()
    }

    /// The whole target as clock time (a working-day target's length
    /// depends on the day it starts).
    pub fn target_length(&self, cal: &WorkingCalendar) -> Result<Duration, NoWorkingTime> {
        match self.target {
            Target::BusinessMinutes(m) => Ok(Duration::minutes(i64::from(m))),
            Target::CalendarHours(h) => Ok(Duration::hours(i64::from(h))),
            Target::BusinessDays(_) => {
                let base_due = self.target.due_at(cal, self.started_at)?;
                Ok(self.measure(cal, self.started_at, base_due))
            }
        }
    }

    /// The instant at which `amount` of clock time has run, pauses not
    /// counting; `None` if it lies beyond a pause that has not ended.
    fn instant_after(&self, cal: &WorkingCalendar, amount: Duration) -> Result<Option<DateTime<Utc>>, NoWorkingTime> {
        let (mut cursor, mut remaining) = (self.started_at, amount);
        for pause in &self.pauses {
            let run = self.measure(cal, cursor, pause.from);
            if remaining <= run {
                return self.shift(cal, cursor, remaining).map(Some);
            }
            remaining -= run;
            match pause.to {
                Some(to) => cursor = cursor.max(to),
                None => return Ok(None),
            }
        }
        self.shift(cal, cursor, remaining).map(Some)
    }

    /// Due and warning instants: where the run time, pauses excluded,
    /// reaches the target and its warning share. `None` while a pause
    /// holds the clock before it falls due.
    pub fn schedule(&self, cal: &WorkingCalendar) -> Result<Option<Schedule>, NoWorkingTime> {
        let length = self.target_length(cal)?;
        let warn_after = length * i32::from(self.warning_percent) / 100;
        let due_at = self.instant_after(cal, length)?;
        let warn_at = self.instant_after(cal, warn_after)?;
        Ok(match (due_at, warn_at) {
            (Some(due_at), Some(warn_at)) => Some(Schedule { due_at, warn_at }),
            // Warned before the pause, due after it: nothing is scheduled yet.
            (Some(due_at), None) => Some(Schedule { due_at, warn_at: due_at }),
            (None, _) => None,
        })
    }

    /// Clock time run from the start until `now` (or the stop), without pauses.
    pub fn elapsed(&self, cal: &WorkingCalendar, now: DateTime<Utc>) -> Duration {
        let end = self.stopped_at.unwrap_or(now).max(self.started_at);
        let paused: Duration = self
            .pauses
            .iter()
            .filter(|p| p.from < end)
            .map(|p| self.measure(cal, p.from, p.to.unwrap_or(end).min(end)))
            .sum();
        (self.measure(cal, self.started_at, end) - paused).max(Duration::zero())
    }

    /// Where the clock stands at `now`; `due_at` from [`Clock::schedule`].
    pub fn standing(&self, due_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Standing {
        match (self.stopped_at, due_at) {
            (Some(stop), Some(due)) if stop >= due => Standing::Breached,
            (Some(_), _) => Standing::Met,
            (None, Some(due)) if now >= due => Standing::Breached,
            (None, _) if self.is_paused() => Standing::Paused,
            (None, _) => Standing::Running,
        }
    }

    /// Stops counting from `at` (no effect on a stopped or paused clock).
    pub fn pause(&mut self, at: DateTime<Utc>, cause: PauseCause, reason: Option<String>) {
        if self.stopped_at.is_none() && !self.is_paused() {
            self.pauses.push(Pause { from: at.max(self.started_at), to: None, cause, reason });
        }
    }

    /// Counts again from `at`.
    pub fn resume(&mut self, at: DateTime<Utc>) {
        if let Some(open) = self.pauses.last_mut().filter(|p| p.to.is_none()) {
            open.to = Some(at.max(open.from));
        }
    }

    /// Stops the clock for good (closing a pause it is in).
    pub fn stop(&mut self, at: DateTime<Utc>) {
        if self.stopped_at.is_none() {
            self.resume(at);
            self.stopped_at = Some(at.max(self.started_at));
        }
    }

    /// Runs a stopped clock again from `at`, the stop counting as a pause.
    pub fn restart(&mut self, at: DateTime<Utc>, cause: PauseCause) {
        if let Some(stopped) = self.stopped_at.take() {
            self.pauses.push(Pause { from: stopped, to: Some(at.max(stopped)), cause, reason: None });
        }
    }

    /// Holidays that fell on what would have been working days between the
    /// start and `until` (they are why a due time lies further out).
    pub fn holidays_skipped(&self, cal: &WorkingCalendar, until: DateTime<Utc>) -> Vec<(NaiveDate, String)> {
        if !self.counts_working_time_only() {
            return Vec::new();
        }
        let from = self.started_at.with_timezone(&cal.zone).date_naive();
        let to = until.with_timezone(&cal.zone).date_naive();
        if to < from {
            return Vec::new();
        }
        cal.holidays
            .range(from..=to)
            .filter(|(date, _)| {
                let regular = match cal.special.iter().find(|s| s.from <= **date && **date <= s.to) {
                    Some(special) => special.week.day(**date),
                    None => cal.week.day(**date),
                };
                !regular.is_empty()
            })
            .map(|(date, name)| (*date, name.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sla::math::in_working_time;
    use crate::domain::sla::math::tests::{majene_2026, wita};
    use proptest::prelude::*;

    fn p2(at: DateTime<Utc>) -> Clock {
        Clock::start(ClockKind::Resolution, Target::BusinessMinutes(240), 75, at)
    }

    #[test]
    fn friday_before_independence_day_falls_due_on_tuesday() {
        let cal = majene_2026();
        let clock = p2(wita(2026, 8, 14, 15, 50));
        let schedule = clock.schedule(&cal).unwrap().unwrap();
        assert_eq!(schedule.due_at, wita(2026, 8, 18, 10, 50));
        // 75 % of 240 minutes = 180: 40 on Friday, 140 on Tuesday from 07:30.
        assert_eq!(schedule.warn_at, wita(2026, 8, 18, 9, 50));
        let skipped = clock.holidays_skipped(&cal, schedule.due_at);
        assert_eq!(skipped.iter().map(|(d, _)| d.to_string()).collect::<Vec<_>>(), vec!["2026-08-17"]);
    }

    #[test]
    fn a_pause_over_the_weekend_shifts_the_due_time_by_the_working_time_paused() {
        let cal = majene_2026();
        // Thursday 6 Aug 10:00 + 240 minutes -> Thursday 15:00 (lunch 12:00–13:00).
        let mut clock = p2(wita(2026, 8, 6, 10, 0));
        assert_eq!(clock.schedule(&cal).unwrap().unwrap().due_at, wita(2026, 8, 6, 15, 0));
        // Pending from Thursday 11:00 (60 minutes run) to Monday 08:30.
        clock.pause(wita(2026, 8, 6, 11, 0), PauseCause::Pending, Some("waiting_for_reporter".into()));
        assert!(clock.is_paused() && clock.schedule(&cal).unwrap().is_none());
        assert_eq!(clock.standing(None, wita(2026, 8, 8, 0, 0)), Standing::Paused);
        clock.resume(wita(2026, 8, 10, 8, 30));
        // Paused: Thu 11:00–12:00, 13:00–16:00, Fri 7:30–11:30, 13:00–16:30, Mon 7:30–8:30.
        assert_eq!(clock.paused_time(&cal, wita(2026, 8, 12, 0, 0)), Duration::minutes(60 + 180 + 240 + 210 + 60));
        // 180 minutes left from Monday 08:30 -> 11:30.
        let due = clock.schedule(&cal).unwrap().unwrap().due_at;
        assert_eq!(due, wita(2026, 8, 10, 11, 30));
        assert_eq!(clock.elapsed(&cal, wita(2026, 8, 10, 9, 30)), Duration::minutes(120));
        clock.stop(wita(2026, 8, 10, 11, 0));
        assert_eq!(clock.standing(Some(due), wita(2026, 8, 12, 0, 0)), Standing::Met);
        assert_eq!(clock.elapsed(&cal, wita(2026, 8, 20, 0, 0)), Duration::minutes(210));
    }

    #[test]
    fn a_clock_opened_in_ramadan_runs_on_ramadan_hours() {
        let cal = majene_2026();
        // Monday 2 Mar 2026, 14:00 WITA; Ramadan hours Mon–Thu 08:00–15:00 (break 12:00–12:30).
        let clock = p2(wita(2026, 3, 2, 14, 0));
        // 60 minutes on Monday, 180 on Tuesday from 08:00 -> 11:00.
        assert_eq!(clock.schedule(&cal).unwrap().unwrap().due_at, wita(2026, 3, 3, 11, 0));
    }

    #[test]
    fn calendar_hours_ignore_working_time_and_holidays() {
        let cal = majene_2026();
        let mut clock = Clock::start(ClockKind::Resolution, Target::CalendarHours(48), 50, wita(2026, 8, 14, 15, 50));
        let schedule = clock.schedule(&cal).unwrap().unwrap();
        assert_eq!((schedule.due_at, schedule.warn_at), (wita(2026, 8, 16, 15, 50), wita(2026, 8, 15, 15, 50)));
        assert!(clock.holidays_skipped(&cal, schedule.due_at).is_empty());
        clock.pause(wita(2026, 8, 15, 0, 0), PauseCause::Pending, None);
        clock.resume(wita(2026, 8, 15, 6, 0));
        assert_eq!(clock.schedule(&cal).unwrap().unwrap().due_at, wita(2026, 8, 16, 21, 50));
    }

    #[test]
    fn a_reopened_ticket_does_not_count_the_time_it_stood_resolved() {
        let cal = majene_2026();
        let mut clock = p2(wita(2026, 8, 6, 8, 0));
        clock.stop(wita(2026, 8, 6, 9, 0));
        clock.restart(wita(2026, 8, 6, 14, 0), PauseCause::Resolved);
        assert_eq!(clock.stopped_at, None);
        assert_eq!(clock.elapsed(&cal, wita(2026, 8, 6, 15, 0)), Duration::minutes(120));
        // 180 minutes left from 14:00: 120 on Thursday, 60 on Friday from 07:30.
        assert_eq!(clock.schedule(&cal).unwrap().unwrap().due_at, wita(2026, 8, 7, 8, 30));
    }

    #[test]
    fn breach_begins_at_the_due_instant() {
        let cal = majene_2026();
        let mut clock = p2(wita(2026, 8, 6, 10, 0));
        let due = clock.schedule(&cal).unwrap().map(|s| s.due_at);
        assert_eq!(clock.standing(due, wita(2026, 8, 6, 14, 59)), Standing::Running);
        assert_eq!(clock.standing(due, wita(2026, 8, 6, 15, 0)), Standing::Breached);
        clock.stop(wita(2026, 8, 6, 15, 0));
        assert_eq!(clock.standing(due, wita(2026, 8, 6, 15, 0)), Standing::Breached);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// A pause of any length moves the due time by exactly the working
        /// time paused, and elapsed time at the due instant is the target.
        #[test]
        fn pauses_shift_due_by_what_they_paused(
            start_min in 0i64..(60 * 24 * 200),
            run_min in 0i64..(60 * 24 * 10),
            pause_min in 0i64..(60 * 24 * 10),
            target in 1u32..5000,
        ) {
            let cal = majene_2026();
            let start = wita(2026, 1, 5, 0, 0) + Duration::minutes(start_min);
            let mut clock = Clock::start(ClockKind::Resolution, Target::BusinessMinutes(target), 75, start);
            let pause_at = start + Duration::minutes(run_min);
            clock.pause(pause_at, PauseCause::Pending, None);
            clock.resume(pause_at + Duration::minutes(pause_min));
            let schedule = clock.schedule(&cal).unwrap().unwrap();
            prop_assert!(in_working_time(&cal, schedule.due_at));
            prop_assert!(schedule.warn_at <= schedule.due_at);
            let elapsed = clock.elapsed(&cal, schedule.due_at);
            prop_assert_eq!(elapsed, Duration::minutes(i64::from(target)));
            let unpaused = p2_like(target, start).schedule(&cal).unwrap().unwrap().due_at;
            prop_assert!(schedule.due_at >= unpaused);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// A pause that begins once the clock has fallen due changes
        /// nothing: a breach cannot be paused away.
        #[test]
        fn a_pause_after_the_due_instant_does_not_move_it(
            start_min in 0i64..(60 * 24 * 200),
            after_min in 0i64..(60 * 24 * 5),
            pause_min in 1i64..(60 * 24 * 10),
            target in 1u32..5000,
        ) {
            let cal = majene_2026();
            let start = wita(2026, 1, 5, 0, 0) + Duration::minutes(start_min);
            let mut clock = p2_like(target, start);
            let due = clock.schedule(&cal).unwrap().unwrap().due_at;
            let pause_at = due + Duration::minutes(after_min);
            clock.pause(pause_at, PauseCause::Pending, None);
            prop_assert_eq!(clock.schedule(&cal).unwrap().map(|s| s.due_at), Some(due));
            clock.resume(pause_at + Duration::minutes(pause_min));
            prop_assert_eq!(clock.schedule(&cal).unwrap().map(|s| s.due_at), Some(due));
            prop_assert_eq!(clock.standing(Some(due), pause_at), Standing::Breached);
        }
    }

    fn p2_like(target: u32, start: DateTime<Utc>) -> Clock {
        Clock::start(ClockKind::Resolution, Target::BusinessMinutes(target), 75, start)
    }
}
