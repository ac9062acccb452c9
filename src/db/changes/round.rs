//! The approval round and the people there are: a change's parties, the
//! change approvers who could sit, the approvals still missing with who may
//! give each (`domain::change::eligibility` decides), and the check that
//! a round about to open can be completed.

use diesel::prelude::*;
use uuid::Uuid;

use super::approval_records::{list, requirements, round_casts};
use super::Change;
use crate::db::schema::{units, users};
use crate::db::sql_types::DbId;
use crate::db::{units as unit_store, DbConnection, StoreError};
use crate::domain::change::approval::{ApprovalPolicy, Approver, Capacity, Requirement, Stage};
use crate::domain::change::eligibility::{self, Outstanding, Parties};
use crate::domain::change::ChangeStatus;
use crate::domain::organisation::UnitKind;
use crate::domain::role::{Role, RoleSet};

/// Someone who may give an approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApproverName {
    pub id: Uuid,
    pub name: String,
}

/// An approval a change still needs, and who may give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeededApproval {
    pub capacity: Capacity,
    /// `approval` (the round) or `retrospective` (the board's review of an
    /// emergency change after it started).
    pub stage: Stage,
    /// How many more approvals the capacity needs.
    pub missing: u8,
    /// The active change approvers who may give one now, by name.
    pub approvers: Vec<ApproverName>,
}

/// The requester, the requesting units (the change's owner unit and the
/// requester's unit) and the owner PDs of its services.
pub fn parties(conn: &mut DbConnection, change: &Change) -> Result<Parties, StoreError> {
    let requester_unit: Option<Uuid> =
        users::table.find(DbId(change.requester_id)).select(users::unit_id).first(conn).optional()?;
    let mut requesting_units = vec![change.owner_unit_id];
    if let Some(unit) = requester_unit {
        requesting_units.push(unit);
    }
    requesting_units.sort();
    requesting_units.dedup();
    let mut owning_units = super::approval_records::owner_units(conn, change)?;
    owning_units.sort();
    owning_units.dedup();
    Ok(Parties { requester: change.requester_id, requesting_units, owning_units })
}

type CandidateRow = (Uuid, Uuid, UnitKind, String, String);

/// Every active change approver, with their name.
fn candidates(conn: &mut DbConnection) -> Result<Vec<(Approver, String)>, StoreError> {
    let rows: Vec<CandidateRow> = users::table
        .inner_join(units::table)
        .filter(users::active.eq(true))
        .filter(users::roles.like(format!("%{}%", Role::ChangeApprover.as_str())))
        .order(users::id)
        .select((users::id, users::unit_id, units::kind, users::name, users::roles))
        .load(conn)?;
    let mut found = Vec::new();
    for (id, unit, kind, name, roles) in rows {
        let roles = RoleSet::from_stored(&roles).map_err(|e| StoreError::Corrupt(format!("user roles: {e}")))?;
        if !roles.contains(Role::ChangeApprover) {
            continue;
        }
        let approver = Approver { id, unit_id: unit, in_dinas: kind == UnitKind::Dinas, is_approver: true };
        found.push((approver, name));
    }
    Ok(found)
}

/// What the round `change` is in (if any) still misses, under `policy`:
/// the approval round while it awaits approval, the board's review of a
/// started emergency change, nothing otherwise.
fn open_seats(
    conn: &mut DbConnection,
    policy: &ApprovalPolicy,
    change: &Change,
    people: &[(Approver, String)],
) -> Result<(Stage, Vec<Outstanding>), StoreError> {
    let approvers: Vec<Approver> = people.iter().map(|(a, _)| *a).collect();
    let parties = parties(conn, change)?;
    if change.status == ChangeStatus::AwaitingApproval {
        let required = requirements(conn, policy, change)?;
        let casts = round_casts(&list(conn, change.id)?)?;
        let open = eligibility::outstanding(&required, &casts, &parties, policy, &approvers);
        return Ok((Stage::Approval, open));
    }
    let board = [Requirement { capacity: Capacity::Board, count: 1 }];
    let open = eligibility::outstanding(&board, &[], &parties, policy, &approvers);
    Ok((Stage::Retrospective, open))
}

/// Whether a round is open on `change`: it awaits approval, or the board's
/// review of an emergency change.
fn in_a_round(change: &Change) -> bool {
    change.status == ChangeStatus::AwaitingApproval || change.board_review_pending
}

/// The approvals `change` still needs and who may give each (empty when no
/// round is open).
pub fn needed(
    conn: &mut DbConnection,
    policy: &ApprovalPolicy,
    change: &Change,
) -> Result<Vec<NeededApproval>, StoreError> {
    if !in_a_round(change) {
        return Ok(Vec::new());
    }
    let people = candidates(conn)?;
    let (stage, open) = open_seats(conn, policy, change, &people)?;
    let name_of = |id: &Uuid| people.iter().find(|(a, _)| a.id == *id).map(|(_, name)| name.clone());
    Ok(open
        .into_iter()
        .map(|o| NeededApproval {
            capacity: o.capacity,
            stage,
            missing: o.missing,
            approvers: o.eligible.iter().filter_map(|id| Some(ApproverName { id: *id, name: name_of(id)? })).collect(),
        })
        .collect())
}

/// Who is asked to decide on `change` now: everyone who may give an
/// approval it still needs.
pub fn asked(conn: &mut DbConnection, policy: &ApprovalPolicy, change: &Change) -> Result<Vec<Uuid>, StoreError> {
    if !in_a_round(change) {
        return Ok(Vec::new());
    }
    let people = candidates(conn)?;
    let (_, open) = open_seats(conn, policy, change, &people)?;
    let mut asked: Vec<Uuid> = open.into_iter().flat_map(|o| o.eligible).collect();
    asked.sort();
    asked.dedup();
    Ok(asked)
}

/// Refuses (409, naming the capacities) to open the round of `change`
/// (about to await approval) when the people there are cannot complete it.
pub(super) fn check_staffed(
    conn: &mut DbConnection,
    policy: &ApprovalPolicy,
    change: &Change,
) -> Result<(), StoreError> {
    let people = candidates(conn)?;
    let approvers: Vec<Approver> = people.iter().map(|(a, _)| *a).collect();
    let parties = parties(conn, change)?;
    let required = requirements(conn, policy, change)?;
    let casts = round_casts(&list(conn, change.id)?)?;
    let open = eligibility::outstanding(&required, &casts, &parties, policy, &approvers);
    let short = eligibility::unfillable(&open);
    if short.is_empty() {
        return Ok(());
    }
    let mut names = Vec::new();
    for capacity in &short {
        if let Capacity::OwnerUnit(unit) = capacity {
            names.push((*unit, unit_store::find(conn, *unit)?.name));
        }
    }
    let unit_name = |unit: Uuid| {
        names.iter().find(|(id, _)| *id == unit).map_or_else(|| unit.to_string(), |(_, name)| name.clone())
    };
    Err(StoreError::Conflict(eligibility::unstaffed_message(&short, &open, policy, &unit_name)))
}
