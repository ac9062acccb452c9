//! Password hashing with argon2id (OWASP-recommended parameters).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::domain::password::NewPassword;

/// Hashes a password into a PHC string (`$argon2id$v=19$...`).
pub fn hash(password: &NewPassword) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| format!("password hashing failed: {e}"))
}

/// A valid hash of a password nobody knows, checked when the account does
/// not exist so that a failed login takes the same time either way.
const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$yEYFjt6KvDC7Qt4JXfZt/bbFUrJ6DKZ3aMFZRUaUcKM";

/// Whether `password` matches `stored`; a missing or unreadable hash never does.
pub fn verify(stored: Option<&str>, password: &str) -> bool {
    let (candidate, real) = match stored {
        Some(hash) => (hash, true),
        None => (DECOY_HASH, false),
    };
    let Ok(parsed) = PasswordHash::new(candidate) else {
        return false;
    };
    let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
    matches && real
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let password = NewPassword::parse("kata-sandi-rahasia").unwrap();
        let stored = hash(&password).unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify(Some(&stored), "kata-sandi-rahasia"));
        assert!(!verify(Some(&stored), "kata-sandi-salah"));
        assert!(!verify(None, "kata-sandi-rahasia"));
        assert!(!verify(Some("not a hash"), "x"));
    }
}
