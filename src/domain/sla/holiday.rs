//! Dated days off: national holidays, *cuti bersama*, local ones.

use chrono::NaiveDate;

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

impl Holiday {
    pub fn parse(
        date: &str,
        kind: HolidayKind,
        name: &str,
        source: Option<&str>,
    ) -> Result<Self, (&'static str, String)> {
        let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .map_err(|_| ("date", format!("`{date}` is not a date such as 2026-08-17")))?;
        let name = bounded(name, 200).map_err(|e: TextError| ("name", e.to_string()))?;
        let source = source.map(|s| bounded(s, 300)).transpose().map_err(|e| ("source", e.to_string()))?;
        Ok(Self { date, kind, name, source })
    }
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
        assert_eq!(Holiday::parse("2026-02-30", HolidayKind::Local, "x", None).unwrap_err().0, "date");
        assert_eq!(Holiday::parse("2026-02-03", HolidayKind::Local, " ", None).unwrap_err().0, "name");
    }
}
