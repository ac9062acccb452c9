//! How sending is shared between targets, so that one slow or failing
//! receiver (or mail server) never holds up the others: each target may
//! hold only its share of a lane's concurrency, and a target that failed
//! waits, with everything it has queued, until its failed delivery's retry.

use std::collections::HashMap;
use std::hash::Hash;

use chrono::{DateTime, Duration, Utc};

use super::retry::{Backoff, Retry};

/// Splits freshly claimed deliveries into those to send now and those to
/// hand back, so that no target holds more than `per_target` sends at
/// once. `in_flight` counts what each target is sending already; order is
/// kept (the oldest due first), so a target's share goes to its oldest.
pub fn within_share<T, K: Eq + Hash + Copy>(
    claimed: Vec<T>,
    target: impl Fn(&T) -> Option<K>,
    in_flight: &HashMap<K, usize>,
    per_target: usize,
) -> (Vec<T>, Vec<T>) {
    let mut taken: HashMap<K, usize> = HashMap::new();
    let (mut send, mut hand_back) = (Vec::new(), Vec::new());
    for item in claimed {
        // Deliveries without a target of their own share only the lane.
        let Some(key) = target(&item) else {
            send.push(item);
            continue;
        };
        let holding = in_flight.get(&key).copied().unwrap_or(0) + taken.get(&key).copied().unwrap_or(0);
        if holding < per_target {
            *taken.entry(key).or_default() += 1;
            send.push(item);
        } else {
            hand_back.push(item);
        }
    }
    (send, hand_back)
}

/// Until when a target's other waiting deliveries wait after one of them
/// failed and is retried at `retry`: until that retry, so a receiver that
/// keeps timing out costs one attempt per back-off, not one per delivery,
/// and its queue keeps its order. A delivery given up holds nothing.
pub fn hold_target_until(retry: Retry) -> Option<DateTime<Utc>> {
    match retry {
        Retry::At(at) => Some(at),
        Retry::GiveUp => None,
    }
}

/// A lane whose one target (the mail server) cannot be reached: after
/// `failures` consecutive failures without an answer, nothing is claimed
/// until the instant returned. Waits follow the notices' back-off, without
/// jitter and never giving up (the server comes back some day).
pub fn pause_after(backoff: &Backoff, failures: u32, now: DateTime<Utc>) -> DateTime<Utc> {
    // A century stands for never (an instant plus `Duration::MAX` overflows).
    let endless = Backoff { give_up_after: Duration::days(36_500), ..*backoff };
    match endless.after_failure(failures.max(1), now, now, 0.5) {
        Retry::At(at) => at,
        Retry::GiveUp => now + backoff.max_wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default()
    }

    #[test]
    fn a_target_gets_at_most_its_share_and_its_oldest_first() {
        let claimed = vec![(1, Some('a')), (2, Some('a')), (3, Some('b')), (4, Some('a')), (5, None)];
        let (send, back) = within_share(claimed, |d| d.1, &HashMap::new(), 2);
        assert_eq!(send.iter().map(|d| d.0).collect::<Vec<_>>(), vec![1, 2, 3, 5]);
        assert_eq!(back.iter().map(|d| d.0).collect::<Vec<_>>(), vec![4]);
    }

    #[test]
    fn sends_already_running_count_against_the_share() {
        let busy = HashMap::from([('a', 2), ('b', 1)]);
        let claimed = vec![(1, Some('a')), (2, Some('b')), (3, Some('b')), (4, Some('c'))];
        let (send, back) = within_share(claimed, |d| d.1, &busy, 2);
        assert_eq!(send.iter().map(|d| d.0).collect::<Vec<_>>(), vec![2, 4]);
        assert_eq!(back.iter().map(|d| d.0).collect::<Vec<_>>(), vec![1, 3]);
    }

    #[test]
    fn a_failed_target_waits_for_its_retry_and_a_dead_one_holds_nothing() {
        let at = t0() + Duration::seconds(30);
        assert_eq!(hold_target_until(Retry::At(at)), Some(at));
        assert_eq!(hold_target_until(Retry::GiveUp), None);
    }

    #[test]
    fn an_unreachable_mail_server_is_paused_longer_each_time_up_to_the_longest_wait() {
        let backoff = Backoff::default();
        let waits: Vec<i64> = (1..=12).map(|n| (pause_after(&backoff, n, t0()) - t0()).num_seconds()).collect();
        assert_eq!(&waits[..4], &[30, 60, 120, 240]);
        assert!(waits.windows(2).all(|w| w[0] <= w[1]), "{waits:?}");
        assert_eq!(*waits.last().unwrap_or(&0), backoff.max_wait.num_seconds());
    }
}
