//! Request and response bodies of `/api/v1/changes`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::approval_types::NeededApprovalResponse;
use super::conflict_types::{ConflictReportResponse, WindowResponse};
use crate::db::changes::round::NeededApproval;
use crate::db::changes::{Change, ConflictOverride, DinasTest, FollowUp, LinkedTicket};
use crate::domain::change::access::ChangeVisibility;
use crate::domain::change::risk::{RiskAssessment, RiskLevel};
use crate::domain::change::{ChangeScope, ChangeStatus, ChangeType, Outcome, Phase};

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChangeRequest {
    pub change_type: ChangeType,
    /// Required unless a template gives it.
    pub scope: Option<ChangeScope>,
    /// Required unless a template gives it.
    pub title: Option<String>,
    /// Required unless a template gives it.
    pub description: Option<String>,
    /// Why the change is needed.
    pub reason: String,
    /// The unit that owns the change, an active one; the caller's own unit
    /// when absent. A Perangkat Daerah raises changes for itself (422
    /// otherwise).
    pub owner_unit_id: Option<Uuid>,
    /// The Layanan SPBE it touches, active ones, at least one (422
    /// otherwise); a standard change takes its template's instead.
    #[serde(default)]
    pub service_ids: Vec<Uuid>,
    /// Tickets that asked for or caused the change, each one the caller may
    /// read (422 otherwise).
    #[serde(default)]
    pub ticket_ids: Vec<Uuid>,
    /// A standard change's pre-approved template, an active one: required
    /// for a standard change, refused for any other (422).
    pub template_id: Option<Uuid>,
    /// May come later, but is required, with the four plans below, before
    /// the change is submitted for approval.
    pub risk: Option<RiskAssessment>,
    /// Risk and impact analysis. Like the three plans, it may be left out
    /// and written later (`PATCH`); given, it is not blank (422).
    pub impact_analysis: Option<String>,
    /// How the change is carried out.
    pub implementation_plan: Option<String>,
    /// How it is tested.
    pub test_plan: Option<String>,
    /// How it is undone.
    pub rollback_plan: Option<String>,
}

/// Fields to change; absent fields stay (a plan given is not blank: 422).
/// Editing approved content voids the approvals.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateChangeRequest {
    pub title: Option<String>,
    pub description: Option<String>,
    pub reason: Option<String>,
    /// Not of a standard change, which follows its template (422).
    pub scope: Option<ChangeScope>,
    /// Active services (422 otherwise); not of a standard change, which
    /// follows its template (422).
    pub service_ids: Option<Vec<Uuid>>,
    pub risk: Option<RiskAssessment>,
    pub impact_analysis: Option<String>,
    pub implementation_plan: Option<String>,
    pub test_plan: Option<String>,
    pub rollback_plan: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedTicketResponse {
    pub ticket_id: Uuid,
    pub number: String,
    /// `origin` or `caused`.
    pub relation: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpResponse {
    pub position: i32,
    pub action: String,
    pub owner_id: Uuid,
    pub due_on: NaiveDate,
    pub done: bool,
    pub done_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DinasTestResponse {
    pub passed: bool,
    pub notes: String,
    pub tested_by: Uuid,
    pub tested_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictOverrideResponse {
    pub reason: String,
    pub by: Uuid,
    pub at: DateTime<Utc>,
    /// The conflicts overridden. Other changes are named only to callers
    /// who see every change; others read them through `/conflicts`, which
    /// names those they may read.
    pub conflicts: ConflictReportResponse,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeResponse {
    pub id: Uuid,
    pub number: String,
    pub change_type: ChangeType,
    pub scope: ChangeScope,
    pub status: ChangeStatus,
    /// The regulation's phase of the status (none once cancelled).
    pub phase: Option<Phase>,
    pub title: String,
    pub description: String,
    pub reason: String,
    pub owner_unit_id: Uuid,
    pub requester_id: Uuid,
    pub template_id: Option<Uuid>,
    pub service_ids: Vec<Uuid>,
    pub tickets: Vec<LinkedTicketResponse>,
    pub risk: Option<RiskAssessment>,
    pub risk_level: Option<RiskLevel>,
    pub impact_analysis: String,
    pub implementation_plan: String,
    pub test_plan: String,
    pub rollback_plan: String,
    /// Touches an aplikasi khusus or the intra-government network.
    pub special: bool,
    pub planned_window: Option<WindowResponse>,
    /// Raised by every reschedule (the iCalendar SEQUENCE).
    pub schedule_sequence: i32,
    pub conflict_override: Option<ConflictOverrideResponse>,
    pub dinas_test: Option<DinasTestResponse>,
    pub actual_start: Option<DateTime<Utc>>,
    pub actual_end: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    pub outcome_notes: Option<String>,
    pub review_findings: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_due_at: Option<DateTime<Utc>>,
    pub follow_ups: Vec<FollowUpResponse>,
    /// An emergency change awaiting the board's retrospective review.
    pub board_review_pending: bool,
    pub approval_requested_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The approvals the open round (awaiting approval, or the board's
    /// review of a started emergency change) still needs, each with who may
    /// give it; empty when no round is open. In every answer about one
    /// change; left out of lists and the schedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approvals_needed: Option<Vec<NeededApprovalResponse>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<LinkedTicket> for LinkedTicketResponse {
    fn from(t: LinkedTicket) -> Self {
        Self { ticket_id: t.ticket_id, number: t.number, relation: t.relation }
    }
}

impl From<FollowUp> for FollowUpResponse {
    fn from(f: FollowUp) -> Self {
        Self {
            position: f.position,
            action: f.action,
            owner_id: f.owner_id,
            due_on: f.due_on,
            done: f.done,
            done_at: f.done_at,
        }
    }
}

impl From<DinasTest> for DinasTestResponse {
    fn from(t: DinasTest) -> Self {
        Self { passed: t.passed, notes: t.notes, tested_by: t.tested_by, tested_at: t.tested_at }
    }
}

impl ConflictOverrideResponse {
    fn seen_by(o: ConflictOverride, visibility: ChangeVisibility) -> Self {
        let conflicts = match visibility {
            ChangeVisibility::All => o.conflicts,
            ChangeVisibility::Limited { .. } => o.conflicts.without_changes_named(),
        };
        Self { reason: o.reason, by: o.by, at: o.at, conflicts: conflicts.into() }
    }
}

impl ChangeResponse {
    /// The change as a caller with `visibility` reads it (in a list: no
    /// `approvals_needed`).
    pub fn seen_by(c: Change, visibility: ChangeVisibility) -> Self {
        Self {
            id: c.id,
            number: c.number,
            change_type: c.change_type,
            scope: c.scope,
            status: c.status,
            phase: c.status.phase(),
            title: c.title,
            description: c.description,
            reason: c.reason,
            owner_unit_id: c.owner_unit_id,
            requester_id: c.requester_id,
            template_id: c.template_id,
            service_ids: c.service_ids,
            tickets: c.tickets.into_iter().map(Into::into).collect(),
            risk: c.risk,
            risk_level: c.risk_level,
            impact_analysis: c.impact_analysis,
            implementation_plan: c.implementation_plan,
            test_plan: c.test_plan,
            rollback_plan: c.rollback_plan,
            special: c.special,
            planned_window: c.planned.map(|w| WindowResponse { start: w.start, end: w.end }),
            schedule_sequence: c.schedule_sequence,
            conflict_override: c.conflict_override.map(|o| ConflictOverrideResponse::seen_by(o, visibility)),
            dinas_test: c.dinas_test.map(Into::into),
            actual_start: c.actual_start,
            actual_end: c.actual_end,
            outcome: c.outcome,
            outcome_notes: c.outcome_notes,
            review_findings: c.review_findings,
            reviewed_at: c.reviewed_at,
            review_due_at: c.review_due_at,
            follow_ups: c.follow_ups.into_iter().map(Into::into).collect(),
            board_review_pending: c.board_review_pending,
            approval_requested_at: c.approval_requested_at,
            decided_at: c.decided_at,
            approvals_needed: None,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }

    /// The change read alone, with what its round still needs.
    pub fn with_needs(mut self, needed: Vec<NeededApproval>) -> Self {
        self.approvals_needed = Some(needed.into_iter().map(Into::into).collect());
        self
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    pub items: Vec<ChangeResponse>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChangeQuery {
    pub status: Option<ChangeStatus>,
    pub change_type: Option<ChangeType>,
    pub scope: Option<ChangeScope>,
    pub service_id: Option<Uuid>,
    pub owner_unit_id: Option<Uuid>,
    /// `created` (oldest first, the default) or `-created`.
    #[param(value_type = Option<ChangeListSort>)]
    pub sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleChangeRequest {
    /// Not in the past (422 otherwise).
    pub planned_start: DateTime<Utc>,
    /// After `planned_start`, and at most 31 days after it (422 otherwise).
    pub planned_end: DateTime<Utc>,
    /// Go ahead despite conflicts (recorded and shown on the change).
    pub override_reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteChangeRequest {
    pub outcome: Outcome,
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpRequest {
    pub action: String,
    /// The user who owns the action: an active one (422 otherwise).
    pub owner_id: Uuid,
    pub due_on: NaiveDate,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewChangeRequest {
    /// What the post-implementation review found.
    pub findings: String,
    /// Follow-up actions, at most 50: at least one after a failed or
    /// rolled-back change (422 otherwise).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub follow_ups: Vec<FollowUpRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelChangeRequest {
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DinasTestRequest {
    pub passed: bool,
    pub notes: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpUpdateRequest {
    pub done: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkTicketRequest {
    /// A ticket the caller may read (422 otherwise).
    pub ticket_id: Uuid,
    /// `origin` (asked for or caused the change) or `caused` (an incident it caused).
    #[schema(value_type = ChangeTicketRelation)]
    pub relation: String,
}

/// The sorts a change list takes (`created` when none is given).
pub const SORTS: [&str; 2] = ["created", "-created"];

crate::api::openapi_values::string_enum!(
    /// The sorts of the change list.
    ChangeListSort = SORTS
);

/// How a ticket relates to a change.
pub const RELATIONS: [&str; 2] = ["origin", "caused"];

crate::api::openapi_values::string_enum!(
    /// How a ticket relates to a change.
    ChangeTicketRelation = RELATIONS
);
