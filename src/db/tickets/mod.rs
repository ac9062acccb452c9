//! Tickets: storage, scoped reads, creation, workflow transitions, lists.

mod bulk;
mod counts;
mod create;
mod create_many;
mod edits;
mod filed;
mod list;
mod personal;
pub mod rights;
mod search;
mod transition;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::schema::tickets;
use super::sla::clocks::{ClockedTicket, Watch};
use super::sql_types::{db_ids, DbId, OptionalDbId};
use super::{DbBackend, DbConnection, StoreError};
use crate::domain::sla::clock::ClockKind;
use crate::domain::ticket::access::{TicketFacts, TicketScope};
use crate::domain::ticket::{Channel, Level, PendingReason, Priority, ResolutionCode, Status, TicketType, Tier};

pub use bulk::{insert_generated, GeneratedTicket};
pub use counts::fold as fold_counts;
pub(crate) use counts::{counts_part, in_counted_part};
pub use create::{create, create_one, CreateOutcome, IdempotencyKey, Intake};
pub(crate) use create::{created_entry, remember_key, replayed_id};
pub use create_many::create_many;
pub use edits::{patch, rate, recompute_sla, set_problem, TicketPatch};
pub use filed::Filing;
pub(crate) use list::filtered;
pub use list::{explain_list, list, position, summary, After, Summary, TicketFilter, TicketSort};
pub use personal::erase_reporter_contact;
pub(crate) use search::TextMatch;
pub use transition::{auto_escalate, transition, TransitionRequest};

/// A stored ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ticket {
    pub id: Uuid,
    pub number: String,
    pub ticket_type: TicketType,
    pub title: String,
    pub description: String,
    pub service_id: Uuid,
    pub unit_id: Uuid,
    pub reporter_id: Option<Uuid>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub reporter_phone: Option<String>,
    pub channel: Channel,
    pub impact: Level,
    pub urgency: Level,
    pub priority: Priority,
    pub status: Status,
    pub tier: Tier,
    pub assignee_id: Option<Uuid>,
    pub tier2_involved: bool,
    pub escalation_count: i32,
    pub last_escalated_at: Option<DateTime<Utc>>,
    pub pending_reason: Option<PendingReason>,
    pub external_source: Option<String>,
    pub external_ref: Option<String>,
    pub complaint_ref: Option<String>,
    pub problem_id: Option<Uuid>,
    pub resolution_code: Option<ResolutionCode>,
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reopen_count: i32,
    pub rating: Option<i16>,
    pub rating_remark: Option<String>,
    pub created_by_kind: String,
    pub created_by: Uuid,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The earliest due instant of the ticket's running SLA clocks.
    pub sla_due_at: Option<DateTime<Utc>>,
    /// The clocks that breached their target.
    pub sla_breached: Vec<ClockKind>,
}

impl Ticket {
    /// What access decisions need to know about the ticket.
    pub fn facts(&self) -> TicketFacts {
        TicketFacts {
            unit_id: self.unit_id,
            tier: self.tier,
            reporter_id: self.reporter_id,
            created_by: self.created_by,
            tier2_involved: self.tier2_involved,
        }
    }

    /// What its SLA clocks need to know about the ticket.
    pub fn clocked(&self) -> ClockedTicket {
        let watch = Watch { priority: self.priority, unit_id: self.unit_id, tier: self.tier };
        ClockedTicket { id: self.id, service_id: self.service_id, watch }
    }
}

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tickets, treat_none_as_default_value = false)]
struct TicketRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    number: String,
    ticket_type: TicketType,
    title: String,
    description: String,
    #[diesel(serialize_as = DbId)]
    service_id: Uuid,
    #[diesel(serialize_as = DbId)]
    unit_id: Uuid,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    reporter_id: Option<Uuid>,
    reporter_name: Option<String>,
    reporter_email: Option<String>,
    reporter_phone: Option<String>,
    channel: Channel,
    impact: Level,
    urgency: Level,
    priority: Priority,
    priority_rank: i16,
    status: Status,
    tier: i16,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    assignee_id: Option<Uuid>,
    tier2_involved: bool,
    escalation_count: i32,
    last_escalated_at: Option<NaiveDateTime>,
    pending_reason: Option<PendingReason>,
    external_source: Option<String>,
    external_ref: Option<String>,
    complaint_ref: Option<String>,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    problem_id: Option<Uuid>,
    resolution_code: Option<ResolutionCode>,
    resolution: Option<String>,
    resolved_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
    reopen_count: i32,
    rating: Option<i16>,
    rating_remark: Option<String>,
    created_by_kind: String,
    #[diesel(serialize_as = DbId)]
    created_by: Uuid,
    event_seq: i32,
    public_event_seq: i32,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    sla_due_at: Option<NaiveDateTime>,
    sla_check_at: Option<NaiveDateTime>,
    response_breached: bool,
    resolution_breached: bool,
    tier2_breached: bool,
}

impl TryFrom<TicketRow> for Ticket {
    type Error = StoreError;

    fn try_from(r: TicketRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: r.id,
            number: r.number,
            ticket_type: r.ticket_type,
            title: r.title,
            description: r.description,
            service_id: r.service_id,
            unit_id: r.unit_id,
            reporter_id: r.reporter_id,
            reporter_name: r.reporter_name,
            reporter_email: r.reporter_email,
            reporter_phone: r.reporter_phone,
            channel: r.channel,
            impact: r.impact,
            urgency: r.urgency,
            priority: r.priority,
            status: r.status,
            tier: Tier::try_from(r.tier).map_err(StoreError::Corrupt)?,
            assignee_id: r.assignee_id,
            tier2_involved: r.tier2_involved,
            escalation_count: r.escalation_count,
            last_escalated_at: r.last_escalated_at.map(|t| t.and_utc()),
            pending_reason: r.pending_reason,
            external_source: r.external_source,
            external_ref: r.external_ref,
            complaint_ref: r.complaint_ref,
            problem_id: r.problem_id,
            resolution_code: r.resolution_code,
            resolution: r.resolution,
            resolved_at: r.resolved_at.map(|t| t.and_utc()),
            closed_at: r.closed_at.map(|t| t.and_utc()),
            reopen_count: r.reopen_count,
            rating: r.rating,
            rating_remark: r.rating_remark,
            created_by_kind: r.created_by_kind,
            created_by: r.created_by,
            version: r.version,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
            sla_due_at: r.sla_due_at.map(|t| t.and_utc()),
            sla_breached: [
                (r.response_breached, ClockKind::Response),
                (r.resolution_breached, ClockKind::Resolution),
                (r.tier2_breached, ClockKind::Tier2Resolution),
            ]
            .into_iter()
            .filter_map(|(breached, kind)| breached.then_some(kind))
            .collect(),
        })
    }
}

/// The sort rank of a priority (0 is most urgent).
pub fn priority_rank(priority: Priority) -> i16 {
    match priority {
        Priority::Critical => 0,
        Priority::High => 1,
        Priority::Medium => 2,
        Priority::Low => 3,
    }
}

type TicketCondition = Box<dyn BoxableExpression<tickets::table, DbBackend, SqlType = diesel::sql_types::Bool>>;

/// The `WHERE` of a caller's ticket scope; `None` when they see everything.
pub(crate) fn scope_condition(scope: &TicketScope) -> Option<TicketCondition> {
    if scope.all {
        return None;
    }
    let mut any: Vec<TicketCondition> = Vec::new();
    if let Some(unit) = scope.unit {
        any.push(Box::new(tickets::unit_id.eq(DbId(unit))));
    }
    if scope.tier2 {
        any.push(Box::new(tickets::tier2_involved.eq(true)));
    }
    if let Some(reporter) = scope.reporter {
        any.push(Box::new(tickets::reporter_id.assume_not_null().eq(DbId(reporter))));
    }
    if let Some(creator) = scope.creator {
        any.push(Box::new(tickets::created_by.eq(DbId(creator))));
    }
    let nothing: TicketCondition = Box::new(tickets::id.is_null());
    Some(any.into_iter().reduce(|a, b| Box::new(a.or(b))).unwrap_or(nothing))
}

/// The conditions that leave out the tickets of `earlier` scope parts, so
/// that a part read after them counts no ticket twice.
pub(crate) fn outside_parts(earlier: &[TicketScope]) -> Vec<TicketCondition> {
    let mut outside: Vec<TicketCondition> = Vec::new();
    for seen in earlier {
        if let Some(unit) = seen.unit {
            outside.push(Box::new(tickets::unit_id.ne(DbId(unit))));
        }
        if seen.tier2 {
            outside.push(Box::new(tickets::tier2_involved.eq(false)));
        }
        if let Some(reporter) = seen.reporter {
            let other = tickets::reporter_id.assume_not_null().ne(DbId(reporter));
            outside.push(Box::new(tickets::reporter_id.is_null().or(other)));
        }
    }
    outside
}

/// Reads a ticket the caller may see, by id; others are `NotFound`.
pub fn find(conn: &mut DbConnection, scope: &TicketScope, id: Uuid) -> Result<Ticket, StoreError> {
    let mut query = tickets::table.filter(tickets::id.eq(DbId(id))).select(TicketRow::as_select()).into_boxed();
    if let Some(condition) = scope_condition(scope) {
        query = query.filter(condition);
    }
    query.first::<TicketRow>(conn)?.try_into()
}

/// Reads a ticket the caller may see, by number (`TKT-2026-000123`).
pub fn find_by_number(conn: &mut DbConnection, scope: &TicketScope, number: &str) -> Result<Ticket, StoreError> {
    let mut query =
        tickets::table.filter(tickets::number.eq(number.to_uppercase())).select(TicketRow::as_select()).into_boxed();
    if let Some(condition) = scope_condition(scope) {
        query = query.filter(condition);
    }
    query.first::<TicketRow>(conn)?.try_into()
}

/// Takes the ticket's row lock (PostgreSQL; SQLite's write transaction
/// already holds its single write lock) before it is read, so that checks
/// made on what is read still hold at commit. A locking read, not an
/// update: an update would write a new row version and every index again.
/// (`FOR NO KEY UPDATE`, the lock such an update took: inserts that refer
/// to the ticket do not wait on it.)
pub fn lock(conn: &mut DbConnection, id: Uuid) -> Result<(), StoreError> {
    if let DbConnection::Postgres(pg) = conn {
        tickets::table.find(DbId(id)).select(tickets::id).for_no_key_update().load::<Uuid>(pg)?;
    }
    Ok(())
}

/// Reads tickets without a scope (the sweep's claimed ones), each with its
/// last event number and last public one, in one query.
pub(crate) fn find_many_any(conn: &mut DbConnection, ids: &[Uuid]) -> Result<Vec<(Ticket, i32, i32)>, StoreError> {
    let rows: Vec<TicketRow> =
        tickets::table.filter(tickets::id.eq_any(db_ids(ids))).select(TicketRow::as_select()).load(conn)?;
    rows.into_iter()
        .map(|row| {
            let (seq, public_seq) = (row.event_seq, row.public_event_seq);
            Ok((Ticket::try_from(row)?, seq, public_seq))
        })
        .collect()
}

/// Tickets with ids after `after`, in id order, without a scope (the state
/// check reads every row).
pub(crate) fn rows_after(conn: &mut DbConnection, after: Option<Uuid>, limit: i64) -> Result<Vec<Ticket>, StoreError> {
    let mut query = tickets::table.select(TicketRow::as_select()).order(tickets::id.asc()).limit(limit).into_boxed();
    if let Some(after) = after {
        query = query.filter(tickets::id.gt(DbId(after)));
    }
    query.load::<TicketRow>(conn)?.into_iter().map(Ticket::try_from).collect()
}

/// Reads a ticket without a scope, for the store's own checks.
pub(crate) fn find_any(conn: &mut DbConnection, id: Uuid) -> Result<Ticket, StoreError> {
    find(conn, &TicketScope { all: true, ..TicketScope::default() }, id)
}
