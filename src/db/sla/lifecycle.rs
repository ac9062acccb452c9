//! Applies the domain's clock rules (`domain::sla::lifecycle`) inside a
//! move's transaction: loads the clocks, applies, saves, and records the
//! alerts that fall due on the way.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::clocks::{self, context_of, ClockedTicket, StoredClock, Summary, Watch};
use super::context;
use crate::db::journal;
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::MoveClocks;
use crate::domain::journal::{ClockAlert, Context, Entry, Event, Subject};
use crate::domain::sla::alerts::Alert;
use crate::domain::sla::clock::{Clock, ClockKind};
use crate::domain::sla::lifecycle::{self, Kept, MoveFacts, Needs};
use crate::domain::sla::replay::Retarget;
use crate::domain::ticket::{Command, Priority, TicketState};

/// The clocks a ticket filed now starts with (written by [`begin`] once
/// the ticket row exists). None when no calendar or policy applies.
pub fn plan(
    conn: &mut DbConnection,
    service_id: Uuid,
    unit_id: Uuid,
    priority: Priority,
    now: DateTime<Utc>,
) -> Result<Vec<StoredClock>, StoreError> {
    let Some(sla) = context::current(conn, service_id, unit_id)? else { return Ok(Vec::new()) };
    [ClockKind::Response, ClockKind::Resolution]
        .into_iter()
        .map(|kind| StoredClock::start(&sla, kind, priority, now))
        .collect()
}

/// The clocks of many tickets filed at once, as [`plan`] gives each
/// (`(service, unit, priority, filed at)`), reading each service and unit
/// pair's calendar and policy once.
pub fn plan_many(
    conn: &mut DbConnection,
    filings: &[(Uuid, Uuid, Priority, DateTime<Utc>)],
) -> Result<Vec<Vec<StoredClock>>, StoreError> {
    let mut contexts: std::collections::HashMap<(Uuid, Uuid), Option<context::SlaContext>> =
        std::collections::HashMap::new();
    filings
        .iter()
        .map(|&(service_id, unit_id, priority, now)| {
            let sla = match contexts.get(&(service_id, unit_id)) {
                Some(found) => found.clone(),
                None => {
                    let found = context::current(conn, service_id, unit_id)?;
                    contexts.insert((service_id, unit_id), found.clone());
                    found
                }
            };
            let Some(sla) = sla else { return Ok(Vec::new()) };
            [ClockKind::Response, ClockKind::Resolution]
                .into_iter()
                .map(|kind| StoredClock::start(&sla, kind, priority, now))
                .collect()
        })
        .collect()
}

/// Writes the planned clocks of a new ticket.
pub fn begin(conn: &mut DbConnection, ticket_id: Uuid, planned: &[StoredClock]) -> Result<(), StoreError> {
    clocks::insert(conn, ticket_id, planned)
}

/// Updates the clocks after a workflow move from `before` to `next`, and
/// says what the log needs to replay it and the ticket's new summary (for
/// the move's own update of the row; `None` when it has no clocks).
pub fn after_move(
    conn: &mut DbConnection,
    ctx: &Context,
    before: &ClockedTicket,
    command: &Command,
    next: &TicketState,
) -> Result<(MoveClocks, Option<Summary>), StoreError> {
    let mut clocks = clocks::load(conn, before.id)?;
    let Some(first) = clocks.first() else { return Ok((MoveClocks::default(), None)) };
    let sla = context_of(conn, first)?;
    let pausing_reason = match command {
        Command::Pend { reason } if sla.policy.policy.pausing_reasons.contains(reason) => Some(*reason),
        _ => None,
    };
    let facts = MoveFacts { command: command.kind(), next_status: next.status, next_tier: next.tier, pausing_reason };
    let mut refs: Vec<&mut Clock> = clocks.iter_mut().map(|c| &mut c.clock).collect();
    let mut moved = MoveClocks { pauses: pausing_reason.is_some(), tier2_started: None };
    if lifecycle::after_move(&mut refs, &facts, ctx.now) == Needs::NewTier2Clock {
        // A new clock runs under the calendar and policy that apply now.
        let current = context::current(conn, before.service_id, before.watch.unit_id)?.unwrap_or(sla);
        let tier2 = StoredClock::start(&current, ClockKind::Tier2Resolution, before.watch.priority, ctx.now)?;
        moved.tier2_started = Some(tier2.start_record());
        clocks.push(tier2);
    }
    let watch = Watch { tier: next.tier, ..before.watch };
    let summary = settle_clocks(conn, ctx, before.id, watch, &mut clocks)?;
    Ok((moved, Some(summary)))
}

/// A staff member's public reply meets the response clock; whether it did.
pub fn after_public_reply(conn: &mut DbConnection, ctx: &Context, ticket: &ClockedTicket) -> Result<bool, StoreError> {
    let mut clocks = clocks::load(conn, ticket.id)?;
    let mut refs: Vec<&mut Clock> = clocks.iter_mut().map(|c| &mut c.clock).collect();
    if !lifecycle::after_public_reply(&mut refs, ctx.now) {
        return Ok(false);
    }
    settle(conn, ctx, ticket.id, ticket.watch, &mut clocks)?;
    Ok(true)
}

/// A new priority re-targets every running clock from its start, under the
/// policy version it runs under (a stopped clock keeps its outcome).
pub fn after_priority_change(
    conn: &mut DbConnection,
    ctx: &Context,
    ticket: &ClockedTicket,
    priority: Priority,
) -> Result<Vec<Retarget>, StoreError> {
    let mut clocks = clocks::load(conn, ticket.id)?;
    let mut retargets = Vec::new();
    for c in clocks.iter_mut().filter(|c| c.clock.stopped_at.is_none()) {
        let sla = context_of(conn, c)?;
        c.clock.target = clocks::target_of(&sla, c.clock.kind, priority)?;
        let kept = forget_alerts_not_yet_due(c, &sla, ctx.now)?;
        retargets.push(Retarget {
            kind: c.clock.kind,
            target: c.clock.target,
            keeps_warning: kept.warning,
            keeps_breach: kept.breach,
        });
    }
    settle(conn, ctx, ticket.id, Watch { priority, ..ticket.watch }, &mut clocks)?;
    Ok(retargets)
}

/// After a re-target, drops a warning or breach recorded for an instant
/// that now lies in the future (the domain decides); returns what holds.
pub(super) fn forget_alerts_not_yet_due(
    c: &mut StoredClock,
    sla: &context::SlaContext,
    now: DateTime<Utc>,
) -> Result<Kept, StoreError> {
    c.reschedule(sla)?;
    let kept = lifecycle::alerts_after_retarget(&c.clock, &sla.calendar.working, now)
        .map_err(|_| clocks::no_working_time(sla))?;
    if !kept.warning {
        c.warned_at = None;
    }
    if !kept.breach {
        c.breached_at = None;
    }
    Ok(Kept { warning: c.warned_at.is_some(), breach: c.breached_at.is_some() })
}

/// Recomputes the clocks' instants, records the breach of a clock that
/// stopped late, saves them and the ticket's summary.
pub(super) fn settle(
    conn: &mut DbConnection,
    ctx: &Context,
    ticket_id: Uuid,
    watch: Watch,
    clocks: &mut [StoredClock],
) -> Result<(), StoreError> {
    let summary = settle_clocks(conn, ctx, ticket_id, watch, clocks)?;
    clocks::write_summary(conn, ticket_id, &summary)
}

/// [`settle`], leaving the summary to the caller to write.
fn settle_clocks(
    conn: &mut DbConnection,
    ctx: &Context,
    ticket_id: Uuid,
    watch: Watch,
    clocks: &mut [StoredClock],
) -> Result<Summary, StoreError> {
    for c in clocks.iter_mut() {
        let sla = context_of(conn, c)?;
        c.reschedule(&sla)?;
        let late = matches!((c.clock.stopped_at, c.due_at), (Some(stop), Some(due)) if stop >= due);
        if late && c.breached_at.is_none() {
            c.breached_at = Some(ctx.now);
            record_alert(conn, ctx, ticket_id, c, Alert::Breach)?;
        }
    }
    clocks::save(conn, ticket_id, clocks)?;
    clocks::summarise(conn, clocks, watch, ctx.now)
}

/// Writes an alert's event (internal: it is the desk's matter) and audit.
pub fn record_alert(
    conn: &mut DbConnection,
    ctx: &Context,
    ticket_id: Uuid,
    c: &StoredClock,
    alert: Alert,
) -> Result<(), StoreError> {
    journal::record(conn, ctx, Entry::new(Subject::Ticket(ticket_id), alert_event(c, alert)))
}

/// The timeline event of a clock's alert (also written by the generator).
pub fn alert_event(c: &StoredClock, alert: Alert) -> Event {
    let details = ClockAlert {
        clock: c.clock.kind,
        target: c.clock.target,
        fell_due_at: match alert {
            Alert::Warning => c.warn_at,
            Alert::Breach => c.due_at,
        },
        due_at: c.due_at,
        stopped_at: c.clock.stopped_at,
    };
    match alert {
        Alert::Warning => Event::SlaWarning(details),
        Alert::Breach => Event::SlaBreached(details),
    }
}
