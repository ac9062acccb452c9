//! A change's stored approvals (voided ones included), the live decisions
//! of its approval round, and the approvals its policy requires: what the
//! round (`round`) and the decisions (`approvals`) both read.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::Change;
use crate::db::schema::{change_approvals, services};
use crate::db::sql_types::{db_ids, DbId};
use crate::db::{DbConnection, StoreError};
use crate::domain::change::approval::{self, Capacity, CapacityKind, Cast, Decision, Stage};

/// A stored approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approval {
    pub id: Uuid,
    pub change_id: Uuid,
    pub approver_id: Uuid,
    pub capacity: CapacityKind,
    pub unit_id: Option<Uuid>,
    pub stage: Stage,
    pub decision: Decision,
    pub comment: String,
    /// SHA-256 of the approved content, hex.
    pub content_hash: String,
    pub key_id: String,
    /// Ed25519 signature of the statement, hex.
    pub signature: String,
    pub decided_at: DateTime<Utc>,
    pub voided_at: Option<DateTime<Utc>>,
    pub void_reason: Option<String>,
}

type Row = (
    Uuid,
    Uuid,
    Uuid,
    CapacityKind,
    Option<Uuid>,
    Stage,
    Decision,
    String,
    Vec<u8>,
    String,
    Vec<u8>,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<String>,
);

pub(super) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("change approval: {e}"))
}

fn from_row(row: Row) -> Result<Approval, StoreError> {
    let (id, change, approver, capacity, unit, stage, decision, comment, hash, key_id, signature, at, voided, why) =
        row;
    Ok(Approval {
        id,
        change_id: change,
        approver_id: approver,
        capacity,
        unit_id: unit,
        stage,
        decision,
        comment,
        content_hash: hex::encode(hash),
        key_id,
        signature: hex::encode(signature),
        decided_at: at.and_utc(),
        voided_at: voided.map(|t| t.and_utc()),
        void_reason: why,
    })
}

/// Every approval of a change, oldest first (voided ones included).
pub fn list(conn: &mut DbConnection, change_id: Uuid) -> Result<Vec<Approval>, StoreError> {
    let rows: Vec<Row> = change_approvals::table
        .filter(change_approvals::change_id.eq(DbId(change_id)))
        .order((change_approvals::decided_at, change_approvals::id))
        .select((
            change_approvals::id,
            change_approvals::change_id,
            change_approvals::approver_id,
            change_approvals::capacity,
            change_approvals::unit_id,
            change_approvals::stage,
            change_approvals::decision,
            change_approvals::comment,
            change_approvals::content_hash,
            change_approvals::key_id,
            change_approvals::signature,
            change_approvals::decided_at,
            change_approvals::voided_at,
            change_approvals::void_reason,
        ))
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

pub(super) fn capacity_of(a: &Approval) -> Result<Capacity, StoreError> {
    Capacity::from_parts(a.capacity, a.unit_id).ok_or_else(|| corrupt("capacity without its unit"))
}

/// The live decisions of the approval round among `approvals`.
pub(super) fn round_casts(approvals: &[Approval]) -> Result<Vec<Cast>, StoreError> {
    approvals
        .iter()
        .filter(|a| a.voided_at.is_none() && a.stage == Stage::Approval)
        .map(|a| Ok(Cast { approver: a.approver_id, capacity: capacity_of(a)?, decision: a.decision }))
        .collect()
}

/// The owner PDs of the change's services.
pub fn owner_units(conn: &mut DbConnection, change: &Change) -> Result<Vec<Uuid>, StoreError> {
    let keys = db_ids(&change.service_ids);
    Ok(services::table.filter(services::id.eq_any(keys)).select(services::owner_unit_id).load(conn)?)
}

/// The approvals the change's round needs.
pub fn requirements(
    conn: &mut DbConnection,
    policy: &approval::ApprovalPolicy,
    change: &Change,
) -> Result<Vec<approval::Requirement>, StoreError> {
    let owners = owner_units(conn, change)?;
    Ok(approval::required(policy, change.change_type, &owners, change.special))
}
