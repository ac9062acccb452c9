//! SLA report figures from per-ticket clock outcomes: per group, tickets,
//! met / breached / open per clock, compliance, mean and median time run,
//! escalation and reopen rates.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::clock::ClockKind;

/// How a clock ended up (or stands, if still open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Met,
    Breached,
    Open,
}

/// One clock of one ticket, as the report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockFacts {
    pub kind: ClockKind,
    pub outcome: Outcome,
    /// Clock time run, once stopped.
    pub elapsed_seconds: Option<i64>,
}

/// One ticket, as the report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketFacts {
    pub group: String,
    pub escalated: bool,
    pub reopened: bool,
    pub clocks: Vec<ClockFacts>,
}

/// The figures of one clock kind over a group.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ClockStats {
    pub met: u64,
    pub breached: u64,
    /// Still running or paused, not (yet) breached.
    pub open: u64,
    /// met / (met + breached), in percent; `null` when nothing was decided.
    pub compliance_percent: Option<f64>,
    /// Over stopped clocks: business time (wall time for calendar-hour targets).
    pub mean_seconds: Option<f64>,
    pub median_seconds: Option<f64>,
}

/// The figures of one group.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GroupStats {
    pub key: String,
    pub tickets: u64,
    pub response: ClockStats,
    pub resolution: ClockStats,
    pub tier2_resolution: ClockStats,
    /// Share of tickets escalated to tier 2 at least once, in percent.
    pub escalation_rate_percent: Option<f64>,
    /// Share of tickets reopened at least once, in percent.
    pub reopen_rate_percent: Option<f64>,
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] as f64 + sorted[n / 2] as f64) / 2.0),
    }
}

/// One clock kind's outcomes over a group, as they are added.
#[derive(Debug, Clone, Default)]
struct ClockTally {
    met: u64,
    breached: u64,
    open: u64,
    times: Vec<i64>,
}

impl ClockTally {
    fn add(&mut self, clock: &ClockFacts) {
        match clock.outcome {
            Outcome::Met => self.met += 1,
            Outcome::Breached => self.breached += 1,
            Outcome::Open => self.open += 1,
        }
        self.times.extend(clock.elapsed_seconds);
    }

    fn stats(mut self) -> ClockStats {
        self.times.sort_unstable();
        let times = &self.times;
        let mean = (!times.is_empty()).then(|| times.iter().map(|&t| t as f64).sum::<f64>() / times.len() as f64);
        ClockStats {
            met: self.met,
            breached: self.breached,
            open: self.open,
            compliance_percent: percent(self.met, self.met + self.breached),
            mean_seconds: mean,
            median_seconds: median(times),
        }
    }
}

/// One group's figures, as tickets are added.
#[derive(Debug, Clone, Default)]
struct GroupTally {
    tickets: u64,
    escalated: u64,
    reopened: u64,
    response: ClockTally,
    resolution: ClockTally,
    tier2_resolution: ClockTally,
}

impl GroupTally {
    fn add(&mut self, ticket: &TicketFacts) {
        self.tickets += 1;
        self.escalated += u64::from(ticket.escalated);
        self.reopened += u64::from(ticket.reopened);
        for clock in &ticket.clocks {
            match clock.kind {
                ClockKind::Response => self.response.add(clock),
                ClockKind::Resolution => self.resolution.add(clock),
                ClockKind::Tier2Resolution => self.tier2_resolution.add(clock),
            }
        }
    }

    fn stats(self, key: String) -> GroupStats {
        GroupStats {
            key,
            tickets: self.tickets,
            response: self.response.stats(),
            resolution: self.resolution.stats(),
            tier2_resolution: self.tier2_resolution.stats(),
            escalation_rate_percent: percent(self.escalated, self.tickets),
            reopen_rate_percent: percent(self.reopened, self.tickets),
        }
    }
}

/// The report's figures, fed one ticket at a time: what it keeps is a
/// few counters per group and the stopped clocks' times (for the
/// medians), not the tickets.
#[derive(Debug, Clone, Default)]
pub struct ReportTally {
    groups: BTreeMap<String, GroupTally>,
    all: GroupTally,
}

impl ReportTally {
    pub fn add(&mut self, ticket: &TicketFacts) {
        match self.groups.get_mut(&ticket.group) {
            Some(group) => group.add(ticket),
            None => self.groups.entry(ticket.group.clone()).or_default().add(ticket),
        }
        self.all.add(ticket);
    }

    /// Figures per group (ordered by key) and over all tickets.
    pub fn finish(self) -> (Vec<GroupStats>, GroupStats) {
        let per_group = self.groups.into_iter().map(|(key, tally)| tally.stats(key)).collect();
        (per_group, self.all.stats("all".to_owned()))
    }
}

/// Figures per group (ordered by key) and over all tickets.
#[cfg(test)]
fn aggregate(tickets: &[TicketFacts]) -> (Vec<GroupStats>, GroupStats) {
    let mut tally = ReportTally::default();
    for ticket in tickets {
        tally.add(ticket);
    }
    tally.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(kind: ClockKind, outcome: Outcome, elapsed: Option<i64>) -> ClockFacts {
        ClockFacts { kind, outcome, elapsed_seconds: elapsed }
    }

    #[test]
    fn figures_per_group_and_overall() {
        use ClockKind::*;
        let tickets = vec![
            TicketFacts {
                group: "high".into(),
                escalated: true,
                reopened: false,
                clocks: vec![clock(Response, Outcome::Met, Some(600)), clock(Resolution, Outcome::Breached, None)],
            },
            TicketFacts {
                group: "high".into(),
                escalated: false,
                reopened: true,
                clocks: vec![
                    clock(Response, Outcome::Breached, Some(4000)),
                    clock(Resolution, Outcome::Met, Some(9000)),
                ],
            },
            TicketFacts {
                group: "low".into(),
                escalated: false,
                reopened: false,
                clocks: vec![clock(Response, Outcome::Met, Some(1200)), clock(Resolution, Outcome::Open, None)],
            },
        ];
        let (groups, all) = aggregate(&tickets);
        assert_eq!(groups.iter().map(|g| g.key.as_str()).collect::<Vec<_>>(), ["high", "low"]);
        let high = &groups[0];
        assert_eq!((high.tickets, high.response.met, high.response.breached), (2, 1, 1));
        assert_eq!(high.response.compliance_percent, Some(50.0));
        assert_eq!(high.response.mean_seconds, Some(2300.0));
        assert_eq!(high.escalation_rate_percent, Some(50.0));
        assert_eq!(all.response.median_seconds, Some(1200.0));
        assert_eq!((all.resolution.met, all.resolution.breached, all.resolution.open), (1, 1, 1));
        assert_eq!(all.tier2_resolution.compliance_percent, None);
        let two = [10, 20];
        assert_eq!(median(&two), Some(15.0));
    }
}
