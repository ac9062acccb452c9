//! Who must approve a change, whether a cast is admissible, and where an
//! approval round stands.

use uuid::Uuid;

use super::kinds::ChangeType;
use crate::domain::text_enum::text_enum;

text_enum!(
    /// On whose behalf an approver decides.
    CapacityKind {
        /// A member of the change board (Tim Koordinasi SPBE).
        Board => "board",
        /// The representative of an owner PD of a touched service.
        OwnerUnit => "owner_unit",
        /// The Dinas, for changes touching an aplikasi khusus or the network.
        Dinas => "dinas",
    }
);

text_enum!(
    Decision {
        Approve => "approve",
        Reject => "reject",
    }
);

text_enum!(
    /// Before the change (the approval round) or after it (the board's
    /// retrospective review of an emergency change).
    Stage {
        Approval => "approval",
        Retrospective => "retrospective",
    }
);

/// A capacity with the unit it represents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capacity {
    Board,
    OwnerUnit(Uuid),
    Dinas,
}

impl Capacity {
    pub fn kind(self) -> CapacityKind {
        match self {
            Capacity::Board => CapacityKind::Board,
            Capacity::OwnerUnit(_) => CapacityKind::OwnerUnit,
            Capacity::Dinas => CapacityKind::Dinas,
        }
    }

    pub fn unit(self) -> Option<Uuid> {
        match self {
            Capacity::OwnerUnit(unit) => Some(unit),
            Capacity::Board | Capacity::Dinas => None,
        }
    }

    pub fn from_parts(kind: CapacityKind, unit: Option<Uuid>) -> Option<Self> {
        match (kind, unit) {
            (CapacityKind::Board, None) => Some(Capacity::Board),
            (CapacityKind::Dinas, None) => Some(Capacity::Dinas),
            (CapacityKind::OwnerUnit, Some(unit)) => Some(Capacity::OwnerUnit(unit)),
            _ => None,
        }
    }
}

/// The approval policy (`[changes]` in the configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalPolicy {
    /// Board members whose approval a normal change needs.
    pub board_approvals: u8,
    /// A normal change also needs each owner PD of the touched services.
    pub owner_units_approve: bool,
    /// A change touching an aplikasi khusus or the intra-government network
    /// needs the Dinas's approval …
    pub dinas_approves_special: bool,
    /// … and a passed test with the Dinas before it starts.
    pub dinas_tests_special: bool,
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        Self { board_approvals: 1, owner_units_approve: true, dinas_approves_special: true, dinas_tests_special: true }
    }
}

/// One approval required: a capacity, and how many distinct people in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    pub capacity: Capacity,
    pub count: u8,
}

/// What a change needs: `owner_units` are the owner PDs of its services,
/// `special` whether it touches an aplikasi khusus or the network.
pub fn required(
    policy: &ApprovalPolicy,
    change_type: ChangeType,
    owner_units: &[Uuid],
    special: bool,
) -> Vec<Requirement> {
    let one = |capacity| Requirement { capacity, count: 1 };
    match change_type {
        ChangeType::Standard => Vec::new(),
        // One approver to start; the board reviews afterwards.
        ChangeType::Emergency => vec![one(Capacity::Board)],
        ChangeType::Normal => {
            let mut needed = vec![Requirement { capacity: Capacity::Board, count: policy.board_approvals.max(1) }];
            if policy.owner_units_approve {
                let mut units = owner_units.to_vec();
                units.sort();
                units.dedup();
                needed.extend(units.into_iter().map(|unit| one(Capacity::OwnerUnit(unit))));
            }
            if special && policy.dinas_approves_special {
                needed.push(one(Capacity::Dinas));
            }
            needed
        }
    }
}

/// A live (not voided) decision of the approval round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cast {
    pub approver: Uuid,
    pub capacity: Capacity,
    pub decision: Decision,
}

/// Where an approval round stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tally {
    Pending,
    Approved,
    /// Any rejection rejects.
    Rejected,
}

pub fn tally(required: &[Requirement], casts: &[Cast]) -> Tally {
    if casts.iter().any(|c| c.decision == Decision::Reject) {
        return Tally::Rejected;
    }
    let met = required.iter().all(|r| {
        casts.iter().filter(|c| c.capacity == r.capacity && c.decision == Decision::Approve).count()
            >= usize::from(r.count)
    });
    if met {
        Tally::Approved
    } else {
        Tally::Pending
    }
}

/// The approver as the admissibility check sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approver {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub in_dinas: bool,
    /// Holds the `change_approver` role.
    pub is_approver: bool,
}

/// Why a decision is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CastError {
    #[error("Only change approvers (the change board) decide on changes.")]
    NotAnApprover,
    #[error("Nobody may approve their own change.")]
    OwnChange,
    #[error("You may decide only for your own unit, and this approval is another unit's.")]
    NotRepresentative,
    #[error("Only the Dinas's change approvers decide in the Dinas capacity.")]
    NotDinas,
    #[error("This change does not need an approval in that capacity.")]
    NotRequired,
    #[error("You have already decided on this change in this round.")]
    AlreadyDecided,
    #[error("This capacity already has the approvals it needs.")]
    AlreadySatisfied,
}

/// Whether `approver` may cast in `capacity` on a change requested by
/// `requester` with `required` approvals and the live `casts` so far.
pub fn check_cast(
    approver: &Approver,
    capacity: Capacity,
    requester: Uuid,
    required: &[Requirement],
    casts: &[Cast],
) -> Result<(), CastError> {
    if !approver.is_approver {
        return Err(CastError::NotAnApprover);
    }
    if approver.id == requester {
        return Err(CastError::OwnChange);
    }
    match capacity {
        Capacity::OwnerUnit(unit) if unit != approver.unit_id => return Err(CastError::NotRepresentative),
        Capacity::Dinas if !approver.in_dinas => return Err(CastError::NotDinas),
        _ => {}
    }
    let Some(requirement) = required.iter().find(|r| r.capacity == capacity) else {
        return Err(CastError::NotRequired);
    };
    if casts.iter().any(|c| c.approver == approver.id) {
        return Err(CastError::AlreadyDecided);
    }
    let in_capacity = casts.iter().filter(|c| c.capacity == capacity).count();
    if in_capacity >= usize::from(requirement.count) {
        return Err(CastError::AlreadySatisfied);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approver(unit: Uuid) -> Approver {
        Approver { id: Uuid::now_v7(), unit_id: unit, in_dinas: false, is_approver: true }
    }

    #[test]
    fn a_normal_change_needs_the_board_and_every_owner_pd_and_the_dinas_when_special() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let policy = ApprovalPolicy::default();
        let needed = required(&policy, ChangeType::Normal, &[a, b, a], true);
        let capacities: Vec<Capacity> = needed.iter().map(|r| r.capacity).collect();
        assert_eq!(capacities.len(), 4);
        assert!(capacities.contains(&Capacity::OwnerUnit(a)) && capacities.contains(&Capacity::OwnerUnit(b)));
        assert!(capacities.contains(&Capacity::Dinas));
        assert!(required(&policy, ChangeType::Standard, &[a], true).is_empty());
        assert_eq!(required(&policy, ChangeType::Emergency, &[a], true).len(), 1);
    }

    #[test]
    fn the_round_is_approved_when_every_capacity_is_met_and_rejected_by_any_rejection() {
        let unit = Uuid::now_v7();
        let needed = required(&ApprovalPolicy::default(), ChangeType::Normal, &[unit], false);
        let board = Cast { approver: Uuid::now_v7(), capacity: Capacity::Board, decision: Decision::Approve };
        assert_eq!(tally(&needed, &[board]), Tally::Pending);
        let owner = Cast { approver: Uuid::now_v7(), capacity: Capacity::OwnerUnit(unit), decision: Decision::Approve };
        assert_eq!(tally(&needed, &[board, owner]), Tally::Approved);
        let no = Cast { decision: Decision::Reject, ..owner };
        assert_eq!(tally(&needed, &[board, no]), Tally::Rejected);
    }

    #[test]
    fn casts_are_refused_for_the_own_change_twice_or_for_another_unit() {
        let (unit, other) = (Uuid::now_v7(), Uuid::now_v7());
        let needed = required(&ApprovalPolicy::default(), ChangeType::Normal, &[unit], false);
        let me = approver(unit);
        assert_eq!(check_cast(&me, Capacity::Board, me.id, &needed, &[]), Err(CastError::OwnChange));
        assert_eq!(check_cast(&me, Capacity::OwnerUnit(other), other, &needed, &[]), Err(CastError::NotRepresentative));
        assert_eq!(check_cast(&me, Capacity::Dinas, other, &needed, &[]), Err(CastError::NotDinas));
        let cast = Cast { approver: me.id, capacity: Capacity::Board, decision: Decision::Approve };
        assert_eq!(check_cast(&me, Capacity::OwnerUnit(unit), other, &needed, &[cast]), Err(CastError::AlreadyDecided));
        let colleague = approver(unit);
        assert_eq!(check_cast(&colleague, Capacity::Board, other, &needed, &[cast]), Err(CastError::AlreadySatisfied));
        assert_eq!(check_cast(&colleague, Capacity::OwnerUnit(unit), other, &needed, &[cast]), Ok(()));
        let plain = Approver { is_approver: false, ..colleague };
        assert_eq!(check_cast(&plain, Capacity::Board, other, &needed, &[]), Err(CastError::NotAnApprover));
        let dinas = Approver { in_dinas: true, ..approver(other) };
        assert_eq!(check_cast(&dinas, Capacity::Dinas, unit, &needed, &[]), Err(CastError::NotRequired));
    }
}
