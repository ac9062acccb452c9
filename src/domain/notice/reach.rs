//! Which tickets a webhook subscription may hear of: what its owner could
//! read through the API. An active admin reads every ticket; a front end's
//! key reads its own unit's while it is unrevoked and acts for the unit's
//! desk (tier-1 staff see internal notes too). A subscription narrowed to a
//! unit hears of that unit's tickets only.

use uuid::Uuid;

use crate::domain::role::Role;

/// What a subscription's owner may still receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Nothing,
    EveryUnit,
    Unit(Uuid),
}

/// The reach of an owning user.
pub fn of_user(active: bool, roles: &[Role]) -> Reach {
    if active && roles.contains(&Role::Admin) {
        Reach::EveryUnit
    } else {
        Reach::Nothing
    }
}

/// The reach of an owning API key of `unit`.
pub fn of_key(revoked: bool, roles: &[Role], unit: Uuid) -> Reach {
    if !revoked && roles.contains(&Role::Tier1Technician) {
        Reach::Unit(unit)
    } else {
        Reach::Nothing
    }
}

/// Whether an owner may hear of the audit log's checkpoints: only one who
/// may read every unit's records (an active admin; auditors subscribe to
/// nothing, and a desk's key sees its unit only).
pub fn hears_the_audit_log(reach: Reach) -> bool {
    reach == Reach::EveryUnit
}

/// Whether a ticket of `unit` may be delivered to a subscription narrowed
/// to `scope` (if it is) whose owner has `reach`.
pub fn sees(reach: Reach, scope: Option<Uuid>, unit: Uuid) -> bool {
    if scope.is_some_and(|scope| scope != unit) {
        return false;
    }
    match reach {
        Reach::Nothing => false,
        Reach::EveryUnit => true,
        Reach::Unit(own) => own == unit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_active_admin_hears_of_every_unit_and_nobody_else_by_account() {
        assert_eq!(of_user(true, &[Role::Admin]), Reach::EveryUnit);
        assert_eq!(of_user(false, &[Role::Admin]), Reach::Nothing);
        assert_eq!(of_user(true, &[Role::Supervisor]), Reach::Nothing);
    }

    #[test]
    fn a_desks_unrevoked_key_hears_of_its_own_unit() {
        let unit = Uuid::from_u128(1);
        assert_eq!(of_key(false, &[Role::Tier1Technician], unit), Reach::Unit(unit));
        assert_eq!(of_key(true, &[Role::Tier1Technician], unit), Reach::Nothing);
        assert_eq!(of_key(false, &[Role::Reporter], unit), Reach::Nothing);
    }

    #[test]
    fn only_an_owner_who_sees_every_unit_hears_of_checkpoints() {
        assert!(hears_the_audit_log(of_user(true, &[Role::Admin])));
        assert!(!hears_the_audit_log(of_user(true, &[Role::Auditor])));
        assert!(!hears_the_audit_log(of_key(false, &[Role::Tier1Technician], Uuid::from_u128(1))));
    }

    #[test]
    fn a_narrowed_subscription_hears_of_its_unit_only() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert!(sees(Reach::EveryUnit, None, b));
        assert!(!sees(Reach::EveryUnit, Some(a), b));
        assert!(sees(Reach::Unit(a), Some(a), a));
        assert!(!sees(Reach::Unit(a), None, b));
        assert!(!sees(Reach::Nothing, None, a));
    }
}
