//! One step of the SLA sweeper: claim the ticket whose next check is the
//! oldest one due, record its earliest owed alert, and auto-escalate if the
//! policy says so, all in one transaction.
//!
//! The claim is a range scan on the partial `tickets_sla_check` index, so
//! its cost does not grow with the number of open tickets. On PostgreSQL
//! `FOR UPDATE SKIP LOCKED` lets several sweepers share the work; SQLite
//! has a single writer anyway.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Binary, Timestamp};
use uuid::Uuid;

use super::clocks::{self, context_of, Watch};
use super::lifecycle::record_alert;
use crate::db::tickets;
use crate::db::{ids, schema, write_tx, DbConnection, StoreError};
use crate::domain::journal::Context;
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
    #[diesel(sql_type = Binary)]
    id: Vec<u8>,
}

fn claim(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<Option<Uuid>, StoreError> {
    let claimed = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(
            "SELECT id FROM tickets WHERE sla_check_at <= $1 \
             ORDER BY sla_check_at LIMIT 1 FOR UPDATE SKIP LOCKED",
        )
        .bind::<Timestamp, _>(now.naive_utc())
        .get_result::<Claimed>(pg)
        .optional()?,
        DbConnection::Sqlite(lite) => {
            diesel::sql_query("SELECT id FROM tickets WHERE sla_check_at <= ? ORDER BY sla_check_at LIMIT 1")
                .bind::<Timestamp, _>(now.naive_utc())
                .get_result::<Claimed>(lite)
                .optional()?
        }
    };
    claimed.map(|c| ids::from_bytes(&c.id)).transpose()
}

/// How long a ticket that failed to sweep waits before the next attempt.
const PARK_MINUTES: i64 = 10;

/// Records the next owed alert of the next ticket due at `now`; `None`
/// when nothing is due (or every due ticket is held by another sweeper).
pub fn sweep_next(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<Option<Swept>, StoreError> {
    write_tx(conn, |conn| {
        let Some(id) = claim(conn, now)? else { return Ok(None) };
        // In a savepoint: a ticket that cannot be swept is parked and
        // logged, so one broken record never holds up every other alert.
        match conn.transaction(|conn| sweep_ticket(conn, id, now)) {
            Ok(swept) => Ok(Some(swept)),
            Err(e) => {
                tracing::error!(ticket = %id, error = %e, "SLA sweep of a ticket failed; it is retried later");
                let later = now + chrono::Duration::minutes(PARK_MINUTES);
                diesel::update(schema::tickets::table.find(ids::to_bytes(id)))
                    .set(schema::tickets::sla_check_at.eq(later.naive_utc()))
                    .execute(conn)?;
                Ok(Some(Swept { failed: true, ..Swept::nothing(id) }))
            }
        }
    })
}

fn sweep_ticket(conn: &mut DbConnection, id: Uuid, now: DateTime<Utc>) -> Result<Swept, StoreError> {
    let ticket = tickets::find_any(conn, id)?;
    let watch = Watch::of(&ticket);
    let ctx = Context::system(now);
    let mut clocks = clocks::load(conn, id)?;
    // The clock whose owed alert fell due first.
    let mut owed: Option<(usize, Alert, DateTime<Utc>)> = None;
    for (index, c) in clocks.iter().enumerate() {
        if let Next::Fire(alert, at) = clocks::next_of(conn, c, watch, now)? {
            if owed.is_none_or(|(_, _, first)| at < first) {
                owed = Some((index, alert, at));
            }
        }
    }
    let mut swept = Swept::nothing(id);
    if let Some((index, alert, fell_due_at)) = owed {
        swept.fell_due_at = Some(fell_due_at);
        let c = &mut clocks[index];
        // The instant as the journal records it, so the log replays exactly.
        match alert {
            Alert::Warning => c.warned_at = Some(ctx.now),
            Alert::Breach => c.breached_at = Some(ctx.now),
        }
        record_alert(conn, &ctx, id, c, alert)?;
        swept.clock = Some(c.clock.kind);
        swept.alert = Some(alert);
        let auto = context_of(conn, c)?.policy.policy.auto_escalate;
        swept.escalated = alert == Alert::Breach && lifecycle::breach_escalates(c.clock.kind, ticket.tier, auto);
    }
    clocks::save(conn, id, &clocks)?;
    if swept.escalated {
        // The move starts the tier-2 clock and rewrites the summary.
        swept.escalated = tickets::auto_escalate(conn, &ctx, &ticket)?;
    }
    if !swept.escalated {
        let summary = clocks::summarise(conn, &clocks, watch, now)?;
        clocks::write_summary(conn, id, &summary)?;
    }
    Ok(swept)
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

/// Sweeps until nothing is due at `now`. A step never leaves its ticket
/// due again at the same `now`, so this ends; `limit` bounds one run.
pub fn run_once(conn: &mut DbConnection, now: DateTime<Utc>, limit: usize) -> Result<SweepReport, StoreError> {
    let mut report = SweepReport::default();
    while report.steps.len() < limit {
        let Some(step) = sweep_next(conn, now)? else { break };
        match step.alert {
            Some(Alert::Warning) => report.warnings += 1,
            Some(Alert::Breach) => report.breaches += 1,
            None => {}
        }
        report.escalations += u32::from(step.escalated);
        report.failures += u32::from(step.failed);
        report.steps.push(step);
    }
    Ok(report)
}
