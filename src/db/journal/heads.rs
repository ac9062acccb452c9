//! Chain heads: the last position and hash of each audit chain, moved in
//! the transaction of each change, and the chaining of rows written before
//! the chain existed.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Binary;
use uuid::Uuid;

use crate::db::schema::{audit_heads, audit_log};
use crate::db::{ids, write_tx, DbConnection, StoreError};
use crate::domain::journal::chain::{self, Hash, Link, GENESIS};

#[derive(QueryableByName)]
struct HeadRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    position: i64,
    #[diesel(sql_type = Binary)]
    hash: Vec<u8>,
}

/// The chain's head, locked until the transaction ends on PostgreSQL (on
/// SQLite the write gate already serialises writers).
pub(super) fn lock(conn: &mut DbConnection, chain: Uuid) -> Result<Option<(i64, Hash)>, StoreError> {
    let key = ids::to_bytes(chain);
    let row = match conn {
        DbConnection::Postgres(pg) => {
            diesel::sql_query("SELECT position, hash FROM audit_heads WHERE chain_id = $1 FOR UPDATE")
                .bind::<Binary, _>(key)
                .get_result::<HeadRow>(pg)
                .optional()?
        }
        DbConnection::Sqlite(lite) => diesel::sql_query("SELECT position, hash FROM audit_heads WHERE chain_id = ?")
            .bind::<Binary, _>(key)
            .get_result::<HeadRow>(lite)
            .optional()?,
    };
    row.map(|r| Ok((r.position, hash_of(&r.hash)?))).transpose()
}

pub(super) fn hash_of(bytes: &[u8]) -> Result<Hash, StoreError> {
    chain::to_hash(bytes).ok_or_else(|| StoreError::Corrupt(format!("audit hash of {} bytes", bytes.len())))
}

/// Moves the head to `position` (creating it for a new chain) and marks it
/// as not yet signed by a checkpoint.
pub(super) fn advance(conn: &mut DbConnection, chain: Uuid, position: i64, hash: &Hash) -> Result<(), StoreError> {
    let key = ids::to_bytes(chain);
    if position == 1 {
        diesel::insert_into(audit_heads::table)
            .values((
                audit_heads::chain_id.eq(key),
                audit_heads::position.eq(position),
                audit_heads::hash.eq(hash.to_vec()),
                audit_heads::signed.eq(false),
            ))
            .execute(conn)?;
    } else {
        diesel::update(audit_heads::table.find(key))
            .set((
                audit_heads::position.eq(position),
                audit_heads::hash.eq(hash.to_vec()),
                audit_heads::signed.eq(false),
            ))
            .execute(conn)?;
    }
    Ok(())
}

type UnhashedRow = (
    Vec<u8>,
    NaiveDateTime,
    String,
    Option<Vec<u8>>,
    String,
    String,
    Vec<u8>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<Vec<u8>>,
    Option<i64>,
);

/// Hashes the rows the chain migration numbered but could not hash, chain
/// by chain, and records their heads; returns how many rows it chained.
/// Runs right after migrating, before anything else writes.
pub fn chain_unhashed_rows(conn: &mut DbConnection) -> Result<u64, StoreError> {
    let mut chained = 0;
    loop {
        let batch = write_tx(conn, |conn| chain_batch(conn, 5_000))?;
        if batch == 0 {
            return Ok(chained);
        }
        chained += batch;
    }
}

fn chain_batch(conn: &mut DbConnection, limit: i64) -> Result<u64, StoreError> {
    let rows: Vec<UnhashedRow> = audit_log::table
        .filter(audit_log::hash.is_null())
        .order((audit_log::chain_id.asc(), audit_log::position.asc()))
        .limit(limit)
        .select((
            audit_log::id,
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
        ))
        .load(conn)?;
    let mut current: Option<(Uuid, i64, Hash)> = None;
    for (id, at, actor_kind, actor_id, action, entity_type, entity_id, before, after, request_id, chain_id, position) in
        &rows
    {
        let (Some(chain_bytes), Some(position)) = (chain_id, position) else {
            return Err(StoreError::Corrupt("an audit row without chain or position".into()));
        };
        let chain = ids::from_bytes(chain_bytes)?;
        let prev = match current {
            Some((c, p, hash)) if c == chain && p + 1 == *position => hash,
            _ if *position == 1 => GENESIS,
            _ => lock(conn, chain)?.filter(|(p, _)| p + 1 == *position).map(|(_, h)| h).ok_or_else(|| {
                StoreError::Corrupt(format!("audit chain {chain} cannot be continued at position {position}"))
            })?,
        };
        let link = Link {
            chain,
            position: *position,
            occurred_at: DateTime::<Utc>::from_naive_utc_and_offset(*at, Utc),
            actor_kind: actor_kind.clone(),
            actor_id: actor_id.as_deref().map(ids::from_bytes).transpose()?,
            action: action.clone(),
            entity_type: entity_type.clone(),
            entity_id: ids::from_bytes(entity_id)?,
            before_json: before.clone(),
            after_json: after.clone(),
            request_id: request_id.clone(),
            prev_hash: prev,
        };
        let hash = link.hash();
        diesel::update(audit_log::table.find(id))
            .set((audit_log::prev_hash.eq(prev.to_vec()), audit_log::hash.eq(hash.to_vec())))
            .execute(conn)?;
        advance(conn, chain, *position, &hash)?;
        current = Some((chain, *position, hash));
    }
    Ok(rows.len() as u64)
}
