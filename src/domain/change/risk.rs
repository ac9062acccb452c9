//! The structured risk assessment of a change and the level it yields.

use serde::{Deserialize, Serialize};

use crate::domain::text_enum::text_enum;

text_enum!(
    /// How risky a change is, from its assessment.
    RiskLevel {
        Low => "low",
        Medium => "medium",
        High => "high",
    }
);

/// The questions the assessment answers (the analysis phase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskAssessment {
    /// How many users lose or see a different service during the change.
    pub users_affected: u32,
    /// The service is unavailable during the window.
    pub outage_needed: bool,
    /// The change can be undone by its rollback plan.
    pub rollback_possible: bool,
    /// The change was tested before implementation.
    pub tested: bool,
    /// It touches an *aplikasi khusus* or the intra-government network.
    pub touches_special: bool,
}

impl RiskAssessment {
    /// Points per answer, summed: reach (0–3), an outage (2), no way back
    /// (3), untested (2), a special application or the network (2).
    pub fn score(&self) -> u32 {
        let reach = match self.users_affected {
            0..=50 => 0,
            51..=500 => 1,
            501..=5000 => 2,
            _ => 3,
        };
        reach
            + 2 * u32::from(self.outage_needed)
            + 3 * u32::from(!self.rollback_possible)
            + 2 * u32::from(!self.tested)
            + 2 * u32::from(self.touches_special)
    }

    /// Low up to 2 points, medium up to 5, high above.
    pub fn level(&self) -> RiskLevel {
        match self.score() {
            0..=2 => RiskLevel::Low,
            3..=5 => RiskLevel::Medium,
            _ => RiskLevel::High,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn safe() -> RiskAssessment {
        RiskAssessment {
            users_affected: 10,
            outage_needed: false,
            rollback_possible: true,
            tested: true,
            touches_special: false,
        }
    }

    #[test]
    fn a_tested_reversible_change_for_few_users_is_low_risk() {
        assert_eq!(safe().level(), RiskLevel::Low);
        assert_eq!(RiskAssessment { outage_needed: true, ..safe() }.level(), RiskLevel::Low);
    }

    #[test]
    fn outages_for_many_users_are_medium_and_irreversible_untested_ones_high() {
        let wide = RiskAssessment { users_affected: 2000, outage_needed: true, ..safe() };
        assert_eq!(wide.level(), RiskLevel::Medium);
        let blind = RiskAssessment { rollback_possible: false, tested: false, outage_needed: true, ..safe() };
        assert_eq!(blind.level(), RiskLevel::High);
    }

    #[test]
    fn more_risk_never_lowers_the_level() {
        let base = safe();
        for worse in [
            RiskAssessment { users_affected: 100_000, ..base },
            RiskAssessment { outage_needed: true, ..base },
            RiskAssessment { rollback_possible: false, ..base },
            RiskAssessment { tested: false, ..base },
            RiskAssessment { touches_special: true, ..base },
        ] {
            assert!(worse.level() >= base.level());
            assert!(worse.score() > base.score());
        }
    }
}
