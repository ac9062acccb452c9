//! How a ticket's moves drive its clocks, inside the move's transaction:
//! filing starts them, starting work or a public reply meets the response,
//! pending (for a pausing reason) pauses, escalation starts tier 2's clock,
//! resolution stops them, reopening runs them on.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::clocks::{self, context_of, StoredClock, Watch};
use super::context;
use crate::db::journal;
use crate::db::tickets::Ticket;
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::{ClockAlert, Context, Entry, Event, Subject};
use crate::domain::sla::alerts::Alert;
use crate::domain::sla::clock::{ClockKind, PauseCause};
use crate::domain::ticket::{Command, Priority, Status, TicketState, Tier};

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

/// Writes the planned clocks of a new ticket.
pub fn begin(conn: &mut DbConnection, ticket_id: Uuid, planned: &[StoredClock]) -> Result<(), StoreError> {
    clocks::insert(conn, ticket_id, planned)
}

fn find(clocks: &mut [StoredClock], kind: ClockKind) -> Option<&mut StoredClock> {
    clocks.iter_mut().find(|c| c.clock.kind == kind)
}

/// Updates the clocks after a workflow move from `before` to `next`.
pub fn after_move(
    conn: &mut DbConnection,
    ctx: &Context,
    before: &Ticket,
    command: &Command,
    next: &TicketState,
) -> Result<(), StoreError> {
    let mut clocks = clocks::load(conn, before.id)?;
    let Some(first) = clocks.first() else { return Ok(()) };
    let sla = context_of(conn, first)?;
    let now = ctx.now;
    // Leaving `pending` ends a pending pause, whatever the move.
    if next.status != Status::Pending {
        for c in clocks.iter_mut() {
            if c.clock.pauses.last().is_some_and(|p| p.to.is_none() && p.cause == PauseCause::Pending) {
                c.clock.resume(now);
            }
        }
    }
    match command {
        Command::Start { .. } => stop(&mut clocks, &[ClockKind::Response], now),
        Command::Resolve { .. } | Command::Close => {
            stop(&mut clocks, &[ClockKind::Response, ClockKind::Resolution, ClockKind::Tier2Resolution], now)
        }
        Command::Escalate { .. } => match find(&mut clocks, ClockKind::Tier2Resolution) {
            // Back at tier 2 after a return: the OLA runs on.
            Some(tier2) if tier2.clock.stopped_at.is_some() => tier2.clock.restart(now, PauseCause::Returned),
            Some(tier2) => tier2.clock.resume(now),
            // A new clock runs under the calendar and policy that apply now.
            None => {
                let current = context::current(conn, before.service_id, before.unit_id)?.unwrap_or(sla);
                clocks.push(StoredClock::start(&current, ClockKind::Tier2Resolution, before.priority, now)?)
            }
        },
        Command::Return { .. } => {
            if let Some(tier2) = find(&mut clocks, ClockKind::Tier2Resolution) {
                tier2.clock.pause(now, PauseCause::Returned, None);
            }
        }
        Command::Reopen { .. } => {
            if let Some(resolution) = find(&mut clocks, ClockKind::Resolution) {
                resolution.clock.restart(now, PauseCause::Resolved);
            }
            if let (Tier::Two, Some(tier2)) = (next.tier, find(&mut clocks, ClockKind::Tier2Resolution)) {
                tier2.clock.restart(now, PauseCause::Resolved);
            }
        }
        Command::Pend { reason } if sla.policy.policy.pausing_reasons.contains(reason) => {
            for c in clocks.iter_mut() {
                c.clock.pause(now, PauseCause::Pending, Some(reason.as_str().to_owned()));
            }
        }
        Command::Assign { .. } | Command::Pend { .. } | Command::Resume => {}
    }
    let watch = Watch { tier: next.tier, ..Watch::of(before) };
    settle(conn, ctx, before.id, watch, &mut clocks)
}

fn stop(clocks: &mut [StoredClock], kinds: &[ClockKind], now: DateTime<Utc>) {
    for c in clocks.iter_mut().filter(|c| kinds.contains(&c.clock.kind)) {
        c.clock.stop(now);
    }
}

/// A staff member's public reply meets the response clock.
pub fn after_public_reply(conn: &mut DbConnection, ctx: &Context, ticket: &Ticket) -> Result<(), StoreError> {
    let mut clocks = clocks::load(conn, ticket.id)?;
    match find(&mut clocks, ClockKind::Response) {
        Some(response) if response.clock.stopped_at.is_none() => response.clock.stop(ctx.now),
        _ => return Ok(()),
    }
    settle(conn, ctx, ticket.id, Watch::of(ticket), &mut clocks)
}

/// A new priority re-targets every running clock from its start, under the
/// policy version it runs under (a stopped clock keeps its outcome).
pub fn after_priority_change(
    conn: &mut DbConnection,
    ctx: &Context,
    ticket: &Ticket,
    priority: Priority,
) -> Result<(), StoreError> {
    let mut clocks = clocks::load(conn, ticket.id)?;
    for c in clocks.iter_mut().filter(|c| c.clock.stopped_at.is_none()) {
        let sla = context_of(conn, c)?;
        c.clock.target = clocks::target_of(&sla, c.clock.kind, priority)?;
        forget_alerts_not_yet_due(c, &sla, ctx.now)?;
    }
    settle(conn, ctx, ticket.id, Watch { priority, ..Watch::of(ticket) }, &mut clocks)
}

/// After a re-target, a warning or breach recorded for an instant that now
/// lies in the future no longer holds; it will be recorded again if reached.
pub(super) fn forget_alerts_not_yet_due(
    c: &mut StoredClock,
    sla: &context::SlaContext,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    c.reschedule(sla)?;
    let cal = &sla.calendar.working;
    let length = c.clock.target_length(cal).map_err(|_| clocks::no_working_time(sla))?;
    // Measured as time run, so that a clock paused now is judged right too.
    let run = c.clock.elapsed(cal, now);
    if run < length * i32::from(c.clock.warning_percent) / 100 {
        c.warned_at = None;
    }
    if run < length {
        c.breached_at = None;
    }
    Ok(())
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
    let summary = clocks::summarise(conn, clocks, watch, ctx.now)?;
    clocks::write_summary(conn, ticket_id, &summary)
}

/// Writes an alert's event (internal: it is the desk's matter) and audit.
pub fn record_alert(
    conn: &mut DbConnection,
    ctx: &Context,
    ticket_id: Uuid,
    c: &StoredClock,
    alert: Alert,
) -> Result<(), StoreError> {
    let fell_due_at = match alert {
        Alert::Warning => c.warn_at,
        Alert::Breach => c.due_at,
    };
    let details = ClockAlert {
        clock: c.clock.kind,
        target: c.clock.target,
        fell_due_at,
        due_at: c.due_at,
        stopped_at: c.clock.stopped_at,
    };
    let event = match alert {
        Alert::Warning => Event::SlaWarning(details),
        Alert::Breach => Event::SlaBreached(details),
    };
    journal::record(conn, ctx, Entry::new(Subject::Ticket(ticket_id), event))
}
