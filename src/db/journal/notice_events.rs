//! Events queued for notices: one row per ticket or change event, written
//! by the journal in the transaction of the change, fanned out (and deleted) later
//! by a dispatcher, so the write path pays one insert, whatever the
//! audience, and the queue holds only what waits.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::db::schema::notice_events;
use crate::db::sql_types::{db_ids, DbId, OptionalDbId};
use crate::db::{ClaimedId, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Visibility};
use crate::domain::notice::rules::NOTICE_EVENTS;

#[derive(Insertable, Queryable, Selectable)]
#[diesel(table_name = notice_events)]
pub(super) struct EventRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    event: String,
    #[diesel(serialize_as = DbId)]
    subject_id: Uuid,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    actor_id: Option<Uuid>,
    occurred_at: chrono::NaiveDateTime,
    payload_json: String,
}

/// A queued event, as the fan-out reads it.
#[derive(Debug, Clone)]
pub struct QueuedEvent {
    pub id: Uuid,
    pub event: String,
    /// The ticket, or for `change.*` events the change.
    pub subject_id: Uuid,
    /// `None`: the system (the SLA sweeper) caused it.
    pub actor_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    /// `payload` (the timeline's details), `internal`, and `status`/`tier`
    /// as the event left the ticket (moved it, or found it).
    pub payload: serde_json::Value,
}

impl QueuedEvent {
    pub fn internal(&self) -> bool {
        self.payload["internal"].as_bool().unwrap_or(true)
    }
}

/// Whether anyone can subscribe to the entry's event (others are not queued).
pub(super) fn is_queued(entry: &Entry) -> bool {
    let event = entry.event.name();
    NOTICE_EVENTS.contains(&event.as_str())
        || crate::domain::change::notices::is_told(&event)
        || crate::domain::notice::articles::is_told(&event)
}

/// The queued row of an entry, if anyone can subscribe to its event;
/// `found` is the ticket's status and tier when the event did not move it.
pub(super) fn row_of(
    ctx: &Context,
    at: DateTime<Utc>,
    subject_id: Uuid,
    entry: &Entry,
    found: Option<(String, i16)>,
) -> Option<EventRow> {
    if !is_queued(entry) {
        return None;
    }
    let event = entry.event.name();
    let mut payload = json!({
        "payload": entry.event.payload(),
        "internal": entry.event.visibility() == Visibility::Internal,
    });
    if let (_, Some((status, tier))) = entry.event.movement() {
        payload["status"] = json!(status);
        payload["tier"] = json!(i16::from(tier));
    } else if let Some((status, tier)) = found {
        payload["status"] = json!(status);
        payload["tier"] = json!(tier);
    }
    Some(EventRow {
        id: Uuid::now_v7(),
        event,
        subject_id,
        actor_id: ctx.actor.map(|actor| actor.id()),
        occurred_at: at.naive_utc(),
        payload_json: payload.to_string(),
    })
}

/// Events claimed for one fan-out transaction.
pub struct Claimed {
    pub events: Vec<QueuedEvent>,
    /// The last id claimed: the next claim of the same run starts after
    /// it, so events that cannot be fanned out do not hold up the rest.
    pub last: Option<Uuid>,
    /// Whether the claim took as many as one transaction takes (more may
    /// wait).
    pub full: bool,
}

/// Claims the oldest waiting events after `after`; call in a write
/// transaction. On PostgreSQL, rows another dispatcher holds are skipped;
/// SQLite's write gate lets one dispatcher in at a time, and there a
/// transaction takes fewer events, as it holds the only writer while it
/// renders their mails.
pub fn claim(conn: &mut DbConnection, after: Option<Uuid>) -> Result<Claimed, StoreError> {
    let after = after.unwrap_or_default();
    let (ids, limit): (Vec<ClaimedId>, usize) = match conn {
        DbConnection::Postgres(pg) => (
            diesel::sql_query(
                "SELECT id FROM notice_events WHERE id > $1 ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED",
            )
            .bind::<crate::db::sql_types::Id, _>(DbId(after))
            .load(pg)?,
            100,
        ),
        DbConnection::Sqlite(lite) => (
            diesel::sql_query("SELECT id FROM notice_events WHERE id > ?1 ORDER BY id LIMIT 25")
                .bind::<crate::db::sql_types::Id, _>(DbId(after))
                .load(lite)?,
            25,
        ),
    };
    let full = ids.len() == limit;
    let ids: Vec<Uuid> = ids.into_iter().map(|c| c.id).collect();
    let last = ids.last().copied();
    let rows: Vec<EventRow> = notice_events::table
        .filter(notice_events::id.eq_any(db_ids(&ids)))
        .order(notice_events::id)
        .select(EventRow::as_select())
        .load(conn)?;
    let events = rows.into_iter().map(queued).collect::<Result<_, _>>()?;
    Ok(Claimed { events, last, full })
}

/// Whether a claim after `after` could find anything. On SQLite this is
/// looked up outside a transaction, so an idle dispatcher never takes the
/// one writer; on PostgreSQL the claim itself is as cheap.
pub fn may_claim(conn: &mut DbConnection, after: Option<Uuid>) -> Result<bool, StoreError> {
    if let DbConnection::Postgres(_) = conn {
        return Ok(true);
    }
    let after = after.unwrap_or_default();
    let waiting = notice_events::table.filter(notice_events::id.gt(DbId(after))).select(notice_events::id);
    Ok(diesel::select(diesel::dsl::exists(waiting)).get_result(conn)?)
}

fn queued(row: EventRow) -> Result<QueuedEvent, StoreError> {
    Ok(QueuedEvent {
        id: row.id,
        event: row.event,
        subject_id: row.subject_id,
        actor_id: row.actor_id,
        occurred_at: row.occurred_at.and_utc(),
        payload: serde_json::from_str(&row.payload_json)
            .map_err(|e| StoreError::Corrupt(format!("notice event payload: {e}")))?,
    })
}

/// Removes events fanned out, in the transaction that wrote their notices.
pub fn remove_fanned_out(conn: &mut DbConnection, events: &[Uuid]) -> Result<(), StoreError> {
    let ids = db_ids(events);
    diesel::delete(notice_events::table.filter(notice_events::id.eq_any(ids))).execute(conn)?;
    Ok(())
}

/// How many events wait to be fanned out (for `/metrics` and the admin).
pub fn waiting(conn: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(notice_events::table.count().get_result(conn)?)
}
