//! The audit log: one record per mutation, written in the mutation's
//! transaction, with the state before and after.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::schema::audit_log;
use super::{ids, DbConnection, StoreError};
use crate::domain::policy::Actor;

/// Who caused a mutation and in which request, carried into every write.
#[derive(Debug, Clone)]
pub struct Context {
    /// `None` for the system itself (CLI, seed, background jobs).
    pub actor: Option<Actor>,
    pub request_id: Option<String>,
    pub now: DateTime<Utc>,
}

impl Context {
    pub fn system(now: DateTime<Utc>) -> Self {
        Self { actor: None, request_id: None, now }
    }
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewAuditRow {
    id: Vec<u8>,
    occurred_at: chrono::NaiveDateTime,
    actor_kind: String,
    actor_id: Option<Vec<u8>>,
    action: String,
    entity_type: String,
    entity_id: Vec<u8>,
    before_json: Option<String>,
    after_json: Option<String>,
    request_id: Option<String>,
}

/// One mutation to record: what was done to which entity, and its public
/// state before and after (never secrets such as password hashes).
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Uuid,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// The JSON snapshot of an entity's state for `Change::before`/`after`.
pub fn snapshot<T: Serialize>(value: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|e| StoreError::Corrupt(format!("audit snapshot: {e}")))
}

/// Appends one audit record; call it inside the mutation's transaction.
pub fn record(conn: &mut DbConnection, ctx: &Context, change: Change<'_>) -> Result<(), StoreError> {
    let row = NewAuditRow {
        id: ids::to_bytes(Uuid::now_v7()),
        occurred_at: ctx.now.naive_utc(),
        actor_kind: ctx.actor.map_or("system", Actor::kind).to_owned(),
        actor_id: ctx.actor.map(|a| ids::to_bytes(a.id())),
        action: change.action.to_owned(),
        entity_type: change.entity_type.to_owned(),
        entity_id: ids::to_bytes(change.entity_id),
        before_json: change.before.map(|v| v.to_string()),
        after_json: change.after.map(|v| v.to_string()),
        request_id: ctx.request_id.clone(),
    };
    diesel::insert_into(audit_log::table).values(&row).execute(conn)?;
    Ok(())
}

/// One stored audit record, as the audit API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct AuditRow {
    id: Vec<u8>,
    occurred_at: chrono::NaiveDateTime,
    actor_kind: String,
    actor_id: Option<Vec<u8>>,
    action: String,
    entity_type: String,
    entity_id: Vec<u8>,
    before_json: Option<String>,
    after_json: Option<String>,
    request_id: Option<String>,
}

impl TryFrom<AuditRow> for AuditRecord {
    type Error = StoreError;

    fn try_from(row: AuditRow) -> Result<Self, StoreError> {
        let parse = |text: Option<String>| -> Result<Option<serde_json::Value>, StoreError> {
            text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("audit json: {e}"))))
                .transpose()
        };
        Ok(Self {
            id: ids::from_bytes(&row.id)?,
            occurred_at: row.occurred_at.and_utc(),
            actor_kind: row.actor_kind,
            actor_id: row.actor_id.as_deref().map(ids::from_bytes).transpose()?,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: ids::from_bytes(&row.entity_id)?,
            before: parse(row.before_json)?,
            after: parse(row.after_json)?,
            request_id: row.request_id,
        })
    }
}

/// Filters for reading the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    pub after_id: Option<Uuid>,
    pub limit: u32,
}

/// Audit records in the order they were written (ids are time-ordered).
pub fn list(conn: &mut DbConnection, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
    let mut query = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(audit_log::entity_type.eq(entity_type.clone()));
    }
    if let Some(entity_id) = filter.entity_id {
        query = query.filter(audit_log::entity_id.eq(ids::to_bytes(entity_id)));
    }
    if let Some(after) = filter.after_id {
        query = query.filter(audit_log::id.gt(ids::to_bytes(after)));
    }
    query
        .order(audit_log::id.asc())
        .limit(i64::from(filter.limit))
        .load::<AuditRow>(conn)?
        .into_iter()
        .map(AuditRecord::try_from)
        .collect()
}
