//! Who may give the approvals a change needs. A seat is open to a change
//! approver who is not the requester, who belongs to the unit an owner-unit
//! seat names or to the Dinas for its seat, and, for the board, who stands
//! outside the units that asked for the change and own what it touches
//! (segregation of duties: the board's view is an outside one). From that
//! one rule: whether a decision is admissible, which seats a round still
//! misses and who may fill each, and whether the people there are can
//! complete the round at all.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::approval::{ApprovalPolicy, Approver, Capacity, Cast, CastError, Decision, Requirement};

/// The sides of a change that segregation of duties keeps off its board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parties {
    pub requester: Uuid,
    /// The change's owner unit and the requester's own unit.
    pub requesting_units: Vec<Uuid>,
    /// The owner PDs of the services the change touches.
    pub owning_units: Vec<Uuid>,
}

impl Parties {
    /// Whether a member of `unit` neither asked for the change nor owns
    /// what it changes.
    pub fn outside(&self, unit: Uuid) -> bool {
        !self.requesting_units.contains(&unit) && !self.owning_units.contains(&unit)
    }
}

/// Whether `approver` may sit in `capacity` on the change of `parties` at
/// all, whatever the round holds so far.
pub fn may_sit(
    approver: &Approver,
    capacity: Capacity,
    parties: &Parties,
    policy: &ApprovalPolicy,
) -> Result<(), CastError> {
    if !approver.is_approver {
        return Err(CastError::NotAnApprover);
    }
    if approver.id == parties.requester {
        return Err(CastError::OwnChange);
    }
    match capacity {
        Capacity::OwnerUnit(unit) if unit != approver.unit_id => Err(CastError::NotRepresentative),
        Capacity::Dinas if !approver.in_dinas => Err(CastError::NotDinas),
        Capacity::Board if policy.board_segregation && !parties.outside(approver.unit_id) => {
            Err(CastError::NotIndependent)
        }
        Capacity::Board | Capacity::OwnerUnit(_) | Capacity::Dinas => Ok(()),
    }
}

/// Whether `approver` may cast in `capacity` now, given the `required`
/// approvals and the live `casts` of the round.
pub fn check_cast(
    approver: &Approver,
    capacity: Capacity,
    parties: &Parties,
    policy: &ApprovalPolicy,
    required: &[Requirement],
    casts: &[Cast],
) -> Result<(), CastError> {
    may_sit(approver, capacity, parties, policy)?;
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

/// A capacity the round still misses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outstanding {
    pub capacity: Capacity,
    /// How many more approvals it needs.
    pub missing: u8,
    /// Who may give one now (sorted): `approvers` who may sit in it and
    /// have not decided in this round.
    pub eligible: Vec<Uuid>,
}

/// The capacities of `required` that the live `casts` leave short, each
/// with who among `approvers` may fill it.
pub fn outstanding(
    required: &[Requirement],
    casts: &[Cast],
    parties: &Parties,
    policy: &ApprovalPolicy,
    approvers: &[Approver],
) -> Vec<Outstanding> {
    required
        .iter()
        .filter_map(|r| {
            let given = casts.iter().filter(|c| c.capacity == r.capacity && c.decision == Decision::Approve).count();
            let missing = u8::try_from(usize::from(r.count).saturating_sub(given)).unwrap_or(u8::MAX);
            if missing == 0 {
                return None;
            }
            let mut eligible: Vec<Uuid> = approvers
                .iter()
                .filter(|a| !casts.iter().any(|c| c.approver == a.id))
                .filter(|a| may_sit(a, r.capacity, parties, policy).is_ok())
                .map(|a| a.id)
                .collect();
            eligible.sort();
            eligible.dedup();
            Some(Outstanding { capacity: r.capacity, missing, eligible })
        })
        .collect()
}

/// The capacities the people there are cannot fill, in `outstanding`'s
/// order; empty when the round can be completed. Each person decides once
/// per round, so two seats only one person may take leave one empty: the
/// missing approvals are matched to people (a maximum matching, by
/// augmenting paths), and what no matching fills is short.
pub fn unfillable(outstanding: &[Outstanding]) -> Vec<Capacity> {
    let slots: Vec<&Outstanding> =
        outstanding.iter().flat_map(|o| std::iter::repeat_n(o, usize::from(o.missing))).collect();
    let mut holder: HashMap<Uuid, usize> = HashMap::new();
    let mut short = Vec::new();
    for slot in 0..slots.len() {
        let mut tried = HashSet::new();
        if !assign(slot, &slots, &mut holder, &mut tried) && !short.contains(&slots[slot].capacity) {
            short.push(slots[slot].capacity);
        }
    }
    short
}

/// Gives `slot` a person, moving earlier holders to other slots they may
/// take; false when no one is left for it.
fn assign(slot: usize, slots: &[&Outstanding], holder: &mut HashMap<Uuid, usize>, tried: &mut HashSet<Uuid>) -> bool {
    for person in &slots[slot].eligible {
        if !tried.insert(*person) {
            continue;
        }
        let free = match holder.get(person) {
            None => true,
            Some(&other) => assign(other, slots, holder, tried),
        };
        if free {
            holder.insert(*person, slot);
            return true;
        }
    }
    false
}

/// How a sentence names the approval of `capacity`; `unit_name` names an
/// owner unit.
fn approval_name(capacity: Capacity, unit_name: &dyn Fn(Uuid) -> String) -> String {
    match capacity {
        Capacity::Board => "the board approval".to_owned(),
        Capacity::OwnerUnit(unit) => format!("the approval of the owning unit {}", unit_name(unit)),
        Capacity::Dinas => "the Dinas approval".to_owned(),
    }
}

/// Who may give the approval of `capacity` under `policy`.
pub fn who_may_give(capacity: Capacity, policy: &ApprovalPolicy) -> &'static str {
    match capacity {
        Capacity::Board if policy.board_segregation => {
            "a change approver from outside the requesting unit and the units that own the changed services, \
             other than the requester"
        }
        Capacity::Board => "a change approver other than the requester",
        Capacity::OwnerUnit(_) => "a change approver of that unit other than the requester",
        Capacity::Dinas => "a change approver of the Dinas other than the requester",
    }
}

/// Why approval cannot be asked for: each of the `short` capacities (from
/// [`unfillable`]) named, with who could give it.
pub fn unstaffed_message(
    short: &[Capacity],
    outstanding: &[Outstanding],
    policy: &ApprovalPolicy,
    unit_name: &dyn Fn(Uuid) -> String,
) -> String {
    let reasons: Vec<String> = short
        .iter()
        .map(|capacity| {
            let nobody = outstanding.iter().any(|o| o.capacity == *capacity && o.eligible.is_empty());
            let name = approval_name(*capacity, unit_name);
            let who = who_may_give(*capacity, policy);
            if nobody {
                format!("nobody may give {name} (it needs {who})")
            } else {
                format!("too few people may give {name}, as each decides once per round (it needs {who})")
            }
        })
        .collect();
    format!("Approval cannot be asked for yet: {}.", reasons.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::change::approval::required;
    use crate::domain::change::ChangeType;

    fn approver(unit: Uuid) -> Approver {
        Approver { id: Uuid::now_v7(), unit_id: unit, in_dinas: false, is_approver: true }
    }

    fn parties(requester: Uuid, requesting: Uuid, owning: &[Uuid]) -> Parties {
        Parties { requester, requesting_units: vec![requesting], owning_units: owning.to_vec() }
    }

    #[test]
    fn casts_are_refused_for_the_own_change_twice_or_for_another_unit() {
        let (unit, other, board_unit) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let policy = ApprovalPolicy::default();
        let needed = required(&policy, ChangeType::Normal, &[unit], false);
        let me = approver(unit);
        let mine = parties(me.id, unit, &[unit]);
        let theirs = parties(Uuid::now_v7(), unit, &[unit]);
        assert_eq!(check_cast(&me, Capacity::OwnerUnit(unit), &mine, &policy, &needed, &[]), Err(CastError::OwnChange));
        let check =
            |who: &Approver, capacity, casts: &[Cast]| check_cast(who, capacity, &theirs, &policy, &needed, casts);
        assert_eq!(check(&me, Capacity::OwnerUnit(other), &[]), Err(CastError::NotRepresentative));
        assert_eq!(check(&me, Capacity::Dinas, &[]), Err(CastError::NotDinas));
        let outsider = approver(board_unit);
        let cast = Cast { approver: outsider.id, capacity: Capacity::Board, decision: Decision::Approve };
        assert_eq!(check(&outsider, Capacity::Board, &[]), Ok(()));
        assert_eq!(check(&outsider, Capacity::OwnerUnit(board_unit), &[cast]), Err(CastError::NotRequired));
        let second = approver(board_unit);
        assert_eq!(check(&second, Capacity::Board, &[cast]), Err(CastError::AlreadySatisfied));
        let owner = Cast { approver: me.id, ..cast };
        assert_eq!(check(&me, Capacity::OwnerUnit(unit), &[owner]), Err(CastError::AlreadyDecided));
        assert_eq!(check(&me, Capacity::OwnerUnit(unit), &[cast]), Ok(()));
        let plain = Approver { is_approver: false, ..second };
        assert_eq!(check(&plain, Capacity::Board, &[]), Err(CastError::NotAnApprover));
        let dinas = Approver { in_dinas: true, ..approver(other) };
        assert_eq!(check(&dinas, Capacity::Dinas, &[]), Err(CastError::NotRequired));
    }

    #[test]
    fn the_board_seat_is_for_someone_outside_the_requesting_and_owning_units() {
        let (asking, owning, outside) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let change = parties(Uuid::now_v7(), asking, &[owning]);
        let policy = ApprovalPolicy::default();
        for unit in [asking, owning] {
            assert_eq!(may_sit(&approver(unit), Capacity::Board, &change, &policy), Err(CastError::NotIndependent));
        }
        assert_eq!(may_sit(&approver(outside), Capacity::Board, &change, &policy), Ok(()));
        // The owner unit's own seat is of course its own people's.
        assert_eq!(may_sit(&approver(owning), Capacity::OwnerUnit(owning), &change, &policy), Ok(()));
        let relaxed = ApprovalPolicy { board_segregation: false, ..policy };
        assert_eq!(may_sit(&approver(asking), Capacity::Board, &change, &relaxed), Ok(()));
        // The requester's own unit counts as requesting too.
        let via_dinas = Parties { requesting_units: vec![asking, outside], ..change };
        assert_eq!(may_sit(&approver(outside), Capacity::Board, &via_dinas, &policy), Err(CastError::NotIndependent));
    }

    #[test]
    fn a_round_lists_what_it_misses_and_who_may_give_it() {
        let (pd, dinas_unit) = (Uuid::now_v7(), Uuid::now_v7());
        let policy = ApprovalPolicy::default();
        let needed = required(&policy, ChangeType::Normal, &[pd], true);
        let (pd_approver, dinas_approver) = (approver(pd), Approver { in_dinas: true, ..approver(dinas_unit) });
        let requester = Uuid::now_v7();
        let change = parties(requester, pd, &[pd]);
        let people = [pd_approver, dinas_approver];
        let open = outstanding(&needed, &[], &change, &policy, &people);
        let seats: Vec<(Capacity, Vec<Uuid>)> = open.iter().map(|o| (o.capacity, o.eligible.clone())).collect();
        assert_eq!(
            seats,
            [
                (Capacity::Board, vec![dinas_approver.id]),
                (Capacity::OwnerUnit(pd), vec![pd_approver.id]),
                (Capacity::Dinas, vec![dinas_approver.id]),
            ]
        );
        // One Dinas approver cannot take both the board and the Dinas seat.
        assert_eq!(unfillable(&open), [Capacity::Dinas]);
        let message = unstaffed_message(&unfillable(&open), &open, &policy, &|_| "PD".to_owned());
        assert!(message.starts_with("Approval cannot be asked for yet: too few people may give the Dinas approval"));
        let second = Approver { in_dinas: true, ..approver(dinas_unit) };
        let open = outstanding(&needed, &[], &change, &policy, &[pd_approver, dinas_approver, second]);
        assert!(unfillable(&open).is_empty());
        // Once the board approved, that seat is no longer missing, nor its approver eligible.
        let cast = Cast { approver: dinas_approver.id, capacity: Capacity::Board, decision: Decision::Approve };
        let open = outstanding(&needed, &[cast], &change, &policy, &[pd_approver, dinas_approver, second]);
        assert_eq!(open.len(), 2);
        assert_eq!(open[1], Outstanding { capacity: Capacity::Dinas, missing: 1, eligible: vec![second.id] });
        // A PD nobody represents.
        let orphan = Uuid::now_v7();
        let needed = required(&policy, ChangeType::Normal, &[orphan], false);
        let open = outstanding(&needed, &[], &parties(requester, pd, &[orphan]), &policy, &people);
        assert_eq!(unfillable(&open), [Capacity::OwnerUnit(orphan)]);
        let message = unstaffed_message(&[Capacity::OwnerUnit(orphan)], &open, &policy, &|_| "DISDIK".to_owned());
        assert!(message.contains("nobody may give the approval of the owning unit DISDIK"), "{message}");
    }

    #[test]
    fn matching_moves_an_earlier_holder_to_free_a_seat() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        // The board may go to a or b, the Dinas seat only to a: a must take the Dinas seat.
        let open = [
            Outstanding { capacity: Capacity::Board, missing: 1, eligible: vec![a, b] },
            Outstanding { capacity: Capacity::Dinas, missing: 1, eligible: vec![a] },
        ];
        assert!(unfillable(&open).is_empty());
        let two_board = [Outstanding { capacity: Capacity::Board, missing: 2, eligible: vec![a] }];
        assert_eq!(unfillable(&two_board), [Capacity::Board]);
    }
}
