//! SLA policies: per priority, how soon a desk must respond and resolve,
//! and how long tier 2 has after an escalation (its OLA).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::target::Target;
use crate::domain::ticket::{PendingReason, Priority};

/// The targets of one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityTargets {
    /// First response (assignment-and-start, or a public comment).
    pub response: Target,
    /// Resolution at tier 1 (or overall when tier 2 takes tickets directly).
    pub resolution: Target,
    /// Resolution by tier 2, from the escalation (the OLA).
    pub tier2_resolution: Target,
}

/// A validated policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub targets: BTreeMap<Priority, PriorityTargets>,
    /// A warning goes out when this share of a target has elapsed.
    pub warning_percent: u8,
    /// A breached tier-1 resolution escalates the ticket to tier 2.
    pub auto_escalate: bool,
    /// Pending reasons that stop the clock.
    pub pausing_reasons: Vec<PendingReason>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("targets for {0} are missing")]
    MissingPriority(Priority),
    #[error("a target must be more than zero and at most a year (120000 business minutes, 260 business days or 8760 calendar hours)")]
    ZeroTarget(Priority),
    #[error("the warning threshold must be 1 to 99 percent")]
    WarningOutOfRange,
}

impl PolicyError {
    /// The request field the error is about.
    pub fn field(&self) -> String {
        match self {
            PolicyError::MissingPriority(p) | PolicyError::ZeroTarget(p) => format!("targets.{p}"),
            PolicyError::WarningOutOfRange => "warning_percent".to_owned(),
        }
    }
}

fn positive(target: Target) -> bool {
    target.within_bounds()
}

impl SlaPolicy {
    pub fn new(
        targets: BTreeMap<Priority, PriorityTargets>,
        warning_percent: i64,
        auto_escalate: bool,
        pausing_reasons: Vec<PendingReason>,
    ) -> Result<Self, PolicyError> {
        for priority in Priority::ALL {
            let t = targets.get(priority).ok_or(PolicyError::MissingPriority(*priority))?;
            if ![t.response, t.resolution, t.tier2_resolution].into_iter().all(positive) {
                return Err(PolicyError::ZeroTarget(*priority));
            }
        }
        let warning_percent = u8::try_from(warning_percent).ok().filter(|w| (1..=99).contains(w));
        let warning_percent = warning_percent.ok_or(PolicyError::WarningOutOfRange)?;
        let mut pausing_reasons = pausing_reasons;
        pausing_reasons.sort();
        pausing_reasons.dedup();
        Ok(Self { targets, warning_percent, auto_escalate, pausing_reasons })
    }

    /// A reasonable starting policy for a regional desk (business time on
    /// the unit's calendar; tier 2 gets two working days, one for critical).
    pub fn regional_default() -> Self {
        use Target::{BusinessDays as Days, BusinessMinutes as Minutes};
        let row = |response, resolution, tier2| PriorityTargets { response, resolution, tier2_resolution: tier2 };
        let targets = BTreeMap::from([
            (Priority::Critical, row(Minutes(30), Minutes(240), Minutes(450))),
            (Priority::High, row(Minutes(60), Minutes(450), Days(2))),
            (Priority::Medium, row(Minutes(240), Days(3), Days(3))),
            (Priority::Low, row(Minutes(450), Days(5), Days(5))),
        ]);
        Self {
            targets,
            warning_percent: 75,
            auto_escalate: false,
            pausing_reasons: vec![PendingReason::WaitingForReporter],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_valid() {
        let d = SlaPolicy::regional_default();
        let again = SlaPolicy::new(d.targets.clone(), 75, false, d.pausing_reasons.clone());
        assert_eq!(again, Ok(d));
    }

    #[test]
    fn incomplete_zero_and_out_of_range_policies_are_refused() {
        let mut targets = SlaPolicy::regional_default().targets;
        assert_eq!(SlaPolicy::new(targets.clone(), 100, false, vec![]).unwrap_err(), PolicyError::WarningOutOfRange);
        assert_eq!(SlaPolicy::new(targets.clone(), 0, false, vec![]).unwrap_err().field(), "warning_percent");
        if let Some(t) = targets.get_mut(&Priority::High) {
            t.response = Target::BusinessMinutes(0);
        }
        assert_eq!(SlaPolicy::new(targets, 75, false, vec![]).unwrap_err(), PolicyError::ZeroTarget(Priority::High));
        let mut incomplete = SlaPolicy::regional_default().targets;
        incomplete.remove(&Priority::Low);
        assert_eq!(SlaPolicy::new(incomplete, 75, false, vec![]).unwrap_err().field(), "targets.low");
    }
}
