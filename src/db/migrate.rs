//! Embedded migrations, one folder per backend with the same version names.

use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::{DbConnection, StoreError};

const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// An arbitrary constant key: instances starting together on one PostgreSQL
/// take turns applying migrations instead of racing.
const MIGRATION_LOCK_KEY: i64 = 0x5350_4245_4445_534b;

/// Reverts the newest migration (an operator's rollback of one version).
pub fn revert_last(conn: &mut DbConnection) -> Result<String, StoreError> {
    let reverted = match conn {
        DbConnection::Postgres(pg) => pg.revert_last_migration(POSTGRES).map(|v| v.to_string()),
        DbConnection::Sqlite(lite) => lite.revert_last_migration(SQLITE).map(|v| v.to_string()),
    };
    reverted.map_err(|e| StoreError::Unavailable(format!("revert failed: {e}")))
}

/// Applies pending migrations; returns the versions applied.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let postgres = matches!(conn, DbConnection::Postgres(_));
    if postgres {
        conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
    }
    let result = migrate_and_chain(conn);
    if postgres {
        conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
    }
    result
}

/// Applies the migrations, then chains the audit rows written before the
/// audit chain existed (once; under the same lock, so instances starting
/// together do not chain the same rows twice).
fn migrate_and_chain(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let applied = match conn {
        DbConnection::Postgres(pg) => pg.run_pending_migrations(POSTGRES),
        DbConnection::Sqlite(lite) => lite.run_pending_migrations(SQLITE),
    }
    .map(|versions| versions.iter().map(ToString::to_string).collect::<Vec<_>>())
    .map_err(|e| StoreError::Unavailable(format!("migration failed: {e}")))?;
    let chained = super::journal::chain_unhashed_rows(conn)?;
    if chained > 0 {
        tracing::info!(rows = chained, "chained audit rows written before the audit chain");
    }
    Ok(applied)
}

/// The newest migration applied, or `None` on a database never migrated
/// (a PostgreSQL database the operator has not restored a dump into yet).
/// Reads only: asking diesel's harness would create its table.
pub fn newest_applied(conn: &mut DbConnection) -> Result<Option<String>, StoreError> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Present {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    #[derive(diesel::QueryableByName)]
    struct Newest {
        #[diesel(sql_type = Nullable<Text>)]
        version: Option<String>,
    }
    let probe = match conn {
        DbConnection::Postgres(_) => {
            "SELECT COUNT(*) AS n FROM information_schema.tables \
             WHERE table_name = '__diesel_schema_migrations' AND table_schema = current_schema()"
        }
        DbConnection::Sqlite(_) => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '__diesel_schema_migrations'"
        }
    };
    if diesel::sql_query(probe).get_result::<Present>(conn)?.n == 0 {
        return Ok(None);
    }
    let newest = diesel::sql_query("SELECT MAX(version) AS version FROM __diesel_schema_migrations");
    Ok(newest.get_result::<Newest>(conn)?.version)
}
