//! The rows of a change's timeline as the journal writes them: one per
//! move, numbered per change (`db::changes::timeline` reads them).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{change_events, changes};
use crate::db::sql_types::{db_ids, DbId, OptionalDbId};
use crate::db::{DbConnection, StoreError};
use crate::domain::change::{ChangeEventKind, ChangeStatus};
use crate::domain::journal::Context;

/// One stored change event.
#[derive(Insertable)]
#[diesel(table_name = change_events, treat_none_as_default_value = false)]
pub(super) struct ChangeEventRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    #[diesel(serialize_as = DbId)]
    change_id: Uuid,
    seq: i32,
    kind: String,
    actor_kind: String,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    actor_id: Option<Uuid>,
    from_status: Option<String>,
    to_status: Option<String>,
    data_json: String,
    occurred_at: NaiveDateTime,
}

/// What a change event says: its kind, the move, and what it carried.
pub(super) struct ChangeMove<'a> {
    pub kind: ChangeEventKind,
    pub from: Option<ChangeStatus>,
    pub to: ChangeStatus,
    pub detail: &'a serde_json::Value,
}

/// The row of a change's event numbered `seq`.
pub(super) fn event_row(
    ctx: &Context,
    at: DateTime<Utc>,
    change_id: Uuid,
    seq: i32,
    moved: &ChangeMove<'_>,
) -> ChangeEventRow {
    ChangeEventRow {
        id: Uuid::now_v7(),
        change_id,
        seq,
        kind: moved.kind.as_str().to_owned(),
        actor_kind: ctx.actor.map_or("system", |a| a.kind()).to_owned(),
        actor_id: ctx.actor.map(|a| a.id()),
        from_status: moved.from.map(|s| s.as_str().to_owned()),
        to_status: Some(moved.to.as_str().to_owned()),
        data_json: moved.detail.to_string(),
        occurred_at: at.naive_utc(),
    }
}

/// Counts the event on the change row and returns the number it takes.
pub(super) fn take_number(conn: &mut DbConnection, change_id: Uuid) -> Result<i32, StoreError> {
    diesel::update(changes::table.find(DbId(change_id)))
        .set(changes::event_seq.eq(changes::event_seq + 1))
        .execute(conn)?;
    Ok(changes::table.find(DbId(change_id)).select(changes::event_seq).first(conn)?)
}

/// The last event numbers of `changes` (for a batch continuing them).
pub(super) fn numbers(conn: &mut DbConnection, change_ids: &[Uuid]) -> Result<Vec<(Uuid, i32)>, StoreError> {
    Ok(changes::table
        .filter(changes::id.eq_any(db_ids(change_ids)))
        .select((changes::id, changes::event_seq))
        .load(conn)?)
}

/// Sets a change's last event number (a batch's flush).
pub(super) fn set_number(conn: &mut DbConnection, change_id: Uuid, seq: i32) -> Result<(), StoreError> {
    diesel::update(changes::table.find(DbId(change_id))).set(changes::event_seq.eq(seq)).execute(conn)?;
    Ok(())
}
