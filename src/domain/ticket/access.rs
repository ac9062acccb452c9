//! Who sees which tickets and who may move them.
//!
//! Reporters see their own tickets; a tier-1 desk its unit's; tier 2 what is
//! or ever was at tier 2 (and services it takes directly); supervisors,
//! auditors and admins everything. Only desk roles move tickets: admins
//! manage the system and auditors only read.

use uuid::Uuid;

use super::workflow::CommandKind;
use super::{Status, Tier};
use crate::domain::policy::{Actor, Principal};
use crate::domain::role::Role;

/// The facts about a ticket that access decisions need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketFacts {
    pub unit_id: Uuid,
    pub tier: Tier,
    pub reporter_id: Option<Uuid>,
    pub created_by: Uuid,
    /// At tier 2 now, escalated before, or for a service tier 2 takes directly.
    pub tier2_involved: bool,
}

/// The union of the ticket sets a caller may see; the store turns it into
/// one `WHERE a OR b OR …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TicketScope {
    pub all: bool,
    pub unit: Option<Uuid>,
    pub tier2: bool,
    pub reporter: Option<Uuid>,
    pub creator: Option<Uuid>,
}

impl TicketScope {
    /// The scope as a union of single-condition scopes (itself when it
    /// sees everything or nothing), so each can be read on its own.
    pub fn parts(&self) -> Vec<TicketScope> {
        if self.all {
            return vec![*self];
        }
        let none = TicketScope::default();
        let mut parts = Vec::new();
        if let Some(unit) = self.unit {
            parts.push(TicketScope { unit: Some(unit), ..none });
        }
        if self.tier2 {
            parts.push(TicketScope { tier2: true, ..none });
        }
        if let Some(reporter) = self.reporter {
            parts.push(TicketScope { reporter: Some(reporter), ..none });
        }
        if let Some(creator) = self.creator {
            parts.push(TicketScope { creator: Some(creator), ..none });
        }
        if parts.is_empty() {
            parts.push(*self);
        }
        parts
    }

    /// The parts still needed to read the tickets of one unit or one tier
    /// (`None`: any): a part that another part covers entirely under that
    /// filter is left out. A tier-2 engineer's own tickets at tier 2 are
    /// tier 2's; a tier-1 desk's own unit is its unit part. Reading the
    /// covered part anyway is not only wasted: its index (the person's) is
    /// not the one the planner picks when the filter's index serves the
    /// sort, and it then walks the whole queue to find the person's few.
    pub fn parts_under(&self, unit: Option<Uuid>, tier: Option<Tier>) -> Vec<TicketScope> {
        let parts = self.parts();
        if parts.len() == 1 {
            return parts;
        }
        let covers =
            |part: &TicketScope| (part.unit.is_some() && part.unit == unit) || (part.tier2 && tier == Some(Tier::Two));
        match parts.iter().find(|p| covers(p)) {
            Some(covering) => vec![*covering],
            None => parts,
        }
    }

    pub fn of(principal: &Principal) -> Self {
        let has = |role| principal.has(role);
        let all = has(Role::Supervisor) || has(Role::Auditor) || has(Role::Admin);
        let (reporter, creator) = match principal.actor {
            Actor::User(id) => (Some(id), None),
            // A front end's key sees what it filed, besides its roles' scope.
            Actor::ApiKey(id) => (None, Some(id)),
        };
        Self {
            all,
            unit: has(Role::Tier1Technician).then_some(principal.unit_id),
            tier2: has(Role::Tier2Engineer),
            reporter,
            creator,
        }
    }

    pub fn sees(&self, ticket: &TicketFacts) -> bool {
        self.all
            || self.unit == Some(ticket.unit_id)
            || (self.tier2 && ticket.tier2_involved)
            || (self.reporter.is_some() && self.reporter == ticket.reporter_id)
            || self.creator == Some(ticket.created_by)
    }
}

/// Whether the caller works the ticket's current queue.
pub fn works_queue(principal: &Principal, ticket: &TicketFacts) -> bool {
    principal.has(Role::Supervisor)
        || match ticket.tier {
            Tier::One => principal.has(Role::Tier1Technician) && principal.unit_id == ticket.unit_id,
            Tier::Two => principal.has(Role::Tier2Engineer),
        }
}

/// Desk staff of the ticket: may read internal comments and write them.
pub fn is_staff(principal: &Principal, ticket: &TicketFacts) -> bool {
    works_queue(principal, ticket)
        || principal.has(Role::Auditor)
        || principal.has(Role::Admin)
        || (principal.has(Role::Tier1Technician) && principal.unit_id == ticket.unit_id)
        || (principal.has(Role::Tier2Engineer) && ticket.tier2_involved)
}

fn is_reporter(principal: &Principal, ticket: &TicketFacts) -> bool {
    matches!(principal.actor, Actor::User(id) if Some(id) == ticket.reporter_id)
}

/// Whether the caller may apply `kind` to the ticket (the workflow decides
/// separately whether the ticket's state permits it).
pub fn may(principal: &Principal, ticket: &TicketFacts, kind: CommandKind) -> bool {
    match kind {
        CommandKind::Assign
        | CommandKind::Start
        | CommandKind::Pend
        | CommandKind::Resume
        | CommandKind::Resolve
        | CommandKind::Escalate
        | CommandKind::Return => works_queue(principal, ticket),
        CommandKind::Close => works_queue(principal, ticket) || is_reporter(principal, ticket),
        CommandKind::Reopen => is_reporter(principal, ticket) || principal.has(Role::Supervisor),
    }
}

/// Whether the caller may edit the ticket: the desk working it edits
/// everything; its reporter only the title and description (`text_only`)
/// while it is still `new`.
pub fn may_edit(principal: &Principal, ticket: &TicketFacts, status: Status, text_only: bool) -> bool {
    works_queue(principal, ticket) || (is_reporter(principal, ticket) && status == Status::New && text_only)
}

/// Whether the reporter may rate the service they received.
pub fn may_rate(principal: &Principal, ticket: &TicketFacts) -> bool {
    is_reporter(principal, ticket)
}

/// Whether a comment may be written: by the reporter (public only) or the
/// desks handling the ticket. Admins and auditors do not take part in the
/// conversation. (A closed ticket takes no comments at all: the store
/// refuses them, since it sits in no queue and reopening is the way back.)
pub fn may_comment(principal: &Principal, ticket: &TicketFacts, internal: bool) -> bool {
    let desk = works_queue(principal, ticket)
        || (principal.has(Role::Tier1Technician) && principal.unit_id == ticket.unit_id)
        || (principal.has(Role::Tier2Engineer) && ticket.tier2_involved);
    let reporter = is_reporter(principal, ticket) || TicketScope::of(principal).creator == Some(ticket.created_by);
    desk || (reporter && !internal)
}

/// Whether `candidate` may be assigned a ticket at `tier` of `ticket_unit`.
pub fn eligible_assignee(
    tier: Tier,
    ticket_unit: Uuid,
    candidate_unit: Uuid,
    candidate_roles: &[Role],
    active: bool,
) -> bool {
    active
        && match tier {
            Tier::One => candidate_roles.contains(&Role::Tier1Technician) && candidate_unit == ticket_unit,
            Tier::Two => candidate_roles.contains(&Role::Tier2Engineer),
        }
}

/// Whether the caller may file a ticket for `unit_id`, for themself
/// (`on_behalf = false`) or for someone else.
pub fn may_create(principal: &Principal, unit_id: Uuid, on_behalf: bool) -> bool {
    if principal.has(Role::Supervisor) {
        return true;
    }
    let own_unit = principal.unit_id == unit_id;
    if on_behalf {
        own_unit && (principal.has(Role::Tier1Technician) || matches!(principal.actor, Actor::ApiKey(_)))
    } else {
        own_unit && principal.roles.iter().any(|r| r != Role::Auditor)
    }
}

/// Whether the caller may file a ticket for anyone at all (for its own
/// unit, the widest [`may_create`] grants but a supervisor's).
pub fn may_file_any(principal: &Principal) -> bool {
    may_create(principal, principal.unit_id, false) || may_create(principal, principal.unit_id, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::organisation::UnitKind;
    use crate::domain::role::RoleSet;

    const PD_A: Uuid = Uuid::from_u128(100);
    const PD_B: Uuid = Uuid::from_u128(200);

    fn person(id: u128, unit: Uuid, roles: &[Role]) -> Principal {
        Principal {
            actor: Actor::User(Uuid::from_u128(id)),
            unit_id: unit,
            unit_kind: UnitKind::PerangkatDaerah,
            roles: RoleSet::new(roles.iter().copied()).unwrap(),
        }
    }

    #[test]
    fn the_reporter_edits_only_the_text_of_a_new_ticket_and_the_desk_everything() {
        let reporter = person(7, PD_B, &[Role::Reporter]);
        let desk = person(8, PD_A, &[Role::Tier1Technician]);
        let ticket = TicketFacts {
            unit_id: PD_A,
            tier: Tier::One,
            reporter_id: Some(Uuid::from_u128(7)),
            created_by: Uuid::from_u128(8),
            tier2_involved: false,
        };
        assert!(may_edit(&reporter, &ticket, Status::New, true));
        assert!(!may_edit(&reporter, &ticket, Status::New, false));
        assert!(!may_edit(&reporter, &ticket, Status::InProgress, true));
        assert!(may_edit(&desk, &ticket, Status::InProgress, false));
        assert!(!may_edit(&person(9, PD_B, &[Role::Tier1Technician]), &ticket, Status::New, true));
    }

    #[test]
    fn a_scope_splits_into_one_part_per_condition() {
        let both = TicketScope::of(&person(1, PD_A, &[Role::Tier1Technician, Role::Tier2Engineer]));
        let parts = both.parts();
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert_eq!(parts[0], TicketScope { unit: Some(PD_A), ..TicketScope::default() });
        assert_eq!(parts[1], TicketScope { tier2: true, ..TicketScope::default() });
        assert_eq!(parts[2], TicketScope { reporter: Some(Uuid::from_u128(1)), ..TicketScope::default() });
        let supervisor = TicketScope::of(&person(2, PD_A, &[Role::Supervisor]));
        assert_eq!(supervisor.parts(), vec![supervisor]);
        assert_eq!(TicketScope::default().parts(), vec![TicketScope::default()]);
    }

    #[test]
    fn a_part_that_covers_the_filter_is_read_alone() {
        let engineer = TicketScope::of(&person(1, PD_A, &[Role::Tier2Engineer]));
        assert_eq!(
            engineer.parts_under(None, Some(Tier::Two)),
            vec![TicketScope { tier2: true, ..TicketScope::default() }]
        );
        assert_eq!(engineer.parts_under(None, Some(Tier::One)), engineer.parts());
        assert_eq!(engineer.parts_under(Some(PD_A), None), engineer.parts());
        let technician = TicketScope::of(&person(2, PD_A, &[Role::Tier1Technician]));
        assert_eq!(
            technician.parts_under(Some(PD_A), None),
            vec![TicketScope { unit: Some(PD_A), ..TicketScope::default() }]
        );
        assert_eq!(technician.parts_under(Some(PD_B), None), technician.parts());
        let supervisor = TicketScope::of(&person(3, PD_A, &[Role::Supervisor]));
        assert_eq!(supervisor.parts_under(Some(PD_A), Some(Tier::Two)), vec![supervisor]);
    }

    proptest::proptest! {
        /// Under a unit or tier filter, the parts left see exactly what the
        /// whole scope sees (a ticket at tier 2 is always tier-2 involved).
        #[test]
        fn the_parts_under_a_filter_see_what_the_scope_sees(
            roles in proptest::sample::subsequence(vec![Role::Tier1Technician, Role::Tier2Engineer, Role::Reporter], 1..=3),
            ticket_unit_is_a in proptest::bool::ANY,
            at_tier2 in proptest::bool::ANY,
            escalated_before in proptest::bool::ANY,
            own in proptest::bool::ANY,
            filter_unit in proptest::option::of(proptest::bool::ANY),
            filter_tier in proptest::option::of(proptest::bool::ANY),
        ) {
            let caller = person(1, PD_A, &roles);
            let scope = TicketScope::of(&caller);
            let tier = if at_tier2 { Tier::Two } else { Tier::One };
            let ticket = TicketFacts {
                unit_id: if ticket_unit_is_a { PD_A } else { PD_B },
                tier,
                reporter_id: Some(Uuid::from_u128(if own { 1 } else { 9 })),
                created_by: Uuid::from_u128(9),
                tier2_involved: at_tier2 || escalated_before,
            };
            let unit = filter_unit.map(|a| if a { PD_A } else { PD_B });
            let tier_filter = filter_tier.map(|two| if two { Tier::Two } else { Tier::One });
            let matches = unit.is_none_or(|u| u == ticket.unit_id) && tier_filter.is_none_or(|t| t == ticket.tier);
            if matches {
                let parts = scope.parts_under(unit, tier_filter);
                proptest::prop_assert_eq!(scope.sees(&ticket), parts.iter().any(|p| p.sees(&ticket)));
            }
        }
    }

    fn ticket(tier: Tier, tier2_involved: bool) -> TicketFacts {
        TicketFacts {
            unit_id: PD_A,
            tier,
            reporter_id: Some(Uuid::from_u128(1)),
            created_by: Uuid::from_u128(1),
            tier2_involved,
        }
    }

    #[test]
    fn visibility_follows_roles_units_and_tier2_involvement() {
        let t = ticket(Tier::One, false);
        assert!(TicketScope::of(&person(1, PD_A, &[Role::Reporter])).sees(&t));
        assert!(!TicketScope::of(&person(2, PD_A, &[Role::Reporter])).sees(&t));
        assert!(TicketScope::of(&person(3, PD_A, &[Role::Tier1Technician])).sees(&t));
        assert!(!TicketScope::of(&person(4, PD_B, &[Role::Tier1Technician])).sees(&t));
        assert!(!TicketScope::of(&person(5, PD_B, &[Role::Tier2Engineer])).sees(&t));
        assert!(TicketScope::of(&person(5, PD_B, &[Role::Tier2Engineer])).sees(&ticket(Tier::One, true)));
        assert!(TicketScope::of(&person(6, PD_B, &[Role::Auditor])).sees(&t));
    }

    #[test]
    fn only_the_current_queue_moves_a_ticket() {
        let at_tier1 = ticket(Tier::One, false);
        let tier1_a = person(3, PD_A, &[Role::Tier1Technician]);
        let tier2 = person(5, PD_B, &[Role::Tier2Engineer]);
        assert!(may(&tier1_a, &at_tier1, CommandKind::Escalate));
        assert!(!may(&tier2, &at_tier1, CommandKind::Resolve));
        let at_tier2 = ticket(Tier::Two, true);
        assert!(may(&tier2, &at_tier2, CommandKind::Return));
        assert!(!may(&tier1_a, &at_tier2, CommandKind::Resolve));
        assert!(!may(&person(9, PD_A, &[Role::Admin]), &at_tier1, CommandKind::Assign));
        assert!(may(&person(8, PD_B, &[Role::Supervisor]), &at_tier2, CommandKind::Assign));
    }

    #[test]
    fn reporters_close_reopen_and_rate_their_own_tickets_only() {
        let t = ticket(Tier::One, false);
        let reporter = person(1, PD_A, &[Role::Reporter]);
        assert!(may(&reporter, &t, CommandKind::Close) && may(&reporter, &t, CommandKind::Reopen));
        assert!(may_rate(&reporter, &t));
        assert!(!may(&reporter, &t, CommandKind::Resolve));
        let other = person(2, PD_A, &[Role::Reporter]);
        assert!(!may(&other, &t, CommandKind::Reopen) && !may_rate(&other, &t));
    }

    #[test]
    fn internal_comments_are_for_staff_and_auditors_do_not_write() {
        let t = ticket(Tier::One, false);
        assert!(!may_comment(&person(1, PD_A, &[Role::Reporter]), &t, true));
        assert!(may_comment(&person(1, PD_A, &[Role::Reporter]), &t, false));
        assert!(may_comment(&person(3, PD_A, &[Role::Tier1Technician]), &t, true));
        assert!(!may_comment(&person(6, PD_A, &[Role::Auditor]), &t, false));
        assert!(!may_comment(&person(9, PD_A, &[Role::Admin]), &t, false));
    }

    #[test]
    fn assignees_must_work_the_tier() {
        let roles = [Role::Tier1Technician];
        assert!(eligible_assignee(Tier::One, PD_A, PD_A, &roles, true));
        assert!(!eligible_assignee(Tier::One, PD_A, PD_B, &roles, true));
        assert!(!eligible_assignee(Tier::One, PD_A, PD_A, &roles, false));
        assert!(!eligible_assignee(Tier::Two, PD_A, PD_A, &roles, true));
        assert!(eligible_assignee(Tier::Two, PD_A, PD_B, &[Role::Tier2Engineer], true));
    }

    #[test]
    fn filing_tickets_for_others_is_for_the_units_desk() {
        assert!(may_create(&person(1, PD_A, &[Role::Reporter]), PD_A, false));
        assert!(!may_create(&person(1, PD_A, &[Role::Reporter]), PD_A, true));
        assert!(!may_create(&person(1, PD_A, &[Role::Reporter]), PD_B, false));
        assert!(may_create(&person(3, PD_A, &[Role::Tier1Technician]), PD_A, true));
        assert!(!may_create(&person(6, PD_A, &[Role::Auditor]), PD_A, false));
        assert!(!may_file_any(&person(6, PD_A, &[Role::Auditor])));
        assert!(
            may_file_any(&person(1, PD_A, &[Role::Reporter])) && may_file_any(&person(7, PD_B, &[Role::Supervisor]))
        );
    }
}
