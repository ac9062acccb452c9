//! Approval lead times for the change report: from asking for approval to
//! the decision. Exact durations are summed and expressed in minutes once,
//! at the end, so that short rounds are not each cut to whole minutes
//! before they are averaged.

use chrono::{DateTime, Duration, Utc};

/// The lead times seen so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeadTimes {
    total_microseconds: i128,
    count: u64,
    longest: Option<Duration>,
}

const MICROSECONDS_PER_MINUTE: f64 = 60_000_000.0;

impl LeadTimes {
    /// Counts a round asked for at `asked` and decided at `decided`.
    pub fn add(&mut self, asked: DateTime<Utc>, decided: DateTime<Utc>) {
        let lead = decided - asked;
        // Only a lead time of some 292 000 years overflows microseconds.
        let microseconds = lead.num_microseconds().map_or(i128::from(lead.num_milliseconds()) * 1000, i128::from);
        self.total_microseconds += microseconds;
        self.count += 1;
        self.longest = Some(self.longest.map_or(lead, |longest| longest.max(lead)));
    }

    /// The mean lead time in minutes; `None` without any.
    pub fn average_minutes(&self) -> Option<f64> {
        (self.count > 0).then(|| self.total_microseconds as f64 / self.count as f64 / MICROSECONDS_PER_MINUTE)
    }

    /// The longest lead time in whole minutes, rounded down; `None` without any.
    pub fn max_minutes(&self) -> Option<i64> {
        self.longest.map(|longest| longest.num_minutes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_rounds_are_averaged_exactly_and_expressed_in_minutes_at_the_end() {
        let asked = DateTime::from_timestamp(1_797_000_000, 0).unwrap_or_default();
        let mut leads = LeadTimes::default();
        assert_eq!((leads.average_minutes(), leads.max_minutes()), (None, None));
        leads.add(asked, asked + Duration::milliseconds(6_000));
        leads.add(asked, asked + Duration::milliseconds(7_800));
        let average = leads.average_minutes().unwrap_or_default();
        assert!((average - 0.115).abs() < 1e-12, "{average}");
        assert_eq!(leads.max_minutes(), Some(0));
        leads.add(asked, asked + Duration::microseconds(90 * 60_000_000 + 1));
        assert_eq!(leads.max_minutes(), Some(90));
        let average = leads.average_minutes().unwrap_or_default();
        assert!((average - (0.1 + 0.13 + 90.0 + 1.0 / 60_000_000.0) / 3.0).abs() < 1e-12, "{average}");
    }
}
