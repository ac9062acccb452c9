//! A ticket's row from the [`Ticket`] with what the row keeps beside it
//! (event numbers, the sweeper's next look), and tickets written many at a
//! time by the data generator.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::{priority_rank, Ticket, TicketRow};
use crate::db::batch::insert_batch;
use crate::db::schema::tickets;
use crate::db::{DbConnection, StoreError};
use crate::domain::sla::clock::ClockKind;

/// A generated ticket as it stands at the end of its history.
pub struct GeneratedTicket {
    pub ticket: Ticket,
    pub event_seq: i32,
    pub public_event_seq: i32,
    pub sla_check_at: Option<DateTime<Utc>>,
}

/// The row of `t`, with its last event numbers (all, public) and the
/// sweeper's next look.
pub(super) fn row_of(
    t: &Ticket,
    (event_seq, public_event_seq): (i32, i32),
    sla_check_at: Option<DateTime<Utc>>,
) -> TicketRow {
    let naive = |at: Option<DateTime<Utc>>| at.map(|at| at.naive_utc());
    TicketRow {
        id: t.id,
        number: t.number.clone(),
        ticket_type: t.ticket_type,
        title: t.title.clone(),
        description: t.description.clone(),
        service_id: t.service_id,
        unit_id: t.unit_id,
        reporter_id: t.reporter_id,
        reporter_name: t.reporter_name.clone(),
        reporter_email: t.reporter_email.clone(),
        reporter_phone: t.reporter_phone.clone(),
        channel: t.channel,
        impact: t.impact,
        urgency: t.urgency,
        priority: t.priority,
        priority_rank: priority_rank(t.priority),
        status: t.status,
        tier: i16::from(t.tier),
        assignee_id: t.assignee_id,
        tier2_involved: t.tier2_involved,
        escalation_count: t.escalation_count,
        last_escalated_at: naive(t.last_escalated_at),
        pending_reason: t.pending_reason,
        external_source: t.external_source.clone(),
        external_ref: t.external_ref.clone(),
        complaint_ref: t.complaint_ref.clone(),
        problem_id: t.problem_id,
        resolution_code: t.resolution_code,
        resolution: t.resolution.clone(),
        resolved_at: naive(t.resolved_at),
        closed_at: naive(t.closed_at),
        reopen_count: t.reopen_count,
        rating: t.rating,
        rating_remark: t.rating_remark.clone(),
        created_by_kind: t.created_by_kind.clone(),
        created_by: t.created_by,
        event_seq,
        public_event_seq,
        version: t.version,
        created_at: t.created_at.naive_utc(),
        updated_at: t.updated_at.naive_utc(),
        sla_due_at: naive(t.sla_due_at),
        sla_check_at: naive(sla_check_at),
        response_breached: t.sla_breached.contains(&ClockKind::Response),
        resolution_breached: t.sla_breached.contains(&ClockKind::Resolution),
        tier2_breached: t.sla_breached.contains(&ClockKind::Tier2Resolution),
    }
}

/// Inserts generated tickets (before their events, clocks and audit rows).
pub fn insert_generated(conn: &mut DbConnection, generated: &[&GeneratedTicket]) -> Result<(), StoreError> {
    let rows: Vec<TicketRow> =
        generated.iter().map(|g| row_of(&g.ticket, (g.event_seq, g.public_event_seq), g.sla_check_at)).collect();
    insert_batch!(conn, tickets::table, rows);
    Ok(())
}
