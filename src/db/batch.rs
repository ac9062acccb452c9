//! Multi-row inserts for bulk loads. diesel's multi-backend connection
//! inserts one row per statement, so the batch is sent on the backend's
//! own connection, a few hundred rows at a time (within both backends'
//! limits on bound parameters: 46 columns × 500 rows < 32 766).

/// Rows per statement.
pub const ROWS_PER_INSERT: usize = 500;

/// Inserts `$rows` (a slice of `Insertable` rows) into `$table`.
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let conn: &mut $crate::db::DbConnection = $conn;
        for chunk in $rows.chunks($crate::db::batch::ROWS_PER_INSERT) {
            match conn {
                $crate::db::DbConnection::Postgres(pg) => diesel::insert_into($table).values(chunk).execute(pg)?,
                $crate::db::DbConnection::Sqlite(lite) => diesel::insert_into($table).values(chunk).execute(lite)?,
            };
        }
    }};
}
pub(crate) use insert_batch;
