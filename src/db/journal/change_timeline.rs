//! The timeline of a change: one event row per move, numbered per change.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::{change_events, changes};
use crate::db::{ids, DbConnection, StoreError};
use crate::domain::change::{ChangeEventKind, ChangeStatus};
use crate::domain::journal::Context;

/// A move recorded on a change's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeEvent {
    pub id: Uuid,
    pub seq: i32,
    pub kind: String,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub data: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

/// Appends an event after the change's last one (the journal's call).
#[allow(clippy::too_many_arguments, reason = "the journal hands over the event's parts")]
pub(super) fn append(
    conn: &mut DbConnection,
    ctx: &Context,
    at: DateTime<Utc>,
    change_id: Uuid,
    kind: ChangeEventKind,
    from: Option<ChangeStatus>,
    to: ChangeStatus,
    detail: &serde_json::Value,
) -> Result<(), StoreError> {
    let key = ids::to_bytes(change_id);
    diesel::update(changes::table.find(&key)).set(changes::event_seq.eq(changes::event_seq + 1)).execute(conn)?;
    let seq: i32 = changes::table.find(&key).select(changes::event_seq).first(conn)?;
    diesel::insert_into(change_events::table)
        .values((
            change_events::id.eq(ids::to_bytes(Uuid::now_v7())),
            change_events::change_id.eq(&key),
            change_events::seq.eq(seq),
            change_events::kind.eq(kind.as_str()),
            change_events::actor_kind.eq(ctx.actor.map_or("system", |a| a.kind())),
            change_events::actor_id.eq(ctx.actor.map(|a| ids::to_bytes(a.id()))),
            change_events::from_status.eq(from.map(|s| s.as_str())),
            change_events::to_status.eq(Some(to.as_str())),
            change_events::data_json.eq(detail.to_string()),
            change_events::occurred_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

type EventRow = (Vec<u8>, i32, String, String, Option<Vec<u8>>, Option<String>, Option<String>, String, NaiveDateTime);

/// The change's events in order, after `after_seq`.
pub fn list(
    conn: &mut DbConnection,
    change_id: Uuid,
    after_seq: i32,
    limit: u32,
) -> Result<Vec<ChangeEvent>, StoreError> {
    let rows: Vec<EventRow> = change_events::table
        .filter(change_events::change_id.eq(ids::to_bytes(change_id)))
        .filter(change_events::seq.gt(after_seq))
        .order(change_events::seq)
        .limit(i64::from(limit))
        .select((
            change_events::id,
            change_events::seq,
            change_events::kind,
            change_events::actor_kind,
            change_events::actor_id,
            change_events::from_status,
            change_events::to_status,
            change_events::data_json,
            change_events::occurred_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, seq, kind, actor_kind, actor_id, from_status, to_status, data, at)| {
            Ok(ChangeEvent {
                id: ids::from_bytes(&id)?,
                seq,
                kind,
                actor_kind,
                actor_id: actor_id.as_deref().map(ids::from_bytes).transpose()?,
                from_status,
                to_status,
                data: serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("change event: {e}")))?,
                occurred_at: at.and_utc(),
            })
        })
        .collect()
}
