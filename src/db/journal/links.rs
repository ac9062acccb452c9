//! Chained audit rows as the verifier reads them: the columns, a row made
//! into a `StoredLink` (its states unfolded), and batches in chain order.
//! Read by the verifier, the export and the chaining of rows written
//! without a hash (`heads`).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::unfold;
use crate::db::schema::audit_log;
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::chain::Link;
use crate::domain::journal::compact::{StoredStates, Unfolder};
use crate::domain::journal::verify::StoredLink;

/// Rows read at a time.
pub(super) const BATCH: i64 = 10_000;

pub(super) type LinkRow = (
    NaiveDateTime,
    String,
    Option<Uuid>,
    String,
    String,
    Uuid,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<Uuid>,
    Option<i64>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

/// A chained entry as read: its link (states unfolded) and how it stores them.
pub(super) struct ReadEntry {
    pub entry: StoredLink,
    pub stored: StoredStates,
}

/// Reads a chained row into the form the verifier checks, its states
/// unfolded by `unfolder` (rows read in chain order); a missing or
/// malformed hash reads as zeros, so the row is reported, not skipped.
pub(super) fn stored_link(
    conn: &mut DbConnection,
    unfolder: &mut Unfolder,
    row: LinkRow,
) -> Result<ReadEntry, StoreError> {
    let (
        at,
        actor_kind,
        actor_id,
        action,
        entity_type,
        entity_id,
        before,
        after,
        request_id,
        chain,
        position,
        prev,
        hash,
        before_position,
        after_edits,
        before_edits,
    ) = row;
    let stored = unfold::states((before, before_position, before_edits, after, after_edits));
    let (chain, position) = (chain.unwrap_or_default(), position.unwrap_or(0));
    let (before, after) = unfold::unfold_in_order(conn, unfolder, &(chain, entity_id, position, stored.clone()))?;
    let as_hash = |bytes: Option<Vec<u8>>| bytes.and_then(|b| b.try_into().ok()).unwrap_or([0; 32]);
    let link = Link {
        chain,
        position,
        occurred_at: DateTime::<Utc>::from_naive_utc_and_offset(at, Utc),
        actor_kind,
        actor_id,
        action,
        entity_type,
        entity_id,
        before_json: before,
        after_json: after,
        request_id,
        prev_hash: as_hash(prev),
    };
    Ok(ReadEntry { entry: StoredLink { link, hash: as_hash(hash) }, stored })
}

macro_rules! link_columns {
    () => {
        (
            audit_log::occurred_at,
            audit_log::actor_kind,
            audit_log::actor_id,
            audit_log::action,
            audit_log::entity_type,
            audit_log::entity_id,
            audit_log::before_json,
            audit_log::after_json,
            audit_log::request_id,
            audit_log::chain_id,
            audit_log::position,
            audit_log::prev_hash,
            audit_log::hash,
            audit_log::before_position,
            audit_log::after_edits,
            audit_log::before_edits,
        )
    };
}
pub(super) use link_columns;

/// Chained rows after `cursor` (chain, position) in chain order, unfolded
/// by `unfolder`, which the caller keeps from one batch to the next.
pub(super) fn batch_after(
    conn: &mut DbConnection,
    cursor: Option<&(Uuid, i64)>,
    between: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    unfolder: &mut Unfolder,
) -> Result<Vec<ReadEntry>, StoreError> {
    let mut query = audit_log::table
        .filter(audit_log::chain_id.is_not_null().and(audit_log::position.is_not_null()))
        .order((audit_log::chain_id.asc(), audit_log::position.asc()))
        .limit(BATCH)
        .select(link_columns!())
        .into_boxed();
    if let Some((chain, position)) = cursor {
        query = query.filter(
            audit_log::chain_id
                .gt(DbId(*chain))
                .or(audit_log::chain_id.eq(DbId(*chain)).and(audit_log::position.gt(*position))),
        );
    }
    // Each bound only when given: a stand-in instant would not be portable.
    if let Some(from) = between.0 {
        query = query.filter(audit_log::occurred_at.ge(from.naive_utc()));
    }
    if let Some(to) = between.1 {
        query = query.filter(audit_log::occurred_at.lt(to.naive_utc()));
    }
    let rows = query.load::<LinkRow>(conn)?;
    rows.into_iter().map(|row| stored_link(conn, unfolder, row)).collect()
}
