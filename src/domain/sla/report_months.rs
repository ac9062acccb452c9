//! How a report period is covered by whole months of report cells plus
//! the tickets at its edges: the nearest month boundaries are taken, and
//! what lies between a boundary and the period's own bound is added or
//! taken off ticket by ticket. Cells are kept per month of UTC+8 (WITA,
//! the middle one of Indonesia's three zones), so that a calendar month in
//! WITA has no edges and one in WIB or WIT an hour at each end.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

/// The offset of the cells' months from UTC (WITA).
const CELL_OFFSET_HOURS: i64 = 8;

/// `[from, to)` of filing instants.
pub type Span = (DateTime<Utc>, DateTime<Utc>);

/// Whole months of cells, and the edges that correct them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthCover {
    /// First month (`YYYY-MM`), `None` for all months before `end`.
    pub first: Option<String>,
    /// Month after the last (`YYYY-MM`), `None` for every month from `first` on.
    pub end: Option<String>,
    /// Edges outside the months, to add ticket by ticket.
    pub add: Vec<Span>,
    /// Edges inside the months but outside the period, to take off.
    pub take_off: Vec<Span>,
}

/// The key of the cells' month an instant falls in (`YYYY-MM`).
pub fn month_key(at: DateTime<Utc>) -> String {
    (at + Duration::hours(CELL_OFFSET_HOURS)).format("%Y-%m").to_string()
}

/// The first instant of a cells' month.
pub fn month_start(year: i32, month: u32) -> Option<DateTime<Utc>> {
    let day = NaiveDate::from_ymd_opt(year, month, 1)?;
    Some(Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0)?) - Duration::hours(CELL_OFFSET_HOURS))
}

/// The month boundary nearest to `at` (the earlier one on a tie).
fn nearest_boundary(at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = at + Duration::hours(CELL_OFFSET_HOURS);
    let floor = month_start(local.year(), local.month())?;
    let next = if local.month() == 12 {
        month_start(local.year() + 1, 1)?
    } else {
        month_start(local.year(), local.month() + 1)?
    };
    Some(if at - floor <= next - at { floor } else { next })
}

/// Covers `[from, to)` (either side open) with months and edges; `None`
/// when the edges would hold as many tickets as the period itself, so that
/// reading the period's tickets is cheaper.
pub fn cover(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Option<MonthCover> {
    let mut cover = MonthCover { first: None, end: None, add: Vec::new(), take_off: Vec::new() };
    let mut edges = Duration::zero();
    let mut bounds = (None, None);
    if let Some(from) = from {
        let boundary = nearest_boundary(from)?;
        match boundary.cmp(&from) {
            std::cmp::Ordering::Less => cover.take_off.push((boundary, from)),
            std::cmp::Ordering::Greater => cover.add.push((from, boundary)),
            std::cmp::Ordering::Equal => {}
        }
        edges += (boundary - from).abs();
        cover.first = Some(month_key(boundary));
        bounds.0 = Some(boundary);
    }
    // RFC 3339 ends with year 9999 and tickets are filed at the server's
    // now: no ticket is filed in that year's last month, whose boundary's
    // key ("+10000-01") would not sort. A period starting there is read
    // (as empty) ticket by ticket; one ending there has no end.
    let in_last_month = |at: &DateTime<Utc>| at.year() == 9999 && at.month() == 12;
    if from.as_ref().is_some_and(in_last_month) {
        return None;
    }
    let to = to.filter(|to| !in_last_month(to));
    if let Some(to) = to {
        let boundary = nearest_boundary(to)?;
        match boundary.cmp(&to) {
            std::cmp::Ordering::Less => cover.add.push((boundary, to)),
            std::cmp::Ordering::Greater => cover.take_off.push((to, boundary)),
            std::cmp::Ordering::Equal => {}
        }
        edges += (boundary - to).abs();
        cover.end = Some(month_key(boundary));
        bounds.1 = Some(boundary);
    }
    if let (Some(from), Some(to), Some(first), Some(end)) = (from, to, bounds.0, bounds.1) {
        if first >= end || edges >= to - from {
            return None;
        }
    }
    Some(cover)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn a_wita_month_is_one_month_of_cells() {
        // 1 Nov 00:00 WITA is 31 Oct 16:00 UTC.
        let c = cover(Some(at(2026, 10, 31, 16)), Some(at(2026, 11, 30, 16))).unwrap();
        assert_eq!((c.first.as_deref(), c.end.as_deref()), (Some("2026-11"), Some("2026-12")));
        assert!(c.add.is_empty() && c.take_off.is_empty());
        assert_eq!(month_key(at(2026, 11, 30, 16)), "2026-12");
        assert_eq!(month_key(at(2026, 11, 30, 15)), "2026-11");
    }

    #[test]
    fn a_wib_month_takes_off_its_first_hour_and_adds_one_at_its_end() {
        // 1 Nov 00:00 WIB is 31 Oct 17:00 UTC.
        let c = cover(Some(at(2026, 10, 31, 17)), Some(at(2026, 11, 30, 17))).unwrap();
        assert_eq!((c.first.as_deref(), c.end.as_deref()), (Some("2026-11"), Some("2026-12")));
        assert_eq!(c.take_off, vec![(at(2026, 10, 31, 16), at(2026, 10, 31, 17))]);
        assert_eq!(c.add, vec![(at(2026, 11, 30, 16), at(2026, 11, 30, 17))]);
    }

    #[test]
    fn a_utc_month_adds_its_last_eight_hours_and_takes_off_the_first_eight() {
        let c = cover(Some(at(2026, 11, 1, 0)), Some(at(2026, 12, 1, 0))).unwrap();
        assert_eq!((c.first.as_deref(), c.end.as_deref()), (Some("2026-11"), Some("2026-12")));
        assert_eq!(c.take_off, vec![(at(2026, 10, 31, 16), at(2026, 11, 1, 0))]);
        assert_eq!(c.add, vec![(at(2026, 11, 30, 16), at(2026, 12, 1, 0))]);
    }

    #[test]
    fn a_short_period_in_mid_month_is_read_ticket_by_ticket() {
        assert_eq!(cover(Some(at(2026, 11, 10, 0)), Some(at(2026, 11, 20, 0))), None);
        assert_eq!(cover(Some(at(2026, 11, 1, 0)), Some(at(2026, 11, 2, 0))), None);
    }

    #[test]
    fn a_bound_at_the_end_of_year_9999_is_no_bound() {
        let end = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap();
        let c = cover(Some(at(2026, 10, 31, 16)), Some(end)).unwrap();
        assert_eq!((c.first.as_deref(), c.end), (Some("2026-11"), None));
        assert!(c.add.is_empty() && c.take_off.is_empty());
        assert_eq!(cover(Some(end), None), None);
    }

    #[test]
    fn open_sides_take_every_month_on_that_side() {
        let c = cover(None, None).unwrap();
        assert_eq!((c.first, c.end), (None, None));
        let c = cover(Some(at(2026, 12, 20, 0)), None).unwrap();
        assert_eq!(c.first.as_deref(), Some("2027-01"));
        assert_eq!(c.add, vec![(at(2026, 12, 20, 0), at(2026, 12, 31, 16))]);
    }
}
