//! The roles of the regional SPBE service desk and which unit may hold them.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::organisation::UnitKind;

/// A role a user or service account holds; several may be combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An ASN of a Perangkat Daerah who reports problems.
    Reporter,
    /// Works the tier-1 desk of their own unit.
    Tier1Technician,
    /// Tier-2 engineer at the Dinas.
    Tier2Engineer,
    /// Dinas supervisor: coordinates and supervises every desk.
    Supervisor,
    /// Member of the change board (Tim Koordinasi SPBE).
    ChangeApprover,
    /// Manages units, users, catalog and settings.
    Admin,
    /// Reads everything, including the audit log; changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Reporter,
        Role::Tier1Technician,
        Role::Tier2Engineer,
        Role::Supervisor,
        Role::ChangeApprover,
        Role::Admin,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reporter => "reporter",
            Role::Tier1Technician => "tier1_technician",
            Role::Tier2Engineer => "tier2_engineer",
            Role::Supervisor => "supervisor",
            Role::ChangeApprover => "change_approver",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    /// Tier 2 and supervision are functions of the Dinas (regional SPBE
    /// regulations: the Dinas hosts tier 2 and supervises every tier-1 desk).
    pub fn requires_dinas(self) -> bool {
        matches!(self, Role::Tier2Engineer | Role::Supervisor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RoleError {
    #[error("unknown role `{0}`; expected one of reporter, tier1_technician, tier2_engineer, supervisor, change_approver, admin, auditor")]
    Unknown(String),
    #[error("at least one role is required")]
    Empty,
    #[error("role `{0}` belongs to the Dinas, not to a Perangkat Daerah")]
    DinasOnly(Role),
}

impl FromStr for Role {
    type Err = RoleError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|role| role.as_str() == raw).ok_or_else(|| RoleError::Unknown(raw.to_owned()))
    }
}

/// A non-empty set of roles, kept sorted so that storage is canonical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSet(BTreeSet<Role>);

impl RoleSet {
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Result<Self, RoleError> {
        let set: BTreeSet<Role> = roles.into_iter().collect();
        if set.is_empty() {
            return Err(RoleError::Empty);
        }
        Ok(Self(set))
    }

    /// Parses the stored form, a comma-separated list such as `admin,auditor`.
    pub fn from_stored(stored: &str) -> Result<Self, RoleError> {
        let roles =
            stored.split(',').filter(|part| !part.is_empty()).map(Role::from_str).collect::<Result<Vec<_>, _>>()?;
        Self::new(roles)
    }

    pub fn to_stored(&self) -> String {
        self.0.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
    }

    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    pub fn to_vec(&self) -> Vec<Role> {
        self.0.iter().copied().collect()
    }

    /// Checks that every role may be held by a member of a unit of `kind`.
    pub fn check_unit(&self, kind: UnitKind) -> Result<(), RoleError> {
        match self.0.iter().find(|role| role.requires_dinas()) {
            Some(role) if kind != UnitKind::Dinas => Err(RoleError::DinasOnly(*role)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_form_round_trips_sorted() {
        let set = RoleSet::new([Role::Auditor, Role::Reporter, Role::Auditor]).ok();
        let stored = set.as_ref().map(RoleSet::to_stored);
        assert_eq!(stored.as_deref(), Some("reporter,auditor"));
        assert_eq!(RoleSet::from_stored("reporter,auditor").ok(), set);
    }

    #[test]
    fn unknown_and_empty_role_sets_are_rejected() {
        assert_eq!(RoleSet::from_stored("root"), Err(RoleError::Unknown("root".into())));
        assert_eq!(RoleSet::new([]), Err(RoleError::Empty));
    }

    #[test]
    fn tier2_and_supervisor_roles_belong_to_the_dinas() {
        let set = RoleSet::new([Role::Reporter, Role::Supervisor]).ok();
        let check = set.map(|s| s.check_unit(UnitKind::PerangkatDaerah));
        assert_eq!(check, Some(Err(RoleError::DinasOnly(Role::Supervisor))));
        let tier2 = RoleSet::new([Role::Tier2Engineer]).ok();
        assert_eq!(tier2.map(|s| s.check_unit(UnitKind::Dinas)), Some(Ok(())));
    }
}
