//! The keys of the audit log: the one that signs checkpoints and change
//! approvals now, with its id, and every key a signature may name (the
//! current one and retired ones). Loaded by `auth::audit_key`; handed to
//! storage as a value.

use std::collections::HashMap;
use std::sync::Arc;

use ed25519_dalek::{SigningKey, VerifyingKey};

use super::chain::key_id;

/// The signing key with its id, and every key a checkpoint may name.
#[derive(Clone)]
pub struct AuditKeys {
    pub signing: Arc<SigningKey>,
    pub key_id: String,
    pub trusted: HashMap<String, VerifyingKey>,
}

impl AuditKeys {
    pub fn from_signing(signing: SigningKey, retired: &[VerifyingKey]) -> Self {
        let current = signing.verifying_key();
        let mut trusted: HashMap<String, VerifyingKey> = retired.iter().map(|k| (key_id(k), *k)).collect();
        let current_id = key_id(&current);
        trusted.insert(current_id.clone(), current);
        Self { signing: Arc::new(signing), key_id: current_id, trusted }
    }
}
