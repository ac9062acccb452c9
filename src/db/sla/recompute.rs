//! The explicit, logged recompute of a ticket's clocks under the calendar
//! and policy that apply now (edits never rewrite running clocks silently).

use super::clocks::{self, ClockedTicket, StoredClock};
use super::context;
use super::lifecycle::{forget_alerts_not_yet_due, settle};
use crate::db::journal;
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::sla::replay::Rebase;

fn describe(c: &StoredClock) -> serde_json::Value {
    serde_json::json!({
        "calendar_id": c.calendar_id,
        "calendar_version": c.calendar_version,
        "policy_id": c.policy_id,
        "policy_version": c.policy_version,
        "target": c.clock.target,
        "due_at": c.due_at,
        "breached_at": c.breached_at,
    })
}

/// Moves the running clocks of a ticket onto the current calendar and
/// policy versions, keeping starts and pauses; logs old and new. Inside
/// the caller's transaction, with the ticket locked
/// (`tickets::recompute_sla`).
pub fn recompute(
    conn: &mut DbConnection,
    ctx: &Context,
    ticket: &ClockedTicket,
    reason: &str,
) -> Result<(), StoreError> {
    let ticket_id = ticket.id;
    let mut clocks = clocks::load(conn, ticket_id)?;
    if clocks.is_empty() {
        return Err(StoreError::Conflict(
            "the ticket has no SLA clocks: it was filed when no calendar or policy applied".to_owned(),
        ));
    }
    let sla = context::current(conn, ticket.service_id, ticket.watch.unit_id)?.ok_or_else(|| {
        StoreError::Conflict("no calendar or no SLA policy applies to the ticket's service and unit".to_owned())
    })?;
    if clocks.iter().all(|c| c.clock.stopped_at.is_some()) {
        return Err(StoreError::Conflict(
            "every SLA clock of the ticket has stopped; outcomes stay as they were".to_owned(),
        ));
    }
    let before: Vec<serde_json::Value> = clocks.iter().map(describe).collect();
    let mut rebases = Vec::new();
    // Stopped clocks keep the versions they ran under, and their outcome.
    for c in clocks.iter_mut().filter(|c| c.clock.stopped_at.is_none()) {
        c.calendar_id = sla.calendar.id;
        c.calendar_version = sla.calendar.version;
        c.policy_id = sla.policy.id;
        c.policy_version = sla.policy.version;
        c.clock.target = clocks::target_of(&sla, c.clock.kind, ticket.watch.priority)?;
        c.clock.warning_percent = sla.policy.policy.warning_percent;
        let kept = forget_alerts_not_yet_due(c, &sla, ctx.now)?;
        rebases.push(Rebase { start: c.start_record(), keeps_warning: kept.warning, keeps_breach: kept.breach });
    }
    settle(conn, ctx, ticket_id, ticket.watch, &mut clocks)?;
    let after: Vec<serde_json::Value> = clocks::load(conn, ticket_id)?.iter().map(describe).collect();
    let kinds: Vec<_> = clocks.iter().map(|c| c.clock.kind).collect();
    let states = (serde_json::json!({ "clocks": before }), serde_json::json!({ "clocks": after, "reason": reason }));
    let event = Event::SlaRecomputed {
        reason: reason.to_owned(),
        clocks: kinds,
        before: states.0["clocks"].clone(),
        after: states.1["clocks"].clone(),
        rebases,
    };
    let entry = Entry::new(Subject::Ticket(ticket_id), event).states(Some(states.0), Some(states.1));
    journal::record(conn, ctx, entry)
}

/// After a ticket moved to another service: when the calendar or policy
/// that applies there is another one than its running clocks run on, they
/// move onto it at once (a logged recompute, the old clocks in its
/// record); `false` when nothing applies there, or nothing changes.
pub fn follow_move(conn: &mut DbConnection, ctx: &Context, ticket: &ClockedTicket) -> Result<bool, StoreError> {
    let Some(sla) = context::current(conn, ticket.service_id, ticket.watch.unit_id)? else { return Ok(false) };
    let clocks = clocks::load(conn, ticket.id)?;
    let mut running = clocks.iter().filter(|c| c.clock.stopped_at.is_none()).peekable();
    if running.peek().is_none() {
        return Ok(false);
    }
    if running.all(|c| c.calendar_id == sla.calendar.id && c.policy_id == sla.policy.id) {
        return Ok(false);
    }
    recompute(conn, ctx, ticket, "the ticket moved to another service")?;
    Ok(true)
}
