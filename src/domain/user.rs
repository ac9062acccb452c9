//! People who use the service desk.

use uuid::Uuid;

use super::email::EmailAddress;
use super::role::{Role, RoleSet};
use super::text::DisplayName;

/// A validated request to create a user (the password is hashed apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub name: DisplayName,
    pub email: EmailAddress,
    pub unit_id: Uuid,
    pub roles: RoleSet,
}

/// A validated partial update; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChanges {
    pub name: Option<DisplayName>,
    pub email: Option<EmailAddress>,
    pub unit_id: Option<Uuid>,
    pub roles: Option<RoleSet>,
    pub active: Option<bool>,
}

impl UserChanges {
    /// Deactivating someone must end every session they hold.
    pub fn deactivates(&self) -> bool {
        self.active == Some(false)
    }

    /// Whether the change takes an active admin's administration away
    /// (deactivates them, or drops the role): refused for the last one,
    /// who would leave no one to manage the desk over the API.
    pub fn ends_admin(&self, is_admin: bool, is_active: bool) -> bool {
        is_admin
            && is_active
            && (self.deactivates() || self.roles.as_ref().is_some_and(|roles| !roles.contains(Role::Admin)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demoting_or_deactivating_an_active_admin_ends_their_administration() {
        let admin_only = RoleSet::new([Role::Admin]).unwrap_or_else(|_| panic!());
        let reporter = RoleSet::new([Role::Reporter]).unwrap_or_else(|_| panic!());
        let off = UserChanges { active: Some(false), ..UserChanges::default() };
        let demote = UserChanges { roles: Some(reporter), ..UserChanges::default() };
        let keep = UserChanges { roles: Some(admin_only), ..UserChanges::default() };
        assert!(off.ends_admin(true, true) && demote.ends_admin(true, true));
        assert!(!keep.ends_admin(true, true));
        assert!(!off.ends_admin(false, true) && !off.ends_admin(true, false));
    }
}
