//! Reads what the SLA report aggregates: the tickets a caller's scope
//! covers in a period, with the outcome of each of their clocks.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{services, sla_clocks, tickets, units};
use crate::db::tickets::{filtered, TicketFilter};
use crate::db::{ids, DbConnection, StoreError};
use crate::domain::sla::clock::ClockKind;
use crate::domain::sla::report::{ClockFacts, Outcome, TicketFacts};
use crate::domain::ticket::access::TicketScope;
use crate::domain::ticket::{Priority, Tier};

/// What the report groups tickets by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Unit,
    Service,
    Tier,
    Priority,
    /// One group of everything.
    Nothing,
}

#[derive(Debug, Clone)]
pub struct ReportFilter {
    /// Tickets filed in `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub unit_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    pub tier: Option<Tier>,
    pub priority: Option<Priority>,
    pub group_by: GroupBy,
}

type TicketKey = (Vec<u8>, Vec<u8>, Vec<u8>, i16, String, i32, i32);
type ClockKey = (Vec<u8>, String, Option<NaiveDateTime>, Option<NaiveDateTime>, Option<NaiveDateTime>, Option<i64>);

/// The report's tickets with their clocks at `now`, and a label per group
/// key (unit and service names). A running clock past its due instant
/// counts as breached even before the sweeper has recorded it.
pub fn load(
    conn: &mut DbConnection,
    scope: &TicketScope,
    f: &ReportFilter,
    now: DateTime<Utc>,
) -> Result<(Vec<TicketFacts>, BTreeMap<String, String>), StoreError> {
    let filter = TicketFilter {
        unit_id: f.unit_id,
        service_id: f.service_id,
        tier: f.tier,
        priority: f.priority,
        created_from: f.from,
        created_to: f.to,
        ..TicketFilter::default()
    };
    let q = filtered!(
        tickets::table
            .select((
                tickets::id,
                tickets::unit_id,
                tickets::service_id,
                tickets::tier,
                tickets::priority,
                tickets::escalation_count,
                tickets::reopen_count,
            ))
            .into_boxed(),
        scope,
        &filter
    );
    let rows: Vec<TicketKey> = q.order(tickets::id.asc()).load(conn)?;
    // The clocks of those tickets, a few hundred per query: with longer
    // lists PostgreSQL chose to scan every clock under load (measured).
    let mut clocks: Vec<ClockKey> = Vec::new();
    for chunk in rows.chunks(500) {
        let keys: Vec<&Vec<u8>> = chunk.iter().map(|r| &r.0).collect();
        clocks.extend(
            sla_clocks::table
                .filter(sla_clocks::ticket_id.eq_any(keys))
                .select((
                    sla_clocks::ticket_id,
                    sla_clocks::kind,
                    sla_clocks::stopped_at,
                    sla_clocks::breached_at,
                    sla_clocks::due_at,
                    sla_clocks::elapsed_seconds,
                ))
                .load::<ClockKey>(conn)?,
        );
    }
    let mut clocks_of: HashMap<Vec<u8>, Vec<ClockFacts>> = HashMap::with_capacity(rows.len());
    for (ticket, kind, stopped_at, breached_at, due_at, elapsed) in clocks {
        let overdue = stopped_at.is_none() && due_at.is_some_and(|due| due <= now.naive_utc());
        let outcome = match (breached_at, stopped_at) {
            (Some(_), _) => Outcome::Breached,
            (None, _) if overdue => Outcome::Breached,
            (None, Some(_)) => Outcome::Met,
            (None, None) => Outcome::Open,
        };
        let kind: ClockKind = kind.parse().map_err(StoreError::Corrupt)?;
        clocks_of.entry(ticket).or_default().push(ClockFacts { kind, outcome, elapsed_seconds: elapsed });
    }
    let mut facts = Vec::with_capacity(rows.len());
    for (id, unit, service, tier, priority, escalations, reopens) in rows {
        let group = match f.group_by {
            GroupBy::Unit => ids::from_bytes(&unit)?.to_string(),
            GroupBy::Service => ids::from_bytes(&service)?.to_string(),
            GroupBy::Tier => tier.to_string(),
            GroupBy::Priority => priority,
            GroupBy::Nothing => "all".to_owned(),
        };
        let clocks = clocks_of.remove(&id).unwrap_or_default();
        facts.push(TicketFacts { group, escalated: escalations > 0, reopened: reopens > 0, clocks });
    }
    Ok((facts, labels(conn, f.group_by)?))
}

fn labels(conn: &mut DbConnection, group_by: GroupBy) -> Result<BTreeMap<String, String>, StoreError> {
    let named: Vec<(Vec<u8>, String)> = match group_by {
        GroupBy::Unit => units::table.select((units::id, units::name)).load(conn)?,
        GroupBy::Service => services::table.select((services::id, services::name)).load(conn)?,
        GroupBy::Tier | GroupBy::Priority | GroupBy::Nothing => Vec::new(),
    };
    named.into_iter().map(|(id, name)| Ok((ids::from_bytes(&id)?.to_string(), name))).collect()
}
