//! Approvals: signed decisions over the change's content hash, the round's
//! tally, voiding on edit, and verification of every signature.

use std::collections::HashMap;

use diesel::prelude::*;
use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::approval_records::{capacity_of, requirements, round_casts};
pub use super::approval_records::{list, owner_units, Approval};
use super::moves::{commit, load_for, refused, MoveRequest};
use super::Change;
use crate::db::schema::change_approvals;
use crate::db::sql_types::{DbId, OptionalDbId};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::change::access::ChangeMove;
use crate::domain::change::approval::{self, Approver, Capacity, Cast, CastError, Decision, Stage, Tally};
use crate::domain::change::content::{ApprovalStatement, ApprovedContent};
use crate::domain::change::eligibility;
use crate::domain::change::workflow::{self, Command};
use crate::domain::change::{ChangeEventKind, ChangeStatus, ChangeType};
use crate::domain::journal::keys::AuditKeys;
use crate::domain::journal::Context;
use crate::domain::organisation::UnitKind;
use crate::domain::policy::Actor;
use crate::domain::role::Role;
use crate::domain::validation::ValidationErrors;

/// The content an approval covers, as the change holds it now.
pub fn content_of(change: &Change) -> ApprovedContent<'_> {
    ApprovedContent {
        change_id: change.id,
        number: &change.number,
        change_type: change.change_type,
        scope: change.scope,
        title: &change.title,
        description: &change.description,
        reason: &change.reason,
        owner_unit_id: change.owner_unit_id,
        service_ids: &change.service_ids,
        risk: change.risk,
        impact_analysis: &change.impact_analysis,
        implementation_plan: &change.implementation_plan,
        test_plan: &change.test_plan,
        rollback_plan: &change.rollback_plan,
    }
}

/// Voids the live approvals of the round (an edit of the approved content).
pub(super) fn void_all(
    conn: &mut DbConnection,
    ctx: &Context,
    change_id: Uuid,
    why: &str,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        change_approvals::table
            .filter(change_approvals::change_id.eq(DbId(change_id)))
            .filter(change_approvals::stage.eq(Stage::Approval.as_str()))
            .filter(change_approvals::voided_at.is_null()),
    )
    .set((change_approvals::voided_at.eq(ctx.now.naive_utc()), change_approvals::void_reason.eq(why)))
    .execute(conn)?)
}

/// A decision to record.
#[derive(Debug, Clone)]
pub struct CastRequest {
    pub capacity: Capacity,
    pub decision: Decision,
    pub comment: String,
}

fn cast_refused(e: CastError) -> StoreError {
    match e {
        CastError::NotAnApprover
        | CastError::OwnChange
        | CastError::NotRepresentative
        | CastError::NotDinas
        | CastError::NotIndependent => StoreError::Forbidden(e.to_string()),
        CastError::NotRequired => StoreError::Invalid(ValidationErrors::single("capacity", e.to_string())),
        CastError::AlreadyDecided | CastError::AlreadySatisfied => StoreError::Conflict(e.to_string()),
    }
}

/// Records and signs a decision: in the approval round, or, for an
/// emergency change after it started, as the board's retrospective review.
pub fn cast(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &MoveRequest<'_>,
    keys: &AuditKeys,
    cast: &CastRequest,
) -> Result<(Change, Approval), StoreError> {
    let Actor::User(approver_id) = request.principal.actor else {
        return Err(StoreError::Forbidden("Approvals are decided by people, not by service accounts.".into()));
    };
    if cast.decision == Decision::Reject && cast.comment.trim().is_empty() {
        return Err(StoreError::Invalid(ValidationErrors::single("comment", "Say why the change is rejected.")));
    }
    write_tx(conn, |conn| {
        let before = load_for(conn, request, ChangeMove::Decide)?;
        let approver = Approver {
            id: approver_id,
            unit_id: request.principal.unit_id,
            in_dinas: request.principal.unit_kind == UnitKind::Dinas,
            is_approver: request.principal.has(Role::ChangeApprover),
        };
        let existing = list(conn, before.id)?;
        let retrospective = before.change_type == ChangeType::Emergency
            && matches!(before.status, ChangeStatus::Implementing | ChangeStatus::Reviewing | ChangeStatus::Completed);
        let stage = if retrospective { Stage::Retrospective } else { Stage::Approval };
        let policy = &request.rules.policy;
        let parties = super::round::parties(conn, &before)?;
        let mut tally = None;
        if retrospective {
            if !before.board_review_pending {
                return Err(StoreError::Conflict("The board has already reviewed this emergency change.".into()));
            }
            if cast.capacity != Capacity::Board {
                return Err(StoreError::Invalid(ValidationErrors::single(
                    "capacity",
                    "The retrospective review of an emergency change is the board's to give.",
                )));
            }
            let board = [approval::Requirement { capacity: Capacity::Board, count: 1 }];
            eligibility::check_cast(&approver, Capacity::Board, &parties, policy, &board, &[]).map_err(cast_refused)?;
        } else {
            if before.status != ChangeStatus::AwaitingApproval {
                let e = workflow::next(&before.state(false), Command::Decide(Tally::Pending)).err();
                return Err(e
                    .map(refused)
                    .unwrap_or_else(|| StoreError::Conflict("The change is not awaiting approval.".into())));
            }
            let required = requirements(conn, policy, &before)?;
            let mut casts = round_casts(&existing)?;
            eligibility::check_cast(&approver, cast.capacity, &parties, policy, &required, &casts)
                .map_err(cast_refused)?;
            casts.push(Cast { approver: approver_id, capacity: cast.capacity, decision: cast.decision });
            tally = Some(approval::tally(&required, &casts));
        }
        let id = Uuid::now_v7();
        let statement = ApprovalStatement {
            approval_id: id,
            change_id: before.id,
            content_hash: content_of(&before).hash(),
            approver_id,
            capacity: cast.capacity,
            stage,
            decision: cast.decision,
            decided_at: ctx.now,
            key_id: keys.key_id.clone(),
        };
        let signature = statement.sign(&keys.signing);
        diesel::insert_into(change_approvals::table)
            .values((
                change_approvals::id.eq(DbId(id)),
                change_approvals::change_id.eq(DbId(before.id)),
                change_approvals::approver_id.eq(DbId(approver_id)),
                change_approvals::capacity.eq(cast.capacity.kind().as_str()),
                change_approvals::unit_id.eq(OptionalDbId(cast.capacity.unit())),
                change_approvals::stage.eq(stage.as_str()),
                change_approvals::decision.eq(cast.decision.as_str()),
                change_approvals::comment.eq(&cast.comment),
                change_approvals::content_hash.eq(statement.content_hash.to_vec()),
                change_approvals::key_id.eq(&keys.key_id),
                change_approvals::signature.eq(signature.to_vec()),
                change_approvals::decided_at.eq(ctx.now.naive_utc()),
            ))
            .execute(conn)?;
        let mut after = before.clone();
        let detail = json!({
            "approval_id": id, "capacity": cast.capacity.kind(), "unit_id": cast.capacity.unit(),
            "decision": cast.decision, "stage": stage, "comment": cast.comment,
        });
        let kind = match tally {
            None => {
                after.board_review_pending = false;
                ChangeEventKind::RetrospectiveRecorded
            }
            Some(tally) => {
                after.status = workflow::next(&before.state(false), Command::Decide(tally)).map_err(refused)?;
                match tally {
                    Tally::Pending => ChangeEventKind::ApprovalRecorded,
                    Tally::Approved => ChangeEventKind::Approved,
                    Tally::Rejected => ChangeEventKind::Rejected,
                }
            }
        };
        if after.status != before.status {
            after.decided_at = Some(ctx.now);
        }
        let change = commit(conn, ctx, request, &before, after, kind, detail)?;
        let approval = list(conn, change.id)?.into_iter().find(|a| a.id == id).ok_or(StoreError::NotFound)?;
        Ok((change, approval))
    })
}

/// One approval's verification.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalCheck {
    pub approval_id: Uuid,
    pub voided: bool,
    /// The key that signed it is one the service trusts.
    pub key_known: bool,
    /// The signature holds for the statement as stored.
    pub signature_valid: bool,
    /// The content it approved is the change's content now.
    pub content_matches: bool,
}

/// The verification of every approval of a change.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub change_id: Uuid,
    /// SHA-256 of the change's content now, hex.
    pub content_hash: String,
    pub approvals: Vec<ApprovalCheck>,
    /// Every signature holds and every live approval covers today's content.
    pub valid: bool,
}

pub fn verify(
    conn: &mut DbConnection,
    change: &Change,
    trusted: &HashMap<String, VerifyingKey>,
) -> Result<Verification, StoreError> {
    let now_hash = content_of(change).hash();
    let mut checks = Vec::new();
    for approval in list(conn, change.id)? {
        let hash: [u8; 32] =
            hex::decode(&approval.content_hash).ok().and_then(|h| h.try_into().ok()).unwrap_or([0; 32]);
        let statement = ApprovalStatement {
            approval_id: approval.id,
            change_id: approval.change_id,
            content_hash: hash,
            approver_id: approval.approver_id,
            capacity: capacity_of(&approval)?,
            stage: approval.stage,
            decision: approval.decision,
            decided_at: approval.decided_at,
            key_id: approval.key_id.clone(),
        };
        let signature = hex::decode(&approval.signature).unwrap_or_default();
        let key = trusted.get(&approval.key_id);
        checks.push(ApprovalCheck {
            approval_id: approval.id,
            voided: approval.voided_at.is_some(),
            key_known: key.is_some(),
            signature_valid: key.is_some_and(|k| statement.signature_holds(k, &signature)),
            content_matches: hash == now_hash,
        });
    }
    let valid = checks.iter().all(|c| c.signature_valid && (c.voided || c.content_matches));
    Ok(Verification { change_id: change.id, content_hash: hex::encode(now_hash), approvals: checks, valid })
}
