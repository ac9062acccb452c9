//! The journal: the one writer of ticket and change timelines, the notice
//! queue and the audit chain.
//!
//! Store functions apply a change and hand its [`Entry`] to [`record`]
//! inside their own transaction; the timeline row (a ticket's or a
//! change's), the chained audit row and the chain head are written here and
//! nowhere else, so every state change leaves the same trail. Events are
//! queued for notices here too, in the same transaction (rolling back the
//! change leaves no notice). [`bulk::BulkJournal`] batches the same rows
//! (`writer` decides them for both).

mod audit_log;
pub mod bulk;
mod change_timeline;
pub mod checkpoints;
pub mod export;
mod heads;
mod links;
pub mod notice_events;
pub mod personal;
mod store_whole;
pub mod timeline;
mod unfold;
pub mod verify;
mod writer;

use serde::Serialize;

use super::{DbConnection, StoreError};
use crate::domain::journal::{Context, Entry};

pub use audit_log::{list as list_audit, AuditFilter, AuditRecord};
pub use heads::chain_unhashed_rows;
pub use store_whole::store_whole;
pub(crate) use unfold::{states, StateValues, STATE_COLUMNS};

/// Records one state change: its timeline event and notice event (for
/// ticket and change subjects) and its audit entry, chained to its
/// aggregate's previous one.
pub fn record(conn: &mut DbConnection, ctx: &Context, entry: Entry) -> Result<(), StoreError> {
    writer::write(&mut writer::Direct(conn), ctx, &entry)
}

/// Runs `read` in one read-only snapshot, so that rows, heads and
/// checkpoints are read as of one instant while writers go on (verifying or
/// exporting during traffic must not see a head past the rows it read).
/// SQLite's deferred transaction keeps the snapshot of its first read (WAL).
pub(crate) fn in_snapshot<T>(
    conn: &mut DbConnection,
    read: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    use diesel::connection::{Connection, SimpleConnection};
    conn.transaction(|conn| {
        if matches!(conn, DbConnection::Postgres(_)) {
            conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        read(conn)
    })
}

/// The JSON snapshot of an entity's state for an entry's before/after.
pub fn snapshot<T: Serialize>(value: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|e| StoreError::Corrupt(format!("audit snapshot: {e}")))
}
