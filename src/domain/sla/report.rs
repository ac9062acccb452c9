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

fn clock_stats<'a>(clocks: impl Iterator<Item = &'a ClockFacts>) -> ClockStats {
    let (mut met, mut breached, mut open, mut times) = (0, 0, 0, Vec::new());
    for c in clocks {
        match c.outcome {
            Outcome::Met => met += 1,
            Outcome::Breached => breached += 1,
            Outcome::Open => open += 1,
        }
        times.extend(c.elapsed_seconds);
    }
    times.sort_unstable();
    let mean = (!times.is_empty()).then(|| times.iter().map(|&t| t as f64).sum::<f64>() / times.len() as f64);
    ClockStats {
        met,
        breached,
        open,
        compliance_percent: percent(met, met + breached),
        mean_seconds: mean,
        median_seconds: median(&times),
    }
}

fn group_stats(key: String, tickets: &[&TicketFacts]) -> GroupStats {
    let of_kind =
        |kind: ClockKind| clock_stats(tickets.iter().flat_map(|t| t.clocks.iter()).filter(move |c| c.kind == kind));
    let n = tickets.len() as u64;
    GroupStats {
        key,
        tickets: n,
        response: of_kind(ClockKind::Response),
        resolution: of_kind(ClockKind::Resolution),
        tier2_resolution: of_kind(ClockKind::Tier2Resolution),
        escalation_rate_percent: percent(tickets.iter().filter(|t| t.escalated).count() as u64, n),
        reopen_rate_percent: percent(tickets.iter().filter(|t| t.reopened).count() as u64, n),
    }
}

/// Figures per group (ordered by key) and over all tickets.
pub fn aggregate(tickets: &[TicketFacts]) -> (Vec<GroupStats>, GroupStats) {
    let mut groups: BTreeMap<&str, Vec<&TicketFacts>> = BTreeMap::new();
    for t in tickets {
        groups.entry(t.group.as_str()).or_default().push(t);
    }
    let per_group = groups.into_iter().map(|(key, members)| group_stats(key.to_owned(), &members)).collect();
    let all: Vec<&TicketFacts> = tickets.iter().collect();
    (per_group, group_stats("all".to_owned(), &all))
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
