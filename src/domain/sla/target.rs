//! SLA targets in the units service standards use: business minutes,
//! working days (*hari kerja*) or calendar hours ("2×24 jam").

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::WorkingCalendar;
use super::math::{add_business, clock_instant, next_working_instant, windows_on, NoWorkingTime};

/// How long a clock may run: `{"unit": "business_minutes", "value": 240}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "unit", content = "value", rename_all = "snake_case")]
pub enum Target {
    BusinessMinutes(u32),
    /// Due at the same local time of day on the n-th following working day,
    /// or, when that is not working time, at the last working moment of
    /// that day before it (the close, or the start of a break; before the
    /// day's opening, the opening). Started before a day's work begins, by
    /// the close of the n-th working day.
    BusinessDays(u32),
    /// Wall-clock hours, working time or not.
    CalendarHours(u32),
}

/// The longest target accepted in each unit: about a year.
pub const MAX_BUSINESS_MINUTES: u32 = 120_000;
pub const MAX_BUSINESS_DAYS: u32 = 260;
pub const MAX_CALENDAR_HOURS: u32 = 8_760;

impl Target {
    /// The units a target is counted in, as written.
    pub const UNITS: [&'static str; 3] = ["business_minutes", "business_days", "calendar_hours"];

    /// `value` in the unit written `unit`, if it is one of [`Target::UNITS`].
    pub fn of_unit(unit: &str, value: u32) -> Option<Self> {
        match unit {
            "business_minutes" => Some(Target::BusinessMinutes(value)),
            "business_days" => Some(Target::BusinessDays(value)),
            "calendar_hours" => Some(Target::CalendarHours(value)),
            _ => None,
        }
    }

    /// The largest value accepted in the target's unit: about a year.
    pub fn max_value(self) -> u32 {
        match self {
            Target::BusinessMinutes(_) => MAX_BUSINESS_MINUTES,
            Target::BusinessDays(_) => MAX_BUSINESS_DAYS,
            Target::CalendarHours(_) => MAX_CALENDAR_HOURS,
        }
    }

    /// Whether the target is positive and at most about a year.
    pub fn within_bounds(self) -> bool {
        let (Target::BusinessMinutes(n) | Target::BusinessDays(n) | Target::CalendarHours(n)) = self;
        (1..=self.max_value()).contains(&n)
    }

    /// When a clock started at `start` falls due.
    pub fn due_at(self, cal: &WorkingCalendar, start: DateTime<Utc>) -> Result<DateTime<Utc>, NoWorkingTime> {
        let start = clock_instant(start);
        match self {
            Target::BusinessMinutes(m) => add_business(cal, start, Duration::minutes(i64::from(m))),
            Target::CalendarHours(h) => start.checked_add_signed(Duration::hours(i64::from(h))).ok_or(NoWorkingTime),
            Target::BusinessDays(n) => {
                let first = next_working_instant(cal, start)?;
                // A clock that starts before a day's work begins (overnight,
                // at the weekend, at the opening) has that whole day as its
                // first: n working days end at the close of the n-th, as
                // n days' worth of business minutes would.
                let local_first = first.with_timezone(&cal.zone).date_naive();
                let day_opening = windows_on(cal, local_first).first().map(|w| w.0);
                if day_opening == Some(first) {
                    return close_of_nth_working_day(cal, local_first, n);
                }
                let local = first.with_timezone(&cal.zone);
                let (mut date, time) = (local.date_naive(), local.time());
                let mut counted = 0;
                for _ in 0..3660 {
                    if counted == n {
                        break;
                    }
                    date += Duration::days(1);
                    if !cal.intervals_on(date).is_empty() {
                        counted += 1;
                    }
                }
                if counted != n {
                    return Err(NoWorkingTime);
                }
                let same_time = cal.zone.from_local_datetime(&date.and_time(time)).earliest();
                let same_time = same_time.map(|t| t.with_timezone(&Utc)).ok_or(NoWorkingTime)?;
                within_working_hours(&windows_on(cal, date), same_time).ok_or(NoWorkingTime)
            }
        }
    }
}

/// `at` if it is working time of a day with `windows`; else the last
/// working moment before it (a Friday 16:15 start falls due at Monday's
/// 16:00 close, a Thursday 11:45 start at Friday's 11:30 break); before the
/// day's opening, the opening.
fn within_working_hours(windows: &[(DateTime<Utc>, DateTime<Utc>)], at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if windows.iter().any(|(start, end)| (*start..=*end).contains(&at)) {
        return Some(at);
    }
    let earlier_close = windows.iter().rev().map(|w| w.1).find(|end| *end <= at);
    earlier_close.or_else(|| windows.first().map(|w| w.0))
}

/// The close of the n-th working day, counting `first` (a working day) as the first.
fn close_of_nth_working_day(
    cal: &WorkingCalendar,
    first: chrono::NaiveDate,
    n: u32,
) -> Result<DateTime<Utc>, NoWorkingTime> {
    let (mut date, mut counted) = (first, 1);
    for _ in 0..3660 {
        if counted >= n {
            return windows_on(cal, date).last().map(|w| w.1).ok_or(NoWorkingTime);
        }
        date += Duration::days(1);
        if !cal.intervals_on(date).is_empty() {
            counted += 1;
        }
    }
    Err(NoWorkingTime)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sla::math::tests::{majene_2026, wita};

    #[test]
    fn two_times_twenty_four_hours_ignores_working_time() {
        let cal = majene_2026();
        assert_eq!(
            Target::CalendarHours(48).due_at(&cal, wita(2026, 8, 14, 15, 50)).unwrap(),
            wita(2026, 8, 16, 15, 50)
        );
    }

    #[test]
    fn working_days_fall_due_within_working_hours() {
        let cal = majene_2026();
        // Friday 14 Aug 16:15 (open until 16:30) + 1 day -> Tuesday 18 Aug, which closes at 16:00.
        assert_eq!(Target::BusinessDays(1).due_at(&cal, wita(2026, 8, 14, 16, 15)).unwrap(), wita(2026, 8, 18, 16, 0));
        assert!(Target::BusinessDays(1).within_bounds() && !Target::BusinessDays(261).within_bounds());
        assert!(!Target::BusinessMinutes(0).within_bounds());
    }

    #[test]
    fn a_working_day_that_would_end_in_a_break_ends_when_the_break_begins() {
        let cal = majene_2026();
        // Thursday 13 Aug 11:45 + 1 day: Friday's break is 11:30-13:00.
        assert_eq!(Target::BusinessDays(1).due_at(&cal, wita(2026, 8, 13, 11, 45)).unwrap(), wita(2026, 8, 14, 11, 30));
        // Wednesday 12 Aug 11:45 + 1 day: Thursday works until 12:00.
        assert_eq!(Target::BusinessDays(1).due_at(&cal, wita(2026, 8, 12, 11, 45)).unwrap(), wita(2026, 8, 13, 11, 45));
        // Started in Thursday's break, the clock starts at 13:00, and so ends Friday 13:00.
        assert_eq!(Target::BusinessDays(1).due_at(&cal, wita(2026, 8, 13, 12, 10)).unwrap(), wita(2026, 8, 14, 13, 0));
    }

    #[test]
    fn a_working_day_from_the_weekend_ends_at_the_next_close_like_its_minutes_do() {
        let cal = majene_2026();
        let saturday = wita(2026, 8, 22, 10, 0);
        let by_days = Target::BusinessDays(1).due_at(&cal, saturday).unwrap();
        assert_eq!(by_days, wita(2026, 8, 24, 16, 0), "by the end of Monday");
        assert_eq!(by_days, Target::BusinessMinutes(450).due_at(&cal, saturday).unwrap());
        // Two working days: Monday and Wednesday (Tuesday 25 Aug is a holiday).
        assert_eq!(Target::BusinessDays(2).due_at(&cal, saturday).unwrap(), wita(2026, 8, 26, 16, 0));
        // Started exactly at the opening, the day is the first one too.
        assert_eq!(Target::BusinessDays(1).due_at(&cal, wita(2026, 8, 24, 7, 30)).unwrap(), wita(2026, 8, 24, 16, 0));
        // A sub-second start at the opening is the opening.
        let opening = wita(2026, 8, 24, 7, 30) + Duration::microseconds(250);
        assert_eq!(Target::BusinessDays(1).due_at(&cal, opening).unwrap(), wita(2026, 8, 24, 16, 0));
    }

    #[test]
    fn absurd_targets_are_errors_not_panics() {
        let cal = majene_2026();
        let start = wita(2026, 8, 14, 15, 50);
        assert_eq!(Target::CalendarHours(u32::MAX).due_at(&cal, start), Err(NoWorkingTime));
        assert_eq!(Target::BusinessDays(u32::MAX).due_at(&cal, start), Err(NoWorkingTime));
        assert_eq!(Target::BusinessMinutes(u32::MAX).due_at(&cal, start), Err(NoWorkingTime));
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let cal = majene_2026();
        // Friday 14 Aug 10:00 + 1 working day: Mon 17 Aug is a holiday -> Tue 18 Aug 10:00.
        assert_eq!(Target::BusinessDays(1).due_at(&cal, wita(2026, 8, 14, 10, 0)).unwrap(), wita(2026, 8, 18, 10, 0));
        // From Saturday evening, Monday 10 Aug is the first of three working days: due by the end of Wednesday,
        // as three days' business minutes are.
        let saturday = wita(2026, 8, 8, 19, 0);
        assert_eq!(Target::BusinessDays(3).due_at(&cal, saturday).unwrap(), wita(2026, 8, 12, 16, 0));
        assert_eq!(Target::BusinessMinutes(3 * 450).due_at(&cal, saturday).unwrap(), wita(2026, 8, 12, 16, 0));
    }
}
