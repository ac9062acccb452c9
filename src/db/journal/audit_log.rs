//! The audit log: one chained record per state change, written by the
//! journal in the change's transaction, with the state before and after.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::heads;
use super::unfold::{self, PlacedStates};
use crate::db::schema::audit_log;
use crate::db::sql_types::{DbId, OptionalDbId};
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::chain::Link;
use crate::domain::journal::compact::{StoredStates, Texts};
use crate::domain::journal::{Context, Entry, Event};
use crate::domain::policy::Actor;

/// One stored audit row, as written and as read back.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub(super) struct AuditRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    occurred_at: chrono::NaiveDateTime,
    actor_kind: String,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    actor_id: Option<Uuid>,
    action: String,
    entity_type: String,
    #[diesel(serialize_as = DbId)]
    entity_id: Uuid,
    before_json: Option<String>,
    after_json: Option<String>,
    request_id: Option<String>,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    chain_id: Option<Uuid>,
    position: Option<i64>,
    prev_hash: Option<Vec<u8>>,
    hash: Option<Vec<u8>>,
    before_position: Option<i64>,
    after_edits: Option<String>,
    before_edits: Option<String>,
}

/// The audit link of an entry following `previous`, its chain's head
/// (`None` opens the chain). Events that change no snapshot record their
/// details as the state after.
pub(super) fn link_of(ctx: &Context, at: DateTime<Utc>, entry: &Entry, previous: Option<heads::LockedHead>) -> Link {
    let chain = entry.subject.chain();
    let (entity_type, entity_id) = entry.subject.entity();
    let after = match (&entry.after, &entry.event) {
        (Some(after), _) => Some(after.to_string()),
        (None, Event::Resource { .. }) => None,
        (None, event) => Some(event.payload().to_string()),
    };
    Link {
        chain,
        position: previous.map_or(1, |(position, _, _)| position + 1),
        // Never before the entry it follows (a request that waited for the
        // head took its instant earlier), so periods hold runs of positions.
        occurred_at: previous.map_or(at, |(_, _, head_at)| at.max(head_at)),
        actor_kind: ctx.actor.map_or("system", Actor::kind).to_owned(),
        actor_id: ctx.actor.map(Actor::id),
        action: entry.event.name(),
        entity_type: entity_type.to_owned(),
        entity_id,
        before_json: entry.before.as_ref().map(ToString::to_string),
        after_json: after,
        request_id: ctx.request_id.clone(),
        prev_hash: previous.map_or(crate::domain::journal::chain::GENESIS, |(_, hash, _)| hash),
    }
}

/// The stored row of a hashed link, its states stored as `stored`
/// (`compact::compact` of the link's texts).
pub(super) fn row_of(link: &Link, hash: &[u8; 32], stored: StoredStates) -> AuditRow {
    AuditRow {
        id: Uuid::now_v7(),
        occurred_at: link.occurred_at.naive_utc(),
        actor_kind: link.actor_kind.clone(),
        actor_id: link.actor_id,
        action: link.action.clone(),
        entity_type: link.entity_type.clone(),
        entity_id: link.entity_id,
        before_json: stored.before_json,
        after_json: stored.after_json,
        request_id: link.request_id.clone(),
        chain_id: Some(link.chain),
        position: Some(link.position),
        prev_hash: Some(link.prev_hash.to_vec()),
        hash: Some(hash.to_vec()),
        before_position: stored.before_position,
        after_edits: stored.after_edits,
        before_edits: stored.before_edits,
    }
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
    /// The aggregate's chain, the position in it, and the hashes (hex).
    pub chain_id: Option<Uuid>,
    pub position: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

impl AuditRecord {
    /// The record of a stored row whose states unfolded to `texts`; a text
    /// that is not JSON (altered, or not unfoldable) is shown as a string.
    fn of(row: AuditRow, texts: Texts) -> Self {
        let parse =
            |text: Option<String>| text.map(|t| serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t)));
        Self {
            id: row.id,
            occurred_at: row.occurred_at.and_utc(),
            actor_kind: row.actor_kind,
            actor_id: row.actor_id,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            before: parse(texts.0),
            after: parse(texts.1),
            request_id: row.request_id,
            chain_id: row.chain_id,
            position: row.position,
            prev_hash: row.prev_hash.map(hex::encode),
            hash: row.hash.map(hex::encode),
        }
    }
}

/// Filters for reading the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    /// One chain: a ticket with its comments and attachments, or a resource.
    pub chain_id: Option<Uuid>,
    pub after_id: Option<Uuid>,
    pub limit: u32,
}

/// Audit records in the order they were written (ids are time-ordered).
pub fn list(conn: &mut DbConnection, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
    let mut query = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(audit_log::entity_type.eq(entity_type.clone()));
    }
    if let Some(chain_id) = filter.chain_id {
        query = query.filter(audit_log::chain_id.eq(DbId(chain_id)));
    }
    if let Some(entity_id) = filter.entity_id {
        query = query.filter(audit_log::entity_id.eq(DbId(entity_id)));
    }
    if let Some(after) = filter.after_id {
        query = query.filter(audit_log::id.gt(DbId(after)));
    }
    let mut rows = query.order(audit_log::id.asc()).limit(i64::from(filter.limit)).load::<AuditRow>(conn)?;
    let placed: Vec<PlacedStates> = rows
        .iter_mut()
        .map(|r| {
            let values = (
                r.before_json.take(),
                r.before_position,
                r.before_edits.take(),
                r.after_json.take(),
                r.after_edits.take(),
            );
            let stored = unfold::states(values);
            (r.chain_id.unwrap_or_default(), r.entity_id, r.position.unwrap_or(0), stored)
        })
        .collect();
    let texts = unfold::unfold_each(conn, &placed)?;
    let mut records: Vec<AuditRecord> =
        rows.into_iter().zip(texts).map(|(row, texts)| AuditRecord::of(row, texts)).collect();
    // Shown as the personal store knows them; the export keeps what was hashed.
    let mut states: Vec<&mut serde_json::Value> =
        records.iter_mut().flat_map(|r| [r.before.as_mut(), r.after.as_mut()]).flatten().collect();
    super::personal::disclose_all(conn, &mut states)?;
    Ok(records)
}
