//! Failed-login counters per account and per client address.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use super::schema::login_throttle;
use super::{write_tx, DbConnection, StoreError};

/// How many failures within which window lock a key, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleRule {
    pub max_failures: i32,
    pub window: Duration,
    pub lockout: Duration,
}

/// Seconds until the first of `keys` is unlocked, if any is locked now.
pub fn locked_for(conn: &mut DbConnection, keys: &[String], now: DateTime<Utc>) -> Result<Option<i64>, StoreError> {
    let until: Vec<Option<chrono::NaiveDateTime>> = login_throttle::table
        .filter(login_throttle::throttle_key.eq_any(keys))
        .select(login_throttle::locked_until)
        .load(conn)?;
    let remaining =
        until.into_iter().flatten().map(|t| (t.and_utc() - now).num_seconds()).filter(|secs| *secs > 0).max();
    Ok(remaining)
}

/// Counts one failure for `key`; locks it when the rule's limit is reached.
pub fn record_failure(
    conn: &mut DbConnection,
    key: &str,
    rule: ThrottleRule,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        let current = login_throttle::table
            .find(key)
            .select((login_throttle::failures, login_throttle::window_started_at))
            .first::<(i32, chrono::NaiveDateTime)>(conn)
            .optional()?;
        let (failures, window_start) = match current {
            Some((failures, start)) if start.and_utc() + rule.window > now => (failures + 1, start),
            _ => (1, now.naive_utc()),
        };
        let locked_until = (failures >= rule.max_failures).then(|| (now + rule.lockout).naive_utc());
        let values = (
            login_throttle::failures.eq(failures),
            login_throttle::window_started_at.eq(window_start),
            login_throttle::locked_until.eq(locked_until),
        );
        // The write gate (SQLite) and the row lock (PostgreSQL) serialise
        // writers, so update-then-insert cannot lose a count.
        let updated = diesel::update(login_throttle::table.find(key)).set(values).execute(conn)?;
        if updated == 0 {
            diesel::insert_into(login_throttle::table)
                .values((login_throttle::throttle_key.eq(key), values.0, values.1, values.2))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Forgets the failures of `key` after a successful login.
pub fn clear(conn: &mut DbConnection, key: &str) -> Result<(), StoreError> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}
