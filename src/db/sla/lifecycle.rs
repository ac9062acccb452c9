//! Applies the domain's clock rules (`domain::sla::lifecycle`): which
//! clocks filing starts, what a move does to them ([`move_clocks`], on
//! clocks in memory, shared with the data generator) and, inside a move's
//! transaction, loading, saving and recording the breaches on the way.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::clocks::{self, context_of, ClockedTicket, SlaSource, StoredClock, Summary, Watch};
use super::context::{self, SlaContext};
use crate::db::journal;
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::MoveClocks;
use crate::domain::journal::{ClockAlert, Context, Entry, Event, Subject};
use crate::domain::sla::alerts::Alert;
use crate::domain::sla::clock::{Clock, ClockKind};
use crate::domain::sla::lifecycle::{self, Kept, MoveFacts, Needs};
use crate::domain::sla::replay::Retarget;
use crate::domain::ticket::{Command, Priority, TicketState};

/// The clocks a ticket of `priority` filed at `at` under `sla` starts with
/// (the domain's [`lifecycle::FILING_CLOCKS`]).
pub fn filing_clocks(sla: &SlaContext, priority: Priority, at: DateTime<Utc>) -> Result<Vec<StoredClock>, StoreError> {
    lifecycle::FILING_CLOCKS.into_iter().map(|kind| StoredClock::start(sla, kind, priority, at)).collect()
}

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
    filing_clocks(&sla, priority, now)
}

/// The clocks of many tickets filed at once, as [`plan`] gives each
/// (`(service, unit, priority, filed at)`), reading each service and unit
/// pair's calendar and policy once.
pub fn plan_many(
    conn: &mut DbConnection,
    filings: &[(Uuid, Uuid, Priority, DateTime<Utc>)],
) -> Result<Vec<Vec<StoredClock>>, StoreError> {
    let mut contexts: std::collections::HashMap<(Uuid, Uuid), Option<SlaContext>> = std::collections::HashMap::new();
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
            filing_clocks(&sla, priority, now)
        })
        .collect()
}

/// Writes the planned clocks of a new ticket.
pub fn begin(conn: &mut DbConnection, ticket_id: Uuid, planned: &[StoredClock]) -> Result<(), StoreError> {
    clocks::insert(conn, ticket_id, planned)
}

/// The ticket a move's clocks belong to: where a new tier-2 clock's
/// versions are looked up, and its targets.
#[derive(Debug, Clone, Copy)]
pub struct MovedTicket {
    pub service_id: Uuid,
    pub unit_id: Uuid,
    pub priority: Priority,
}

/// The clock side of a workflow move at `now`, on the clocks in memory:
/// the domain's rules applied, tier 2's clock started under the versions
/// that apply now when the move needs one, and every clock settled. Returns
/// what the log needs to replay it, and the clocks that breached by
/// stopping late (their alerts are the caller's to record, before the
/// move's own entry). The service's moves and the data generator both
/// call this.
pub fn move_clocks(
    src: &mut impl SlaSource,
    clocks: &mut Vec<StoredClock>,
    ticket: MovedTicket,
    command: &Command,
    next: &TicketState,
    now: DateTime<Utc>,
) -> Result<(MoveClocks, Vec<usize>), StoreError> {
    let Some(first) = clocks.first() else { return Ok((MoveClocks::default(), Vec::new())) };
    let sla = src.context_of(first)?;
    let facts = MoveFacts::of(command, next, &sla.policy.policy.pausing_reasons);
    let mut moved = MoveClocks { pauses: facts.pausing_reason.is_some(), tier2_started: None };
    let mut refs: Vec<&mut Clock> = clocks.iter_mut().map(|c| &mut c.clock).collect();
    if lifecycle::after_move(&mut refs, &facts, now) == Needs::NewTier2Clock {
        // A new clock runs under the calendar and policy that apply now.
        let current = src.current(ticket.service_id, ticket.unit_id)?.unwrap_or(sla);
        let tier2 = StoredClock::start(&current, ClockKind::Tier2Resolution, ticket.priority, now)?;
        moved.tier2_started = Some(tier2.start_record());
        clocks.push(tier2);
    }
    let late = settle_all(src, clocks, now)?;
    Ok((moved, late))
}

/// Settles every clock at `now` (see [`StoredClock::settle`]); returns the
/// positions of those that breached by stopping late.
pub fn settle_all(
    src: &mut impl SlaSource,
    clocks: &mut [StoredClock],
    now: DateTime<Utc>,
) -> Result<Vec<usize>, StoreError> {
    let mut late = Vec::new();
    for (index, c) in clocks.iter_mut().enumerate() {
        let sla = src.context_of(c)?;
        if c.settle(&sla, now)? {
            late.push(index);
        }
    }
    Ok(late)
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
    if clocks.is_empty() {
        return Ok((MoveClocks::default(), None));
    }
    let ticket =
        MovedTicket { service_id: before.service_id, unit_id: before.watch.unit_id, priority: before.watch.priority };
    let (moved, late) = move_clocks(conn, &mut clocks, ticket, command, next, ctx.now)?;
    let watch = Watch { tier: next.tier, ..before.watch };
    let summary = write_settled(conn, ctx, before.id, watch, &clocks, &late)?;
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
    sla: &SlaContext,
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
    let late = settle_all(conn, clocks, ctx.now)?;
    let summary = write_settled(conn, ctx, ticket_id, watch, clocks, &late)?;
    clocks::write_summary(conn, ticket_id, &summary)
}

/// Records the breaches of the `late` clocks, saves the clocks and returns
/// the ticket's summary (its row is the caller's to write).
fn write_settled(
    conn: &mut DbConnection,
    ctx: &Context,
    ticket_id: Uuid,
    watch: Watch,
    clocks: &[StoredClock],
    late: &[usize],
) -> Result<Summary, StoreError> {
    for &index in late {
        record_alert(conn, ctx, ticket_id, &clocks[index], Alert::Breach)?;
    }
    clocks::save(conn, ticket_id, clocks)?;
    clocks::summarise(conn, clocks, watch, ctx.now)
}

/// Writes an alert's event (internal: it is the desk's matter) and audit.
fn record_alert(
    conn: &mut DbConnection,
    ctx: &Context,
    ticket_id: Uuid,
    c: &StoredClock,
    alert: Alert,
) -> Result<(), StoreError> {
    journal::record(conn, ctx, Entry::new(Subject::Ticket(ticket_id), alert_event(c, alert)))
}

/// Marks an alert the sweep owes a clock as recorded at `now`, the
/// instant its entry is journaled (so the log replays exactly), and
/// returns the entry's event.
pub fn take_alert(c: &mut StoredClock, alert: Alert, now: DateTime<Utc>) -> Event {
    match alert {
        Alert::Warning => c.warned_at = Some(now),
        Alert::Breach => c.breached_at = Some(now),
    }
    alert_event(c, alert)
}

/// The timeline event of a clock's alert.
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
