//! The report read ticket by ticket: the tickets of a scope part in a
//! span of filing instants with the outcome of their clocks, a round at a
//! time; and the clocks that ran past due before the sweeper recorded it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::{labels, GroupBy, ReportFilter};
use crate::db::schema::{sla_clocks, tickets};
use crate::db::sla_sweep::PARK_MINUTES;
use crate::db::sql_types::{db_ids, DbId};
use crate::db::tickets::{filtered, outside_parts, TicketFilter};
use crate::db::{DbConnection, StoreError};
use crate::domain::sla::clock::ClockKind;
use crate::domain::sla::report::{ClockFacts, Outcome, ReportTally, TicketFacts};
use crate::domain::ticket::access::TicketScope;

type TicketKey = (Uuid, Uuid, Uuid, i16, String, i32, i32, NaiveDateTime);
/// A ticket's id and the dimensions its group comes from.
type Grouped = (Uuid, Uuid, Uuid, i16, String);
type ClockKey = (Uuid, String, Option<NaiveDateTime>, Option<NaiveDateTime>, Option<NaiveDateTime>, Option<i64>);

/// Tickets read per round: the report holds this many tickets and their
/// clocks at a time, besides its counters.
const CHUNK: i64 = 2_000;

/// The report's figures read from every ticket the scope covers (no
/// cells), `round_size` tickets at a time, all in one snapshot: what the
/// cells must agree with (tests compare both ways).
pub fn tally_in_rounds(
    conn: &mut DbConnection,
    scope: &TicketScope,
    f: &ReportFilter,
    now: DateTime<Utc>,
    round_size: i64,
) -> Result<(ReportTally, BTreeMap<String, String>), StoreError> {
    crate::db::journal::in_snapshot(conn, |conn| {
        let mut tally = ReportTally::default();
        let filter = f.tickets(f.from, f.to);
        read(
            conn,
            &mut tally,
            &Reading { part: scope, earlier: &[], f: &filter, group_by: f.group_by },
            Some(now),
            1,
            round_size,
        )?;
        Ok((tally, labels(conn, f.group_by)?))
    })
}

/// Adds (`sign` 1) or takes off (-1) the tickets of `part`, less those of
/// `earlier` parts, under `f`, with their clocks as stored (the overdue
/// ones are counted once for the whole report by [`count_overdue`]).
pub(super) fn add(
    conn: &mut DbConnection,
    tally: &mut ReportTally,
    part: &TicketScope,
    earlier: &[TicketScope],
    f: &TicketFilter,
    group_by: GroupBy,
    sign: i64,
) -> Result<(), StoreError> {
    read(conn, tally, &Reading { part, earlier, f, group_by }, None, sign, CHUNK)
}

/// Which tickets a reading takes.
struct Reading<'a> {
    part: &'a TicketScope,
    earlier: &'a [TicketScope],
    f: &'a TicketFilter,
    group_by: GroupBy,
}

/// Reads in rounds of `round` tickets; with `now`, a running clock past
/// due counts as breached.
fn read(
    conn: &mut DbConnection,
    tally: &mut ReportTally,
    reading: &Reading,
    now: Option<DateTime<Utc>>,
    sign: i64,
    round: i64,
) -> Result<(), StoreError> {
    let round = round.max(1);
    let mut after: Option<(NaiveDateTime, Uuid)> = None;
    loop {
        let rows = tickets_after(conn, reading, after.as_ref(), round)?;
        let full = rows.len() as i64 == round;
        after = rows.last().map(|r| (r.7, r.0));
        for ticket in facts(conn, reading.group_by, rows, now)? {
            tally.add_signed(&ticket, sign);
        }
        if !full {
            return Ok(());
        }
    }
}

/// The next round of a reading's tickets, after `(created_at, id)`.
fn tickets_after(
    conn: &mut DbConnection,
    reading: &Reading,
    after: Option<&(NaiveDateTime, Uuid)>,
    round: i64,
) -> Result<Vec<TicketKey>, StoreError> {
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
        reading.part,
        reading.f
    );
    for condition in outside_parts(reading.earlier) {
        q = q.filter(condition);
    }
    if let Some((at, id)) = after {
        // The lower bound alone lets the created_at index start there.
        q = q.filter(tickets::created_at.ge(*at)).filter(tickets::created_at.gt(*at).or(tickets::id.gt(DbId(*id))));
    }
    Ok(q.order((tickets::created_at.asc(), tickets::id.asc())).limit(round).load(conn)?)
}

/// How a stored clock stands; with `now`, past due while running is breached.
fn outcome(
    stopped_at: Option<NaiveDateTime>,
    breached_at: Option<NaiveDateTime>,
    due_at: Option<NaiveDateTime>,
    now: Option<DateTime<Utc>>,
) -> Outcome {
    let overdue = stopped_at.is_none() && matches!((due_at, now), (Some(due), Some(now)) if due <= now.naive_utc());
    match (breached_at, stopped_at) {
        (Some(_), _) => Outcome::Breached,
        (None, _) if overdue => Outcome::Breached,
        (None, Some(_)) => Outcome::Met,
        (None, None) => Outcome::Open,
    }
}

/// The clocks of some tickets, a few hundred per query: with longer lists
/// PostgreSQL chose to scan every clock under load (measured).
fn clocks_of(
    conn: &mut DbConnection,
    ids: &[Uuid],
    running_overdue: Option<NaiveDateTime>,
) -> Result<Vec<ClockKey>, StoreError> {
    let mut clocks = Vec::new();
    for chunk in ids.chunks(500) {
        let mut q = sla_clocks::table
            .filter(sla_clocks::ticket_id.eq_any(db_ids(chunk)))
            .select((
                sla_clocks::ticket_id,
                sla_clocks::kind,
                sla_clocks::stopped_at,
                sla_clocks::breached_at,
                sla_clocks::due_at,
                sla_clocks::elapsed_seconds,
            ))
            .into_boxed();
        if let Some(now) = running_overdue {
            q = q
                .filter(sla_clocks::stopped_at.is_null())
                .filter(sla_clocks::breached_at.is_null())
                .filter(sla_clocks::due_at.le(now));
        }
        clocks.extend(q.load::<ClockKey>(conn)?);
    }
    Ok(clocks)
}

/// One round's tickets with the outcomes of their clocks.
fn facts(
    conn: &mut DbConnection,
    group_by: GroupBy,
    rows: Vec<TicketKey>,
    now: Option<DateTime<Utc>>,
) -> Result<Vec<TicketFacts>, StoreError> {
    let keys: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let mut clocks: HashMap<Uuid, Vec<ClockFacts>> = HashMap::with_capacity(rows.len());
    for (ticket, kind, stopped_at, breached_at, due_at, elapsed) in clocks_of(conn, &keys, None)? {
        let kind: ClockKind = kind.parse().map_err(StoreError::Corrupt)?;
        let outcome = outcome(stopped_at, breached_at, due_at, now);
        clocks.entry(ticket).or_default().push(ClockFacts { kind, outcome, elapsed_seconds: elapsed });
    }
    let mut facts = Vec::with_capacity(rows.len());
    for (id, unit, service, tier, priority, escalations, reopens, _) in rows {
        let group = group_by.key(unit, service, tier, &priority)?;
        let clocks = clocks.remove(&id).unwrap_or_default();
        facts.push(TicketFacts { group, escalated: escalations > 0, reopened: reopens > 0, clocks });
    }
    Ok(facts)
}

/// Counts as breached the running clocks of the report's tickets that are
/// past due but not yet recorded (cells and edges hold them as open). Only
/// tickets whose next sweep check is due can hold one, the clock summary
/// keeping that check at or before every running clock's due instant, or
/// parked ones, whose check the sweeper keeps at most `PARK_MINUTES` ahead.
pub(super) fn count_overdue(
    conn: &mut DbConnection,
    tally: &mut ReportTally,
    scope: &TicketScope,
    f: &ReportFilter,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let filter = f.tickets(f.from, f.to);
    let soon = (now + chrono::Duration::minutes(PARK_MINUTES)).naive_utc();
    // The candidates by their check alone, then the scope and the filters
    // on those: SQLite, without statistics, would otherwise walk the
    // period's tickets by the created_at or unit index.
    let candidates: Vec<Uuid> = tickets::table.filter(tickets::sla_check_at.le(soon)).select(tickets::id).load(conn)?;
    for chunk in candidates.chunks(500) {
        let due: Vec<Grouped> = filtered!(
            tickets::table
                .select((tickets::id, tickets::unit_id, tickets::service_id, tickets::tier, tickets::priority))
                .filter(tickets::id.eq_any(db_ids(chunk)))
                .into_boxed(),
            scope,
            &filter
        )
        .load(conn)?;
        let keys: Vec<Uuid> = due.iter().map(|r| r.0).collect();
        let overdue = clocks_of(conn, &keys, Some(now.naive_utc()))?;
        let groups: HashMap<Uuid, &Grouped> = due.iter().map(|row| (row.0, row)).collect();
        for (ticket, kind, ..) in &overdue {
            let Some((_, unit, service, tier, priority)) = groups.get(ticket) else { continue };
            let kind: ClockKind = kind.parse().map_err(StoreError::Corrupt)?;
            tally.count_overdue(&f.group_by.key(*unit, *service, *tier, priority)?, kind);
        }
    }
    Ok(())
}
