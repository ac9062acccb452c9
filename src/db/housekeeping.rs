//! The storage side of housekeeping: expired idempotency keys go (orphan
//! files are told from kept ones by `stored_files::recorded`).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use crate::db::{write_tx, DbConnection, StoreError};

/// Rows removed per transaction, so that SQLite's one writer is never held
/// for long.
const BATCH: i64 = 1_000;

/// Removes every idempotency key stored before `fresh_since`, in short
/// transactions; returns how many went.
pub fn forget_expired_keys(conn: &mut DbConnection, fresh_since: chrono::NaiveDateTime) -> Result<usize, StoreError> {
    let mut removed = 0;
    loop {
        let gone = write_tx(conn, |conn| forget_batch(conn, fresh_since))?;
        removed += gone;
        if (gone as i64) < BATCH {
            return Ok(removed);
        }
    }
}

fn forget_batch(conn: &mut DbConnection, fresh_since: chrono::NaiveDateTime) -> Result<usize, StoreError> {
    // A bounded delete needs the row's physical id: ctid on PostgreSQL,
    // rowid on SQLite; both find the rows by the created_at index.
    let gone = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(
            "DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(\
             SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT $2))",
        )
        .bind::<Timestamp, _>(fresh_since)
        .bind::<BigInt, _>(BATCH)
        .execute(pg)?,
        DbConnection::Sqlite(lite) => diesel::sql_query(
            "DELETE FROM idempotency_keys WHERE rowid IN (\
             SELECT rowid FROM idempotency_keys WHERE created_at < ? LIMIT ?)",
        )
        .bind::<Timestamp, _>(fresh_since)
        .bind::<BigInt, _>(BATCH)
        .execute(lite)?,
    };
    Ok(gone)
}
