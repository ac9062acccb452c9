//! Who sees and edits which assets.
//!
//! The Dinas sees every asset and keeps the shared infrastructure; its
//! tier 2, supervisors and admins edit any asset. A Perangkat Daerah's
//! desk (tier 1, its change approvers) sees its own unit's assets and the
//! shared infrastructure its applications run on; its tier 1 edits its own
//! unit's assets. Auditors read everything. Reporters see the assets of
//! their own tickets only: until tickets name assets, that is none.

use uuid::Uuid;

use super::kind::AssetKind;
use crate::domain::organisation::UnitKind;
use crate::domain::policy::{Actor, Principal};
use crate::domain::role::Role;

/// Which assets a caller sees; the store turns it into a `WHERE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetVisibility {
    All,
    /// A unit's own assets and the shared infrastructure.
    Unit(Uuid),
    Nothing,
}

fn dinas_editor(principal: &Principal) -> bool {
    principal.unit_kind == UnitKind::Dinas
        && [Role::Tier2Engineer, Role::Supervisor, Role::Admin].iter().any(|r| principal.has(*r))
}

impl AssetVisibility {
    pub fn of(principal: &Principal) -> Self {
        let dinas_staff =
            principal.unit_kind == UnitKind::Dinas && principal.roles.iter().any(|role| role != Role::Reporter);
        if dinas_staff || principal.has(Role::Auditor) || principal.has(Role::Admin) {
            return AssetVisibility::All;
        }
        if principal.has(Role::Tier1Technician) || principal.has(Role::ChangeApprover) {
            return AssetVisibility::Unit(principal.unit_id);
        }
        AssetVisibility::Nothing
    }

    /// What [`crate::db`] says in SQL, for one asset.
    pub fn sees(self, owner_unit_id: Uuid, kind: AssetKind) -> bool {
        match self {
            AssetVisibility::All => true,
            AssetVisibility::Unit(unit) => owner_unit_id == unit || kind.is_shared_infrastructure(),
            AssetVisibility::Nothing => false,
        }
    }
}

/// Whether the caller may write assets at all (people only: a front
/// end's key reads the register, it does not keep it).
pub fn may_write(principal: &Principal) -> bool {
    matches!(principal.actor, Actor::User(_)) && (dinas_editor(principal) || principal.has(Role::Tier1Technician))
}

/// Whether the caller may edit, move or relate an asset `owner_unit_id`
/// owns: the Dinas's editors any; a tier 1 its own unit's, never the
/// shared infrastructure.
pub fn may_edit(principal: &Principal, owner_unit_id: Uuid, kind: AssetKind) -> bool {
    if !may_write(principal) {
        return false;
    }
    dinas_editor(principal)
        || (principal.has(Role::Tier1Technician)
            && owner_unit_id == principal.unit_id
            && !kind.is_shared_infrastructure())
}

/// Whether an asset of `kind` may be owned by a unit of `owner_kind`:
/// the shared infrastructure is the Dinas's.
pub fn check_owner(kind: AssetKind, owner_kind: UnitKind) -> Result<(), &'static str> {
    if kind.is_shared_infrastructure() && owner_kind != UnitKind::Dinas {
        return Err("shared infrastructure is owned by the Dinas");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::RoleSet;

    fn principal(kind: UnitKind, roles: &[Role]) -> Principal {
        Principal {
            actor: Actor::User(Uuid::from_u128(1)),
            unit_id: Uuid::from_u128(10),
            unit_kind: kind,
            roles: RoleSet::new(roles.iter().copied()).unwrap_or_else(|_| panic!("roles")),
        }
    }

    #[test]
    fn the_dinas_sees_all_a_desk_its_own_and_the_shared_infrastructure_reporters_none() {
        let (own, other) = (Uuid::from_u128(10), Uuid::from_u128(11));
        let tier2 = principal(UnitKind::Dinas, &[Role::Tier2Engineer]);
        assert_eq!(AssetVisibility::of(&tier2), AssetVisibility::All);
        let tier1 = AssetVisibility::of(&principal(UnitKind::PerangkatDaerah, &[Role::Tier1Technician]));
        assert!(tier1.sees(own, AssetKind::Server) && !tier1.sees(other, AssetKind::Server));
        assert!(tier1.sees(other, AssetKind::PusatData));
        let reporter = AssetVisibility::of(&principal(UnitKind::PerangkatDaerah, &[Role::Reporter]));
        assert_eq!(reporter, AssetVisibility::Nothing);
        let dinas_reporter = AssetVisibility::of(&principal(UnitKind::Dinas, &[Role::Reporter]));
        assert_eq!(dinas_reporter, AssetVisibility::Nothing);
        let auditor = AssetVisibility::of(&principal(UnitKind::PerangkatDaerah, &[Role::Auditor]));
        assert_eq!(auditor, AssetVisibility::All);
    }

    #[test]
    fn a_desk_edits_its_own_unit_and_the_dinas_keeps_the_infrastructure() {
        let (own, other) = (Uuid::from_u128(10), Uuid::from_u128(11));
        let tier1 = principal(UnitKind::PerangkatDaerah, &[Role::Tier1Technician]);
        assert!(may_edit(&tier1, own, AssetKind::Laptop));
        assert!(!may_edit(&tier1, other, AssetKind::Laptop));
        assert!(!may_edit(&tier1, own, AssetKind::JaringanIntra));
        let supervisor = principal(UnitKind::Dinas, &[Role::Supervisor]);
        assert!(may_edit(&supervisor, other, AssetKind::PusatData));
        let mut key = supervisor.clone();
        key.actor = Actor::ApiKey(Uuid::from_u128(2));
        assert!(!may_write(&key) && !may_edit(&key, other, AssetKind::Server));
        assert!(!may_write(&principal(UnitKind::Dinas, &[Role::Auditor])));
        assert!(check_owner(AssetKind::PusatData, UnitKind::PerangkatDaerah).is_err());
        assert!(check_owner(AssetKind::PusatData, UnitKind::Dinas).is_ok());
        assert!(check_owner(AssetKind::Server, UnitKind::PerangkatDaerah).is_ok());
    }
}
