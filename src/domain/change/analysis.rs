//! What the analysis of a change must have written down before approval is
//! asked for: the risk assessed, and the impact, implementation, test and
//! rollback plans.

use super::risk::RiskAssessment;
use crate::domain::validation::ValidationErrors;

/// The parts of a change its analysis fills in.
#[derive(Debug, Clone, Copy)]
pub struct Analysis<'a> {
    pub risk: Option<&'a RiskAssessment>,
    pub impact_analysis: &'a str,
    pub implementation_plan: &'a str,
    pub test_plan: &'a str,
    pub rollback_plan: &'a str,
}

/// Whether approval may be asked for; else each missing part, by field.
pub fn ready_for_approval(analysis: &Analysis<'_>) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if analysis.risk.is_none() {
        errors.add("risk", "Assess the risk before asking for approval.");
    }
    for (field, text) in [
        ("impact_analysis", analysis.impact_analysis),
        ("implementation_plan", analysis.implementation_plan),
        ("test_plan", analysis.test_plan),
        ("rollback_plan", analysis.rollback_plan),
    ] {
        if text.trim().is_empty() {
            errors.add(field, "Write this before asking for approval.");
        }
    }
    errors.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RISK: RiskAssessment = RiskAssessment {
        users_affected: 10,
        outage_needed: false,
        rollback_possible: true,
        tested: true,
        touches_special: false,
    };

    fn complete() -> Analysis<'static> {
        Analysis {
            risk: Some(&RISK),
            impact_analysis: "Satu aplikasi",
            implementation_plan: "Pasang",
            test_plan: "Uji",
            rollback_plan: "Kembalikan",
        }
    }

    fn fields(analysis: &Analysis<'_>) -> Vec<String> {
        match ready_for_approval(analysis) {
            Ok(()) => Vec::new(),
            Err(errors) => errors.into_vec().into_iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn a_complete_analysis_may_go_for_approval() {
        assert!(ready_for_approval(&complete()).is_ok());
    }

    #[test]
    fn an_unassessed_risk_and_blank_plans_are_each_named() {
        let blank = Analysis { risk: None, test_plan: "  ", rollback_plan: "", ..complete() };
        assert_eq!(fields(&blank), ["risk", "test_plan", "rollback_plan"]);
    }
}
