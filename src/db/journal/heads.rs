//! Chain heads: the last position and hash of each audit chain, moved in
//! the transaction of each change, and the chaining of rows written before
//! the chain existed.

use diesel::prelude::*;
use diesel::sql_types::Binary;
use uuid::Uuid;

use super::links::{link_columns, stored_link, LinkRow};
use crate::db::schema::{audit_heads, audit_log};
use crate::db::sql_types::{db_ids, DbId, Id};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::journal::chain::{self, Hash, GENESIS};
use crate::domain::journal::compact::Unfolder;

#[derive(QueryableByName)]
struct HeadRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    position: i64,
    #[diesel(sql_type = Binary)]
    hash: Vec<u8>,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    written_at: chrono::NaiveDateTime,
}

/// A chain's last entry: its position, hash and instant.
pub(super) type LockedHead = (i64, Hash, chrono::DateTime<chrono::Utc>);

/// The chain's head, locked until the transaction ends on PostgreSQL (on
/// SQLite the write gate already serialises writers).
pub(super) fn lock(conn: &mut DbConnection, chain: Uuid) -> Result<Option<LockedHead>, StoreError> {
    let row = match conn {
        DbConnection::Postgres(pg) => {
            diesel::sql_query("SELECT position, hash, written_at FROM audit_heads WHERE chain_id = $1 FOR UPDATE")
                .bind::<Id, _>(DbId(chain))
                .get_result::<HeadRow>(pg)
                .optional()?
        }
        DbConnection::Sqlite(lite) => {
            diesel::sql_query("SELECT position, hash, written_at FROM audit_heads WHERE chain_id = ?")
                .bind::<Id, _>(DbId(chain))
                .get_result::<HeadRow>(lite)
                .optional()?
        }
    };
    row.map(|r| Ok((r.position, hash_of(&r.hash)?, r.written_at.and_utc()))).transpose()
}

/// The heads of `chains` that exist, locked as [`lock`] locks one, in
/// chain order (so two writers never wait on each other's heads in turn).
pub(super) fn lock_many(conn: &mut DbConnection, chains: &[Uuid]) -> Result<Vec<(Uuid, LockedHead)>, StoreError> {
    let mut keys = chains.to_vec();
    keys.sort();
    let query = audit_heads::table
        .filter(audit_heads::chain_id.eq_any(db_ids(&keys)))
        .order(audit_heads::chain_id)
        .select((audit_heads::chain_id, audit_heads::position, audit_heads::hash, audit_heads::written_at));
    let rows: Vec<(Uuid, i64, Vec<u8>, chrono::NaiveDateTime)> = match conn {
        DbConnection::Postgres(pg) => query.for_update().load(pg)?,
        DbConnection::Sqlite(lite) => query.load(lite)?,
    };
    rows.into_iter().map(|(chain, position, hash, at)| Ok((chain, (position, hash_of(&hash)?, at.and_utc())))).collect()
}

pub(super) fn hash_of(bytes: &[u8]) -> Result<Hash, StoreError> {
    chain::to_hash(bytes).ok_or_else(|| StoreError::Corrupt(format!("audit hash of {} bytes", bytes.len())))
}

/// Moves the head to `position` (creating it for a new chain) and marks it
/// as not yet signed by a checkpoint.
pub(super) fn advance(
    conn: &mut DbConnection,
    chain: Uuid,
    position: i64,
    hash: &Hash,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    if position == 1 {
        diesel::insert_into(audit_heads::table)
            .values((
                audit_heads::chain_id.eq(DbId(chain)),
                audit_heads::position.eq(position),
                audit_heads::hash.eq(hash.to_vec()),
                audit_heads::signed.eq(false),
                audit_heads::written_at.eq(at.naive_utc()),
            ))
            .execute(conn)?;
    } else {
        diesel::update(audit_heads::table.find(DbId(chain)))
            .set((
                audit_heads::position.eq(position),
                audit_heads::hash.eq(hash.to_vec()),
                audit_heads::signed.eq(false),
                audit_heads::written_at.eq(at.naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

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
    let rows: Vec<(Uuid, LinkRow)> = audit_log::table
        .filter(audit_log::hash.is_null())
        .order((audit_log::chain_id.asc(), audit_log::position.asc()))
        .limit(limit)
        .select((audit_log::id, link_columns!()))
        .load(conn)?;
    let mut current: Option<(Uuid, i64, Hash)> = None;
    let count = rows.len() as u64;
    // Rows written before the chain stored their states whole.
    let mut unfolder = Unfolder::default();
    for (id, row) in rows {
        if row.9.is_none() || row.10.is_none() {
            return Err(StoreError::Corrupt("an audit row without chain or position".into()));
        }
        let mut link = stored_link(conn, &mut unfolder, row)?.entry.link;
        let (chain, position) = (link.chain, link.position);
        link.prev_hash = match current {
            Some((c, p, hash)) if c == chain && p + 1 == position => hash,
            _ if position == 1 => GENESIS,
            _ => lock(conn, chain)?.filter(|(p, _, _)| p + 1 == position).map(|(_, h, _)| h).ok_or_else(|| {
                StoreError::Corrupt(format!("audit chain {chain} cannot be continued at position {position}"))
            })?,
        };
        let hash = link.hash();
        diesel::update(audit_log::table.find(DbId(id)))
            .set((audit_log::prev_hash.eq(link.prev_hash.to_vec()), audit_log::hash.eq(hash.to_vec())))
            .execute(conn)?;
        advance(conn, chain, position, &hash, link.occurred_at)?;
        current = Some((chain, position, hash));
    }
    Ok(count)
}
