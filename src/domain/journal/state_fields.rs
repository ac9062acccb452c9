//! Which fields of a ticket's and a change's row the state check compares
//! with their journal, and why the others are left out.
//!
//! The journal's snapshot of a record is the record as the service reads it
//! (`db::tickets::Ticket`, `db::changes::Change` serialised); the check
//! serialises the row the same way and compares the fields listed here.
//! Left out, on purpose:
//! - the reporter's name, e-mail and phone: personal data, kept out of the
//!   hashed snapshots (a commitment stands there) so that it can be erased;
//! - what the service derives rather than records: a ticket's `sla_due_at`
//!   and `sla_breached` (the sweeper summarises the clocks onto the row
//!   without a journal entry), its `priority_rank` (from the priority), the
//!   event counters and the next sweep instant;
//! - what lives in other tables: a change's services, linked tickets and
//!   follow-up actions; a ticket's comments and attachments (their own
//!   entries);
//! - what the snapshot does not carry: a change's notice bookkeeping
//!   (`window_notice_sequence`, `review_overdue_told`).

use serde::Serialize;

/// The kinds of record whose state is checked against the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Ticket,
    Change,
}

impl RecordKind {
    /// The audit log's `entity_type` of the record.
    pub fn entity_type(self) -> &'static str {
        match self {
            RecordKind::Ticket => "ticket",
            RecordKind::Change => "change",
        }
    }

    /// The fields compared, in the order differences are reported.
    pub fn compared_fields(self) -> &'static [&'static str] {
        match self {
            RecordKind::Ticket => TICKET_FIELDS,
            RecordKind::Change => CHANGE_FIELDS,
        }
    }
}

const TICKET_FIELDS: &[&str] = &[
    "number",
    "ticket_type",
    "title",
    "description",
    "service_id",
    "unit_id",
    "reporter_id",
    "channel",
    "impact",
    "urgency",
    "priority",
    "status",
    "tier",
    "assignee_id",
    "tier2_involved",
    "escalation_count",
    "last_escalated_at",
    "pending_reason",
    "external_source",
    "external_ref",
    "complaint_ref",
    "problem_id",
    "resolution_code",
    "resolution",
    "resolved_at",
    "closed_at",
    "reopen_count",
    "rating",
    "rating_remark",
    "created_by_kind",
    "created_by",
    "version",
    "created_at",
    "updated_at",
];

const CHANGE_FIELDS: &[&str] = &[
    "number",
    "change_type",
    "scope",
    "status",
    "title",
    "description",
    "reason",
    "owner_unit_id",
    "requester_id",
    "template_id",
    "risk",
    "risk_level",
    "impact_analysis",
    "implementation_plan",
    "test_plan",
    "rollback_plan",
    "special",
    "planned",
    "schedule_sequence",
    "conflict_override",
    "dinas_test",
    "actual_start",
    "actual_end",
    "outcome",
    "outcome_notes",
    "review_findings",
    "reviewed_at",
    "review_due_at",
    "board_review_pending",
    "statuses_visited",
    "approval_requested_at",
    "decided_at",
    "version",
    "created_at",
    "updated_at",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_and_derived_fields_are_never_compared() {
        for kind in [RecordKind::Ticket, RecordKind::Change] {
            for left_out in ["reporter_name", "reporter_email", "reporter_phone", "sla_due_at", "sla_breached", "id"] {
                assert!(!kind.compared_fields().contains(&left_out), "{kind:?} compares {left_out}");
            }
        }
    }

    #[test]
    fn the_fields_the_issue_names_are_compared() {
        for field in ["status", "tier", "unit_id", "service_id", "priority", "ticket_type", "assignee_id", "title"] {
            assert!(RecordKind::Ticket.compared_fields().contains(&field), "{field}");
        }
        for field in ["resolution", "resolution_code"] {
            assert!(RecordKind::Ticket.compared_fields().contains(&field), "{field}");
        }
        for field in ["status", "risk", "risk_level", "planned", "requester_id"] {
            assert!(RecordKind::Change.compared_fields().contains(&field), "{field}");
        }
    }
}
