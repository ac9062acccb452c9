//! Reads what the knowledge report counts (`domain::knowledge::report`):
//! publishes, reviews, links, reporters' views, ratings and flags of the
//! period, each placed in its month and group, all in one snapshot.
//! Resolved tickets are counted by the database month by month (an index
//! on `resolved_at` serves them); every other fact is read row by row, as
//! knowledge is small beside the tickets.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::{count_star, exists};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{
    knowledge_articles as k, knowledge_flags, knowledge_links, knowledge_ratings, knowledge_reviews,
    knowledge_versions, knowledge_views, services, tickets, units,
};
use crate::db::sql_types::DbId;
use crate::db::{DbBackend, DbConnection, StoreError};
use crate::domain::knowledge::report::{Fact, KnowledgeTally, ReportMonth};
use crate::domain::knowledge::self_service::{solved_by_self_service, SELF_SERVICE_WINDOW_HOURS};
use crate::domain::knowledge::ArticleStatus;
use crate::domain::sla::report_months::month_key;
use crate::domain::validation::ValidationErrors;

/// What the report's groups are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnowledgeGroupBy {
    Unit,
    Service,
    Nothing,
}

/// What the report covers: the caller's reach and the request's filters.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeReportFilter {
    /// Only this unit (a PD's own report, or a filter).
    pub unit_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
}

/// Keys of groups and their labels (unit or service names).
pub type Labels = BTreeMap<String, String>;

struct Reading<'a> {
    months: &'a [ReportMonth],
    group_by: KnowledgeGroupBy,
    tally: KnowledgeTally,
}

impl Reading<'_> {
    fn key(&self, unit: Uuid, service: Uuid) -> String {
        match self.group_by {
            KnowledgeGroupBy::Unit => unit.to_string(),
            KnowledgeGroupBy::Service => service.to_string(),
            KnowledgeGroupBy::Nothing => "all".to_owned(),
        }
    }

    fn add(&mut self, at: NaiveDateTime, unit: Uuid, service: Uuid, fact: Fact) {
        let key = self.key(unit, service);
        self.tally.add(&month_key(at.and_utc()), &key, fact);
    }

    fn bounds(&self) -> (NaiveDateTime, NaiveDateTime) {
        let first = self.months.first().map(|m| m.start).unwrap_or_default();
        let last = self.months.last().map(|m| m.end).unwrap_or_default();
        (first.naive_utc(), last.naive_utc())
    }
}

/// The articles' `WHERE` for the filter.
macro_rules! article_filter {
    ($query:expr, $f:expr) => {{
        let mut q = $query;
        if let Some(unit) = $f.unit_id {
            q = q.filter(k::owner_unit_id.eq(DbId(unit)));
        }
        if let Some(service) = $f.service_id {
            q = q.filter(k::service_id.eq(DbId(service)));
        }
        q
    }};
}

fn publishes(conn: &mut DbConnection, f: &KnowledgeReportFilter, r: &mut Reading) -> Result<(), StoreError> {
    use knowledge_versions as v;
    let (from, to) = r.bounds();
    let q = v::table
        .inner_join(k::table.on(k::id.eq(v::article_id)))
        .filter(v::published_at.ge(from).and(v::published_at.lt(to)))
        .select((v::number, v::published_at, k::owner_unit_id, k::service_id))
        .into_boxed();
    let rows: Vec<(i32, NaiveDateTime, Uuid, Uuid)> = article_filter!(q, f).load(conn)?;
    for (number, at, unit, service) in rows {
        r.add(at, unit, service, Fact::Published { first: number == 1 });
    }
    Ok(())
}

/// Reviews by the month they fell due; due dates passed without a review
/// are overdue.
fn reviews(
    conn: &mut DbConnection,
    f: &KnowledgeReportFilter,
    r: &mut Reading,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use knowledge_reviews as rv;
    let (from, to) = r.bounds();
    let q = rv::table
        .inner_join(k::table.on(k::id.eq(rv::article_id)))
        .filter(rv::due_at.ge(from).and(rv::due_at.lt(to)))
        .select((rv::due_at.assume_not_null(), rv::reviewed_at, k::owner_unit_id, k::service_id))
        .into_boxed();
    let rows: Vec<(NaiveDateTime, NaiveDateTime, Uuid, Uuid)> = article_filter!(q, f).load(conn)?;
    for (due, reviewed, unit, service) in rows {
        r.add(due, unit, service, Fact::Review { on_time: reviewed <= due });
    }
    let overdue_before = to.min(now.naive_utc());
    let q = k::table
        .filter(k::status.eq(ArticleStatus::Published.as_str()))
        .filter(k::review_due_at.ge(from).and(k::review_due_at.lt(overdue_before)))
        .select((k::review_due_at.assume_not_null(), k::owner_unit_id, k::service_id))
        .into_boxed();
    let rows: Vec<(NaiveDateTime, Uuid, Uuid)> = article_filter!(q, f).load(conn)?;
    for (due, unit, service) in rows {
        r.add(due, unit, service, Fact::Overdue);
    }
    Ok(())
}

type TicketCondition = Box<
    dyn BoxableExpression<tickets::table, DbBackend, SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>>,
>;

/// Tickets resolved in `[from, to)` the filter covers; only the linked
/// ones when `linked`.
fn resolved_in(f: &KnowledgeReportFilter, from: NaiveDateTime, to: NaiveDateTime, linked: bool) -> TicketCondition {
    use tickets as t;
    let mut reach: TicketCondition = Box::new(t::resolved_at.ge(from).and(t::resolved_at.lt(to)));
    if linked {
        reach = Box::new(reach.and(exists(knowledge_links::table.filter(knowledge_links::ticket_id.eq(t::id)))));
    }
    if let Some(unit) = f.unit_id {
        reach = Box::new(reach.and(t::unit_id.eq(DbId(unit))));
    }
    if let Some(service) = f.service_id {
        reach = Box::new(reach.and(t::service_id.eq(DbId(service))));
    }
    reach
}

/// Resolved tickets and the linked ones, counted per month and group.
fn resolved(conn: &mut DbConnection, f: &KnowledgeReportFilter, r: &mut Reading) -> Result<(), StoreError> {
    use tickets as t;
    let months = r.months;
    for month in months {
        let (from, to) = (month.start.naive_utc(), month.end.naive_utc());
        let groups = (t::unit_id, t::service_id);
        let all: Vec<(Uuid, Uuid, i64)> = t::table
            .filter(resolved_in(f, from, to, false))
            .group_by(groups)
            .select((t::unit_id, t::service_id, count_star()))
            .load(conn)?;
        let linked: BTreeMap<(Uuid, Uuid), i64> = t::table
            .filter(resolved_in(f, from, to, true))
            .group_by(groups)
            .select((t::unit_id, t::service_id, count_star()))
            .load::<(Uuid, Uuid, i64)>(conn)?
            .into_iter()
            .map(|(unit, service, n)| ((unit, service), n))
            .collect();
        for (unit, service, tickets) in all {
            let linked = linked.get(&(unit, service)).copied().unwrap_or(0);
            let fact = Fact::Resolved { tickets: tickets as u64, linked: linked as u64 };
            r.add(month.start.naive_utc(), unit, service, fact);
        }
    }
    Ok(())
}

fn links(conn: &mut DbConnection, f: &KnowledgeReportFilter, r: &mut Reading) -> Result<(), StoreError> {
    use knowledge_links as l;
    let (from, to) = r.bounds();
    let mut q = l::table
        .filter(l::linked_at.ge(from).and(l::linked_at.lt(to)))
        .select((l::article_id, l::linked_at, l::unit_id, l::service_id))
        .into_boxed();
    if let Some(unit) = f.unit_id {
        q = q.filter(l::unit_id.eq(DbId(unit)));
    }
    if let Some(service) = f.service_id {
        q = q.filter(l::service_id.eq(DbId(service)));
    }
    let rows: Vec<(Uuid, NaiveDateTime, Uuid, Uuid)> = q.load(conn)?;
    for (article, at, unit, service) in rows {
        r.add(at, unit, service, Fact::Link { article });
    }
    Ok(())
}

/// Reporters' views, and whether each was followed by a ticket of theirs
/// on the service within the window.
fn views(
    conn: &mut DbConnection,
    f: &KnowledgeReportFilter,
    r: &mut Reading,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use knowledge_views as w;
    let (from, to) = r.bounds();
    let q = w::table
        .inner_join(k::table.on(k::id.eq(w::article_id)))
        .filter(w::viewed_at.ge(from).and(w::viewed_at.lt(to)))
        .select((w::viewer_id, w::service_id, w::viewed_at, k::owner_unit_id, k::service_id))
        .into_boxed();
    let rows: Vec<(Uuid, Uuid, NaiveDateTime, Uuid, Uuid)> = article_filter!(q, f).load(conn)?;
    let window_end = to + chrono::Duration::hours(SELF_SERVICE_WINDOW_HOURS);
    let viewers = w::table.filter(w::viewed_at.ge(from).and(w::viewed_at.lt(to))).select(w::viewer_id);
    let filings: Vec<(Option<Uuid>, Uuid, NaiveDateTime)> = tickets::table
        .filter(tickets::created_at.ge(from).and(tickets::created_at.lt(window_end)))
        .filter(tickets::reporter_id.eq_any(viewers.nullable()))
        .select((tickets::reporter_id, tickets::service_id, tickets::created_at))
        .load(conn)?;
    let mut filed: BTreeMap<(Uuid, Uuid), Vec<DateTime<Utc>>> = BTreeMap::new();
    for (reporter, service, at) in filings {
        if let Some(reporter) = reporter {
            filed.entry((reporter, service)).or_default().push(at.and_utc());
        }
    }
    for (viewer, viewed_service, at, unit, service) in rows {
        let viewed = at.and_utc();
        let filings = filed.get(&(viewer, viewed_service)).map(Vec::as_slice).unwrap_or_default();
        let next = filings.iter().filter(|filed| **filed >= viewed).min().copied();
        r.add(at, unit, service, Fact::View { solved: solved_by_self_service(viewed, next, now) });
    }
    Ok(())
}

fn ratings_and_flags(conn: &mut DbConnection, f: &KnowledgeReportFilter, r: &mut Reading) -> Result<(), StoreError> {
    let (from, to) = r.bounds();
    let q = knowledge_ratings::table
        .inner_join(k::table.on(k::id.eq(knowledge_ratings::article_id)))
        .filter(knowledge_ratings::rated_at.ge(from).and(knowledge_ratings::rated_at.lt(to)))
        .select((knowledge_ratings::helpful, knowledge_ratings::rated_at, k::owner_unit_id, k::service_id))
        .into_boxed();
    let rows: Vec<(bool, NaiveDateTime, Uuid, Uuid)> = article_filter!(q, f).load(conn)?;
    for (helpful, at, unit, service) in rows {
        r.add(at, unit, service, Fact::Rating { helpful });
    }
    let q = knowledge_flags::table
        .inner_join(k::table.on(k::id.eq(knowledge_flags::article_id)))
        .filter(knowledge_flags::flagged_at.ge(from).and(knowledge_flags::flagged_at.lt(to)))
        .select((knowledge_flags::flagged_at, k::owner_unit_id, k::service_id))
        .into_boxed();
    let rows: Vec<(NaiveDateTime, Uuid, Uuid)> = article_filter!(q, f).load(conn)?;
    for (at, unit, service) in rows {
        r.add(at, unit, service, Fact::Flag);
    }
    Ok(())
}

fn labels(conn: &mut DbConnection, group_by: KnowledgeGroupBy) -> Result<Labels, StoreError> {
    let named: Vec<(Uuid, String)> = match group_by {
        KnowledgeGroupBy::Unit => units::table.select((units::id, units::name)).load(conn)?,
        KnowledgeGroupBy::Service => services::table.select((services::id, services::name)).load(conn)?,
        KnowledgeGroupBy::Nothing => Vec::new(),
    };
    Ok(named.into_iter().map(|(id, name)| (id.to_string(), name)).collect())
}

/// The filter's field naming a unit or service that does not exist.
pub fn unknown_in(conn: &mut DbConnection, f: &KnowledgeReportFilter) -> Result<Option<&'static str>, StoreError> {
    if let Some(unit) = f.unit_id {
        let found: i64 = units::table.filter(units::id.eq(DbId(unit))).count().get_result(conn)?;
        if found == 0 {
            return Ok(Some("unit_id"));
        }
    }
    if let Some(service) = f.service_id {
        let found: i64 = services::table.filter(services::id.eq(DbId(service))).count().get_result(conn)?;
        if found == 0 {
            return Ok(Some("service_id"));
        }
    }
    Ok(None)
}

/// Every fact of `months` the filter covers, tallied, with group labels.
pub fn tally(
    conn: &mut DbConnection,
    f: &KnowledgeReportFilter,
    group_by: KnowledgeGroupBy,
    months: &[ReportMonth],
    now: DateTime<Utc>,
) -> Result<(KnowledgeTally, Labels), StoreError> {
    conn.transaction(|conn| {
        if let Some(field) = unknown_in(conn, f)? {
            let mut errors = ValidationErrors::new();
            errors.add(field, "names no unit or service of this desk");
            return Err(StoreError::Invalid(errors));
        }
        let mut reading = Reading { months, group_by, tally: KnowledgeTally::default() };
        publishes(conn, f, &mut reading)?;
        reviews(conn, f, &mut reading, now)?;
        resolved(conn, f, &mut reading)?;
        links(conn, f, &mut reading)?;
        views(conn, f, &mut reading, now)?;
        ratings_and_flags(conn, f, &mut reading)?;
        Ok((reading.tally, labels(conn, group_by)?))
    })
}
