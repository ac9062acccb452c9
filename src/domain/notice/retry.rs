//! When a failed delivery is tried again: exponential back-off with jitter,
//! until a limit after which it is dead.

use chrono::{DateTime, Duration, Utc};

/// The back-off of one kind of notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure.
    pub first: Duration,
    /// The longest single wait.
    pub max_wait: Duration,
    /// How long after its first attempt a notice is given up.
    pub give_up_after: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { first: Duration::seconds(30), max_wait: Duration::hours(2), give_up_after: Duration::hours(24) }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    At(DateTime<Utc>),
    GiveUp,
}

impl Backoff {
    /// After the `attempts`-th failed attempt at `now` of a notice first
    /// tried at `first_attempt`. `jitter` in [0, 1) spreads retries of many
    /// notices that failed together (a mail server back from an outage
    /// should not get them all in the same second): the wait is scaled by
    /// 0.75 to 1.25.
    pub fn after_failure(&self, attempts: u32, first_attempt: DateTime<Utc>, now: DateTime<Utc>, jitter: f64) -> Retry {
        if now - first_attempt >= self.give_up_after {
            return Retry::GiveUp;
        }
        let doubling = attempts.saturating_sub(1).min(30);
        let base =
            self.first.num_milliseconds().saturating_mul(1_i64 << doubling).min(self.max_wait.num_milliseconds());
        let scaled = (base as f64 * (0.75 + 0.5 * jitter.clamp(0.0, 1.0))) as i64;
        let at = now + Duration::milliseconds(scaled.max(1));
        // The last try falls at the limit, not beyond it.
        Retry::At(at.min(first_attempt + self.give_up_after))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default()
    }

    #[test]
    fn waits_double_up_to_the_longest_wait() {
        let backoff = Backoff::default();
        let wait = |attempts| match backoff.after_failure(attempts, t0(), t0(), 0.5) {
            Retry::At(at) => (at - t0()).num_seconds(),
            Retry::GiveUp => -1,
        };
        assert_eq!([wait(1), wait(2), wait(3)], [30, 60, 120]);
        assert_eq!(wait(20), 7200);
    }

    #[test]
    fn a_notice_is_given_up_after_the_limit() {
        let backoff = Backoff::default();
        assert_eq!(backoff.after_failure(9, t0(), t0() + Duration::hours(24), 0.0), Retry::GiveUp);
        let near = t0() + Duration::hours(23) + Duration::minutes(50);
        assert_eq!(backoff.after_failure(9, t0(), near, 0.9), Retry::At(t0() + Duration::hours(24)));
    }

    proptest! {
        #[test]
        fn retries_are_later_than_now_and_never_past_the_limit(attempts in 1u32..60, elapsed in 0i64..90_000, jitter in 0.0f64..1.0) {
            let backoff = Backoff::default();
            let now = t0() + Duration::seconds(elapsed);
            match backoff.after_failure(attempts, t0(), now, jitter) {
                Retry::At(at) => {
                    prop_assert!(at > now);
                    prop_assert!(at <= t0() + backoff.give_up_after);
                    prop_assert!(at - now <= Duration::milliseconds(backoff.max_wait.num_milliseconds() * 5 / 4));
                }
                Retry::GiveUp => prop_assert!(now - t0() >= backoff.give_up_after),
            }
        }
    }
}
