//! Reads what the SLA report aggregates: the tickets a caller's scope
//! covers in a period, with the outcome of each of their clocks, folded
//! into the report's figures a round at a time.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{services, sla_clocks, tickets, units};
use crate::db::tickets::{filtered, TicketFilter};
use crate::db::{ids, DbConnection, StoreError};
use crate::domain::sla::clock::ClockKind;
use crate::domain::sla::report::{ClockFacts, Outcome, ReportTally, TicketFacts};
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

type TicketKey = (Vec<u8>, Vec<u8>, Vec<u8>, i16, String, i32, i32, NaiveDateTime);
type ClockKey = (Vec<u8>, String, Option<NaiveDateTime>, Option<NaiveDateTime>, Option<NaiveDateTime>, Option<i64>);

/// Tickets read per round: the report holds this many tickets and their
/// clocks at a time, besides its counters and the stopped clocks' times
/// (eight bytes each, twice: per group and overall, for the medians).
const CHUNK: i64 = 2_000;

/// The report's figures over the tickets the scope covers, with their
/// clocks at `now`, and a label per group key (unit and service names). A
/// running clock past its due instant counts as breached even before the
/// sweeper has recorded it. The tickets are read in rounds, in filing
/// order, all in one snapshot.
pub fn tally(
    conn: &mut DbConnection,
    scope: &TicketScope,
    f: &ReportFilter,
    now: DateTime<Utc>,
) -> Result<(ReportTally, BTreeMap<String, String>), StoreError> {
    tally_in_rounds(conn, scope, f, now, CHUNK)
}

/// [`tally`] reading `round_size` tickets at a time (tests try small rounds).
pub fn tally_in_rounds(
    conn: &mut DbConnection,
    scope: &TicketScope,
    f: &ReportFilter,
    now: DateTime<Utc>,
    round_size: i64,
) -> Result<(ReportTally, BTreeMap<String, String>), StoreError> {
    let round = round_size.max(1);
    crate::db::journal::in_snapshot(conn, |conn| {
        let mut tally = ReportTally::default();
        let mut after: Option<(NaiveDateTime, Vec<u8>)> = None;
        loop {
            let rows = tickets_after(conn, scope, f, after.as_ref(), round)?;
            let full = rows.len() as i64 == round;
            after = rows.last().map(|r| (r.7, r.0.clone()));
            for ticket in facts(conn, f.group_by, rows, now)? {
                tally.add(&ticket);
            }
            if !full {
                break;
            }
        }
        Ok((tally, labels(conn, f.group_by)?))
    })
}

/// The next round of the report's tickets, after `(created_at, id)`.
fn tickets_after(
    conn: &mut DbConnection,
    scope: &TicketScope,
    f: &ReportFilter,
    after: Option<&(NaiveDateTime, Vec<u8>)>,
    round: i64,
) -> Result<Vec<TicketKey>, StoreError> {
    let filter = TicketFilter {
        unit_id: f.unit_id,
        service_id: f.service_id,
        tier: f.tier,
        priority: f.priority,
        created_from: f.from,
        created_to: f.to,
        ..TicketFilter::default()
    };
    let mut q = filtered!(
        tickets::table
            .select((
                tickets::id,
                tickets::unit_id,
                tickets::service_id,
                tickets::tier,
                tickets::priority,
                tickets::escalation_count,
                tickets::reopen_count,
                tickets::created_at,
            ))
            .into_boxed(),
        scope,
        &filter
    );
    if let Some((at, id)) = after {
        // The lower bound alone lets the created_at index start there.
        q = q.filter(tickets::created_at.ge(*at)).filter(tickets::created_at.gt(*at).or(tickets::id.gt(id.clone())));
    }
    Ok(q.order((tickets::created_at.asc(), tickets::id.asc())).limit(round).load(conn)?)
}

/// One round's tickets with the outcomes of their clocks.
fn facts(
    conn: &mut DbConnection,
    group_by: GroupBy,
    rows: Vec<TicketKey>,
    now: DateTime<Utc>,
) -> Result<Vec<TicketFacts>, StoreError> {
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
    for (id, unit, service, tier, priority, escalations, reopens, _) in rows {
        let group = match group_by {
            GroupBy::Unit => ids::from_bytes(&unit)?.to_string(),
            GroupBy::Service => ids::from_bytes(&service)?.to_string(),
            GroupBy::Tier => tier.to_string(),
            GroupBy::Priority => priority,
            GroupBy::Nothing => "all".to_owned(),
        };
        let clocks = clocks_of.remove(&id).unwrap_or_default();
        facts.push(TicketFacts { group, escalated: escalations > 0, reopened: reopens > 0, clocks });
    }
    Ok(facts)
}

fn labels(conn: &mut DbConnection, group_by: GroupBy) -> Result<BTreeMap<String, String>, StoreError> {
    let named: Vec<(Vec<u8>, String)> = match group_by {
        GroupBy::Unit => units::table.select((units::id, units::name)).load(conn)?,
        GroupBy::Service => services::table.select((services::id, services::name)).load(conn)?,
        GroupBy::Tier | GroupBy::Priority | GroupBy::Nothing => Vec::new(),
    };
    named.into_iter().map(|(id, name)| Ok((ids::from_bytes(&id)?.to_string(), name))).collect()
}
