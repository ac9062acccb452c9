//! The claimed tickets swept together: their rows, clocks and audit heads
//! read in three queries, each owed alert decided in memory as the
//! one-by-one sweep decides it, and the batch's events, audit entries and
//! notices written by the bulk journal, so an alert costs a few row
//! updates rather than a dozen round trips. A breach that escalates goes
//! through the workflow's own move, one by one, after the rest is written.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use uuid::Uuid;

use super::{earliest_owed, sweep_claimed, Due, Swept};
use crate::db::journal::bulk::{BulkJournal, ContinuedTicket};
use crate::db::sla::clocks::{self, context_of, Summary};
use crate::db::sla::lifecycle::take_alert;
use crate::db::tickets::{self, Ticket};
use diesel::prelude::*;

use crate::db::sql_types::DbId;
use crate::db::{schema, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Subject};
use crate::domain::sla::alerts::Alert;
use crate::domain::sla::lifecycle::breach_escalates;

/// Sweeps the claimed tickets (see [`super::one_by_one`] for the order and
/// the horizon). An error means the caller rolls back and goes one by one.
pub(super) fn sweep(
    conn: &mut DbConnection,
    claimed: Vec<Due>,
    horizon: NaiveDateTime,
    now: DateTime<Utc>,
    max: usize,
) -> Result<Vec<Swept>, StoreError> {
    let ids: Vec<Uuid> = claimed.iter().map(|(_, id)| *id).collect();
    let found = tickets::find_many_any(conn, &ids)?;
    let mut journal = BulkJournal::live();
    let numbers: Vec<ContinuedTicket> =
        found.iter().map(|(t, seq, public)| (t.id, *seq, *public, (t.status, t.tier))).collect();
    journal.continue_tickets(conn, &numbers)?;
    let tickets: HashMap<Uuid, Ticket> = found.into_iter().map(|(t, _, _)| (t.id, t)).collect();
    let mut clocks = clocks::load_many(conn, &ids)?;
    let ctx = Context::system(now);
    let mut queue: BinaryHeap<Reverse<Due>> = claimed.into_iter().map(Reverse).collect();
    let mut steps = Vec::new();
    let mut alerted: HashSet<(Uuid, usize)> = HashSet::new();
    let mut summaries: HashMap<Uuid, Summary> = HashMap::new();
    let mut escalating: Vec<Uuid> = Vec::new();
    while let Some(Reverse((_, id))) = queue.pop() {
        if steps.len() == max {
            break;
        }
        let ticket = tickets.get(&id).ok_or(StoreError::NotFound)?;
        let watch = ticket.clocked().watch;
        let ticket_clocks = clocks.entry(id).or_default();
        let mut swept = Swept::nothing(id);
        if let Some((index, alert, fell_due_at)) = earliest_owed(conn, ticket_clocks, watch, now)? {
            let c = &mut ticket_clocks[index];
            let auto = context_of(conn, c)?.policy.policy.auto_escalate;
            if alert == Alert::Breach && breach_escalates(c.clock.kind, ticket.tier, auto) {
                escalating.push(id);
                continue;
            }
            let event = take_alert(c, alert, ctx.now);
            journal.record(&ctx, Entry::new(Subject::Ticket(id), event))?;
            alerted.insert((id, index));
            swept = Swept { clock: Some(c.clock.kind), alert: Some(alert), fell_due_at: Some(fell_due_at), ..swept };
        }
        let summary = clocks::summarise(conn, ticket_clocks, watch, now)?;
        let next_check = summary.check_at.map(|t| t.naive_utc());
        summaries.insert(id, summary);
        steps.push(swept);
        if let Some(next) = next_check.filter(|next| *next <= horizon) {
            queue.push(Reverse((next, id)));
        }
    }
    let numbers: HashMap<Uuid, (i32, i32)> =
        journal.flush_leaving_numbers(conn)?.into_iter().map(|(id, seq, public)| (id, (seq, public))).collect();
    for (id, index) in alerted {
        let clock = clocks.get(&id).and_then(|c| c.get(index)).ok_or(StoreError::NotFound)?;
        clocks::save(conn, id, std::slice::from_ref(clock))?;
    }
    // Each ticket's row once: its summary and its new event numbers.
    for (id, summary) in &summaries {
        let row = diesel::update(schema::tickets::table.find(DbId(*id)));
        match numbers.get(id) {
            Some(&(seq, public_seq)) => row
                .set((
                    summary.columns(),
                    schema::tickets::event_seq.eq(seq),
                    schema::tickets::public_event_seq.eq(public_seq),
                ))
                .execute(conn)?,
            None => row.set(summary.columns()).execute(conn)?,
        };
    }
    if let Some(id) = numbers.keys().find(|id| !summaries.contains_key(id)) {
        return Err(StoreError::Corrupt(format!("ticket {id} was journaled but not summarised")));
    }
    // The escalating ones, on what was just written.
    for id in escalating {
        while steps.len() < max {
            let (swept, next_check) = sweep_claimed(conn, id, now)?;
            steps.push(swept);
            if next_check.is_none_or(|next| next > horizon) {
                break;
            }
        }
    }
    Ok(steps)
}
