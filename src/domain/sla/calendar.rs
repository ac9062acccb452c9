//! A working calendar: a time zone, working intervals per weekday, dated
//! holidays, and special schedules for date ranges (Ramadan hours).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

/// Minutes after local midnight, `start < end <= 1440`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    start: u16,
    end: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("an interval must end after it starts and within the day (00:00-24:00)")]
    BadInterval,
    #[error("working intervals of one day must not overlap")]
    Overlap,
    #[error("a special schedule must not end before it starts")]
    BadRange,
}

impl Interval {
    pub fn new(start: u16, end: u16) -> Result<Self, CalendarError> {
        if start < end && end <= 1440 {
            Ok(Self { start, end })
        } else {
            Err(CalendarError::BadInterval)
        }
    }

    /// From `"07:30"`-style times.
    pub fn parse(start: &str, end: &str) -> Result<Self, CalendarError> {
        Self::new(minutes(start)?, minutes(end)?)
    }

    pub fn start(self) -> u16 {
        self.start
    }

    pub fn end(self) -> u16 {
        self.end
    }
}

fn minutes(hhmm: &str) -> Result<u16, CalendarError> {
    let (h, m) = hhmm.split_once(':').ok_or(CalendarError::BadInterval)?;
    let (h, m): (u16, u16) =
        (h.parse().map_err(|_| CalendarError::BadInterval)?, m.parse().map_err(|_| CalendarError::BadInterval)?);
    if m < 60 && (h < 24 || (h == 24 && m == 0)) {
        Ok(h * 60 + m)
    } else {
        Err(CalendarError::BadInterval)
    }
}

/// Working intervals for Monday (index 0) to Sunday (index 6), each day
/// sorted and without overlaps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeekSchedule([Vec<Interval>; 7]);

impl WeekSchedule {
    pub fn new(mut days: [Vec<Interval>; 7]) -> Result<Self, CalendarError> {
        for day in &mut days {
            day.sort();
            if day.windows(2).any(|pair| pair[0].end > pair[1].start) {
                return Err(CalendarError::Overlap);
            }
        }
        Ok(Self(days))
    }

    /// Every minute of every day (a 24×7 desk).
    pub fn always() -> Self {
        Self(std::array::from_fn(|_| vec![Interval { start: 0, end: 1440 }]))
    }

    pub fn day(&self, date: NaiveDate) -> &[Interval] {
        &self.0[date.weekday().num_days_from_monday() as usize]
    }

    /// Perpres 21/2023: Mon–Thu 07:30–16:00 with a 12:00–13:00 break,
    /// Fri 07:30–16:30 with an 11:30–13:00 break (7.5 h a day, 37.5 h a week).
    pub fn perpres_21_2023() -> Self {
        let mon_thu = vec![Interval { start: 450, end: 720 }, Interval { start: 780, end: 960 }];
        let fri = vec![Interval { start: 450, end: 690 }, Interval { start: 780, end: 990 }];
        Self([mon_thu.clone(), mon_thu.clone(), mon_thu.clone(), mon_thu, fri, Vec::new(), Vec::new()])
    }

    /// Ramadan hours (32.5 h a week from 08:00): Mon–Thu 08:00–15:00 with a
    /// 12:00–12:30 break, Fri 08:00–15:30 with an 11:30–12:30 break.
    pub fn ramadan() -> Self {
        let mon_thu = vec![Interval { start: 480, end: 720 }, Interval { start: 750, end: 900 }];
        let fri = vec![Interval { start: 480, end: 690 }, Interval { start: 750, end: 930 }];
        Self([mon_thu.clone(), mon_thu.clone(), mon_thu.clone(), mon_thu, fri, Vec::new(), Vec::new()])
    }

    pub fn days(&self) -> &[Vec<Interval>; 7] {
        &self.0
    }
}

/// Different hours for a date range, e.g. Ramadan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialSchedule {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub week: WeekSchedule,
    /// What explanations call it ("Ramadan 1447 H").
    pub name: String,
}

impl SpecialSchedule {
    pub fn new(from: NaiveDate, to: NaiveDate, week: WeekSchedule) -> Result<Self, CalendarError> {
        if to < from {
            return Err(CalendarError::BadRange);
        }
        Ok(Self { from, to, week, name: String::new() })
    }

    pub fn named(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }
}

impl WorkingCalendar {
    /// The special schedules that apply on some date of `[from, to]`.
    pub fn specials_between(&self, from: NaiveDate, to: NaiveDate) -> Vec<&SpecialSchedule> {
        self.special.iter().filter(|s| s.from <= to && from <= s.to).collect()
    }
}

/// Everything the SLA math needs to know about working time in a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingCalendar {
    pub zone: Tz,
    pub week: WeekSchedule,
    /// Dates without work (national holidays, *cuti bersama*, local ones).
    pub holidays: BTreeMap<NaiveDate, String>,
    pub special: Vec<SpecialSchedule>,
}

impl WorkingCalendar {
    pub fn new(zone: Tz, week: WeekSchedule) -> Self {
        Self { zone, week, holidays: BTreeMap::new(), special: Vec::new() }
    }

    /// The working intervals of a local date.
    pub fn intervals_on(&self, date: NaiveDate) -> &[Interval] {
        if self.holidays.contains_key(&date) {
            return &[];
        }
        match self.special.iter().find(|s| s.from <= date && date <= s.to) {
            Some(special) => special.week.day(date),
            None => self.week.day(date),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn intervals_are_checked() {
        assert_eq!(Interval::parse("07:30", "12:00").map(|i| (i.start(), i.end())), Ok((450, 720)));
        assert_eq!(Interval::parse("13:00", "12:00"), Err(CalendarError::BadInterval));
        assert_eq!(Interval::parse("00:00", "24:00").map(|i| i.end()), Ok(1440));
        assert_eq!(Interval::parse("24:30", "25:00"), Err(CalendarError::BadInterval));
        let overlapping = [
            vec![Interval::parse("08:00", "12:00").unwrap(), Interval::parse("11:00", "13:00").unwrap()],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
        ];
        assert_eq!(WeekSchedule::new(overlapping), Err(CalendarError::Overlap));
    }

    #[test]
    fn the_perpres_week_has_37_and_a_half_hours_and_ramadan_32_and_a_half() {
        let total = |w: &WeekSchedule| -> u32 { w.0.iter().flatten().map(|i| u32::from(i.end - i.start)).sum() };
        assert_eq!(total(&WeekSchedule::perpres_21_2023()), 37 * 60 + 30);
        assert_eq!(total(&WeekSchedule::ramadan()), 32 * 60 + 30);
    }

    #[test]
    fn holidays_and_special_schedules_override_the_week() {
        let mut cal = WorkingCalendar::new(chrono_tz::Asia::Makassar, WeekSchedule::perpres_21_2023());
        cal.holidays.insert(date(2026, 8, 17), "Hari Kemerdekaan".into());
        cal.special.push(SpecialSchedule::new(date(2026, 2, 18), date(2026, 3, 19), WeekSchedule::ramadan()).unwrap());
        assert!(cal.intervals_on(date(2026, 8, 17)).is_empty());
        assert_eq!(cal.intervals_on(date(2026, 8, 18)).len(), 2);
        assert_eq!(cal.intervals_on(date(2026, 3, 2))[0].start(), 480, "Ramadan starts at 08:00");
        assert_eq!(cal.intervals_on(date(2026, 3, 28)).len(), 0, "Saturday");
    }
}
