//! The audit chain's hashes and checkpoint signatures, in the canonical
//! encoding (`domain::encoding`), exactly as `docs/audit.md` specifies them
//! for independent verifiers.

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::encoding::Encoder;
pub use crate::domain::encoding::{instant_text, Hash};

/// The previous hash of a chain's first entry, and of the first checkpoint.
pub const GENESIS: Hash = [0; 32];

const ENTRY_DOMAIN: &[u8] = b"spbe-desk/audit-entry/v1";
const CHECKPOINT_DOMAIN: &[u8] = b"spbe-desk/audit-checkpoint/v1";

/// An audit entry as it is hashed: every stored column but the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub chain: Uuid,
    pub position: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Uuid,
    /// The stored JSON text, hashed byte for byte.
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: Hash,
}

impl Link {
    /// The canonical encoding that [`Link::hash`] digests.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::with_domain(ENTRY_DOMAIN);
        e.text(Some(&self.chain.to_string()))
            .text(Some(&self.position.to_string()))
            .text(Some(&instant_text(self.occurred_at)))
            .text(Some(&self.actor_kind))
            .text(self.actor_id.map(|id| id.to_string()).as_deref())
            .text(Some(&self.action))
            .text(Some(&self.entity_type))
            .text(Some(&self.entity_id.to_string()))
            .text(self.before_json.as_deref())
            .text(self.after_json.as_deref())
            .text(self.request_id.as_deref())
            .bytes(Some(&self.prev_hash));
        e.into_bytes()
    }

    pub fn hash(&self) -> Hash {
        Sha256::digest(self.encode()).into()
    }
}

/// A chain's last entry, as a checkpoint signs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub chain: Uuid,
    pub position: i64,
    pub hash: Hash,
}

/// Folds heads, in ascending chain order, into a checkpoint's digest.
#[derive(Default)]
pub struct HeadsDigest {
    hasher: Sha256,
    count: i64,
}

impl HeadsDigest {
    pub fn add(&mut self, head: &Head) {
        let mut e = Encoder::default();
        e.text(Some(&head.chain.to_string())).text(Some(&head.position.to_string())).bytes(Some(&head.hash));
        self.hasher.update(e.into_bytes());
        self.count += 1;
    }

    pub fn finish(self) -> (i64, Hash) {
        (self.count, self.hasher.finalize().into())
    }
}

/// What a checkpoint signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointBody {
    pub seq: i64,
    pub taken_at: DateTime<Utc>,
    pub key_id: String,
    pub prev_hash: Hash,
    pub head_count: i64,
    pub heads_digest: Hash,
}

impl CheckpointBody {
    /// The signed message.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::with_domain(CHECKPOINT_DOMAIN);
        e.text(Some(&self.seq.to_string()))
            .text(Some(&instant_text(self.taken_at)))
            .text(Some(&self.key_id))
            .bytes(Some(&self.prev_hash))
            .text(Some(&self.head_count.to_string()))
            .bytes(Some(&self.heads_digest));
        e.into_bytes()
    }

    /// The checkpoint's own hash, which the next checkpoint names.
    pub fn hash(&self) -> Hash {
        Sha256::digest(self.encode()).into()
    }

    pub fn sign(&self, key: &SigningKey) -> [u8; 64] {
        key.sign(&self.encode()).to_bytes()
    }

    pub fn signature_holds(&self, key: &VerifyingKey, signature: &[u8]) -> bool {
        Signature::from_slice(signature).is_ok_and(|s| key.verify(&self.encode(), &s).is_ok())
    }
}

/// A public key's id: the first 8 bytes of the SHA-256 of its 32 bytes, in
/// hex, so checkpoints name the key that signed them and keys can rotate.
pub fn key_id(key: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

/// A stored hash as 32 bytes; `None` if it has another length.
pub fn to_hash(bytes: &[u8]) -> Option<Hash> {
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn link() -> Link {
        Link {
            chain: Uuid::from_u128(1),
            position: 1,
            occurred_at: Utc.with_ymd_and_hms(2026, 12, 1, 3, 4, 5).single().unwrap_or_default(),
            actor_kind: "system".into(),
            actor_id: None,
            action: "unit.created".into(),
            entity_type: "unit".into(),
            entity_id: Uuid::from_u128(1),
            before_json: None,
            after_json: Some("{\"name\":\"BAPPEDA\"}".into()),
            request_id: None,
            prev_hash: GENESIS,
        }
    }

    #[test]
    fn the_encoding_is_fixed_field_by_field() {
        let encoded = link().encode();
        // Domain tag, then the chain id as text.
        assert_eq!(&encoded[..5], &[1, 0, 0, 0, 24]);
        assert_eq!(&encoded[5..29], ENTRY_DOMAIN);
        assert_eq!(&encoded[29..34], &[1, 0, 0, 0, 36]);
        assert!(String::from_utf8_lossy(&encoded).contains("2026-12-01T03:04:05.000000Z"));
        // An absent actor id is one zero byte, unlike an empty text.
        let mut empty = link();
        empty.request_id = Some(String::new());
        assert_ne!(empty.hash(), link().hash());
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = link().hash();
        let mut variants = vec![link(); 6];
        variants[0].position = 2;
        variants[1].action = "unit.updated".into();
        variants[2].after_json = Some("{\"name\":\"BAPPEDA \"}".into());
        variants[3].prev_hash = [1; 32];
        variants[4].occurred_at += chrono::Duration::microseconds(1);
        variants[5].actor_id = Some(Uuid::from_u128(2));
        for v in variants {
            assert_ne!(v.hash(), base);
        }
    }

    #[test]
    fn a_signed_checkpoint_verifies_and_a_changed_one_does_not() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let mut digest = HeadsDigest::default();
        digest.add(&Head { chain: Uuid::from_u128(1), position: 3, hash: [9; 32] });
        let (head_count, heads_digest) = digest.finish();
        let body = CheckpointBody {
            seq: 1,
            taken_at: link().occurred_at,
            key_id: key_id(&key.verifying_key()),
            prev_hash: GENESIS,
            head_count,
            heads_digest,
        };
        let signature = body.sign(&key);
        assert!(body.signature_holds(&key.verifying_key(), &signature));
        let forged = CheckpointBody { head_count: 2, ..body.clone() };
        assert!(!forged.signature_holds(&key.verifying_key(), &signature));
        assert!(!body.signature_holds(&key.verifying_key(), &signature[..63]));
        assert_eq!(body.key_id.len(), 16);
    }
}
