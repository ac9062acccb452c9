//! The timeline of a ticket: one event row per change, numbered per ticket.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::db::audit::Context;
use crate::db::schema::{ticket_events, tickets};
use crate::db::{ids, DbConnection, StoreError};
use crate::domain::ticket::{Status, Tier};

/// A change recorded on a ticket's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketEvent {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub seq: i32,
    pub kind: String,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub from_tier: Option<i16>,
    pub to_tier: Option<i16>,
    pub data: Option<serde_json::Value>,
    pub internal: bool,
    pub occurred_at: DateTime<Utc>,
}

/// A new event: what happened, the move it made, and its details.
pub struct NewEvent<'a> {
    pub ticket_id: Uuid,
    pub kind: &'a str,
    pub from: Option<(Status, Tier)>,
    pub to: Option<(Status, Tier)>,
    pub data: Option<serde_json::Value>,
    pub internal: bool,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = ticket_events)]
struct EventRow {
    id: Vec<u8>,
    ticket_id: Vec<u8>,
    seq: i32,
    kind: String,
    actor_kind: String,
    actor_id: Option<Vec<u8>>,
    from_status: Option<String>,
    to_status: Option<String>,
    from_tier: Option<i16>,
    to_tier: Option<i16>,
    data_json: Option<String>,
    internal: bool,
    occurred_at: NaiveDateTime,
}

/// Appends an event, numbering it after the ticket's last one. Taking the
/// number updates the ticket row, which also serialises writers per ticket.
pub fn record(conn: &mut DbConnection, ctx: &Context, event: NewEvent<'_>) -> Result<TicketEvent, StoreError> {
    let id_bytes = ids::to_bytes(event.ticket_id);
    diesel::update(tickets::table.find(&id_bytes)).set(tickets::event_seq.eq(tickets::event_seq + 1)).execute(conn)?;
    let seq: i32 = tickets::table.find(&id_bytes).select(tickets::event_seq).first(conn)?;
    insert(conn, ctx, event, seq)
}

/// Writes the first event of a ticket inserted with `event_seq = 1`
/// (saves the numbering round trips on the hot intake path).
pub fn record_first(conn: &mut DbConnection, ctx: &Context, event: NewEvent<'_>) -> Result<TicketEvent, StoreError> {
    insert(conn, ctx, event, 1)
}

fn insert(conn: &mut DbConnection, ctx: &Context, event: NewEvent<'_>, seq: i32) -> Result<TicketEvent, StoreError> {
    let id_bytes = ids::to_bytes(event.ticket_id);
    let row = EventRow {
        id: ids::to_bytes(Uuid::now_v7()),
        ticket_id: id_bytes,
        seq,
        kind: event.kind.to_owned(),
        actor_kind: ctx.actor.map_or("system", |a| a.kind()).to_owned(),
        actor_id: ctx.actor.map(|a| ids::to_bytes(a.id())),
        from_status: event.from.map(|(s, _)| s.as_str().to_owned()),
        to_status: event.to.map(|(s, _)| s.as_str().to_owned()),
        from_tier: event.from.map(|(_, t)| i16::from(t)),
        to_tier: event.to.map(|(_, t)| i16::from(t)),
        data_json: event.data.as_ref().map(ToString::to_string),
        internal: event.internal,
        occurred_at: ctx.now.naive_utc(),
    };
    diesel::insert_into(ticket_events::table).values(&row).execute(conn)?;
    row.try_into()
}

impl TryFrom<EventRow> for TicketEvent {
    type Error = StoreError;

    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        let data = r
            .data_json
            .map(|d| serde_json::from_str(&d).map_err(|e| StoreError::Corrupt(format!("event data: {e}"))))
            .transpose()?;
        Ok(Self {
            id: ids::from_bytes(&r.id)?,
            ticket_id: ids::from_bytes(&r.ticket_id)?,
            seq: r.seq,
            kind: r.kind,
            actor_kind: r.actor_kind,
            actor_id: r.actor_id.as_deref().map(ids::from_bytes).transpose()?,
            from_status: r.from_status,
            to_status: r.to_status,
            from_tier: r.from_tier,
            to_tier: r.to_tier,
            data,
            internal: r.internal,
            occurred_at: r.occurred_at.and_utc(),
        })
    }
}

/// The timeline in order; internal events only when `include_internal`.
pub fn list(conn: &mut DbConnection, ticket_id: Uuid, include_internal: bool) -> Result<Vec<TicketEvent>, StoreError> {
    let mut query = ticket_events::table
        .filter(ticket_events::ticket_id.eq(ids::to_bytes(ticket_id)))
        .select(EventRow::as_select())
        .into_boxed();
    if !include_internal {
        query = query.filter(ticket_events::internal.eq(false));
    }
    query.order(ticket_events::seq.asc()).load::<EventRow>(conn)?.into_iter().map(TicketEvent::try_from).collect()
}
