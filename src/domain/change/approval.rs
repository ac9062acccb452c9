//! Who must approve a change and where an approval round stands; who may
//! give each approval is `eligibility`.

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
    /// The board seat goes only to approvers outside the requesting unit
    /// and the owner PDs of the touched services (segregation of duties).
    pub board_segregation: bool,
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        Self {
            board_approvals: 1,
            owner_units_approve: true,
            dinas_approves_special: true,
            dinas_tests_special: true,
            board_segregation: true,
        }
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
    #[error(
        "The board approval must come from someone outside the requesting unit and the units that own the changed \
         services (segregation of duties)."
    )]
    NotIndependent,
    #[error("This change does not need an approval in that capacity.")]
    NotRequired,
    #[error("You have already decided on this change in this round.")]
    AlreadyDecided,
    #[error("This capacity already has the approvals it needs.")]
    AlreadySatisfied,
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
