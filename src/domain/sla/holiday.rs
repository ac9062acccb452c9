//! Dated days off: national holidays, *cuti bersama*, local ones.

use chrono::NaiveDate;

use super::calendar_rules::{within_planned_years, OutsidePlannedYears};
use crate::domain::text::{bounded, TextError};
use crate::domain::text_enum::text_enum;

text_enum!(
    /// What kind of day off (SKB of three ministers, or a local decision).
    HolidayKind {
        NationalHoliday => "national_holiday",
        CollectiveLeave => "collective_leave",
        Local => "local",
    }
);

/// A validated holiday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub date: NaiveDate,
    pub kind: HolidayKind,
    pub name: String,
    /// Where it comes from, e.g. "SKB 3 Menteri 19 September 2025".
    pub source: Option<String>,
}

/// What is wrong with a holiday as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolidayError {
    #[error("`{0}` is not a date such as 2026-08-17")]
    BadDate(String),
    #[error(transparent)]
    OutsidePlannedYears(#[from] OutsidePlannedYears),
    #[error(transparent)]
    Name(TextError),
    #[error(transparent)]
    Source(TextError),
}

impl HolidayError {
    /// The part of the holiday that is wrong: `date`, `name` or `source`.
    pub fn field(&self) -> &'static str {
        match self {
            HolidayError::BadDate(_) | HolidayError::OutsidePlannedYears(_) => "date",
            HolidayError::Name(_) => "name",
            HolidayError::Source(_) => "source",
        }
    }
}

impl Holiday {
    /// Checks the date, name and source, and then that the date lies in
    /// the years calendars plan for.
    pub fn parse(date: &str, kind: HolidayKind, name: &str, source: Option<&str>) -> Result<Self, HolidayError> {
        let date =
            NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| HolidayError::BadDate(date.to_owned()))?;
        let name = bounded(name, 200).map_err(HolidayError::Name)?;
        let source = source.map(|s| bounded(s, 300)).transpose().map_err(HolidayError::Source)?;
        let date = within_planned_years(date)?;
        Ok(Self { date, kind, name, source })
    }
}

/// One holiday of an import, as given.
#[derive(Debug, Clone, Copy)]
pub struct HolidayInput<'a> {
    pub date: &'a str,
    pub kind: HolidayKind,
    pub name: &'a str,
    pub source: Option<&'a str>,
}

/// Why a list of holidays cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolidayImportError {
    /// Each wrong holiday, with its position in the list.
    #[error("{} holidays are wrong", .0.len())]
    Holidays(Vec<(usize, HolidayError)>),
    #[error("no holidays given")]
    Empty,
}

/// Parses every holiday of an import; the import needs at least one.
pub fn parse_import<'a>(
    inputs: impl IntoIterator<Item = HolidayInput<'a>>,
) -> Result<Vec<Holiday>, HolidayImportError> {
    let (mut holidays, mut errors) = (Vec::new(), Vec::new());
    for (i, input) in inputs.into_iter().enumerate() {
        match Holiday::parse(input.date, input.kind, input.name, input.source) {
            Ok(holiday) => holidays.push(holiday),
            Err(error) => errors.push((i, error)),
        }
    }
    if !errors.is_empty() {
        return Err(HolidayImportError::Holidays(errors));
    }
    if holidays.is_empty() {
        return Err(HolidayImportError::Empty);
    }
    Ok(holidays)
}

/// The 2026 national holidays and collective leave of the SKB of three
/// ministers signed 19 September 2025 (DOMAIN-FACTS.md), for the demo seed.
pub fn indonesia_2026() -> Vec<Holiday> {
    const SOURCE: &str = "SKB Menteri Agama, Menteri Ketenagakerjaan dan MenPANRB, 19 September 2025";
    let national = [
        ("2026-01-01", "Tahun Baru 2026 Masehi"),
        ("2026-01-16", "Isra Mikraj Nabi Muhammad SAW"),
        ("2026-02-17", "Tahun Baru Imlek 2577 Kongzili"),
        ("2026-03-19", "Hari Suci Nyepi Tahun Baru Saka 1948"),
        ("2026-03-21", "Idul Fitri 1447 H"),
        ("2026-03-22", "Idul Fitri 1447 H"),
        ("2026-04-03", "Wafat Yesus Kristus"),
        ("2026-04-05", "Kebangkitan Yesus Kristus (Paskah)"),
        ("2026-05-01", "Hari Buruh Internasional"),
        ("2026-05-14", "Kenaikan Yesus Kristus"),
        ("2026-05-27", "Idul Adha 1447 H"),
        ("2026-05-31", "Hari Raya Waisak 2570 BE"),
        ("2026-06-01", "Hari Lahir Pancasila"),
        ("2026-06-16", "Tahun Baru Islam 1448 H"),
        ("2026-08-17", "Hari Kemerdekaan Republik Indonesia"),
        ("2026-08-25", "Maulid Nabi Muhammad SAW"),
        ("2026-12-25", "Hari Raya Natal"),
    ];
    let leave = [
        ("2026-02-16", "Cuti bersama Tahun Baru Imlek"),
        ("2026-03-18", "Cuti bersama Hari Suci Nyepi"),
        ("2026-03-20", "Cuti bersama Idul Fitri 1447 H"),
        ("2026-03-23", "Cuti bersama Idul Fitri 1447 H"),
        ("2026-03-24", "Cuti bersama Idul Fitri 1447 H"),
        ("2026-05-15", "Cuti bersama Kenaikan Yesus Kristus"),
        ("2026-05-28", "Cuti bersama Idul Adha 1447 H"),
        ("2026-12-24", "Cuti bersama Hari Raya Natal"),
    ];
    let make =
        |kind: HolidayKind| move |(date, name): (&str, &str)| Holiday::parse(date, kind, name, Some(SOURCE)).ok();
    national
        .into_iter()
        .filter_map(make(HolidayKind::NationalHoliday))
        .chain(leave.into_iter().filter_map(make(HolidayKind::CollectiveLeave)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_2026_list_has_17_holidays_and_8_days_of_collective_leave() {
        let days = indonesia_2026();
        assert_eq!(days.iter().filter(|h| h.kind == HolidayKind::NationalHoliday).count(), 17);
        assert_eq!(days.iter().filter(|h| h.kind == HolidayKind::CollectiveLeave).count(), 8);
    }

    #[test]
    fn bad_dates_are_named() {
        assert_eq!(Holiday::parse("2026-02-30", HolidayKind::Local, "x", None).unwrap_err().field(), "date");
        assert_eq!(Holiday::parse("2026-02-03", HolidayKind::Local, " ", None).unwrap_err().field(), "name");
    }

    #[test]
    fn a_holiday_outside_2000_to_2200_is_refused_on_its_date() {
        let refused = Holiday::parse("1999-12-31", HolidayKind::Local, "Hari jadi", None).unwrap_err();
        assert_eq!((refused.field(), refused.to_string().as_str()), ("date", "must lie between 2000 and 2200"));
        assert!(Holiday::parse("2201-01-01", HolidayKind::Local, "Hari jadi", None).is_err());
        assert!(Holiday::parse("2200-12-31", HolidayKind::Local, "Hari jadi", None).is_ok());
    }

    #[test]
    fn a_bad_name_is_reported_before_the_year() {
        assert_eq!(Holiday::parse("1999-12-31", HolidayKind::Local, " ", None).unwrap_err().field(), "name");
    }

    fn input(date: &str) -> HolidayInput<'_> {
        HolidayInput { date, kind: HolidayKind::Local, name: "Hari jadi", source: None }
    }

    #[test]
    fn an_import_names_each_wrong_holiday_by_position() {
        let refused = parse_import([input("2026-04-01"), input("2026-02-30"), input("2300-01-01")]).unwrap_err();
        let HolidayImportError::Holidays(errors) = refused else { panic!("{refused:?}") };
        assert_eq!(errors.iter().map(|(i, e)| (*i, e.field())).collect::<Vec<_>>(), vec![(1, "date"), (2, "date")]);
    }

    #[test]
    fn an_empty_import_is_refused() {
        assert_eq!(parse_import([]), Err(HolidayImportError::Empty));
        assert_eq!(parse_import([input("2026-04-01")]).map(|h| h.len()), Ok(1));
    }
}
