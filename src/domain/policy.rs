//! Who may do what: the authorisation policy, applied by handlers and by the
//! store (through the visibility scopes it returns).

use uuid::Uuid;

use super::organisation::UnitKind;
use super::role::{Role, RoleSet};

/// Who is acting: a person, or a front end's service account (API key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    User(Uuid),
    ApiKey(Uuid),
}

impl Actor {
    pub fn kind(self) -> &'static str {
        match self {
            Actor::User(_) => "user",
            Actor::ApiKey(_) => "api_key",
        }
    }

    pub fn id(self) -> Uuid {
        match self {
            Actor::User(id) | Actor::ApiKey(id) => id,
        }
    }
}

/// An authenticated caller with the unit and roles it acts under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub actor: Actor,
    pub unit_id: Uuid,
    pub unit_kind: UnitKind,
    pub roles: RoleSet,
}

/// Things a caller may be allowed to do outside of row visibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadUnits,
    ManageUnits,
    ReadUsers,
    ManageUsers,
    ReadApiKeys,
    ManageApiKeys,
    ReadAudit,
    /// Sign the audit chain heads now, rather than at the next interval.
    SignAuditCheckpoint,
    /// Re-run a ticket's SLA clocks under the current calendar and policy.
    RecomputeSla,
    /// SLA reports (over the tickets the caller's scope covers).
    ReadSlaReports,
    /// Webhook subscriptions: admins (any unit), or a front end's key
    /// acting for its unit's desk (its own unit only).
    ManageWebhooks,
    /// The notice outbox and its attempts.
    ReadNotices,
    /// Retry a dead notice, preview a template.
    ManageNotices,
    /// Erase a reporter's personal data (UU 27/2022): an admin, in person.
    ErasePersonalData,
}

/// Which user records a caller may see; the store turns it into a `WHERE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserVisibility {
    All,
    Unit(Uuid),
    OnlySelf(Uuid),
    Nothing,
}

impl Principal {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(role)
    }

    /// Whether the caller may perform `action` at all.
    pub fn can(&self, action: Action) -> bool {
        match action {
            Action::ReadUnits => true,
            // Management is for people only, whatever roles a key claims.
            Action::ManageUnits | Action::ManageUsers | Action::ManageApiKeys => {
                self.has(Role::Admin) && matches!(self.actor, Actor::User(_))
            }
            Action::ReadApiKeys | Action::ReadAudit => self.has(Role::Admin) || self.has(Role::Auditor),
            Action::ReadUsers => self.user_visibility() != UserVisibility::Nothing,
            Action::SignAuditCheckpoint => self.has(Role::Admin) && matches!(self.actor, Actor::User(_)),
            Action::RecomputeSla => {
                (self.has(Role::Supervisor) || self.has(Role::Admin)) && matches!(self.actor, Actor::User(_))
            }
            Action::ManageWebhooks => match self.actor {
                Actor::User(_) => self.has(Role::Admin),
                Actor::ApiKey(_) => self.has(Role::Tier1Technician),
            },
            Action::ReadNotices => self.has(Role::Admin) || self.has(Role::Auditor),
            Action::ManageNotices | Action::ErasePersonalData => {
                self.has(Role::Admin) && matches!(self.actor, Actor::User(_))
            }
            Action::ReadSlaReports => {
                [Role::Supervisor, Role::Admin, Role::Auditor, Role::Tier1Technician, Role::Tier2Engineer]
                    .into_iter()
                    .any(|role| self.has(role))
            }
        }
    }

    /// The widest user visibility any of the caller's roles grants.
    ///
    /// The Dinas coordinates every desk, so its staff see all people; a tier-1
    /// desk sees the people of its own unit; a reporter sees only themself.
    pub fn user_visibility(&self) -> UserVisibility {
        let sees_all = [Role::Admin, Role::Auditor, Role::Supervisor, Role::Tier2Engineer];
        if sees_all.iter().any(|role| self.has(*role)) {
            return UserVisibility::All;
        }
        if self.has(Role::Tier1Technician) || self.has(Role::ChangeApprover) {
            return UserVisibility::Unit(self.unit_id);
        }
        match self.actor {
            Actor::User(id) => UserVisibility::OnlySelf(id),
            Actor::ApiKey(_) => UserVisibility::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: &[Role]) -> Principal {
        Principal {
            actor: Actor::User(Uuid::from_u128(1)),
            unit_id: Uuid::from_u128(10),
            unit_kind: UnitKind::PerangkatDaerah,
            roles: RoleSet::new(roles.iter().copied()).unwrap_or_else(|_| panic!("roles")),
        }
    }

    #[test]
    fn only_admins_manage_and_auditors_only_read() {
        assert!(principal(&[Role::Admin]).can(Action::ManageUsers));
        let auditor = principal(&[Role::Auditor]);
        assert!(!auditor.can(Action::ManageUsers));
        assert!(!auditor.can(Action::ManageUnits));
        assert!(auditor.can(Action::ReadAudit));
        assert!(!auditor.can(Action::SignAuditCheckpoint));
        assert_eq!(auditor.user_visibility(), UserVisibility::All);
    }

    #[test]
    fn tier1_sees_its_unit_and_reporters_themselves() {
        let tier1 = principal(&[Role::Tier1Technician, Role::Reporter]);
        assert_eq!(tier1.user_visibility(), UserVisibility::Unit(Uuid::from_u128(10)));
        assert!(!tier1.can(Action::ReadAudit));
        let reporter = principal(&[Role::Reporter]);
        assert_eq!(reporter.user_visibility(), UserVisibility::OnlySelf(Uuid::from_u128(1)));
    }

    #[test]
    fn keys_never_manage_even_with_the_admin_role() {
        let mut key = principal(&[Role::Admin]);
        key.actor = Actor::ApiKey(Uuid::from_u128(2));
        assert!(!key.can(Action::ManageUsers) && !key.can(Action::ManageUnits) && !key.can(Action::ManageApiKeys));
    }

    #[test]
    fn a_reporter_service_account_sees_no_people() {
        let mut key = principal(&[Role::Reporter]);
        key.actor = Actor::ApiKey(Uuid::from_u128(2));
        assert_eq!(key.user_visibility(), UserVisibility::Nothing);
        assert!(!key.can(Action::ReadUsers));
    }
}
