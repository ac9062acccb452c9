//! One step of the SLA sweeper: claim the tickets whose next checks are the
//! oldest ones due, record each one's earliest owed alert, and auto-escalate
//! if the policy says so, all in one transaction.
//!
//! The claim is a range scan on the partial `tickets_sla_check` index, so
//! its cost does not grow with the number of open tickets. On PostgreSQL
//! `FOR UPDATE SKIP LOCKED` lets several sweepers share the work; SQLite
//! has a single writer anyway.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};
use uuid::Uuid;

mod together;

use crate::db::sla::clocks::{self, context_of, SlaSource, StoredClock, Watch};
use crate::db::sla::lifecycle::take_alert;
use crate::db::sql_types::DbId;
use crate::db::{journal, tickets};
use crate::db::{schema, write_tx, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Subject};
use crate::domain::sla::alerts::{Alert, Next};
use crate::domain::sla::clock::ClockKind;
use crate::domain::sla::lifecycle;

/// What one step recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub ticket_id: Uuid,
    pub clock: Option<ClockKind>,
    pub alert: Option<Alert>,
    /// When the recorded alert fell due (earlier than now after downtime).
    pub fell_due_at: Option<DateTime<Utc>>,
    pub escalated: bool,
    /// The ticket could not be swept (logged; retried a little later).
    pub failed: bool,
}

impl Swept {
    fn nothing(ticket_id: Uuid) -> Self {
        Self { ticket_id, clock: None, alert: None, fell_due_at: None, escalated: false, failed: false }
    }
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = crate::db::sql_types::Id)]
    id: Uuid,
    #[diesel(sql_type = Timestamp)]
    sla_check_at: NaiveDateTime,
}

/// A claimed ticket and when its next check is due.
type Due = (NaiveDateTime, Uuid);

fn claim(conn: &mut DbConnection, now: DateTime<Utc>, count: usize) -> Result<Vec<Due>, StoreError> {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    let claimed = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(
            "SELECT id, sla_check_at FROM tickets WHERE sla_check_at <= $1 \
             ORDER BY sla_check_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        )
        .bind::<Timestamp, _>(now.naive_utc())
        .bind::<BigInt, _>(count)
        .load::<Claimed>(pg)?,
        DbConnection::Sqlite(lite) => diesel::sql_query(
            "SELECT id, sla_check_at FROM tickets WHERE sla_check_at <= ? ORDER BY sla_check_at LIMIT ?",
        )
        .bind::<Timestamp, _>(now.naive_utc())
        .bind::<BigInt, _>(count)
        .load::<Claimed>(lite)?,
    };
    Ok(claimed.into_iter().map(|c| (c.sla_check_at, c.id)).collect())
}

/// How long a ticket that failed to sweep waits before the next attempt.
pub(crate) const PARK_MINUTES: i64 = 10;

/// Tickets claimed and swept per transaction: one commit (and its flush)
/// for many alerts. SQLite holds its single write lock meanwhile, so it
/// takes fewer at a time, to keep ticket writes from waiting long.
fn claim_size(conn: &DbConnection) -> usize {
    match conn {
        DbConnection::Postgres(_) => 16,
        DbConnection::Sqlite(_) => 8,
    }
}

/// Records owed alerts of the next tickets due at `now` (at most `max`
/// alerts), in one transaction, in the order they fell due; none when
/// nothing is due (or every due ticket is held by another sweeper).
///
/// A ticket that still owes an alert after one is recorded (a day of
/// downtime owes a warning and a breach) goes back in the queue, but only up to
/// the last claimed ticket's check: unclaimed tickets may be due from there.
pub fn sweep_batch(conn: &mut DbConnection, now: DateTime<Utc>, max: usize) -> Result<Vec<Swept>, StoreError> {
    let count = claim_size(conn).min(max);
    let together = write_tx(conn, |conn| {
        let claimed = claim(conn, now, count)?;
        let horizon = horizon_of(&claimed, count, now);
        together::sweep(conn, claimed, horizon, now, max)
    });
    match together {
        Ok(steps) => Ok(steps),
        Err(e) => {
            // Nothing was written; one by one, a broken ticket is parked
            // and the others are swept.
            tracing::warn!(error = %e, "SLA sweep batch rolled back; sweeping its tickets one by one");
            write_tx(conn, |conn| {
                let claimed = claim(conn, now, count)?;
                let horizon = horizon_of(&claimed, count, now);
                one_by_one(conn, claimed, horizon, now, max)
            })
        }
    }
}

/// Up to which check a swept ticket may be swept again in the same batch:
/// the latest claimed check when the claim was full (unclaimed tickets may
/// be due from there), else now. (The latest, not the last row: PostgreSQL
/// may hand back locked rows that changed meanwhile out of order.)
fn horizon_of(claimed: &[Due], count: usize, now: DateTime<Utc>) -> NaiveDateTime {
    match claimed.iter().map(|(at, _)| *at).max() {
        Some(latest) if claimed.len() == count => latest,
        _ => now.naive_utc(),
    }
}

/// Sweeps the claimed tickets one at a time, each in a savepoint, in the
/// order their checks fell due.
fn one_by_one(
    conn: &mut DbConnection,
    claimed: Vec<Due>,
    horizon: NaiveDateTime,
    now: DateTime<Utc>,
    max: usize,
) -> Result<Vec<Swept>, StoreError> {
    let mut queue: BinaryHeap<Reverse<Due>> = claimed.into_iter().map(Reverse).collect();
    let mut steps = Vec::new();
    while let Some(Reverse((_, id))) = queue.pop() {
        if steps.len() == max {
            break;
        }
        let (swept, next_check) = sweep_claimed(conn, id, now)?;
        steps.push(swept);
        if let Some(next) = next_check.filter(|next| *next <= horizon) {
            queue.push(Reverse((next, id)));
        }
    }
    Ok(steps)
}

/// One claimed ticket, in a savepoint: a ticket that cannot be swept is
/// parked and logged, so one broken record never holds up every other
/// alert. Returns its next check.
fn sweep_claimed(
    conn: &mut DbConnection,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(Swept, Option<NaiveDateTime>), StoreError> {
    match conn.transaction(|conn| sweep_ticket(conn, id, now)) {
        Ok(swept) => Ok(swept),
        Err(e) => {
            tracing::error!(ticket = %id, error = %e, "SLA sweep of a ticket failed; it is retried later");
            let later = now + chrono::Duration::minutes(PARK_MINUTES);
            diesel::update(schema::tickets::table.find(DbId(id)))
                .set(schema::tickets::sla_check_at.eq(later.naive_utc()))
                .execute(conn)?;
            Ok((Swept { failed: true, ..Swept::nothing(id) }, None))
        }
    }
}

fn sweep_ticket(
    conn: &mut DbConnection,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(Swept, Option<NaiveDateTime>), StoreError> {
    let ticket = tickets::find_any(conn, id)?;
    let watch = ticket.clocked().watch;
    let ctx = Context::system(now);
    let mut clocks = clocks::load(conn, id)?;
    let owed = earliest_owed(conn, &clocks, watch, now)?;
    let mut swept = Swept::nothing(id);
    if let Some((index, alert, fell_due_at)) = owed {
        swept.fell_due_at = Some(fell_due_at);
        let c = &mut clocks[index];
        let event = take_alert(c, alert, ctx.now);
        journal::record(conn, &ctx, Entry::new(Subject::Ticket(id), event))?;
        swept.clock = Some(c.clock.kind);
        swept.alert = Some(alert);
        let auto = context_of(conn, c)?.policy.policy.auto_escalate;
        swept.escalated = alert == Alert::Breach && lifecycle::breach_escalates(c.clock.kind, ticket.tier, auto);
        // The alerted clock is the one that changed.
        clocks::save(conn, id, std::slice::from_ref(&clocks[index]))?;
    }
    if swept.escalated {
        // The move starts the tier-2 clock and rewrites the summary.
        swept.escalated = tickets::auto_escalate(conn, &ctx, &ticket)?;
    }
    if swept.escalated {
        // The move wrote the summary of the ticket at tier 2.
        let next: Option<NaiveDateTime> =
            schema::tickets::table.find(DbId(id)).select(schema::tickets::sla_check_at).first(conn)?;
        return Ok((swept, next));
    }
    let summary = clocks::summarise(conn, &clocks, watch, now)?;
    clocks::write_summary(conn, id, &summary)?;
    Ok((swept, summary.check_at.map(|t| t.naive_utc())))
}

/// The clock whose owed alert fell due first: its index, the alert and
/// when it fell due (the data generator's sweeps ask the same).
pub(crate) fn earliest_owed(
    src: &mut impl SlaSource,
    clocks: &[StoredClock],
    watch: Watch,
    now: DateTime<Utc>,
) -> Result<Option<(usize, Alert, DateTime<Utc>)>, StoreError> {
    let mut owed: Option<(usize, Alert, DateTime<Utc>)> = None;
    for (index, c) in clocks.iter().enumerate() {
        if let Next::Fire(alert, at) = clocks::next_of(src, c, watch, now)? {
            if owed.is_none_or(|(_, _, first)| at < first) {
                owed = Some((index, alert, at));
            }
        }
    }
    Ok(owed)
}

/// What a whole sweep recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub warnings: u32,
    pub breaches: u32,
    pub escalations: u32,
    pub failures: u32,
    /// Every step, in the order recorded.
    pub steps: Vec<Swept>,
}

/// Sweeps until nothing is due at `now`. A ticket may be due again at the
/// same `now` after an alert (it owed two), but each alert is recorded once
/// and a ticket owes finitely many, so this ends; `limit` bounds one run.
pub fn run_once(conn: &mut DbConnection, now: DateTime<Utc>, limit: usize) -> Result<SweepReport, StoreError> {
    let mut report = SweepReport::default();
    while report.steps.len() < limit {
        let steps = sweep_batch(conn, now, limit - report.steps.len())?;
        if steps.is_empty() {
            break;
        }
        for step in steps {
            match step.alert {
                Some(Alert::Warning) => report.warnings += 1,
                Some(Alert::Breach) => report.breaches += 1,
                None => {}
            }
            report.escalations += u32::from(step.escalated);
            report.failures += u32::from(step.failed);
            report.steps.push(step);
        }
    }
    Ok(report)
}
