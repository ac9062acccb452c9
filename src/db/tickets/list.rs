//! Queues and search: scoped, filtered, sorted lists with keyset cursors,
//! and counts for dashboards.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use uuid::Uuid;

use super::{Ticket, TicketRow};
use crate::db::schema::tickets;
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::sla::clock::ClockKind;
use crate::domain::ticket::access::TicketScope;
use crate::domain::ticket::{Priority, Status, TicketType, Tier};

/// The order of a list; ties are broken by id (creation order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketSort {
    #[default]
    CreatedAsc,
    CreatedDesc,
    UpdatedAsc,
    UpdatedDesc,
    /// Most urgent first, oldest first within a priority: a work queue.
    PriorityAsc,
    PriorityDesc,
    /// Soonest SLA due instant first; tickets without one last.
    DueAsc,
}

/// Where the previous page ended: the sort key and id of its last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    Created(Uuid),
    Updated(NaiveDateTime, Uuid),
    Priority(i16, Uuid),
    Due(Option<NaiveDateTime>, Uuid),
}

#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub status: Option<Status>,
    pub tier: Option<Tier>,
    pub unit_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    pub priority: Option<Priority>,
    pub ticket_type: Option<TicketType>,
    pub assignee_id: Option<Uuid>,
    pub unassigned: Option<bool>,
    pub problem_id: Option<Uuid>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub text: Option<String>,
    pub breached: Option<ClockKind>,
    pub due_before: Option<DateTime<Utc>>,
    pub sort: TicketSort,
    pub after: Option<After>,
    pub limit: u32,
}

/// Applies the caller's scope and the filters shared by lists, counts and
/// the SLA report
/// to a boxed query (a macro, because grouped and plain boxed queries are
/// different types).
macro_rules! filtered {
    ($query:expr, $scope:expr, $f:expr) => {{
        let (scope, f): (&$crate::domain::ticket::access::TicketScope, &$crate::db::tickets::TicketFilter) =
            ($scope, $f);
        let mut q = $query;
        if let Some(condition) = $crate::db::tickets::scope_condition(scope) {
            q = q.filter(condition);
        }
        if let Some(status) = f.status {
            q = q.filter($crate::db::schema::tickets::status.eq(status.as_str()));
        }
        if let Some(tier) = f.tier {
            q = q.filter($crate::db::schema::tickets::tier.eq(i16::from(tier)));
        }
        if let Some(unit) = f.unit_id {
            q = q.filter($crate::db::schema::tickets::unit_id.eq($crate::db::sql_types::DbId(unit)));
        }
        if let Some(service) = f.service_id {
            q = q.filter($crate::db::schema::tickets::service_id.eq($crate::db::sql_types::DbId(service)));
        }
        if let Some(priority) = f.priority {
            q = q.filter($crate::db::schema::tickets::priority.eq(priority.as_str()));
        }
        if let Some(kind) = f.ticket_type {
            q = q.filter($crate::db::schema::tickets::ticket_type.eq(kind.as_str()));
        }
        if let Some(assignee) = f.assignee_id {
            q = q.filter($crate::db::schema::tickets::assignee_id.eq($crate::db::sql_types::DbId(assignee)));
        }
        match f.unassigned {
            Some(true) => q = q.filter($crate::db::schema::tickets::assignee_id.is_null()),
            Some(false) => q = q.filter($crate::db::schema::tickets::assignee_id.is_not_null()),
            None => {}
        }
        if let Some(problem) = f.problem_id {
            q = q.filter($crate::db::schema::tickets::problem_id.eq($crate::db::sql_types::DbId(problem)));
        }
        if let Some(from) = f.created_from {
            q = q.filter($crate::db::schema::tickets::created_at.ge(from.naive_utc()));
        }
        if let Some(to) = f.created_to {
            q = q.filter($crate::db::schema::tickets::created_at.lt(to.naive_utc()));
        }
        match f.breached {
            Some($crate::domain::sla::clock::ClockKind::Response) => {
                q = q.filter($crate::db::schema::tickets::response_breached.eq(true))
            }
            Some($crate::domain::sla::clock::ClockKind::Resolution) => {
                q = q.filter($crate::db::schema::tickets::resolution_breached.eq(true))
            }
            Some($crate::domain::sla::clock::ClockKind::Tier2Resolution) => {
                q = q.filter($crate::db::schema::tickets::tier2_breached.eq(true))
            }
            None => {}
        }
        if let Some(before) = f.due_before {
            q = q.filter($crate::db::schema::tickets::sla_due_at.lt(before.naive_utc()));
        }
        if let Some(text) = &f.text {
            q = q.filter($crate::db::tickets::TextMatch::new(text));
        }
        q
    }};
}
pub(crate) use filtered;

/// One page of the tickets the caller may see. Each part of the caller's
/// scope (the unit's tickets, tier 2's, their own) is read on its own, so
/// that an index serves its filter and order, and the parts are merged: one
/// `WHERE a OR b` would have the database read and sort every match.
pub fn list(conn: &mut DbConnection, scope: &TicketScope, f: &TicketFilter) -> Result<Vec<Ticket>, StoreError> {
    let parts = scope.parts_under(f.unit_id, f.tier);
    // The parts as of one instant: a ticket moving in between would
    // otherwise show twice (under two keys) or not at all.
    let mut rows = if parts.len() == 1 {
        list_part(conn, &parts[0], f)?
    } else {
        crate::db::journal::in_snapshot(conn, |conn| {
            let mut rows = Vec::new();
            for part in &parts {
                rows.extend(list_part(conn, part, f)?);
            }
            Ok(rows)
        })?
    };
    let key = |t: &Ticket| sort_key(f.sort, t);
    match f.sort {
        TicketSort::CreatedDesc | TicketSort::UpdatedDesc | TicketSort::PriorityDesc => {
            rows.sort_by_key(|t| std::cmp::Reverse(key(t)))
        }
        _ => rows.sort_by_key(key),
    }
    // A ticket in two parts has one key: its copies are neighbours.
    rows.dedup_by_key(|t| t.id);
    rows.truncate(f.limit as usize);
    Ok(rows)
}

/// The order of a sort as one comparable key (tickets without a running
/// clock after all others when sorting by due).
fn sort_key(sort: TicketSort, t: &Ticket) -> (i64, Option<DateTime<Utc>>, Uuid) {
    match sort {
        TicketSort::CreatedAsc | TicketSort::CreatedDesc => (0, None, t.id),
        TicketSort::UpdatedAsc | TicketSort::UpdatedDesc => (0, Some(t.updated_at), t.id),
        TicketSort::PriorityAsc | TicketSort::PriorityDesc => (i64::from(super::priority_rank(t.priority)), None, t.id),
        TicketSort::DueAsc => (i64::from(t.sla_due_at.is_none()), t.sla_due_at, t.id),
    }
}

fn cursor_mismatch() -> StoreError {
    StoreError::Invalid(crate::domain::validation::ValidationErrors::single(
        "cursor",
        "the cursor belongs to another sort order",
    ))
}

/// The query of a page of one scope part, without its limit.
pub(crate) type PageQuery = tickets::BoxedQuery<
    'static,
    crate::db::MultiBackend,
    diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<TicketRow, crate::db::MultiBackend>>,
>;

/// One part of the scope: a page in the sort's order. By due, the tickets
/// with a running clock come first, then (if the page is not full) those
/// without, each read in an order an index serves.
fn list_part(conn: &mut DbConnection, part: &TicketScope, f: &TicketFilter) -> Result<Vec<Ticket>, StoreError> {
    let limit = i64::from(f.limit);
    let mut rows: Vec<TicketRow> = Vec::new();
    for query in page_queries(part, f)? {
        let missing = limit - rows.len() as i64;
        if missing <= 0 {
            break;
        }
        rows.extend(query.limit(missing).load::<TicketRow>(conn)?);
    }
    rows.into_iter().map(Ticket::try_from).collect()
}

/// The queries a page of one scope part is read with, in turn, until the
/// page is full: one, or by due two (running clocks, then none).
pub(crate) fn page_queries(part: &TicketScope, f: &TicketFilter) -> Result<Vec<PageQuery>, StoreError> {
    let base = || -> PageQuery { filtered!(tickets::table.select(TicketRow::as_select()).into_boxed(), part, f) };
    use TicketSort::*;
    let queries = match (f.sort, f.after) {
        (DueAsc, after) => {
            let mut queries = Vec::new();
            if !matches!(after, Some(After::Due(None, _))) {
                let mut q = base().filter(tickets::sla_due_at.is_not_null());
                if let Some(After::Due(Some(t), id)) = after {
                    q = q.filter(tickets::sla_due_at.gt(t).or(tickets::sla_due_at.eq(t).and(tickets::id.gt(DbId(id)))));
                } else if after.is_some() {
                    return Err(cursor_mismatch());
                }
                queries.push(q.order((tickets::sla_due_at.asc(), tickets::id.asc())));
            }
            let mut q = base().filter(tickets::sla_due_at.is_null());
            if let Some(After::Due(None, id)) = after {
                q = q.filter(tickets::id.gt(DbId(id)));
            }
            queries.push(q.order(tickets::id.asc()));
            queries
        }
        (sort, after) => {
            let mut q = base();
            q = match (sort, after) {
                (CreatedAsc, Some(After::Created(id))) => q.filter(tickets::id.gt(DbId(id))),
                (CreatedDesc, Some(After::Created(id))) => q.filter(tickets::id.lt(DbId(id))),
                (UpdatedAsc, Some(After::Updated(t, id))) => {
                    q.filter(tickets::updated_at.gt(t).or(tickets::updated_at.eq(t).and(tickets::id.gt(DbId(id)))))
                }
                (UpdatedDesc, Some(After::Updated(t, id))) => {
                    q.filter(tickets::updated_at.lt(t).or(tickets::updated_at.eq(t).and(tickets::id.lt(DbId(id)))))
                }
                (PriorityAsc, Some(After::Priority(r, id))) => q.filter(
                    tickets::priority_rank.gt(r).or(tickets::priority_rank.eq(r).and(tickets::id.gt(DbId(id)))),
                ),
                (PriorityDesc, Some(After::Priority(r, id))) => q.filter(
                    tickets::priority_rank.lt(r).or(tickets::priority_rank.eq(r).and(tickets::id.lt(DbId(id)))),
                ),
                (_, None) => q,
                (_, Some(_)) => return Err(cursor_mismatch()),
            };
            vec![match sort {
                CreatedAsc => q.order(tickets::id.asc()),
                CreatedDesc => q.order(tickets::id.desc()),
                UpdatedAsc => q.order((tickets::updated_at.asc(), tickets::id.asc())),
                UpdatedDesc => q.order((tickets::updated_at.desc(), tickets::id.desc())),
                PriorityAsc => q.order((tickets::priority_rank.asc(), tickets::id.asc())),
                PriorityDesc => q.order((tickets::priority_rank.desc(), tickets::id.desc())),
                DueAsc => q,
            }]
        }
    };
    Ok(queries)
}

/// The plans of the queries a list reads (each scope part's, in turn), for
/// the benchmark that walks every filter and sort.
pub fn explain_list(
    conn: &mut DbConnection,
    scope: &TicketScope,
    f: &TicketFilter,
) -> Result<Vec<crate::db::explain::Plan>, StoreError> {
    let mut plans = Vec::new();
    for part in scope.parts_under(f.unit_id, f.tier) {
        for query in page_queries(&part, f)? {
            plans.push(crate::db::explain::explain(conn, query.limit(i64::from(f.limit)))?);
        }
    }
    Ok(plans)
}

/// The cursor position of a row under a sort order.
pub fn position(sort: TicketSort, ticket: &Ticket) -> After {
    match sort {
        TicketSort::CreatedAsc | TicketSort::CreatedDesc => After::Created(ticket.id),
        TicketSort::UpdatedAsc | TicketSort::UpdatedDesc => After::Updated(ticket.updated_at.naive_utc(), ticket.id),
        TicketSort::PriorityAsc | TicketSort::PriorityDesc => {
            After::Priority(super::priority_rank(ticket.priority), ticket.id)
        }
        TicketSort::DueAsc => After::Due(ticket.sla_due_at.map(|t| t.naive_utc()), ticket.id),
    }
}

/// Ticket counts per status, tier and priority within a scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub total: i64,
    pub by_status: BTreeMap<String, i64>,
    pub by_tier: BTreeMap<String, i64>,
    pub by_priority: BTreeMap<String, i64>,
    pub unassigned_open: i64,
}

/// Counts for dashboards, over the same filters as the list: from the
/// maintained counters where the filters and the scope's parts allow, by
/// reading the tickets otherwise (each part less what earlier parts hold).
pub fn summary(conn: &mut DbConnection, scope: &TicketScope, f: &TicketFilter) -> Result<Summary, StoreError> {
    let parts = scope.parts_under(f.unit_id, f.tier);
    // One snapshot: a fold between reading the counters and the deltas, or
    // a move between two parts, must not drop or double a ticket.
    let groups = crate::db::journal::in_snapshot(conn, |conn| {
        let mut groups: Vec<super::counts::Group> = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let earlier = &parts[..i];
            if super::counts::answers(f) && super::counts::counts_part(part) {
                groups.extend(super::counts::groups(conn, part, earlier, f)?);
            } else {
                groups.extend(live_groups(conn, part, earlier, f)?);
            }
        }
        Ok(groups)
    })?;
    let open = [Status::New, Status::Assigned, Status::InProgress, Status::Pending].map(Status::as_str);
    let unassigned_open = groups.iter().filter(|g| g.3 && open.contains(&g.0.as_str())).map(|g| g.4).sum();
    let mut summary = Summary { unassigned_open, ..Summary::default() };
    for status in Status::ALL {
        summary.by_status.insert(status.as_str().to_owned(), 0);
    }
    for priority in Priority::ALL {
        summary.by_priority.insert(priority.as_str().to_owned(), 0);
    }
    summary.by_tier.insert("1".to_owned(), 0);
    summary.by_tier.insert("2".to_owned(), 0);
    for (status, tier, priority, _, n) in groups {
        summary.total += n;
        *summary.by_status.entry(status).or_default() += n;
        *summary.by_tier.entry(tier.to_string()).or_default() += n;
        *summary.by_priority.entry(priority).or_default() += n;
    }
    Ok(summary)
}

/// Counts one scope part by reading its tickets, less those of `earlier` parts.
fn live_groups(
    conn: &mut DbConnection,
    part: &TicketScope,
    earlier: &[TicketScope],
    f: &TicketFilter,
) -> Result<Vec<super::counts::Group>, StoreError> {
    let mut groups = Vec::new();
    for unassigned in [true, false] {
        let mut q = filtered!(
            tickets::table
                .group_by((tickets::status, tickets::tier, tickets::priority))
                .select((tickets::status, tickets::tier, tickets::priority, count_star()))
                .into_boxed(),
            part,
            f
        );
        q = if unassigned {
            q.filter(tickets::assignee_id.is_null())
        } else {
            q.filter(tickets::assignee_id.is_not_null())
        };
        for condition in super::outside_parts(earlier) {
            q = q.filter(condition);
        }
        let rows: Vec<(String, i16, String, i64)> = q.load(conn)?;
        groups.extend(rows.into_iter().map(|(s, t, p, n)| (s, t, p, unassigned, n)));
    }
    Ok(groups)
}
