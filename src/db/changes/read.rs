//! Reading change records: one with its services, tickets and follow-ups;
//! whether a caller may see it; by id or number; and the scoped, filtered
//! list.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::{corrupt, utc, Change, ChangeRow, FollowUp, LinkedTicket};
use crate::db::schema::{change_follow_ups, change_services, change_tickets, changes, services, tickets};
use crate::db::sql_types::{db_ids, DbId};
use crate::db::{DbConnection, StoreError};
use crate::domain::change::access::ChangeVisibility;
use crate::domain::change::{ChangeScope, ChangeStatus, ChangeType};

type FollowUpRow = (i32, String, Uuid, String, bool, Option<NaiveDateTime>);

/// Changes with ids after `after`, in id order, as their rows hold them:
/// without their services, tickets and follow-ups (other tables).
pub(crate) fn rows_after(conn: &mut DbConnection, after: Option<Uuid>, limit: i64) -> Result<Vec<Change>, StoreError> {
    let mut query = changes::table.select(ChangeRow::as_select()).order(changes::id.asc()).limit(limit).into_boxed();
    if let Some(after) = after {
        query = query.filter(changes::id.gt(DbId(after)));
    }
    query.load::<ChangeRow>(conn)?.into_iter().map(|row| row.into_change(Vec::new(), Vec::new(), Vec::new())).collect()
}

/// Reads a change with its services, tickets and follow-ups, whoever asks.
pub fn find_any(conn: &mut DbConnection, id: Uuid) -> Result<Change, StoreError> {
    let row: ChangeRow = changes::table
        .find(DbId(id))
        .select(ChangeRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    let services: Vec<Uuid> = change_services::table
        .filter(change_services::change_id.eq(DbId(id)))
        .order(change_services::service_id)
        .select(change_services::service_id)
        .load(conn)?;
    let linked: Vec<(Uuid, String, String)> = change_tickets::table
        .inner_join(tickets::table.on(tickets::id.eq(change_tickets::ticket_id)))
        .filter(change_tickets::change_id.eq(DbId(id)))
        .order(tickets::number)
        .select((change_tickets::ticket_id, tickets::number, change_tickets::relation))
        .load(conn)?;
    let follow_ups: Vec<FollowUpRow> = change_follow_ups::table
        .filter(change_follow_ups::change_id.eq(DbId(id)))
        .order(change_follow_ups::position)
        .select((
            change_follow_ups::position,
            change_follow_ups::action,
            change_follow_ups::owner_id,
            change_follow_ups::due_on,
            change_follow_ups::done,
            change_follow_ups::done_at,
        ))
        .load(conn)?;
    let tickets =
        linked.into_iter().map(|(id, number, relation)| LinkedTicket { ticket_id: id, number, relation }).collect();
    let follow_ups = follow_ups
        .into_iter()
        .map(|(position, action, owner, due, done, done_at)| {
            Ok(FollowUp {
                position,
                action,
                owner_id: owner,
                due_on: due.parse().map_err(|e| corrupt("follow-up due date", e))?,
                done,
                done_at: utc(done_at),
            })
        })
        .collect::<Result<_, StoreError>>()?;
    row.into_change(services, tickets, follow_ups)
}

/// Whether the caller sees the change (`NotFound` when not: no leak).
pub(super) fn visible(
    conn: &mut DbConnection,
    visibility: ChangeVisibility,
    change: &Change,
) -> Result<bool, StoreError> {
    let ChangeVisibility::Limited { unit, user } = visibility else { return Ok(true) };
    if change.owner_unit_id == unit || user == Some(change.requester_id) {
        return Ok(true);
    }
    let owned: i64 = services::table
        .filter(services::id.eq_any(db_ids(&change.service_ids)))
        .filter(services::owner_unit_id.eq(DbId(unit)))
        .count()
        .get_result(conn)?;
    Ok(owned > 0)
}

/// Reads a change the caller may see.
pub fn find(conn: &mut DbConnection, visibility: ChangeVisibility, id: Uuid) -> Result<Change, StoreError> {
    let change = find_any(conn, id)?;
    if visible(conn, visibility, &change)? {
        Ok(change)
    } else {
        Err(StoreError::NotFound)
    }
}

/// Finds a change by id or by number (`CHG-2026-000001`, any case).
pub fn resolve(conn: &mut DbConnection, visibility: ChangeVisibility, raw: &str) -> Result<Change, StoreError> {
    if let Ok(id) = Uuid::parse_str(raw) {
        return find(conn, visibility, id);
    }
    let number = raw.to_ascii_uppercase();
    let id: Option<Uuid> =
        changes::table.filter(changes::number.eq(&number)).select(changes::id).first(conn).optional()?;
    let id = id.ok_or(StoreError::NotFound)?;
    find(conn, visibility, id)
}

/// Filters of the change list.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    pub status: Option<ChangeStatus>,
    pub change_type: Option<ChangeType>,
    pub scope: Option<ChangeScope>,
    pub service_id: Option<Uuid>,
    pub owner_unit_id: Option<Uuid>,
    /// Only changes whose planned window overlaps `[from, to)`.
    pub window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Newest first when true.
    pub descending: bool,
    pub after: Option<Uuid>,
    pub limit: u32,
}

/// The changes the caller sees, by creation (ids are time-ordered).
pub fn list(
    conn: &mut DbConnection,
    visibility: ChangeVisibility,
    f: &ChangeFilter,
) -> Result<Vec<Change>, StoreError> {
    let mut q = changes::table.select(changes::id).into_boxed();
    if let ChangeVisibility::Limited { unit, user } = visibility {
        let owned = change_services::table
            .inner_join(services::table.on(services::id.eq(change_services::service_id)))
            .filter(services::owner_unit_id.eq(DbId(unit)))
            .select(change_services::change_id);
        let requester = user.unwrap_or_default();
        q = q.filter(
            changes::owner_unit_id
                .eq(DbId(unit))
                .or(changes::requester_id.eq(DbId(requester)))
                .or(changes::id.eq_any(owned)),
        );
    }
    if let Some(status) = f.status {
        q = q.filter(changes::status.eq(status.as_str()));
    }
    if let Some(t) = f.change_type {
        q = q.filter(changes::change_type.eq(t.as_str()));
    }
    if let Some(scope) = f.scope {
        q = q.filter(changes::scope.eq(scope.as_str()));
    }
    if let Some(unit) = f.owner_unit_id {
        q = q.filter(changes::owner_unit_id.eq(DbId(unit)));
    }
    if let Some(service) = f.service_id {
        let touching = change_services::table
            .filter(change_services::service_id.eq(DbId(service)))
            .select(change_services::change_id);
        q = q.filter(changes::id.eq_any(touching));
    }
    if let Some((from, to)) = f.window {
        q = q.filter(changes::planned_start.lt(to.naive_utc())).filter(changes::planned_end.gt(from.naive_utc()));
    }
    if let Some(after) = f.after {
        q = if f.descending { q.filter(changes::id.lt(DbId(after))) } else { q.filter(changes::id.gt(DbId(after))) };
    }
    q = if f.descending { q.order(changes::id.desc()) } else { q.order(changes::id.asc()) };
    let found: Vec<Uuid> = q.limit(i64::from(f.limit)).load(conn)?;
    found.into_iter().map(|id| find_any(conn, id)).collect()
}
