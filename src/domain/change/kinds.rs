//! The enumerations of a change record, with the regulation's phase of
//! every status.

use crate::domain::text_enum::text_enum;

text_enum!(
    /// How a change is approved.
    ChangeType {
        /// From a pre-approved template (perubahan standar): no approval round.
        Standard => "standard",
        /// Approved by the change board and the owners (perubahan normal).
        Normal => "normal",
        /// One approver now, the board's review afterwards (perubahan darurat).
        Emergency => "emergency",
    }
);

text_enum!(
    /// What a change touches, from the SPBE evaluation's list (indicator 27).
    ChangeScope {
        Aplikasi => "aplikasi",
        PerangkatKeras => "perangkat_keras",
        PerangkatLunak => "perangkat_lunak",
        Infrastruktur => "infrastruktur",
        ProsesBisnis => "proses_bisnis",
        LingkunganOrganisasi => "lingkungan_organisasi",
        Layanan => "layanan",
        Data => "data",
        Keamanan => "keamanan",
        Arsitektur => "arsitektur",
    }
);

text_enum!(
    /// Where a change stands.
    ChangeStatus {
        Draft => "draft",
        Submitted => "submitted",
        Assessing => "assessing",
        AwaitingApproval => "awaiting_approval",
        Approved => "approved",
        Rejected => "rejected",
        Scheduled => "scheduled",
        Implementing => "implementing",
        Reviewing => "reviewing",
        Completed => "completed",
        Cancelled => "cancelled",
    }
);

text_enum!(
    /// The phases the regulations name (Perbup Manggarai Barat 57/2018;
    /// the SPBE evaluation's indicator 27).
    Phase {
        /// Perencanaan / permintaan: the request is written and submitted.
        Perencanaan => "perencanaan",
        /// Analisis: risk and impact are assessed.
        Analisis => "analisis",
        /// Persetujuan: the board and the owners decide.
        Persetujuan => "persetujuan",
        /// Pengembangan: the approved change is prepared and scheduled.
        Pengembangan => "pengembangan",
        /// Implementasi: the change is carried out in its window.
        Implementasi => "implementasi",
        /// Monitoring dan evaluasi: the post-implementation review.
        MonitoringEvaluasi => "monitoring_evaluasi",
    }
);

text_enum!(
    /// How an implemented change ended.
    Outcome {
        Successful => "successful",
        Failed => "failed",
        RolledBack => "rolled_back",
    }
);

text_enum!(
    /// What happened to a change, as its timeline and the audit name it
    /// (`change.<kind>`).
    ChangeEventKind {
        Created => "created",
        Updated => "updated",
        Submitted => "submitted",
        AssessmentStarted => "assessment_started",
        ApprovalRequested => "approval_requested",
        ApprovalRecorded => "approval_recorded",
        Approved => "approved",
        Rejected => "rejected",
        /// The approved content was edited: the approvals no longer hold.
        ApprovalsVoided => "approvals_voided",
        Scheduled => "scheduled",
        Rescheduled => "rescheduled",
        DinasTestRecorded => "dinas_test_recorded",
        Started => "started",
        /// Implementation ended with an outcome; the review is due.
        Implemented => "implemented",
        Reviewed => "reviewed",
        Cancelled => "cancelled",
        FollowUpUpdated => "follow_up_updated",
        /// The board's review of an emergency change, after the fact.
        RetrospectiveRecorded => "retrospective_recorded",
        WindowStarting => "window_starting",
        ReviewOverdue => "review_overdue",
        TicketLinked => "ticket_linked",
    }
);

impl ChangeStatus {
    /// The regulation's phase of the status; `None` once cancelled.
    pub fn phase(self) -> Option<Phase> {
        use ChangeStatus::*;
        Some(match self {
            Draft | Submitted => Phase::Perencanaan,
            Assessing => Phase::Analisis,
            AwaitingApproval | Approved | Rejected => Phase::Persetujuan,
            Scheduled => Phase::Pengembangan,
            Implementing => Phase::Implementasi,
            Reviewing | Completed => Phase::MonitoringEvaluasi,
            Cancelled => return None,
        })
    }

    /// Whether the plan may still be edited (not once implementation began).
    pub fn is_editable(self) -> bool {
        use ChangeStatus::*;
        matches!(self, Draft | Submitted | Assessing | AwaitingApproval | Approved | Scheduled)
    }

    /// Whether the change is over (nothing moves it any more).
    pub fn is_final(self) -> bool {
        matches!(self, ChangeStatus::Completed | ChangeStatus::Rejected | ChangeStatus::Cancelled)
    }

    /// How a sentence says where a change stands: "a change that is …".
    pub fn describe(self) -> &'static str {
        use ChangeStatus::*;
        match self {
            Draft => "still a draft",
            Submitted => "submitted",
            Assessing => "being assessed",
            AwaitingApproval => "awaiting approval",
            Approved => "approved",
            Rejected => "rejected",
            Scheduled => "scheduled",
            Implementing => "being implemented",
            Reviewing => "under review",
            Completed => "completed",
            Cancelled => "cancelled",
        }
    }
}

impl Outcome {
    /// A change that did not succeed needs a follow-up action.
    pub fn needs_follow_up(self) -> bool {
        self != Outcome::Successful
    }

    /// How a sentence says the outcome before "change".
    pub fn describe(self) -> &'static str {
        match self {
            Outcome::Successful => "successful",
            Outcome::Failed => "failed",
            Outcome::RolledBack => "rolled-back",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_but_cancelled_names_its_phase() {
        assert_eq!(ChangeStatus::Draft.phase(), Some(Phase::Perencanaan));
        assert_eq!(ChangeStatus::Assessing.phase(), Some(Phase::Analisis));
        assert_eq!(ChangeStatus::Rejected.phase(), Some(Phase::Persetujuan));
        assert_eq!(ChangeStatus::Scheduled.phase(), Some(Phase::Pengembangan));
        assert_eq!(ChangeStatus::Implementing.phase(), Some(Phase::Implementasi));
        assert_eq!(ChangeStatus::Completed.phase(), Some(Phase::MonitoringEvaluasi));
        assert_eq!(ChangeStatus::Cancelled.phase(), None);
        let phases: std::collections::BTreeSet<_> = ChangeStatus::ALL.iter().filter_map(|s| s.phase()).collect();
        assert_eq!(phases.len(), Phase::ALL.len(), "every phase is reached by some status");
    }

    #[test]
    fn plans_are_frozen_once_implementation_begins() {
        assert!(ChangeStatus::Scheduled.is_editable());
        assert!(!ChangeStatus::Implementing.is_editable());
        assert!(!ChangeStatus::Completed.is_editable());
        assert!(Outcome::RolledBack.needs_follow_up() && !Outcome::Successful.needs_follow_up());
    }
}
