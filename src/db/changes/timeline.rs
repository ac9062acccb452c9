//! The timeline of a change: one event row per move, numbered per change
//! (the journal writes them).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::change_events;
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};

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

type EventRow = (Uuid, i32, String, String, Option<Uuid>, Option<String>, Option<String>, String, NaiveDateTime);

/// The change's events in order, after `after_seq`.
pub fn list(
    conn: &mut DbConnection,
    change_id: Uuid,
    after_seq: i32,
    limit: u32,
) -> Result<Vec<ChangeEvent>, StoreError> {
    let rows: Vec<EventRow> = change_events::table
        .filter(change_events::change_id.eq(DbId(change_id)))
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
                id,
                seq,
                kind,
                actor_kind,
                actor_id,
                from_status,
                to_status,
                data: serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("change event: {e}")))?,
                occurred_at: at.and_utc(),
            })
        })
        .collect()
}
