//! SLA report figures from per-ticket clock outcomes: per group, tickets,
//! met / breached / open per clock, compliance, mean and median time run,
//! escalation and reopen rates. Tickets are added one at a time, or as
//! report cells (many tickets' counts at once), with a sign so that a
//! period's edges can be taken off a cell.

use std::collections::BTreeMap;

use serde::Serialize;

use super::clock::ClockKind;
use super::time_counts::TimeTally;

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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// One clock kind's outcomes over a group, as they are added.
#[derive(Debug, Clone, Default)]
struct ClockTally {
    met: i64,
    breached: i64,
    open: i64,
    times: TimeTally,
}

impl ClockTally {
    fn add(&mut self, clock: &ClockFacts, sign: i64) {
        match clock.outcome {
            Outcome::Met => self.met += sign,
            Outcome::Breached => self.breached += sign,
            Outcome::Open => self.open += sign,
        }
        if let Some(elapsed) = clock.elapsed_seconds {
            self.times.add(elapsed, sign);
        }
    }

    fn add_cell(&mut self, cell: &CellFacts, sign: i64) {
        self.met += sign * cell.met;
        self.breached += sign * cell.breached;
        self.open += sign * cell.open;
        self.times.extend(&cell.times, sign);
    }

    fn stats(self) -> ClockStats {
        let (met, breached) = (count(self.met), count(self.breached));
        let (mean_seconds, median_seconds) = self.times.mean_and_median();
        ClockStats {
            met,
            breached,
            open: count(self.open),
            compliance_percent: percent(met, met + breached),
            mean_seconds,
            median_seconds,
        }
    }
}

/// A signed sum as a count (a consistent sum is never below zero).
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// What a report cell holds: the figures of many tickets (a `Ticket`
/// cell) or of their clocks of one kind, that share a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellFacts {
    pub group: String,
    /// `None`: tickets; otherwise clocks of that kind.
    pub clock: Option<ClockKind>,
    pub tickets: i64,
    pub escalated: i64,
    pub reopened: i64,
    pub met: i64,
    pub breached: i64,
    pub open: i64,
    /// Stopped clocks' times: `(seconds, count)`.
    pub times: Vec<(i64, i64)>,
}

/// One group's figures, as tickets are added.
#[derive(Debug, Clone, Default)]
struct GroupTally {
    tickets: i64,
    escalated: i64,
    reopened: i64,
    response: ClockTally,
    resolution: ClockTally,
    tier2_resolution: ClockTally,
}

impl GroupTally {
    fn clock(&mut self, kind: ClockKind) -> &mut ClockTally {
        match kind {
            ClockKind::Response => &mut self.response,
            ClockKind::Resolution => &mut self.resolution,
            ClockKind::Tier2Resolution => &mut self.tier2_resolution,
        }
    }

    fn add(&mut self, ticket: &TicketFacts, sign: i64) {
        self.tickets += sign;
        self.escalated += sign * i64::from(ticket.escalated);
        self.reopened += sign * i64::from(ticket.reopened);
        for clock in &ticket.clocks {
            self.clock(clock.kind).add(clock, sign);
        }
    }

    fn add_cell(&mut self, cell: &CellFacts, sign: i64) {
        match cell.clock {
            None => {
                self.tickets += sign * cell.tickets;
                self.escalated += sign * cell.escalated;
                self.reopened += sign * cell.reopened;
            }
            Some(kind) => self.clock(kind).add_cell(cell, sign),
        }
    }

    fn stats(self, key: String) -> GroupStats {
        let tickets = count(self.tickets);
        GroupStats {
            key,
            tickets,
            response: self.response.stats(),
            resolution: self.resolution.stats(),
            tier2_resolution: self.tier2_resolution.stats(),
            escalation_rate_percent: percent(count(self.escalated), tickets),
            reopen_rate_percent: percent(count(self.reopened), tickets),
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
    /// Applies `add` to the group of `key`, allocating the key only for a
    /// new group (a report may add a hundred thousand tickets).
    fn in_group(&mut self, key: &str, add: impl FnOnce(&mut GroupTally)) {
        match self.groups.get_mut(key) {
            Some(group) => add(group),
            None => add(self.groups.entry(key.to_owned()).or_default()),
        }
    }

    pub fn add(&mut self, ticket: &TicketFacts) {
        self.add_signed(ticket, 1);
    }

    /// Adds a ticket (`sign` 1) or takes it off (`sign` -1).
    pub fn add_signed(&mut self, ticket: &TicketFacts, sign: i64) {
        self.in_group(&ticket.group, |g| g.add(ticket, sign));
        self.all.add(ticket, sign);
    }

    /// Adds a cell's figures (`sign` 1) or takes them off (`sign` -1).
    pub fn add_cell(&mut self, cell: &CellFacts, sign: i64) {
        self.in_group(&cell.group, |g| g.add_cell(cell, sign));
        self.all.add_cell(cell, sign);
    }

    /// Counts a clock stored as open as breached instead: it ran past its
    /// due instant before the sweeper recorded the breach.
    pub fn count_overdue(&mut self, group: &str, kind: ClockKind) {
        let overdue = |tally: &mut ClockTally| {
            tally.open -= 1;
            tally.breached += 1;
        };
        self.in_group(group, |g| overdue(g.clock(kind)));
        overdue(self.all.clock(kind));
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
    }
}
