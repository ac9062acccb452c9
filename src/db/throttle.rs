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

/// Counts one attempt against `key` and returns the count in the current
/// window and the lock, locking the key when the count reaches the rule's
/// limit. Every step is a single atomic statement, so concurrent attempts
/// are all counted (no read-modify-write that could lose one).
fn count(
    conn: &mut DbConnection,
    key: &str,
    rule: ThrottleRule,
    now: DateTime<Utc>,
) -> Result<(i32, Option<DateTime<Utc>>), StoreError> {
    use login_throttle::dsl as t;
    let naive_now = now.naive_utc();
    // A finished window or an expired lockout starts counting afresh.
    // A lock stays until it expires, even past the end of the window.
    let stale = t::locked_until
        .le(naive_now)
        .or(t::locked_until.is_null().and(t::window_started_at.le((now - rule.window).naive_utc())));
    diesel::update(t::login_throttle.find(key).filter(stale))
        .set((t::failures.eq(0), t::window_started_at.eq(naive_now), t::locked_until.eq(None::<chrono::NaiveDateTime>)))
        .execute(conn)?;
    let increment = |conn: &mut DbConnection| {
        diesel::update(t::login_throttle.find(key)).set(t::failures.eq(t::failures + 1)).execute(conn)
    };
    if increment(conn)? == 0 {
        // First attempt for this key; a concurrent first attempt may insert
        // the row meanwhile, then the savepoint rolls back and we increment.
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(t::login_throttle)
                .values((t::throttle_key.eq(key), t::failures.eq(1), t::window_started_at.eq(naive_now)))
                .execute(conn)
        });
        match inserted {
            Ok(_) => {}
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
                increment(conn)?;
            }
            Err(other) => return Err(other.into()),
        }
    }
    let locked_until = (now + rule.lockout).naive_utc();
    diesel::update(
        t::login_throttle.find(key).filter(t::failures.ge(rule.max_failures)).filter(t::locked_until.is_null()),
    )
    .set(t::locked_until.eq(locked_until))
    .execute(conn)?;
    let (failures, locked) = t::login_throttle
        .find(key)
        .select((t::failures, t::locked_until))
        .first::<(i32, Option<chrono::NaiveDateTime>)>(conn)?;
    Ok((failures, locked.map(|l| l.and_utc())))
}

/// Counts one failure for `key`; locks it when the rule's limit is reached.
pub fn record_failure(
    conn: &mut DbConnection,
    key: &str,
    rule: ThrottleRule,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    write_tx(conn, |conn| count(conn, key, rule, now).map(|_| ()))
}

/// Admits one login attempt for `account_key`: refused with the seconds to
/// wait when `address_key` is locked or the account has used up its
/// attempts. The attempt is counted as a failure *before* the password is
/// checked (a success clears it), so that parallel guesses cannot slip past
/// the limit while hashes are compared: exactly `max_failures` attempts are
/// admitted per window.
pub fn admit(
    conn: &mut DbConnection,
    address_key: &str,
    account_key: &str,
    rule: ThrottleRule,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    write_tx(conn, |conn| {
        if let Some(seconds) = locked_for(conn, &[address_key.to_owned()], now)? {
            return Ok(Some(seconds));
        }
        let (failures, locked_until) = count(conn, account_key, rule, now)?;
        if failures > rule.max_failures {
            let wait = locked_until.map_or(rule.lockout, |until| until - now);
            return Ok(Some(wait.num_seconds().max(1)));
        }
        Ok(None)
    })
}

/// Forgets the failures of `key` after a successful login.
pub fn clear(conn: &mut DbConnection, key: &str) -> Result<(), StoreError> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}
