//! The query planner's statistics after a bulk load.

use diesel::connection::SimpleConnection;

use super::{DbConnection, StoreError};

/// PostgreSQL plans from statistics that autovacuum refreshes some time
/// after a bulk load; until then its plans assume the tables of before.
/// SQLite keeps statistics only when asked, which the service never does:
/// a generated history leaves it so, as a real one would be. The folded
/// delta tables are vacuumed too: until then their index leads every read
/// through the dead rows of the whole load (each its own statement, as
/// `VACUUM` runs outside any transaction).
pub fn refresh_after_bulk_load(conn: &mut DbConnection) -> Result<(), StoreError> {
    if let DbConnection::Postgres(pg) = conn {
        pg.batch_execute("VACUUM sla_report_deltas, ticket_count_deltas")?;
        pg.batch_execute("ANALYZE")?;
    }
    Ok(())
}
