//! Failed-login counters per account and per client address: their
//! storage. What a count becomes and whether an attempt may go on is
//! decided by [`crate::domain::throttle`].

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::login_throttle;
use super::{write_tx, DbConnection, StoreError};
use crate::domain::throttle::{Admission, FailureCount, LoginLimits};

type CountRow = (i32, NaiveDateTime, Option<NaiveDateTime>);

fn from_row((failures, window_started_at, locked_until): CountRow) -> FailureCount {
    FailureCount {
        failures,
        window_started_at: window_started_at.and_utc(),
        locked_until: locked_until.map(|t| t.and_utc()),
    }
}

/// The count stored for `key`, or a fresh one.
fn find(conn: &mut DbConnection, key: &str, now: DateTime<Utc>) -> Result<FailureCount, StoreError> {
    use login_throttle::dsl as t;
    let row = t::login_throttle
        .find(key)
        .select((t::failures, t::window_started_at, t::locked_until))
        .first::<CountRow>(conn)
        .optional()?;
    Ok(row.map_or_else(|| FailureCount::fresh(now), from_row))
}

/// Replaces the count of `key` with `change` of it, holding the row's lock
/// from the read to the write, so that concurrent attempts are all counted
/// (none reads a count another is about to replace).
fn update<T>(
    conn: &mut DbConnection,
    key: &str,
    now: DateTime<Utc>,
    change: impl FnOnce(FailureCount) -> (FailureCount, T),
) -> Result<T, StoreError> {
    use login_throttle::dsl as t;
    let fresh = FailureCount::fresh(now);
    // A concurrent first attempt may insert the row meanwhile; then the
    // savepoint rolls back and the row it inserted is counted on.
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(t::login_throttle)
            .values((
                t::throttle_key.eq(key),
                t::failures.eq(fresh.failures),
                t::window_started_at.eq(fresh.window_started_at.naive_utc()),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) | Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {}
        Err(other) => return Err(other.into()),
    }
    // An update that changes nothing takes the row lock on PostgreSQL (and
    // the next read then sees the latest committed count) without a
    // backend-specific `FOR UPDATE`; SQLite's write gate already serialises.
    diesel::update(t::login_throttle.find(key)).set(t::failures.eq(t::failures)).execute(conn)?;
    let (next, outcome) = change(find(conn, key, now)?);
    diesel::update(t::login_throttle.find(key))
        .set((
            t::failures.eq(next.failures),
            t::window_started_at.eq(next.window_started_at.naive_utc()),
            t::locked_until.eq(next.locked_until.map(|l| l.naive_utc())),
        ))
        .execute(conn)?;
    Ok(outcome)
}

/// Counts one failed login against the client address `address_key`.
pub fn record_failure(
    conn: &mut DbConnection,
    address_key: &str,
    limits: &LoginLimits,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    write_tx(conn, |conn| update(conn, address_key, now, |count| (limits.count_address_failure(count, now), ())))
}

/// Admits one login attempt for `account_key` from `address_key`: refused
/// while the address is locked (not counted then), otherwise counted
/// against the account before the password is checked, as
/// [`LoginLimits::count_account_attempt`] decides.
pub fn admit(
    conn: &mut DbConnection,
    address_key: &str,
    account_key: &str,
    limits: &LoginLimits,
    now: DateTime<Utc>,
) -> Result<Admission, StoreError> {
    write_tx(conn, |conn| {
        let address = limits.check_address(&find(conn, address_key, now)?, now);
        if let Admission::LockedOut { .. } = address {
            return Ok(address);
        }
        update(conn, account_key, now, |count| limits.count_account_attempt(count, now))
    })
}

/// Forgets the failures of `key` after a successful login.
pub fn clear(conn: &mut DbConnection, key: &str) -> Result<(), StoreError> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}
