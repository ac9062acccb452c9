//! Storage: one diesel code path over PostgreSQL and SQLite.
//!
//! The backend is chosen from the URL scheme, never by trying; store modules
//! are synchronous functions over `&mut DbConnection`, reached from async
//! code through [`Db::run`].

pub mod api_keys;
pub mod assets;
pub mod attachments;
pub mod backup;
pub(crate) mod batch;
pub mod calendars;
pub mod changes;
pub mod comments;
mod error;
pub mod explain;
pub mod generator;
pub mod housekeeping;
pub mod journal;
pub mod knowledge;
pub mod migrate;
pub mod notices;
pub mod numbering;
pub mod planner;
mod pool;
pub mod privacy;
pub mod schema;
pub mod services;
pub mod sessions;
pub mod sla;
pub mod sla_policies;
pub mod sla_report;
pub mod sla_sweep;
pub mod sql_types;
pub mod state_check;
pub mod stored_files;
mod stored_text;
pub mod throttle;
pub mod tickets;
pub mod units;
pub mod users;
pub mod versioned;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

pub use error::StoreError;
pub use pool::{Backend, Db, DbUrl};

/// A connection to either backend; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Postgres(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Runs `work` in a write transaction.
///
/// On SQLite the transaction first writes the one-row `write_gate`, so it
/// holds the write lock before it reads anything: a deferred transaction
/// that reads and then writes fails with `SQLITE_BUSY` (without waiting)
/// when another writer committed in between. Writers of this process also
/// queue on an in-process lock first: waiting in SQLite's busy handler
/// means sleeping and polling, which stretches tail latency under load.
pub fn write_tx<T, E>(conn: &mut DbConnection, work: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    let _turn = if sqlite { sqlite_writer::take_turn() } else { None };
    conn.transaction(|conn| {
        if sqlite {
            conn.batch_execute("UPDATE write_gate SET writes = writes + 1")?;
        }
        work(conn)
    })
}

/// One SQLite writer at a time in this process, served in the order they
/// came (re-entrant per thread, as write transactions nest as savepoints).
/// The hand-over is fair: a writer that just finished cannot take the lock
/// again ahead of one already waiting, which would stretch the wait of the
/// unlucky ones far past the average.
mod sqlite_writer {
    use std::cell::Cell;

    use parking_lot::{Mutex, MutexGuard};

    static WRITER: Mutex<()> = Mutex::new(());

    thread_local! {
        static DEPTH: Cell<u32> = const { Cell::new(0) };
    }

    /// Held for the outermost write transaction of a thread.
    pub struct Turn {
        guard: Option<MutexGuard<'static, ()>>,
    }

    impl Drop for Turn {
        fn drop(&mut self) {
            if let Some(guard) = self.guard.take() {
                MutexGuard::unlock_fair(guard);
            }
            DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
        }
    }

    pub fn take_turn() -> Option<Turn> {
        let outermost = DEPTH.with(|d| {
            let depth = d.get();
            d.set(depth + 1);
            depth == 0
        });
        Some(Turn { guard: outermost.then(|| WRITER.lock()) })
    }
}

/// An id selected by a claim query (of the notice queue and the outbox).
#[derive(diesel::QueryableByName)]
pub(crate) struct ClaimedId {
    #[diesel(sql_type = sql_types::Id)]
    pub id: uuid::Uuid,
}

/// Whether the database answers a trivial query (for readiness checks).
pub fn ping(conn: &mut DbConnection) -> Result<(), StoreError> {
    conn.batch_execute("SELECT 1").map_err(StoreError::from)
}

diesel::define_sql_function! {
    /// SQL `lower()`, present in both backends, for case-insensitive search.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A `LIKE` pattern matching `text` anywhere, lower-cased, with the
/// wildcards a client typed escaped (escape character `\`).
pub fn like_pattern(text: &str) -> String {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The backend type of `DbConnection`, for boxed queries and expressions.
pub type DbBackend = <DbConnection as diesel::Connection>::Backend;
