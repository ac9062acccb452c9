//! People who use the service desk.

use uuid::Uuid;

use super::email::EmailAddress;
use super::role::RoleSet;
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
}
