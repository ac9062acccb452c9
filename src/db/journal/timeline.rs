//! The timeline of a ticket: one event row per change, numbered per ticket
//! (and, for what reporters see, numbered again without gaps).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::ticket_events;
use crate::db::sql_types::{DbId, OptionalDbId};
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::{Context, Event, Visibility};

/// A change recorded on a ticket's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketEvent {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub seq: i32,
    /// The number among the events reporters see; `None` for internal ones.
    pub public_seq: Option<i32>,
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

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = ticket_events, treat_none_as_default_value = false)]
pub(super) struct EventRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    #[diesel(serialize_as = DbId)]
    ticket_id: Uuid,
    seq: i32,
    kind: String,
    actor_kind: String,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    actor_id: Option<Uuid>,
    from_status: Option<String>,
    to_status: Option<String>,
    from_tier: Option<i16>,
    to_tier: Option<i16>,
    data_json: Option<String>,
    internal: bool,
    occurred_at: NaiveDateTime,
    public_seq: Option<i32>,
}

#[derive(QueryableByName)]
struct Numbers {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    event_seq: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    public_event_seq: i32,
}

/// Counts the event on the ticket row and returns the numbers it takes
/// (all, public), in one statement. Taking the number updates the ticket
/// row, which also serialises writers per ticket.
pub(super) fn take_numbers(conn: &mut DbConnection, ticket_id: Uuid, public: bool) -> Result<(i32, i32), StoreError> {
    use crate::db::sql_types::Id;
    use diesel::sql_types::Integer;
    const SQL: &str = "UPDATE tickets SET event_seq = event_seq + 1, public_event_seq = public_event_seq + {p} \
                       WHERE id = {id} RETURNING event_seq, public_event_seq";
    let numbers = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(SQL.replace("{p}", "$1").replace("{id}", "$2"))
            .bind::<Integer, _>(i32::from(public))
            .bind::<Id, _>(DbId(ticket_id))
            .get_result::<Numbers>(pg)?,
        DbConnection::Sqlite(lite) => diesel::sql_query(SQL.replace("{p}", "?").replace("{id}", "?"))
            .bind::<Integer, _>(i32::from(public))
            .bind::<Id, _>(DbId(ticket_id))
            .get_result::<Numbers>(lite)?,
    };
    Ok((numbers.event_seq, numbers.public_event_seq))
}

/// The stored row of a ticket's event numbered `seq` (and `public_seq`
/// among what reporters see).
pub(super) fn event_row(
    ctx: &Context,
    at: DateTime<Utc>,
    ticket_id: Uuid,
    kind: &str,
    event: &Event,
    (seq, public_seq): (i32, Option<i32>),
) -> EventRow {
    let (from, to) = event.movement();
    EventRow {
        id: Uuid::now_v7(),
        ticket_id,
        seq,
        kind: kind.to_owned(),
        actor_kind: ctx.actor.map_or("system", |a| a.kind()).to_owned(),
        actor_id: ctx.actor.map(|a| a.id()),
        from_status: from.map(|(s, _)| s.as_str().to_owned()),
        to_status: to.map(|(s, _)| s.as_str().to_owned()),
        from_tier: from.map(|(_, t)| i16::from(t)),
        to_tier: to.map(|(_, t)| i16::from(t)),
        data_json: Some(event.payload().to_string()),
        internal: event.visibility() != Visibility::Public,
        occurred_at: at.naive_utc(),
        public_seq,
    }
}

impl TryFrom<EventRow> for TicketEvent {
    type Error = StoreError;

    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        let data = r
            .data_json
            .map(|d| serde_json::from_str(&d).map_err(|e| StoreError::Corrupt(format!("event data: {e}"))))
            .transpose()?;
        Ok(Self {
            id: r.id,
            ticket_id: r.ticket_id,
            seq: r.seq,
            public_seq: r.public_seq,
            kind: r.kind,
            actor_kind: r.actor_kind,
            actor_id: r.actor_id,
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

/// The timeline in order; internal events only when `include_internal`,
/// and without them the events are numbered as reporters count them.
pub fn list(conn: &mut DbConnection, ticket_id: Uuid, include_internal: bool) -> Result<Vec<TicketEvent>, StoreError> {
    let mut query = ticket_events::table
        .filter(ticket_events::ticket_id.eq(DbId(ticket_id)))
        .select(EventRow::as_select())
        .into_boxed();
    if !include_internal {
        query = query.filter(ticket_events::internal.eq(false));
    }
    let rows = query.order(ticket_events::seq.asc()).load::<EventRow>(conn)?;
    rows.into_iter()
        .map(|row| {
            let mut event = TicketEvent::try_from(row)?;
            if !include_internal {
                event.seq =
                    event.public_seq.ok_or_else(|| StoreError::Corrupt("public event without number".into()))?;
                // What moved the SLA clocks is the desk's matter.
                if let Some(data) = event.data.as_mut().and_then(serde_json::Value::as_object_mut) {
                    data.remove("sla");
                }
            }
            Ok(event)
        })
        .collect()
}
