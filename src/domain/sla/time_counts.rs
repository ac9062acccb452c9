//! A multiset of clock times (seconds -> how many clocks ran that long),
//! for exact means and medians over report cells that are added and
//! subtracted, and its compact encoding for storage.

use std::collections::BTreeMap;

/// Clock times with their multiplicities. Counts are signed so that a
/// cell may be subtracted (a report period's edge); a consistent sum has
/// none below zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeCounts(BTreeMap<i64, i64>);

/// Why stored times could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored clock times are malformed: {0}")]
pub struct TimeCountsError(&'static str);

impl TimeCounts {
    /// Adds `count` clocks of `seconds` (negative `count` removes them).
    pub fn add(&mut self, seconds: i64, count: i64) {
        if count == 0 {
            return;
        }
        let entry = self.0.entry(seconds).or_insert(0);
        *entry += count;
        if *entry == 0 {
            self.0.remove(&seconds);
        }
    }

    /// Adds every time of `other`, each `sign` times (1 or -1).
    pub fn merge(&mut self, other: &TimeCounts, sign: i64) {
        for (&seconds, &count) in &other.0 {
            self.add(seconds, sign * count);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The times as bytes: per distinct time, ascending, the difference to
    /// the previous time and the count, each a zigzag LEB128 varint.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.0.len() * 4);
        let mut previous = 0i64;
        for (&seconds, &count) in &self.0 {
            put_varint(&mut out, seconds.wrapping_sub(previous));
            put_varint(&mut out, count);
            previous = seconds;
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, TimeCountsError> {
        let mut counts = TimeCounts::default();
        for (seconds, count) in decode_pairs(bytes)? {
            counts.add(seconds, count);
        }
        Ok(counts)
    }
}

/// The `(seconds, count)` pairs of encoded times, in ascending order.
pub fn decode_pairs(bytes: &[u8]) -> Result<Vec<(i64, i64)>, TimeCountsError> {
    let mut pairs = Vec::with_capacity(bytes.len() / 3);
    let (mut rest, mut previous) = (bytes, 0i64);
    while !rest.is_empty() {
        let (delta, after) = take_varint(rest)?;
        let (count, after) = take_varint(after)?;
        previous = previous.wrapping_add(delta);
        pairs.push((previous, count));
        rest = after;
    }
    Ok(pairs)
}

/// Clock times gathered from many cells and tickets: appended as they
/// come (a report adds hundreds of thousands), sorted once at the end.
#[derive(Debug, Clone, Default)]
pub struct TimeTally(Vec<(i64, i64)>);

impl TimeTally {
    pub fn add(&mut self, seconds: i64, count: i64) {
        if count != 0 {
            self.0.push((seconds, count));
        }
    }

    /// Adds `(seconds, count)` pairs, each count `sign` times.
    pub fn extend(&mut self, pairs: &[(i64, i64)], sign: i64) {
        self.0.extend(pairs.iter().map(|&(s, c)| (s, c * sign)));
    }

    /// The mean and the median of the times gathered.
    pub fn mean_and_median(mut self) -> (Option<f64>, Option<f64>) {
        self.0.sort_unstable_by_key(|&(s, _)| s);
        let mut sorted: Vec<(i64, i64)> = Vec::with_capacity(self.0.len());
        for (seconds, count) in self.0 {
            match sorted.last_mut() {
                Some(last) if last.0 == seconds => last.1 += count,
                _ => sorted.push((seconds, count)),
            }
        }
        (mean(&sorted), median(&sorted))
    }
}

/// The mean of ascending `(seconds, count)` pairs (negative counts ignored).
fn mean(sorted: &[(i64, i64)]) -> Option<f64> {
    let n: i64 = sorted.iter().map(|&(_, c)| c.max(0)).sum();
    let sum: f64 = sorted.iter().map(|&(s, c)| s as f64 * c.max(0) as f64).sum();
    (n > 0).then(|| sum / n as f64)
}

/// The median of ascending `(seconds, count)` pairs, the mean of the two
/// middle times when their number is even.
fn median(sorted: &[(i64, i64)]) -> Option<f64> {
    let n: i64 = sorted.iter().map(|&(_, c)| c.max(0)).sum();
    if n == 0 {
        return None;
    }
    // 0-based ranks of the middle time(s).
    let (low, high) = ((n - 1) / 2, n / 2);
    let (mut seen, mut low_value) = (0i64, None);
    for &(seconds, count) in sorted {
        seen += count.max(0);
        if low_value.is_none() && seen > low {
            low_value = Some(seconds);
        }
        if seen > high {
            return low_value.map(|l| (l as f64 + seconds as f64) / 2.0);
        }
    }
    None
}

fn put_varint(out: &mut Vec<u8>, value: i64) {
    let mut v = ((value << 1) ^ (value >> 63)) as u64;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn take_varint(bytes: &[u8]) -> Result<(i64, &[u8]), TimeCountsError> {
    let mut v = 0u64;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let value = ((v >> 1) as i64) ^ -((v & 1) as i64);
            return Ok((value, &bytes[i + 1..]));
        }
    }
    Err(TimeCountsError("a number runs past its end"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    impl TimeCounts {
        fn pairs(&self) -> Vec<(i64, i64)> {
            self.0.iter().map(|(&s, &c)| (s, c)).collect()
        }

        fn mean(&self) -> Option<f64> {
            mean(&self.pairs())
        }

        fn median(&self) -> Option<f64> {
            median(&self.pairs())
        }
    }

    fn of(times: &[i64]) -> TimeCounts {
        let mut counts = TimeCounts::default();
        for &t in times {
            counts.add(t, 1);
        }
        counts
    }

    #[test]
    fn mean_and_median_of_odd_and_even_numbers_of_times() {
        assert_eq!(of(&[]).median(), None);
        assert_eq!(of(&[600, 4000, 1200]).median(), Some(1200.0));
        assert_eq!(of(&[10, 20]).median(), Some(15.0));
        assert_eq!(of(&[5, 5, 5, 9]).median(), Some(5.0));
        assert_eq!(of(&[600, 4000]).mean(), Some(2300.0));
    }

    #[test]
    fn subtracting_what_was_added_leaves_nothing() {
        let mut counts = of(&[1, 2, 2, 3]);
        counts.merge(&of(&[2, 3, 1, 2]), -1);
        assert!(counts.is_empty());
        assert_eq!(counts.encode(), Vec::<u8>::new());
    }

    #[test]
    fn truncated_bytes_are_an_error() {
        assert!(TimeCounts::decode(&[0x80]).is_err());
    }

    proptest! {
        #[test]
        fn encoding_round_trips(times in proptest::collection::vec((-5i64..1_000_000, -3i64..4), 0..60)) {
            let mut counts = TimeCounts::default();
            for (t, c) in times {
                counts.add(t, c);
            }
            prop_assert_eq!(TimeCounts::decode(&counts.encode()).unwrap(), counts);
        }

        #[test]
        fn a_tally_in_any_order_has_the_figures_of_the_multiset(times in proptest::collection::vec((0i64..500, 1i64..3), 0..60)) {
            let mut tally = TimeTally::default();
            let mut counts = TimeCounts::default();
            for &(t, c) in times.iter().rev() {
                tally.add(t, c);
                counts.add(t, c);
            }
            tally.extend(&counts.pairs(), -1);
            tally.extend(&counts.pairs(), 1);
            prop_assert_eq!(tally.mean_and_median(), (counts.mean(), counts.median()));
        }

        #[test]
        fn median_is_the_sorted_middle(mut times in proptest::collection::vec(0i64..100_000, 1..80)) {
            let counts = of(&times);
            times.sort_unstable();
            let n = times.len();
            let expected = if n % 2 == 1 { times[n / 2] as f64 } else { (times[n / 2 - 1] + times[n / 2]) as f64 / 2.0 };
            prop_assert_eq!(counts.median(), Some(expected));
        }
    }
}
