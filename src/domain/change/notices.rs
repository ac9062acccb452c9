//! Who is told of what happens to a change, and how the notice names it.

use super::kinds::ChangeEventKind;

/// Whom a change notice goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeAudience {
    /// The approvers whose decision the round still needs.
    PendingApprovers,
    /// The person who requested the change.
    Requester,
    /// The team mailbox of the change's owner unit.
    OwnerUnit,
    /// The mailboxes of the owner PDs of the touched services.
    ServiceOwners,
    /// The Dinas's tier-2 mailbox.
    Tier2Mailbox,
}

impl ChangeAudience {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeAudience::PendingApprovers => "change_approvers",
            ChangeAudience::Requester => "change_requester",
            ChangeAudience::OwnerUnit => "change_owner_unit",
            ChangeAudience::ServiceOwners => "service_owner",
            ChangeAudience::Tier2Mailbox => "tier2_mailbox",
        }
    }
}

/// The audiences of a change event (none: nobody is mailed).
pub fn audiences(kind: ChangeEventKind) -> &'static [ChangeAudience] {
    use ChangeAudience::*;
    use ChangeEventKind as K;
    match kind {
        K::ApprovalRequested | K::ApprovalsVoided => &[PendingApprovers],
        K::Approved | K::Rejected | K::Cancelled => &[Requester, OwnerUnit],
        K::Scheduled | K::Rescheduled | K::WindowStarting => &[OwnerUnit, ServiceOwners, Tier2Mailbox],
        // Implementation ended: the post-implementation review is due.
        K::Implemented | K::ReviewOverdue => &[Requester, OwnerUnit],
        K::Created
        | K::Updated
        | K::Submitted
        | K::AssessmentStarted
        | K::ApprovalRecorded
        | K::DinasTestRecorded
        | K::Started
        | K::Reviewed
        | K::FollowUpUpdated
        | K::RetrospectiveRecorded
        | K::TicketLinked => &[],
    }
}

/// Whether an event name (`change.<kind>`) is told to anyone.
pub fn is_told(event: &str) -> bool {
    event
        .strip_prefix("change.")
        .and_then(|kind| kind.parse::<ChangeEventKind>().ok())
        .is_some_and(|kind| !audiences(kind).is_empty())
}

/// How the notice's subject line names the event, in Bahasa Indonesia.
pub fn label(kind: ChangeEventKind) -> &'static str {
    use ChangeEventKind as K;
    match kind {
        K::ApprovalRequested => "Persetujuan perubahan diminta",
        K::ApprovalsVoided => "Rencana perubahan diubah; persetujuan diminta kembali",
        K::Approved => "Perubahan disetujui",
        K::Rejected => "Perubahan ditolak",
        K::Cancelled => "Perubahan dibatalkan",
        K::Scheduled => "Perubahan dijadwalkan",
        K::Rescheduled => "Jadwal perubahan diubah",
        K::WindowStarting => "Jendela perubahan segera dimulai",
        K::Implemented => "Perubahan selesai dilaksanakan; kaji pascaimplementasi ditunggu",
        K::ReviewOverdue => "Kaji pascaimplementasi melewati batas waktu",
        other => other.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approvers_are_asked_and_owners_told_of_decisions_and_schedules() {
        assert_eq!(audiences(ChangeEventKind::ApprovalRequested), [ChangeAudience::PendingApprovers]);
        assert!(audiences(ChangeEventKind::Approved).contains(&ChangeAudience::Requester));
        assert!(audiences(ChangeEventKind::WindowStarting).contains(&ChangeAudience::Tier2Mailbox));
        assert!(is_told("change.review_overdue"));
        assert!(!is_told("change.updated"));
        assert!(!is_told("ticket.created"));
    }
}
