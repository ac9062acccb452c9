//! What a working calendar must satisfy before it is stored: a zone
//! without daylight saving, working time on some day, special schedules
//! that do not overlap, and dates within the years the service plans for.

use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};

use super::calendar::{CalendarError, SpecialSchedule, WeekSchedule};
use super::spec::WeekSpec;
use crate::domain::organisation::{TimeZone, TimeZoneError};
use crate::domain::text::{bounded, DisplayName, TextError};

/// The years a calendar's dates (special schedules, holidays) may fall in.
pub const PLANNED_YEARS: RangeInclusive<i32> = 2000..=2200;

/// Zones a calendar may use. Working-time math assumes local days of 24 h,
/// so zones without daylight saving, as all Indonesian zones are (and UTC,
/// for a 24×7 desk).
pub const CALENDAR_ZONES: [&str; 5] = ["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura", "UTC"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarZoneError {
    #[error(transparent)]
    Unknown(#[from] TimeZoneError),
    #[error("calendars use one of {}", CALENDAR_ZONES.join(", "))]
    NotAllowed,
}

/// A zone a calendar may use (one of [`CALENDAR_ZONES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarZone(TimeZone);

impl CalendarZone {
    pub fn parse(raw: &str) -> Result<Self, CalendarZoneError> {
        let zone = TimeZone::parse(raw)?;
        if CALENDAR_ZONES.contains(&zone.name()) {
            Ok(Self(zone))
        } else {
            Err(CalendarZoneError::NotAllowed)
        }
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must lie between {} and {}", PLANNED_YEARS.start(), PLANNED_YEARS.end())]
pub struct OutsidePlannedYears;

/// `date`, if its year is one of [`PLANNED_YEARS`].
pub fn within_planned_years(date: NaiveDate) -> Result<NaiveDate, OutsidePlannedYears> {
    if PLANNED_YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(OutsidePlannedYears)
    }
}

/// The positions of the inclusive date ranges that overlap the range
/// before them in date order (sharing a day is overlapping). Any overlap
/// among the ranges yields at least one position.
pub fn overlapping(ranges: &[(NaiveDate, NaiveDate)]) -> Vec<usize> {
    let mut sorted: Vec<(NaiveDate, NaiveDate, usize)> =
        ranges.iter().enumerate().map(|(i, (from, to))| (*from, *to, i)).collect();
    sorted.sort();
    sorted.windows(2).filter(|pair| pair[0].1 >= pair[1].0).map(|pair| pair[1].2).collect()
}

/// A special schedule as written: a name, an inclusive date range, hours.
#[derive(Debug, Clone, Copy)]
pub struct SpecialInput<'a> {
    pub name: &'a str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub week: &'a WeekSpec,
}

/// What is wrong with a calendar; `special` is a special schedule's
/// position in the request, `day` the weekday [`WeekSchedule`] names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarRuleError {
    #[error(transparent)]
    Name(TextError),
    #[error(transparent)]
    Zone(CalendarZoneError),
    #[error("{error}")]
    Week { day: String, error: CalendarError },
    /// Clocks on a calendar without working time would never fall due.
    #[error("a calendar needs working hours on at least one day")]
    NoWorkingHours,
    #[error("overlaps another special schedule")]
    SpecialOverlaps { special: usize },
    #[error("dates {}", OutsidePlannedYears)]
    SpecialOutsidePlannedYears { special: usize },
    #[error("{error}")]
    SpecialName { special: usize, error: TextError },
    #[error("{error}")]
    SpecialWeek { special: usize, day: String, error: CalendarError },
    #[error("{error}")]
    SpecialRange { special: usize, error: CalendarError },
}

/// A special schedule, checked, with its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedSpecial {
    pub name: String,
    pub schedule: SpecialSchedule,
}

/// A calendar's name, zone and hours, checked (holidays are kept apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDefinition {
    pub name: DisplayName,
    pub zone: CalendarZone,
    pub week: WeekSchedule,
    pub specials: Vec<NamedSpecial>,
}

impl CalendarDefinition {
    /// Checks everything and reports every error found, in the order of
    /// name, zone, week, overlaps of specials, then each special.
    pub fn parse(
        name: &str,
        time_zone: &str,
        week: &WeekSpec,
        specials: &[SpecialInput<'_>],
    ) -> Result<Self, Vec<CalendarRuleError>> {
        use CalendarRuleError as E;
        let mut errors = Vec::new();
        let name = DisplayName::parse(name).map_err(|e| errors.push(E::Name(e))).ok();
        let zone = CalendarZone::parse(time_zone).map_err(|e| errors.push(E::Zone(e))).ok();
        let week = match WeekSchedule::try_from(week) {
            Err((day, error)) => {
                errors.push(E::Week { day, error });
                None
            }
            Ok(week) if week.days().iter().all(Vec::is_empty) => {
                errors.push(E::NoWorkingHours);
                None
            }
            Ok(week) => Some(week),
        };
        let ranges: Vec<_> = specials.iter().map(|s| (s.from, s.to)).collect();
        errors.extend(overlapping(&ranges).into_iter().map(|special| E::SpecialOverlaps { special }));
        let mut checked = Vec::new();
        for (special, input) in specials.iter().enumerate() {
            if within_planned_years(input.from).and(within_planned_years(input.to)).is_err() {
                errors.push(E::SpecialOutsidePlannedYears { special });
            }
            let name = bounded(input.name, 200).map_err(|error| errors.push(E::SpecialName { special, error })).ok();
            let schedule = match WeekSchedule::try_from(input.week) {
                Ok(week) => SpecialSchedule::new(input.from, input.to, week)
                    .map_err(|error| errors.push(E::SpecialRange { special, error }))
                    .ok(),
                Err((day, error)) => {
                    errors.push(E::SpecialWeek { special, day, error });
                    None
                }
            };
            if let (Some(name), Some(schedule)) = (name, schedule) {
                checked.push(NamedSpecial { name, schedule });
            }
        }
        match (name, zone, week) {
            (Some(name), Some(zone), Some(week)) if errors.is_empty() => {
                Ok(Self { name, zone, week, specials: checked })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sla::spec::IntervalSpec;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn office_week() -> WeekSpec {
        WeekSpec::from(&WeekSchedule::perpres_21_2023())
    }

    fn special<'a>(from: NaiveDate, to: NaiveDate, week: &'a WeekSpec) -> SpecialInput<'a> {
        SpecialInput { name: "Ramadan 1447 H", from, to, week }
    }

    #[test]
    fn the_indonesian_zones_and_utc_are_accepted() {
        for zone in ["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura", "UTC"] {
            assert_eq!(CalendarZone::parse(zone).map(CalendarZone::name), Ok(zone));
        }
    }

    #[test]
    fn an_unknown_zone_is_refused_as_unknown() {
        assert!(matches!(CalendarZone::parse("Asia/Bandung"), Err(CalendarZoneError::Unknown(_))));
    }

    #[test]
    fn a_zone_with_daylight_saving_is_refused_naming_the_allowed_ones() {
        let refused = CalendarZone::parse("Europe/Berlin");
        assert_eq!(refused, Err(CalendarZoneError::NotAllowed));
        assert_eq!(
            refused.unwrap_err().to_string(),
            "calendars use one of Asia/Jakarta, Asia/Pontianak, Asia/Makassar, Asia/Jayapura, UTC"
        );
    }

    #[test]
    fn years_outside_2000_to_2200_are_refused() {
        assert_eq!(within_planned_years(date(2000, 1, 1)), Ok(date(2000, 1, 1)));
        assert_eq!(within_planned_years(date(2200, 12, 31)), Ok(date(2200, 12, 31)));
        assert_eq!(within_planned_years(date(1999, 12, 31)), Err(OutsidePlannedYears));
        assert_eq!(within_planned_years(date(2201, 1, 1)), Err(OutsidePlannedYears));
        assert_eq!(OutsidePlannedYears.to_string(), "must lie between 2000 and 2200");
    }

    #[test]
    fn ranges_touching_on_one_day_overlap_and_adjacent_ones_do_not() {
        let touching = [(date(2026, 2, 18), date(2026, 3, 1)), (date(2026, 3, 1), date(2026, 3, 19))];
        assert_eq!(overlapping(&touching), vec![1]);
        let adjacent = [(date(2026, 2, 18), date(2026, 2, 28)), (date(2026, 3, 1), date(2026, 3, 19))];
        assert_eq!(overlapping(&adjacent), Vec::<usize>::new());
    }

    #[test]
    fn a_range_inside_another_overlaps_whatever_the_order_given() {
        let ranges = [(date(2026, 3, 2), date(2026, 3, 5)), (date(2026, 2, 18), date(2026, 3, 19))];
        assert_eq!(overlapping(&ranges), vec![0], "the later-starting range is named");
        let same = [(date(2026, 2, 18), date(2026, 3, 19)), (date(2026, 2, 18), date(2026, 3, 19))];
        assert_eq!(overlapping(&same), vec![1]);
    }

    #[test]
    fn a_good_calendar_parses_with_its_specials() {
        let (week, ramadan) = (office_week(), WeekSpec::from(&WeekSchedule::ramadan()));
        let specials = [special(date(2026, 2, 18), date(2026, 3, 19), &ramadan)];
        let calendar = CalendarDefinition::parse(" Kota Makassar ", "Asia/Makassar", &week, &specials).unwrap();
        assert_eq!((calendar.name.as_str(), calendar.zone.name()), ("Kota Makassar", "Asia/Makassar"));
        assert_eq!(calendar.specials[0].name, "Ramadan 1447 H");
        assert_eq!(calendar.specials[0].schedule.week, WeekSchedule::ramadan());
    }

    #[test]
    fn a_calendar_without_working_hours_is_refused() {
        let errors = CalendarDefinition::parse("24x0", "UTC", &WeekSpec::default(), &[]).unwrap_err();
        assert_eq!(errors, vec![CalendarRuleError::NoWorkingHours]);
    }

    #[test]
    fn every_error_is_reported_in_order() {
        let mut bad_week = office_week();
        bad_week.monday = vec![IntervalSpec { start: "16:00".into(), end: "07:30".into() }];
        let ramadan = WeekSpec::from(&WeekSchedule::ramadan());
        let specials = [
            special(date(2026, 2, 18), date(2026, 3, 19), &ramadan),
            SpecialInput { name: " ", ..special(date(2026, 3, 1), date(2026, 2, 1), &ramadan) },
            special(date(1999, 1, 1), date(1999, 1, 2), &bad_week),
        ];
        let errors = CalendarDefinition::parse("", "Europe/Berlin", &bad_week, &specials).unwrap_err();
        use CalendarRuleError as E;
        assert_eq!(
            errors,
            vec![
                E::Name(TextError::Empty),
                E::Zone(CalendarZoneError::NotAllowed),
                E::Week { day: "monday".into(), error: CalendarError::BadInterval },
                E::SpecialOverlaps { special: 1 },
                E::SpecialName { special: 1, error: TextError::Empty },
                E::SpecialRange { special: 1, error: CalendarError::BadRange },
                E::SpecialOutsidePlannedYears { special: 2 },
                E::SpecialWeek { special: 2, day: "monday".into(), error: CalendarError::BadInterval },
            ]
        );
        assert_eq!(errors[6].to_string(), "dates must lie between 2000 and 2200");
    }
}
