//! The knowledge report's rules: its months, what each figure counts and
//! how a reporter's view becomes a self-service solution. Months are the
//! SLA report's (calendar months of WITA), so the two reports line up.
//!
//! Article-side figures (publishes, reviews, views, ratings, flags) fall
//! in the article's owning unit and service; ticket-side figures (resolved
//! tickets, links) in the ticket's.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::organisation::UnitKind;
use crate::domain::policy::Principal;
use crate::domain::role::Role;
use crate::domain::sla::report_months::{month_key, month_start};

/// The longest period one report covers.
pub const MAX_MONTHS: usize = 36;

/// One month of the report: `[start, end)` and its key (`YYYY-MM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportMonth {
    pub key: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

fn next_month(year: i32, month: u32) -> (i32, u32) {
    if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    }
}

/// The months `[from, to)` touches, the first and last cut to the period.
/// `None` when the period is empty or longer than [`MAX_MONTHS`].
pub fn months(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<Vec<ReportMonth>> {
    if to <= from {
        return None;
    }
    let local = from + Duration::hours(8);
    let (mut year, mut month) = (local.year(), local.month());
    let mut out = Vec::new();
    let mut start = from;
    while start < to {
        if out.len() == MAX_MONTHS {
            return None;
        }
        let (next_year, next) = next_month(year, month);
        let end = month_start(next_year, next)?.min(to);
        out.push(ReportMonth { key: month_key(start), start, end });
        (year, month, start) = (next_year, next, end);
    }
    Some(out)
}

/// The default period: the current month and the eleven before it.
pub fn default_from(now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = now + Duration::hours(8);
    let (mut year, mut month) = (local.year(), local.month());
    for _ in 0..11 {
        (year, month) = if month == 1 { (year - 1, 12) } else { (year, month - 1) };
    }
    month_start(year, month)
}

/// The unit a caller's report is held to: what they ask (every unit when
/// nothing) for the Dinas and auditors; their own for a PD's staff, who
/// may not ask for another (`Err`).
pub fn report_reach(principal: &Principal, asked: Option<Uuid>) -> Result<Option<Uuid>, &'static str> {
    if principal.unit_kind == UnitKind::Dinas || principal.has(Role::Auditor) {
        return Ok(asked);
    }
    match asked {
        Some(unit) if unit != principal.unit_id => Err("a PD's staff read the knowledge report of their own unit"),
        _ => Ok(Some(principal.unit_id)),
    }
}

/// The default end: the start of the month after the current one, so
/// that the current month is whole and now is inside the period.
pub fn default_to(now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = now + Duration::hours(8);
    let (year, month) = next_month(local.year(), local.month());
    month_start(year, month)
}

/// The figures of one group in one month (or a total).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KnowledgeFigures {
    /// Articles published for the first time.
    pub articles_published: u64,
    /// Every publish, first ones included (each is a version).
    pub versions_published: u64,
    /// Reviews that fell due (by due date).
    pub reviews_due: u64,
    /// Of those, confirmed or republished by the due date.
    pub reviewed_on_time: u64,
    /// Of those, reviewed after the due date.
    pub reviewed_late: u64,
    /// Of those, still not reviewed and past due now.
    pub review_overdue: u64,
    /// Tickets resolved (their latest resolution).
    pub resolved_tickets: u64,
    /// Of those, linked to at least one article.
    pub linked_tickets: u64,
    /// `linked_tickets` over `resolved_tickets`, in percent.
    pub link_rate_percent: Option<f64>,
    /// Links made from tickets to articles (reuse).
    pub links: u64,
    /// Distinct articles those links reused.
    pub articles_reused: u64,
    /// Reporters' openings of published articles.
    pub reporter_views: u64,
    /// Of those, followed by no ticket on the service within the window
    /// (`domain::knowledge::self_service`).
    pub self_service_solutions: u64,
    /// Of those, younger than the window and followed by no ticket yet.
    pub self_service_pending: u64,
    pub rated_helpful: u64,
    pub rated_not_helpful: u64,
    /// `rated_helpful` over all ratings, in percent.
    pub helpful_percent: Option<f64>,
    /// Flags raised (an article said to be wrong).
    pub flags: u64,
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// One fact the store read, already placed in a month and a group.
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    Published {
        first: bool,
    },
    Review {
        on_time: bool,
    },
    Overdue,
    /// Resolved tickets of a group, and how many of them are linked.
    Resolved {
        tickets: u64,
        linked: u64,
    },
    Link {
        article: Uuid,
    },
    /// Solved by self-service; `None` while undecided.
    View {
        solved: Option<bool>,
    },
    Rating {
        helpful: bool,
    },
    Flag,
}

impl KnowledgeFigures {
    fn add(&mut self, fact: &Fact) {
        match fact {
            Fact::Published { first } => {
                self.versions_published += 1;
                self.articles_published += u64::from(*first);
            }
            Fact::Review { on_time } => {
                self.reviews_due += 1;
                if *on_time {
                    self.reviewed_on_time += 1;
                } else {
                    self.reviewed_late += 1;
                }
            }
            Fact::Overdue => {
                self.reviews_due += 1;
                self.review_overdue += 1;
            }
            Fact::Resolved { tickets, linked } => {
                self.resolved_tickets += tickets;
                self.linked_tickets += linked;
            }
            Fact::Link { .. } => self.links += 1,
            Fact::View { solved } => {
                self.reporter_views += 1;
                self.self_service_solutions += u64::from(*solved == Some(true));
                self.self_service_pending += u64::from(solved.is_none());
            }
            Fact::Rating { helpful: true } => self.rated_helpful += 1,
            Fact::Rating { helpful: false } => self.rated_not_helpful += 1,
            Fact::Flag => self.flags += 1,
        }
    }

    fn finish(&mut self, reused: usize) {
        self.articles_reused = reused as u64;
        self.link_rate_percent = percent(self.linked_tickets, self.resolved_tickets);
        self.helpful_percent = percent(self.rated_helpful, self.rated_helpful + self.rated_not_helpful);
    }
}

/// Figures and the distinct articles linked, while facts are added.
#[derive(Debug, Default)]
struct Cell {
    figures: KnowledgeFigures,
    reused: std::collections::BTreeSet<Uuid>,
}

impl Cell {
    fn add(&mut self, fact: &Fact) {
        self.figures.add(fact);
        if let Fact::Link { article } = fact {
            self.reused.insert(*article);
        }
    }

    fn finish(mut self) -> KnowledgeFigures {
        self.figures.finish(self.reused.len());
        self.figures
    }
}

/// The report as facts arrive: per month, per group key, with totals.
#[derive(Debug, Default)]
pub struct KnowledgeTally {
    cells: BTreeMap<(String, String), Cell>,
    months: BTreeMap<String, Cell>,
    total: Cell,
}

/// One month's groups and its total, finished.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthFigures {
    pub month: String,
    pub groups: Vec<(String, KnowledgeFigures)>,
    pub total: KnowledgeFigures,
}

impl KnowledgeTally {
    /// Adds a fact of `month` to the group `key`.
    pub fn add(&mut self, month: &str, key: &str, fact: Fact) {
        self.cells.entry((month.to_owned(), key.to_owned())).or_default().add(&fact);
        self.months.entry(month.to_owned()).or_default().add(&fact);
        self.total.add(&fact);
    }

    /// Every month of `months` (empty ones included, so a front end's
    /// chart has no gaps), its groups by key, and the period's total.
    pub fn finish(self, months: &[ReportMonth]) -> (Vec<MonthFigures>, KnowledgeFigures) {
        let mut cells = self.cells;
        let mut totals = self.months;
        let out = months
            .iter()
            .map(|m| {
                let keys: Vec<(String, String)> = cells
                    .range((m.key.clone(), String::new())..)
                    .take_while(|((month, _), _)| *month == m.key)
                    .map(|(k, _)| k.clone())
                    .collect();
                let groups =
                    keys.into_iter().filter_map(|k| cells.remove(&k).map(|cell| (k.1, cell.finish()))).collect();
                let total = totals.remove(&m.key).unwrap_or_default().finish();
                MonthFigures { month: m.key.clone(), groups, total }
            })
            .collect();
        (out, self.total.finish())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap()
    }

    fn person(unit: Uuid, kind: UnitKind, role: Role) -> Principal {
        let roles = crate::domain::role::RoleSet::new([role]).unwrap_or_else(|e| panic!("{e}"));
        Principal { actor: crate::domain::policy::Actor::User(Uuid::now_v7()), unit_id: unit, unit_kind: kind, roles }
    }

    #[test]
    fn the_dinas_and_auditors_reach_every_unit_and_a_pd_its_own() {
        let (dinas, pd, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let supervisor = person(dinas, UnitKind::Dinas, Role::Supervisor);
        assert_eq!(report_reach(&supervisor, None), Ok(None));
        assert_eq!(report_reach(&supervisor, Some(pd)), Ok(Some(pd)));
        let auditor = person(pd, UnitKind::PerangkatDaerah, Role::Auditor);
        assert_eq!(report_reach(&auditor, Some(other)), Ok(Some(other)));
        let tier1 = person(pd, UnitKind::PerangkatDaerah, Role::Tier1Technician);
        assert_eq!(report_reach(&tier1, None), Ok(Some(pd)));
        assert_eq!(report_reach(&tier1, Some(pd)), Ok(Some(pd)));
        assert!(report_reach(&tier1, Some(other)).is_err());
    }

    #[test]
    fn months_follow_wita_calendar_months_and_cut_the_edges() {
        let months = months(at(2026, 10, 15, 0), at(2026, 12, 7, 0)).unwrap();
        let keys: Vec<&str> = months.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["2026-10", "2026-11", "2026-12"]);
        assert_eq!(months[0].start, at(2026, 10, 15, 0));
        // November in WITA starts at 16:00 UTC on 31 October.
        assert_eq!(months[0].end, at(2026, 10, 31, 16));
        assert_eq!(months[1].end, at(2026, 11, 30, 16));
        assert_eq!(months[2].end, at(2026, 12, 7, 0));
    }

    #[test]
    fn an_empty_or_too_long_period_has_no_months() {
        assert!(months(at(2026, 1, 1, 0), at(2026, 1, 1, 0)).is_none());
        assert!(months(at(2023, 1, 1, 0), at(2026, 12, 1, 0)).is_none());
        assert_eq!(months(at(2024, 1, 1, 0), at(2026, 12, 1, 0)).unwrap().len(), 36);
    }

    #[test]
    fn the_default_period_starts_eleven_months_before_the_current_one() {
        // 7 December 2026 in WITA: from 1 January 2026 00:00 WITA.
        assert_eq!(default_from(at(2026, 12, 7, 3)), Some(at(2025, 12, 31, 16)));
        // ... to 1 January 2027 00:00 WITA: December is whole.
        assert_eq!(default_to(at(2026, 12, 7, 3)), Some(at(2026, 12, 31, 16)));
        let months =
            months(default_from(at(2026, 12, 7, 3)).unwrap(), default_to(at(2026, 12, 7, 3)).unwrap()).unwrap();
        assert_eq!(months.len(), 12);
    }

    #[test]
    fn figures_add_up_per_group_month_and_period() {
        let mut tally = KnowledgeTally::default();
        let article = Uuid::from_u128(1);
        tally.add("2026-11", "a", Fact::Published { first: true });
        tally.add("2026-11", "a", Fact::Published { first: false });
        tally.add("2026-11", "a", Fact::Resolved { tickets: 4, linked: 1 });
        tally.add("2026-11", "a", Fact::Link { article });
        tally.add("2026-11", "b", Fact::Link { article });
        tally.add("2026-12", "a", Fact::Review { on_time: true });
        tally.add("2026-12", "a", Fact::Review { on_time: false });
        tally.add("2026-12", "a", Fact::Overdue);
        tally.add("2026-12", "a", Fact::Rating { helpful: true });
        tally.add("2026-12", "a", Fact::Rating { helpful: true });
        tally.add("2026-12", "a", Fact::Rating { helpful: false });
        tally.add("2026-12", "b", Fact::View { solved: Some(true) });
        tally.add("2026-12", "b", Fact::View { solved: None });
        tally.add("2026-12", "b", Fact::Flag);
        let span = months(at(2026, 10, 31, 16), at(2027, 1, 31, 16)).unwrap();
        let (months, total) = tally.finish(&span);
        assert_eq!(months.iter().map(|m| m.month.as_str()).collect::<Vec<_>>(), ["2026-11", "2026-12", "2027-01"]);
        let november = &months[0];
        assert_eq!(november.groups.len(), 2);
        let a = &november.groups[0].1;
        assert_eq!((a.articles_published, a.versions_published), (1, 2));
        assert_eq!((a.resolved_tickets, a.linked_tickets, a.link_rate_percent), (4, 1, Some(25.0)));
        assert_eq!((november.total.links, november.total.articles_reused), (2, 1));
        let december = &months[1].total;
        assert_eq!((december.reviews_due, december.reviewed_on_time, december.reviewed_late), (3, 1, 1));
        assert_eq!(december.review_overdue, 1);
        assert_eq!(december.helpful_percent, Some(66.7));
        assert_eq!((december.reporter_views, december.self_service_solutions, december.flags), (2, 1, 1));
        assert_eq!(december.self_service_pending, 1);
        assert!(months[2].groups.is_empty() && months[2].total == KnowledgeFigures::default());
        assert_eq!((total.links, total.articles_reused, total.versions_published), (2, 1, 2));
    }
}
