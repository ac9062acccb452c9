//! Multi-row inserts for bulk loads. diesel's multi-backend connection
//! inserts one row per statement, so the batch is sent on the backend's
//! own connection, a few hundred rows at a time (within both backends'
//! limits on bound parameters: 46 columns × 500 rows < 32 766).

/// Rows per statement.
pub const ROWS_PER_INSERT: usize = 500;

/// Inserts `$rows` (owned `Insertable` rows: an id is written through
/// `serialize_as`, which inserts owned values only) into `$table`.
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let conn: &mut $crate::db::DbConnection = $conn;
        let mut rows = ::std::iter::IntoIterator::into_iter($rows).peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take($crate::db::batch::ROWS_PER_INSERT).collect();
            match conn {
                $crate::db::DbConnection::Postgres(pg) => diesel::insert_into($table).values(chunk).execute(pg)?,
                $crate::db::DbConnection::Sqlite(lite) => diesel::insert_into($table).values(chunk).execute(lite)?,
            };
        }
    }};
}
pub(crate) use insert_batch;
