//! What a backup reads of the database: a consistent copy of a SQLite file
//! taken while the service writes, that copy opened without changing a
//! byte of it, and what a database holds, counted.

use std::path::Path;

use diesel::dsl::{count_star, max};
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::schema::{attachments, audit_checkpoints, audit_log, changes, tickets};
use super::{journal, migrate, DbConnection, StoreError};
use crate::domain::backup::Contents;

/// Writes a consistent copy of the SQLite database to `target` (which must
/// not exist). `VACUUM INTO` reads one snapshot, as any reader does in WAL
/// mode, so the service's writers go on meanwhile; the copy is compact and
/// in rollback-journal mode, a single file. Tickets are never deleted, so
/// their row ids have no gaps and the copy keeps them: the text search's
/// index, keyed by row id, still matches (the restore drill searches).
pub fn copy_sqlite_into(conn: &mut DbConnection, target: &Path) -> Result<(), StoreError> {
    if !matches!(conn, DbConnection::Sqlite(_)) {
        return Err(StoreError::Unavailable("a PostgreSQL database is copied with pg_dump".to_owned()));
    }
    let target = target.to_str().ok_or_else(|| StoreError::Unavailable("the backup path is not UTF-8".to_owned()))?;
    diesel::sql_query("VACUUM INTO ?").bind::<Text, _>(target).execute(conn)?;
    Ok(())
}

/// Opens a SQLite copy read-only and immutable: verifying a backup must not
/// change its bytes (an ordinary open would set WAL mode and write beside it).
pub fn open_sqlite_copy(path: &Path) -> Result<DbConnection, StoreError> {
    let text = path.to_str().ok_or_else(|| StoreError::Unavailable("the backup path is not UTF-8".to_owned()))?;
    // A URI filename: the characters a URI reserves are escaped.
    let escaped = text.replace('%', "%25").replace('?', "%3f").replace('#', "%23");
    let uri = format!("file:{escaped}?mode=ro&immutable=1");
    diesel::SqliteConnection::establish(&uri)
        .map(DbConnection::Sqlite)
        .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))
}

/// What the database holds, read in one snapshot.
pub fn contents(conn: &mut DbConnection) -> Result<Contents, StoreError> {
    let schema_version = migrate::newest_applied(conn)?;
    if schema_version.is_none() {
        return Ok(Contents::default());
    }
    journal::in_snapshot(conn, |conn| {
        Ok(Contents {
            schema_version,
            tickets: tickets::table.select(count_star()).get_result(conn)?,
            changes: changes::table.select(count_star()).get_result(conn)?,
            attachments: attachments::table.select(count_star()).get_result(conn)?,
            audit_entries: audit_log::table.select(count_star()).get_result(conn)?,
            newest_audit_at: audit_log::table
                .select(max(audit_log::occurred_at))
                .get_result::<Option<chrono::NaiveDateTime>>(conn)?
                .map(|at| at.and_utc()),
            newest_checkpoint: audit_checkpoints::table.select(max(audit_checkpoints::seq)).get_result(conn)?,
        })
    })
}
