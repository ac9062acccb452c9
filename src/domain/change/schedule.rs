//! Change windows, freeze periods and what makes two changes conflict.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::service::Platform;
use crate::domain::sla::calendar::{Interval, WorkingCalendar};

/// A planned or actual window, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WindowParts")]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A window as written down (a stored conflict report), checked by
/// [`Window::new`] when read back.
#[derive(Deserialize)]
struct WindowParts {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl TryFrom<WindowParts> for Window {
    type Error = WindowError;

    fn try_from(parts: WindowParts) -> Result<Self, WindowError> {
        Window::new(parts.start, parts.end)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("The window must end after it starts.")]
    EndsBeforeStart,
    #[error("The window must not start in the past.")]
    InThePast,
    #[error("A change window lasts at most {0} days.")]
    TooLong(i64),
}

/// The longest window a change may plan.
pub const MAX_WINDOW_DAYS: i64 = 31;

impl Window {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, WindowError> {
        if end <= start {
            return Err(WindowError::EndsBeforeStart);
        }
        if end - start > Duration::days(MAX_WINDOW_DAYS) {
            return Err(WindowError::TooLong(MAX_WINDOW_DAYS));
        }
        Ok(Self { start, end })
    }

    /// A window to schedule now: it must not start before `now`.
    pub fn upcoming(start: DateTime<Utc>, end: DateTime<Utc>, now: DateTime<Utc>) -> Result<Self, WindowError> {
        let window = Self::new(start, end)?;
        if start < now {
            return Err(WindowError::InThePast);
        }
        Ok(window)
    }

    pub fn overlaps(&self, other: &Window) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// When a freeze applies: local dates (inclusive), optionally only part of
/// each day, optionally only on the working days of its calendar (so "every
/// working day 07:30–12:00 in the last week of the budget year" skips the
/// weekend and *cuti bersama*).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreezeRule {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub daily: Option<Interval>,
    pub working_days_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FreezeError {
    #[error("a freeze ends on or after the day it starts")]
    BadRange,
    #[error("a freeze spans at most 366 days")]
    TooLong,
}

impl FreezeRule {
    pub fn new(
        from: NaiveDate,
        to: NaiveDate,
        daily: Option<Interval>,
        working_days_only: bool,
    ) -> Result<Self, FreezeError> {
        if to < from {
            return Err(FreezeError::BadRange);
        }
        if (to - from).num_days() > 366 {
            return Err(FreezeError::TooLong);
        }
        Ok(Self { from, to, daily, working_days_only })
    }

    /// The frozen periods that overlap `within`, on `calendar`'s dates and zone.
    pub fn periods(&self, calendar: &WorkingCalendar, within: &Window) -> Vec<Window> {
        let zone = calendar.zone;
        let first = within.start.with_timezone(&zone).date_naive().max(self.from);
        let last = within.end.with_timezone(&zone).date_naive().min(self.to);
        let mut periods = Vec::new();
        let mut day = first;
        while day <= last {
            let frozen = !self.working_days_only || !calendar.intervals_on(day).is_empty();
            if frozen {
                let (start, end) = match self.daily {
                    Some(part) => (i64::from(part.start()), i64::from(part.end())),
                    None => (0, 24 * 60),
                };
                if let (Some(start), Some(end)) = (local(zone, day, start), local(zone, day, end)) {
                    let period = Window { start, end };
                    if period.overlaps(within) {
                        periods.push(period);
                    }
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        periods
    }
}

/// `minutes` after local midnight of `day` (Indonesian zones have no DST).
fn local(zone: Tz, day: NaiveDate, minutes: i64) -> Option<DateTime<Utc>> {
    let midnight = zone.from_local_datetime(&day.and_hms_opt(0, 0, 0)?).earliest()?;
    Some((midnight + Duration::minutes(minutes)).with_timezone(&Utc))
}

/// The infrastructure changes can collide on.
pub const SHARED_INFRASTRUCTURE: [Platform; 2] = [Platform::PusatData, Platform::JaringanIntra];

/// A touched service with the shared infrastructure it is or runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    pub service_id: Uuid,
    pub infrastructure: Vec<Platform>,
}

impl Footprint {
    /// `platform` is the service's own; `depends_on` what it runs on.
    pub fn new(service_id: Uuid, platform: Platform, depends_on: &[Platform]) -> Self {
        let mut infrastructure: Vec<Platform> = std::iter::once(platform)
            .chain(depends_on.iter().copied())
            .filter(|p| SHARED_INFRASTRUCTURE.contains(p))
            .collect();
        infrastructure.sort();
        infrastructure.dedup();
        Self { service_id, infrastructure }
    }
}

/// What two changes share: services, and shared infrastructure.
pub fn shared(mine: &[Footprint], theirs: &[Footprint]) -> (Vec<Uuid>, Vec<Platform>) {
    let mut services: Vec<Uuid> =
        mine.iter().filter(|m| theirs.iter().any(|t| t.service_id == m.service_id)).map(|m| m.service_id).collect();
    services.sort();
    services.dedup();
    let mut infrastructure: Vec<Platform> = mine
        .iter()
        .flat_map(|m| m.infrastructure.iter().copied())
        .filter(|p| theirs.iter().any(|t| t.infrastructure.contains(p)))
        .collect();
    infrastructure.sort();
    infrastructure.dedup();
    (services, infrastructure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sla::calendar::WeekSchedule;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn windows_end_after_they_start_and_touching_windows_do_not_overlap() {
        assert_eq!(
            Window::new(at("2026-12-10T02:00:00Z"), at("2026-12-10T01:00:00Z")),
            Err(WindowError::EndsBeforeStart)
        );
        let now = at("2026-12-10T00:00:00Z");
        assert_eq!(
            Window::upcoming(at("2026-12-09T02:00:00Z"), at("2026-12-09T03:00:00Z"), now),
            Err(WindowError::InThePast)
        );
        let a = Window::new(at("2026-12-10T01:00:00Z"), at("2026-12-10T02:00:00Z")).unwrap();
        let b = Window::new(at("2026-12-10T02:00:00Z"), at("2026-12-10T03:00:00Z")).unwrap();
        let c = Window::new(at("2026-12-10T01:30:00Z"), at("2026-12-10T02:30:00Z")).unwrap();
        assert!(!a.overlaps(&b) && a.overlaps(&c) && c.overlaps(&b));
    }

    #[test]
    fn a_working_morning_freeze_skips_weekends_and_holidays() {
        let mut calendar = WorkingCalendar::new(chrono_tz::Asia::Jakarta, WeekSchedule::perpres_21_2023());
        calendar.holidays.insert(date(2026, 12, 24), "Cuti bersama Natal".into());
        let morning = Interval::parse("07:30", "12:00").unwrap();
        let freeze = FreezeRule::new(date(2026, 12, 21), date(2026, 12, 31), Some(morning), true).unwrap();
        let week = Window::new(at("2026-12-21T00:00:00Z"), at("2026-12-28T00:00:00Z")).unwrap();
        let starts: Vec<String> = freeze.periods(&calendar, &week).iter().map(|p| p.start.to_rfc3339()).collect();
        // Mon 21, Tue 22, Wed 23, Fri 25 (the 24th is a holiday, 26–27 a weekend), 07:30 WIB = 00:30 UTC.
        assert_eq!(
            starts,
            [
                "2026-12-21T00:30:00+00:00",
                "2026-12-22T00:30:00+00:00",
                "2026-12-23T00:30:00+00:00",
                "2026-12-25T00:30:00+00:00"
            ]
        );
        // An evening window that week is outside the freeze.
        let evening = Window::new(at("2026-12-22T12:00:00Z"), at("2026-12-22T14:00:00Z")).unwrap();
        assert!(freeze.periods(&calendar, &evening).is_empty());
    }

    #[test]
    fn whole_day_freezes_cover_the_local_day() {
        let calendar = WorkingCalendar::new(chrono_tz::Asia::Makassar, WeekSchedule::perpres_21_2023());
        let freeze = FreezeRule::new(date(2026, 12, 31), date(2026, 12, 31), None, false).unwrap();
        // 23:30 WITA on the 30th is 15:30 UTC: outside; 00:30 WITA on the 31st is inside.
        let before = Window::new(at("2026-12-30T15:00:00Z"), at("2026-12-30T15:59:00Z")).unwrap();
        assert!(freeze.periods(&calendar, &before).is_empty());
        let inside = Window::new(at("2026-12-30T16:30:00Z"), at("2026-12-30T17:00:00Z")).unwrap();
        assert_eq!(freeze.periods(&calendar, &inside).len(), 1);
        assert_eq!(FreezeRule::new(date(2026, 12, 31), date(2026, 12, 30), None, false), Err(FreezeError::BadRange));
    }

    #[test]
    fn changes_share_services_or_the_infrastructure_their_services_run_on() {
        let (simpeg, sipd, network) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let mine = [Footprint::new(simpeg, Platform::AplikasiKhusus, &[Platform::PusatData])];
        let theirs = [Footprint::new(sipd, Platform::AplikasiUmum, &[Platform::PusatData, Platform::JaringanIntra])];
        assert_eq!(shared(&mine, &theirs), (vec![], vec![Platform::PusatData]));
        let net = [Footprint::new(network, Platform::JaringanIntra, &[])];
        assert_eq!(shared(&mine, &net), (vec![], vec![]));
        assert_eq!(shared(&theirs, &net), (vec![], vec![Platform::JaringanIntra]));
        assert_eq!(shared(&mine, &mine).0, vec![simpeg]);
    }
}
