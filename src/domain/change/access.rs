//! Who sees a change and who may move it.
//!
//! Tier 2, supervisors, approvers, auditors and admins see every change;
//! everyone else sees the changes they requested, those of their unit, and
//! those touching a service their unit owns. Only approvers approve, and
//! nobody their own change (`approval`).

use uuid::Uuid;

use crate::domain::organisation::UnitKind;
use crate::domain::policy::{Actor, Principal};
use crate::domain::role::Role;

/// Which changes a caller sees; the store turns it into a `WHERE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeVisibility {
    All,
    /// Requested by `user`, owned by `unit`, or touching a service `unit` owns.
    Limited {
        unit: Uuid,
        user: Option<Uuid>,
    },
}

impl ChangeVisibility {
    pub fn of(principal: &Principal) -> Self {
        let sees_all = [Role::Tier2Engineer, Role::Supervisor, Role::ChangeApprover, Role::Auditor, Role::Admin];
        if sees_all.iter().any(|role| principal.has(*role)) {
            return ChangeVisibility::All;
        }
        let user = match principal.actor {
            Actor::User(id) => Some(id),
            Actor::ApiKey(_) => None,
        };
        ChangeVisibility::Limited { unit: principal.unit_id, user }
    }
}

/// What access decisions need to know about a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeFacts {
    pub owner_unit_id: Uuid,
    pub requester_id: Uuid,
}

/// The things done to changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeAction {
    Create,
    /// Edit, submit or cancel: the requester's side.
    Edit,
    /// Assess and ask for approval: the analysts.
    Assess,
    /// Schedule, start, complete: the implementers.
    Implement,
    Review,
    Approve,
    RecordDinasTest,
    /// Templates of standard changes and freeze windows.
    Administer,
    ReadReports,
}

/// Why a service account's key may not move a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Change records are moved by people, not by service accounts.")]
pub struct NotAPerson;

/// The person who moves a change: a change is decided and signed by
/// people, so an API key (a front end acting for a desk) moves none.
pub fn mover(principal: &Principal) -> Result<Uuid, NotAPerson> {
    match principal.actor {
        Actor::User(id) => Ok(id),
        Actor::ApiKey(_) => Err(NotAPerson),
    }
}

fn is_user(principal: &Principal) -> bool {
    matches!(principal.actor, Actor::User(_))
}

fn is_requester(principal: &Principal, facts: Option<&ChangeFacts>) -> bool {
    facts.is_some_and(|f| principal.actor == Actor::User(f.requester_id))
}

fn owner_desk(principal: &Principal, facts: Option<&ChangeFacts>) -> bool {
    facts.is_some_and(|f| f.owner_unit_id == principal.unit_id) && principal.has(Role::Tier1Technician)
}

/// Whether the caller may do `action` (on the change `facts` describe).
pub fn may(principal: &Principal, action: ChangeAction, facts: Option<&ChangeFacts>) -> bool {
    let dinas_staff = principal.has(Role::Tier2Engineer) || principal.has(Role::Supervisor);
    match action {
        ChangeAction::Create => {
            [Role::Tier1Technician, Role::Tier2Engineer, Role::Supervisor, Role::ChangeApprover, Role::Admin]
                .iter()
                .any(|role| principal.has(*role))
        }
        ChangeAction::Edit => is_requester(principal, facts) || owner_desk(principal, facts) || dinas_staff,
        ChangeAction::Assess => dinas_staff || principal.has(Role::ChangeApprover),
        ChangeAction::Implement => dinas_staff || owner_desk(principal, facts),
        ChangeAction::Review => is_requester(principal, facts) || owner_desk(principal, facts) || dinas_staff,
        ChangeAction::Approve => principal.has(Role::ChangeApprover) && is_user(principal),
        ChangeAction::RecordDinasTest => principal.unit_kind == UnitKind::Dinas && dinas_staff && is_user(principal),
        ChangeAction::Administer => principal.has(Role::Admin) && is_user(principal),
        ChangeAction::ReadReports => {
            [Role::Tier2Engineer, Role::Supervisor, Role::ChangeApprover, Role::Auditor, Role::Admin]
                .iter()
                .any(|role| principal.has(*role))
        }
    }
}

/// The moves of a change, each allowed by any one of its rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeMove {
    Edit,
    Submit,
    Cancel,
    Assess,
    RequestApproval,
    Schedule,
    Start,
    Complete,
    RecordDinasTest,
    Review,
    UpdateFollowUp,
    /// Link a ticket: the requester's side or the implementers.
    LinkTicket,
    /// Approve or reject, in the round or as the board's retrospective.
    Decide,
}

impl ChangeMove {
    pub fn rights(self) -> &'static [ChangeAction] {
        use ChangeAction as A;
        match self {
            ChangeMove::Edit | ChangeMove::Submit | ChangeMove::Cancel => &[A::Edit],
            ChangeMove::Assess | ChangeMove::RequestApproval => &[A::Assess],
            ChangeMove::Schedule | ChangeMove::Start | ChangeMove::Complete => &[A::Implement],
            ChangeMove::RecordDinasTest => &[A::RecordDinasTest],
            ChangeMove::Review | ChangeMove::UpdateFollowUp => &[A::Review],
            ChangeMove::LinkTicket => &[A::Edit, A::Implement],
            ChangeMove::Decide => &[A::Approve],
        }
    }
}

/// Whether the caller may make `change_move` on the change `facts` describe:
/// a person holding one of its rights (a service account's key moves no
/// change, as it files none: see [`mover`]).
pub fn may_move(principal: &Principal, change_move: ChangeMove, facts: &ChangeFacts) -> bool {
    is_user(principal) && change_move.rights().iter().any(|action| may(principal, *action, Some(facts)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::RoleSet;

    fn person(unit: Uuid, kind: UnitKind, roles: &[Role]) -> Principal {
        Principal {
            actor: Actor::User(Uuid::now_v7()),
            unit_id: unit,
            unit_kind: kind,
            roles: RoleSet::new(roles.iter().copied()).unwrap_or_else(|e| panic!("{e}")),
        }
    }

    #[test]
    fn the_dinas_and_the_board_see_everything_and_a_pd_its_own_part() {
        let (pd, dinas) = (Uuid::now_v7(), Uuid::now_v7());
        let tier1 = person(pd, UnitKind::PerangkatDaerah, &[Role::Tier1Technician]);
        assert!(
            matches!(ChangeVisibility::of(&tier1), ChangeVisibility::Limited { unit, user: Some(_) } if unit == pd)
        );
        for role in [Role::Tier2Engineer, Role::Supervisor, Role::Auditor] {
            assert_eq!(ChangeVisibility::of(&person(dinas, UnitKind::Dinas, &[role])), ChangeVisibility::All);
        }
        assert_eq!(
            ChangeVisibility::of(&person(pd, UnitKind::PerangkatDaerah, &[Role::ChangeApprover])),
            ChangeVisibility::All
        );
    }

    #[test]
    fn moves_belong_to_their_side() {
        let (pd, other, dinas) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let tier1 = person(pd, UnitKind::PerangkatDaerah, &[Role::Tier1Technician]);
        let facts = ChangeFacts { owner_unit_id: pd, requester_id: Uuid::now_v7() };
        let foreign = ChangeFacts { owner_unit_id: other, requester_id: Uuid::now_v7() };
        assert!(may(&tier1, ChangeAction::Edit, Some(&facts)));
        assert!(!may(&tier1, ChangeAction::Edit, Some(&foreign)));
        assert!(!may(&tier1, ChangeAction::Assess, Some(&facts)));
        assert!(!may(&tier1, ChangeAction::Approve, Some(&facts)));
        let reporter = person(pd, UnitKind::PerangkatDaerah, &[Role::Reporter]);
        assert!(!may(&reporter, ChangeAction::Create, None));
        let tier2 = person(dinas, UnitKind::Dinas, &[Role::Tier2Engineer]);
        assert!(may(&tier2, ChangeAction::RecordDinasTest, Some(&foreign)));
        assert!(!may(&tier1, ChangeAction::RecordDinasTest, Some(&facts)));
        // The owner's desk links a ticket as the requester's side; tier 2 as an implementer.
        assert!(may_move(&tier1, ChangeMove::LinkTicket, &facts) && may_move(&tier2, ChangeMove::LinkTicket, &foreign));
        assert!(!may_move(&reporter, ChangeMove::LinkTicket, &facts));
        // A key with the same roles moves nothing: changes are moved by people.
        let key = Principal { actor: Actor::ApiKey(Uuid::now_v7()), ..tier1.clone() };
        assert!([
            ChangeMove::Edit,
            ChangeMove::Submit,
            ChangeMove::Cancel,
            ChangeMove::Schedule,
            ChangeMove::LinkTicket
        ]
        .iter()
        .all(|m| may_move(&tier1, *m, &facts) && !may_move(&key, *m, &facts)));
    }

    #[test]
    fn people_move_changes_and_service_accounts_do_not() {
        let tier1 = person(Uuid::now_v7(), UnitKind::PerangkatDaerah, &[Role::Tier1Technician]);
        assert_eq!(mover(&tier1), Ok(tier1.actor.id()));
        let key = Principal { actor: Actor::ApiKey(Uuid::now_v7()), ..tier1 };
        assert_eq!(mover(&key), Err(NotAPerson));
    }
}
