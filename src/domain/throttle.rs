//! Login throttling: failed attempts counted per account and per client
//! address within a window, and the lockout once a limit is reached.
//!
//! Pure: the store keeps the counts, these functions decide what a count
//! becomes and whether an attempt may go on, with `now` as an argument.

use chrono::{DateTime, Duration, Utc};

/// How many failures within which window lock a key, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRule {
    pub max_failures: i32,
    pub window: Duration,
    pub lockout: Duration,
}

/// The limits on logins: one rule per account, one per client address,
/// sharing the window and the lockout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    pub per_account: ThrottleRule,
    pub per_address: ThrottleRule,
}

impl LoginLimits {
    /// From the settings' values (`auth.max_failures_per_account`,
    /// `auth.max_failures_per_address`, `auth.failure_window_seconds`,
    /// `auth.lockout_seconds`).
    pub fn new(max_per_account: i32, max_per_address: i32, window_seconds: u32, lockout_seconds: u32) -> Self {
        let window = Duration::seconds(i64::from(window_seconds));
        let lockout = Duration::seconds(i64::from(lockout_seconds));
        Self {
            per_account: ThrottleRule { max_failures: max_per_account, window, lockout },
            per_address: ThrottleRule { max_failures: max_per_address, window, lockout },
        }
    }

    /// Whether a client address may try at all: refused while its lockout
    /// has at least a whole second left. Checking does not count.
    pub fn check_address(&self, address: &FailureCount, now: DateTime<Utc>) -> Admission {
        match address.locked_until {
            Some(until) if (until - now).num_seconds() > 0 => {
                Admission::LockedOut { until, retry_after_seconds: (until - now).num_seconds() }
            }
            _ => Admission::Allowed,
        }
    }

    /// Counts an attempt against the account *before* its password is
    /// checked (a success clears the count), so that parallel guesses cannot
    /// slip past the limit while hashes are compared: exactly
    /// `max_failures` attempts are admitted per window. Returns the count to
    /// store and whether the attempt may go on.
    pub fn count_account_attempt(&self, account: FailureCount, now: DateTime<Utc>) -> (FailureCount, Admission) {
        let rule = self.per_account;
        let counted = account.with_failure(rule, now);
        if counted.failures <= rule.max_failures {
            return (counted, Admission::Allowed);
        }
        let until = counted.locked_until.unwrap_or(now + rule.lockout);
        (counted, Admission::LockedOut { until, retry_after_seconds: (until - now).num_seconds().max(1) })
    }

    /// Counts a failed login against the client address it came from.
    pub fn count_address_failure(&self, address: FailureCount, now: DateTime<Utc>) -> FailureCount {
        address.with_failure(self.per_address, now)
    }
}

/// The failures counted against one key (an account or a client address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub failures: i32,
    pub window_started_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

impl FailureCount {
    /// Nothing counted yet; the window opens at `now`.
    pub fn fresh(now: DateTime<Utc>) -> Self {
        Self { failures: 0, window_started_at: now, locked_until: None }
    }

    /// Whether counting starts afresh at `now`: the lockout has expired, or
    /// the window has ended without one. A lockout stays until it expires,
    /// even past the end of the window.
    pub fn is_stale(&self, rule: ThrottleRule, now: DateTime<Utc>) -> bool {
        match self.locked_until {
            Some(until) => until <= now,
            None => self.window_started_at <= now - rule.window,
        }
    }

    /// The count with one more failure at `now`, locked until
    /// `now + lockout` when it reaches the rule's limit.
    pub fn with_failure(self, rule: ThrottleRule, now: DateTime<Utc>) -> Self {
        let mut next = if self.is_stale(rule, now) { Self::fresh(now) } else { self };
        next.failures += 1;
        if next.failures >= rule.max_failures && next.locked_until.is_none() {
            next.locked_until = Some(now + rule.lockout);
        }
        next
    }
}

/// Whether a login attempt may go on to the password check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Allowed,
    /// Refused until `until`; `retry_after_seconds` is at least 1.
    LockedOut {
        until: DateTime<Utc>,
        retry_after_seconds: i64,
    },
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap() + Duration::minutes(minute)
    }

    /// The defaults: 5 per account, 50 per address, 15-minute window and lockout.
    fn limits() -> LoginLimits {
        LoginLimits::new(5, 50, 900, 900)
    }

    fn attempts(limits: &LoginLimits, times: usize, now: DateTime<Utc>) -> (FailureCount, Vec<Admission>) {
        let mut count = FailureCount::fresh(now);
        let mut answers = Vec::new();
        for _ in 0..times {
            let (next, admission) = limits.count_account_attempt(count, now);
            count = next;
            answers.push(admission);
        }
        (count, answers)
    }

    #[test]
    fn attempts_under_the_limit_are_allowed_and_counted() {
        let (count, answers) = attempts(&limits(), 4, at(0));
        assert!(answers.iter().all(|a| *a == Admission::Allowed));
        assert_eq!((count.failures, count.locked_until), (4, None));
    }

    #[test]
    fn the_attempt_reaching_the_limit_is_allowed_and_locks_until_now_plus_the_lockout() {
        let (count, answers) = attempts(&limits(), 5, at(0));
        assert_eq!(answers.last(), Some(&Admission::Allowed));
        assert_eq!((count.failures, count.locked_until), (5, Some(at(15))));
    }

    #[test]
    fn attempts_past_the_limit_are_locked_out_until_the_lockout_ends() {
        let (count, _) = attempts(&limits(), 5, at(0));
        let (count, admission) = limits().count_account_attempt(count, at(14));
        assert_eq!(admission, Admission::LockedOut { until: at(15), retry_after_seconds: 60 });
        assert_eq!(count.locked_until, Some(at(15)), "a refused attempt does not extend the lockout");
        let (count, admission) = limits().count_account_attempt(count, at(15));
        assert_eq!(admission, Admission::Allowed, "the lockout has expired");
        assert_eq!((count.failures, count.window_started_at, count.locked_until), (1, at(15), None));
    }

    #[test]
    fn a_lockout_outlasting_the_window_still_holds() {
        let limits = LoginLimits::new(5, 50, 60, 900);
        let (count, _) = attempts(&limits, 5, at(0));
        let (_, admission) = limits.count_account_attempt(count, at(10));
        assert_eq!(admission, Admission::LockedOut { until: at(15), retry_after_seconds: 300 });
    }

    #[test]
    fn a_window_that_ends_without_a_lockout_resets_the_count() {
        let (count, _) = attempts(&limits(), 4, at(0));
        let (still, _) = limits().count_account_attempt(count, at(14));
        assert_eq!(still.failures, 5, "the window is still open");
        let (reset, admission) = limits().count_account_attempt(count, at(15));
        assert_eq!(admission, Admission::Allowed);
        assert_eq!((reset.failures, reset.window_started_at), (1, at(15)));
    }

    #[test]
    fn a_refused_attempt_waits_at_least_a_second() {
        let (count, _) = attempts(&limits(), 5, at(0));
        let now = at(15) - Duration::milliseconds(300);
        let (_, admission) = limits().count_account_attempt(count, now);
        assert_eq!(admission, Admission::LockedOut { until: at(15), retry_after_seconds: 1 });
    }

    #[test]
    fn accounts_and_addresses_have_their_own_limits() {
        let limits = limits();
        let (account, _) = attempts(&limits, 5, at(0));
        assert!(account.locked_until.is_some(), "5 failures lock an account");
        let mut address = FailureCount::fresh(at(0));
        for _ in 0..49 {
            address = limits.count_address_failure(address, at(0));
        }
        assert_eq!((address.failures, address.locked_until), (49, None));
        assert_eq!(limits.check_address(&address, at(1)), Admission::Allowed);
        address = limits.count_address_failure(address, at(1));
        assert_eq!(address.locked_until, Some(at(16)), "the 50th failure locks the address");
        assert_eq!(
            limits.check_address(&address, at(2)),
            Admission::LockedOut { until: at(16), retry_after_seconds: 14 * 60 }
        );
        assert_eq!(limits.check_address(&address, at(16)), Admission::Allowed);
    }

    #[test]
    fn an_address_lockout_with_less_than_a_second_left_no_longer_refuses() {
        let locked = FailureCount { failures: 50, window_started_at: at(0), locked_until: Some(at(15)) };
        let now = at(15) - Duration::milliseconds(300);
        assert_eq!(limits().check_address(&locked, now), Admission::Allowed);
    }
}
