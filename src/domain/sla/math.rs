//! Adding and measuring business time over a working calendar.
//!
//! Times are instants (UTC); working time is defined in the calendar's
//! local time. Clocks are kept to the whole second ([`clock_instant`]), so
//! due times are exact to the second and a target that ends at the close
//! of a working window ends there, whatever sub-second part a start had.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, SubsecRound, TimeZone, Utc};

use super::calendar::WorkingCalendar;

/// How far ahead to look for working time before giving up (10 years).
const HORIZON_DAYS: i64 = 3660;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the calendar has no working time in the next ten years")]
pub struct NoWorkingTime;

fn local_date(cal: &WorkingCalendar, t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&cal.zone).date_naive()
}

fn to_utc(cal: &WorkingCalendar, local: NaiveDateTime) -> DateTime<Utc> {
    // Indonesian zones keep no daylight saving; elsewhere a skipped local
    // time is read as UTC-shifted rather than failing.
    match cal.zone.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => Utc.from_utc_datetime(&local),
    }
}

/// The precision of SLA clocks, decided here once: the whole second. A
/// ticket filed at 15:30:00.000001 counts from 15:30:00; without this, its
/// target would miss a window's close by a microsecond and run on to the
/// next working day.
pub fn clock_instant(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}

/// The working windows of one local date, as instants, in order.
pub fn windows_on(cal: &WorkingCalendar, date: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let intervals = cal.intervals_on(date);
    if intervals.is_empty() {
        return Vec::new();
    }
    // Calendars keep to zones without daylight saving, so a day's windows
    // are its local midnight plus minutes (one zone lookup per day).
    let midnight = to_utc(cal, date.and_hms_opt(0, 0, 0).unwrap_or_default());
    let at = |minute: u16| midnight + Duration::minutes(i64::from(minute));
    intervals.iter().map(|i| (at(i.start()), at(i.end()))).collect()
}

/// The instant at which `amount` of working time has passed since `start`.
/// Adding nothing returns `start` itself.
pub fn add_business(
    cal: &WorkingCalendar,
    start: DateTime<Utc>,
    amount: Duration,
) -> Result<DateTime<Utc>, NoWorkingTime> {
    let start = clock_instant(start);
    if amount <= Duration::zero() {
        return Ok(start);
    }
    let mut remaining = amount;
    let first = local_date(cal, start);
    for offset in 0..HORIZON_DAYS {
        for (s, e) in windows_on(cal, first + Duration::days(offset)) {
            let begin = s.max(start);
            if e <= begin {
                continue;
            }
            let available = e - begin;
            if remaining <= available {
                return Ok(begin + remaining);
            }
            remaining -= available;
        }
    }
    Err(NoWorkingTime)
}

/// The working time between `from` and `to` (zero if `to` is not later).
pub fn business_elapsed(cal: &WorkingCalendar, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
    let (from, to) = (clock_instant(from), clock_instant(to));
    if to <= from {
        return Duration::zero();
    }
    let (mut date, last) = (local_date(cal, from), local_date(cal, to));
    let mut total = Duration::zero();
    while date <= last {
        for (s, e) in windows_on(cal, date) {
            let overlap = e.min(to) - s.max(from);
            if overlap > Duration::zero() {
                total += overlap;
            }
        }
        date += Duration::days(1);
    }
    total
}

/// The first working instant at or after `t`.
pub fn next_working_instant(cal: &WorkingCalendar, t: DateTime<Utc>) -> Result<DateTime<Utc>, NoWorkingTime> {
    let t = clock_instant(t);
    let first = local_date(cal, t);
    for offset in 0..HORIZON_DAYS {
        if let Some((s, _)) = windows_on(cal, first + Duration::days(offset)).into_iter().find(|(_, e)| *e > t) {
            return Ok(s.max(t));
        }
    }
    Err(NoWorkingTime)
}

/// Whether `t` lies in working time (window ends included).
pub fn in_working_time(cal: &WorkingCalendar, t: DateTime<Utc>) -> bool {
    let t = clock_instant(t);
    let date = local_date(cal, t);
    [date - Duration::days(1), date].into_iter().flat_map(|d| windows_on(cal, d)).any(|(s, e)| s <= t && t <= e)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::sla::calendar::{SpecialSchedule, WeekSchedule};
    use proptest::prelude::*;

    /// WITA (UTC+8) local time to an instant.
    pub fn wita(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Makassar.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
    }

    /// The Perpres 21/2023 week in WITA with the 2026 national holidays and
    /// collective leave (SKB of 19 September 2025) and Ramadan hours.
    pub fn majene_2026() -> WorkingCalendar {
        let mut cal = WorkingCalendar::new(chrono_tz::Asia::Makassar, WeekSchedule::perpres_21_2023());
        let days = [
            (1, 1),
            (1, 16),
            (2, 17),
            (3, 19),
            (3, 21),
            (3, 22),
            (4, 3),
            (4, 5),
            (5, 1),
            (5, 14),
            (5, 27),
            (5, 31),
            (6, 1),
            (6, 16),
            (8, 17),
            (8, 25),
            (12, 25),
            (2, 16),
            (3, 18),
            (3, 20),
            (3, 23),
            (3, 24),
            (5, 15),
            (5, 28),
            (12, 24),
        ];
        for (m, d) in days {
            cal.holidays.insert(NaiveDate::from_ymd_opt(2026, m, d).unwrap(), "libur".into());
        }
        let ramadan = (NaiveDate::from_ymd_opt(2026, 2, 18).unwrap(), NaiveDate::from_ymd_opt(2026, 3, 19).unwrap());
        cal.special.push(SpecialSchedule::new(ramadan.0, ramadan.1, WeekSchedule::ramadan()).unwrap());
        cal
    }

    #[test]
    fn friday_afternoon_before_a_holiday_monday_runs_on_to_tuesday() {
        // Friday 14 Aug 2026 15:50 WITA; Monday 17 Aug is Independence Day.
        let cal = majene_2026();
        let due = add_business(&cal, wita(2026, 8, 14, 15, 50), Duration::minutes(240)).unwrap();
        // 40 min on Friday (to 16:30), then Tuesday 07:30 + 200 min = 10:50.
        assert_eq!(due, wita(2026, 8, 18, 10, 50));
    }

    #[test]
    fn lunch_breaks_and_nights_are_skipped() {
        let cal = majene_2026();
        assert_eq!(
            add_business(&cal, wita(2026, 8, 18, 11, 30), Duration::minutes(60)).unwrap(),
            wita(2026, 8, 18, 13, 30)
        );
        assert_eq!(
            add_business(&cal, wita(2026, 8, 18, 20, 0), Duration::minutes(30)).unwrap(),
            wita(2026, 8, 19, 8, 0)
        );
        assert_eq!(business_elapsed(&cal, wita(2026, 8, 18, 7, 0), wita(2026, 8, 18, 17, 0)), Duration::minutes(450));
    }

    #[test]
    fn ramadan_hours_apply_in_their_range() {
        let cal = majene_2026();
        // Monday 2 March 2026 07:45 WITA: Ramadan work starts 08:00.
        assert_eq!(add_business(&cal, wita(2026, 3, 2, 7, 45), Duration::minutes(60)).unwrap(), wita(2026, 3, 2, 9, 0));
        assert_eq!(business_elapsed(&cal, wita(2026, 3, 2, 0, 0), wita(2026, 3, 3, 0, 0)), Duration::minutes(390));
    }

    /// WIB (UTC+7), with the Perpres week and Friday 14 Aug 2026 a holiday.
    fn jakarta_with_a_friday_holiday() -> WorkingCalendar {
        let mut cal = WorkingCalendar::new(chrono_tz::Asia::Jakarta, WeekSchedule::perpres_21_2023());
        cal.holidays.insert(NaiveDate::from_ymd_opt(2026, 8, 14).unwrap(), "libur".into());
        cal
    }

    fn wib(d: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Jakarta.with_ymd_and_hms(2026, 8, d, h, min, 0).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_start_with_a_sub_second_part_still_ends_at_the_close_of_monday() {
        // Thursday 13 Aug 15:30:00.000001 WIB, Friday a holiday: 30 min on
        // Thursday and 450 on Monday end at Monday's 16:00 close, not Tuesday.
        let cal = jakarta_with_a_friday_holiday();
        let start = wib(13, 15, 30) + Duration::microseconds(1);
        assert_eq!(add_business(&cal, start, Duration::minutes(480)).unwrap(), wib(17, 16, 0));
        assert_eq!(business_elapsed(&cal, start, wib(17, 16, 0)), Duration::minutes(480));
        assert_eq!(clock_instant(start), wib(13, 15, 30));
    }

    #[test]
    fn a_calendar_without_working_time_is_an_error_not_a_hang() {
        let cal = WorkingCalendar::new(chrono_tz::Asia::Jakarta, WeekSchedule::default());
        assert_eq!(add_business(&cal, Utc::now(), Duration::minutes(1)), Err(NoWorkingTime));
    }

    fn calendars() -> Vec<WorkingCalendar> {
        let mut jayapura = majene_2026();
        jayapura.zone = chrono_tz::Asia::Jayapura;
        vec![majene_2026(), jayapura, WorkingCalendar::new(chrono_tz::Asia::Jakarta, WeekSchedule::always())]
    }

    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        // Any instant of 2026, to the microsecond (real tickets carry one).
        (1_767_225_600_i64..1_798_761_600, 0u32..1_000_000)
            .prop_map(|(s, micros)| DateTime::from_timestamp(s, micros * 1000).unwrap())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn adding_agrees_with_measuring(which in 0usize..3, start in instant(), minutes in 0i64..20_000) {
            let cal = &calendars()[which];
            let due = add_business(cal, start, Duration::minutes(minutes)).unwrap();
            prop_assert_eq!(business_elapsed(cal, start, due), Duration::minutes(minutes));
            prop_assert_eq!(due, clock_instant(due), "due times are whole seconds");
        }

        /// A target measured to exactly a window's close ends at that close
        /// (not at the next opening), whatever sub-second part the start had.
        #[test]
        fn targets_ending_at_a_close_end_there(which in 0usize..3, start in instant(), day in 0i64..30, nth in 0usize..2) {
            let cal = &calendars()[which];
            let date = start.with_timezone(&cal.zone).date_naive() + Duration::days(day);
            let windows = windows_on(cal, date);
            prop_assume!(!windows.is_empty());
            let close = windows[nth.min(windows.len() - 1)].1;
            prop_assume!(close > clock_instant(start));
            let amount = business_elapsed(cal, start, close);
            prop_assume!(amount > Duration::zero());
            prop_assert_eq!(add_business(cal, start, amount).unwrap(), close);
        }

        #[test]
        fn adding_is_additive(which in 0usize..3, start in instant(), a in 0i64..5_000, b in 0i64..5_000) {
            let cal = &calendars()[which];
            let stepwise = add_business(cal, add_business(cal, start, Duration::minutes(a)).unwrap(), Duration::minutes(b)).unwrap();
            prop_assert_eq!(stepwise, add_business(cal, start, Duration::minutes(a + b)).unwrap());
        }

        #[test]
        fn adding_is_monotonic(which in 0usize..3, start in instant(), later in 0i64..200_000, a in 0i64..5_000, b in 0i64..5_000) {
            let cal = &calendars()[which];
            let (small, large) = (a.min(b), a.max(b));
            let due = add_business(cal, start, Duration::minutes(small)).unwrap();
            prop_assert!(due <= add_business(cal, start, Duration::minutes(large)).unwrap());
            prop_assert!(due <= add_business(cal, start + Duration::seconds(later), Duration::minutes(small)).unwrap());
        }

        #[test]
        fn due_times_land_in_working_time(which in 0usize..3, start in instant(), minutes in 1i64..20_000) {
            let cal = &calendars()[which];
            let due = add_business(cal, start, Duration::minutes(minutes)).unwrap();
            prop_assert!(in_working_time(cal, due), "{} is outside working time", due);
        }

        #[test]
        fn elapsed_time_is_additive_over_a_split(which in 0usize..3, a in instant(), b in instant(), c in instant()) {
            let cal = &calendars()[which];
            let mut points = [a, b, c];
            points.sort();
            let whole = business_elapsed(cal, points[0], points[2]);
            prop_assert_eq!(whole, business_elapsed(cal, points[0], points[1]) + business_elapsed(cal, points[1], points[2]));
        }
    }
}
