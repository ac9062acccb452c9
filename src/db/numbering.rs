//! Human-readable numbers (`TKT-2026-000123`, `CHG-2026-000001`): the next
//! value of a named counter. PostgreSQL takes it from the sequence
//! `<name>_seq`, which no transaction holds a lock on; SQLite, which has a
//! single writer anyway, from a row of `counters`.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::schema::counters;
use super::{DbConnection, StoreError};

/// The counters there are (their PostgreSQL sequences exist by migration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    Ticket,
    Change,
}

impl Counter {
    fn name(self) -> &'static str {
        match self {
            Counter::Ticket => "ticket_number",
            Counter::Change => "change_number",
        }
    }
}

pub fn next(conn: &mut DbConnection, counter: Counter) -> Result<i64, StoreError> {
    #[derive(QueryableByName)]
    struct Next {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let name = counter.name();
    Ok(match conn {
        DbConnection::Postgres(pg) => {
            diesel::sql_query(format!("SELECT nextval('{name}_seq') AS n")).get_result::<Next>(pg)?.n
        }
        DbConnection::Sqlite(lite) => {
            lite.batch_execute(&format!(
                "INSERT INTO counters (name, value) VALUES ('{name}', 0) ON CONFLICT (name) DO NOTHING"
            ))?;
            diesel::update(counters::table.find(name)).set(counters::value.eq(counters::value + 1)).execute(lite)?;
            counters::table.find(name).select(counters::value).first::<i64>(lite)?
        }
    })
}

/// Takes `count` numbers inside the caller's transaction (a batch of
/// intake), in ascending order; on PostgreSQL other writers may take
/// numbers in between, as with [`next`].
pub fn take(conn: &mut DbConnection, counter: Counter, count: usize) -> Result<Vec<i64>, StoreError> {
    #[derive(QueryableByName)]
    struct Taken {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let name = counter.name();
    let count_i64 = i64::try_from(count).map_err(|_| StoreError::Corrupt("too many numbers at once".to_owned()))?;
    Ok(match conn {
        DbConnection::Postgres(pg) => {
            let mut taken: Vec<i64> =
                diesel::sql_query(format!("SELECT nextval('{name}_seq') AS n FROM generate_series(1, $1)"))
                    .bind::<diesel::sql_types::BigInt, _>(count_i64)
                    .load::<Taken>(pg)?
                    .into_iter()
                    .map(|t| t.n)
                    .collect();
            taken.sort_unstable();
            taken
        }
        DbConnection::Sqlite(_) if count == 0 => Vec::new(),
        DbConnection::Sqlite(lite) => {
            lite.batch_execute(&format!(
                "INSERT INTO counters (name, value) VALUES ('{name}', 0) ON CONFLICT (name) DO NOTHING"
            ))?;
            diesel::update(counters::table.find(name))
                .set(counters::value.eq(counters::value + count_i64))
                .execute(lite)?;
            let last = counters::table.find(name).select(counters::value).first::<i64>(lite)?;
            (last - count_i64 + 1..=last).collect()
        }
    })
}

/// Takes `count` numbers at once (bulk loads); returns the first. The
/// numbers are contiguous: meant for a loader running alone.
pub fn reserve(conn: &mut DbConnection, counter: Counter, count: i64) -> Result<i64, StoreError> {
    #[derive(QueryableByName)]
    struct Last {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count = count.max(1);
    let name = counter.name();
    let last = match conn {
        // One statement: no other number is taken between the two calls.
        DbConnection::Postgres(pg) => {
            diesel::sql_query(format!("SELECT setval('{name}_seq', nextval('{name}_seq') + {count} - 1) AS n"))
                .get_result::<Last>(pg)?
                .n
        }
        DbConnection::Sqlite(_) => crate::db::write_tx(conn, |conn| {
            let first = next(conn, counter)?;
            let last = first + count - 1;
            diesel::update(counters::table.find(name)).set(counters::value.eq(last)).execute(conn)?;
            Ok::<_, StoreError>(last)
        })?,
    };
    Ok(last - count + 1)
}
