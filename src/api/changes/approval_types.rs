//! Request and response bodies of a change's approvals: deciding, the
//! signed record, and the approvals a round still needs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::changes::round::{ApproverName, NeededApproval};
use crate::domain::change::approval::{CapacityKind, Decision, Stage};

/// Someone who may give an approval.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApproverResponse {
    pub id: Uuid,
    pub name: String,
}

/// An approval a change still needs, and who may give it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeededApprovalResponse {
    /// `board`, `owner_unit` (with `unit_id`) or `dinas`.
    pub capacity: CapacityKind,
    /// The owner PD an `owner_unit` approval is for.
    pub unit_id: Option<Uuid>,
    /// `approval` (the round) or `retrospective` (the board's review of a
    /// started emergency change).
    pub stage: Stage,
    /// How many more approvals the capacity needs.
    pub missing: u8,
    /// The active change approvers who may give one now: not the requester,
    /// not those who decided in this round, of the unit an `owner_unit`
    /// approval is for, of the Dinas for `dinas`, and for `board` from
    /// outside the requesting unit and the owner PDs of the changed
    /// services (`changes.board_segregation`). Empty: nobody may.
    pub approvers: Vec<ApproverResponse>,
}

impl From<ApproverName> for ApproverResponse {
    fn from(a: ApproverName) -> Self {
        Self { id: a.id, name: a.name }
    }
}

impl From<NeededApproval> for NeededApprovalResponse {
    fn from(n: NeededApproval) -> Self {
        Self {
            capacity: n.capacity.kind(),
            unit_id: n.capacity.unit(),
            stage: n.stage,
            missing: n.missing,
            approvers: n.approvers.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequest {
    pub decision: Decision,
    /// `board`, `owner_unit` (with `unit_id`, the PD you represent) or
    /// `dinas`: one the change's round still needs (422 otherwise; the
    /// retrospective review of an emergency change is the board's).
    pub capacity: CapacityKind,
    /// The owner PD you represent: given with the `owner_unit` capacity, and
    /// only with it (422 otherwise).
    pub unit_id: Option<Uuid>,
    /// Required, not blank, when rejecting (422 otherwise).
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalResponse {
    pub id: Uuid,
    pub change_id: Uuid,
    pub approver_id: Uuid,
    pub capacity: CapacityKind,
    pub unit_id: Option<Uuid>,
    /// `approval` (the round) or `retrospective` (an emergency change's board review).
    pub stage: String,
    pub decision: Decision,
    pub comment: String,
    /// SHA-256 (hex) of the approved content (docs/changes.md).
    pub content_hash: String,
    /// The signing key's id (first 8 bytes of the SHA-256 of its public key, hex).
    pub key_id: String,
    /// Ed25519 signature (hex) of the approval statement.
    pub signature: String,
    pub decided_at: DateTime<Utc>,
    pub voided_at: Option<DateTime<Utc>>,
    pub void_reason: Option<String>,
}

impl From<crate::db::changes::approvals::Approval> for ApprovalResponse {
    fn from(a: crate::db::changes::approvals::Approval) -> Self {
        Self {
            id: a.id,
            change_id: a.change_id,
            approver_id: a.approver_id,
            capacity: a.capacity,
            unit_id: a.unit_id,
            stage: a.stage.as_str().to_owned(),
            decision: a.decision,
            comment: a.comment,
            content_hash: a.content_hash,
            key_id: a.key_id,
            signature: a.signature,
            decided_at: a.decided_at,
            voided_at: a.voided_at,
            void_reason: a.void_reason,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalList {
    pub items: Vec<ApprovalResponse>,
    /// The public key (hex) of every key the service trusts, by key id.
    #[schema(value_type = Object)]
    pub public_keys: std::collections::BTreeMap<String, String>,
}
