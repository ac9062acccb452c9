//! List cursors sealed with a keyed MAC: a client hands back what it was
//! given or nothing, and an altered or forged cursor is refused (422)
//! before it reaches a query. The key is derived from the token signing
//! key, so every instance of a deployment opens the others' cursors.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::keys::SigningKey;
use crate::error::ApiError;

/// Bytes of the MAC kept in a cursor: 128 bits, beyond guessing.
const TAG_BYTES: usize = 16;

/// The key that seals and opens cursors.
#[derive(Clone, Copy)]
pub struct CursorKey([u8; 32]);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(…)")
    }
}

impl CursorKey {
    /// Derived from the token signing key (its own label, so the two never
    /// stand in for each other).
    pub fn derive(key: &SigningKey) -> Self {
        let material = match key {
            SigningKey::Secret(secret) => secret.as_slice(),
            SigningKey::Ed25519 { private_pem, .. } => private_pem.as_slice(),
        };
        Self(Sha256::new().chain_update(b"spbe-desk/list-cursor-key/v1").chain_update(material).finalize().into())
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
    }

    /// The opaque cursor of `plain`.
    pub fn seal(&self, plain: &[u8]) -> String {
        let mut mac = self.mac();
        mac.update(plain);
        let tag = mac.finalize().into_bytes();
        let mut sealed = plain.to_vec();
        sealed.extend_from_slice(&tag[..TAG_BYTES]);
        URL_SAFE_NO_PAD.encode(sealed)
    }

    /// What a cursor sealed; 422 for anything this API did not give out.
    pub fn open(&self, cursor: &str) -> Result<Vec<u8>, ApiError> {
        let bad = || ApiError::invalid("cursor", "not a cursor returned by this API, or altered");
        let sealed = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
        if sealed.len() < TAG_BYTES {
            return Err(bad());
        }
        let (plain, tag) = sealed.split_at(sealed.len() - TAG_BYTES);
        let mut mac = self.mac();
        mac.update(plain);
        // Compared in constant time.
        mac.verify_truncated_left(tag).map_err(|_| bad())?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(secret: &[u8]) -> CursorKey {
        CursorKey::derive(&SigningKey::Secret(secret.to_vec()))
    }

    #[test]
    fn a_sealed_cursor_opens_and_an_altered_one_does_not() {
        let k = key(b"a secret of the deployment");
        let cursor = k.seal(b"c:0190f3a0-0000-7000-8000-000000000000");
        assert_eq!(k.open(&cursor).ok().as_deref(), Some(&b"c:0190f3a0-0000-7000-8000-000000000000"[..]));
        let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap_or_default();
        bytes[0] ^= 1;
        assert!(k.open(&URL_SAFE_NO_PAD.encode(&bytes)).is_err(), "an altered cursor");
        assert!(key(b"another deployment").open(&cursor).is_err(), "another key");
        assert!(k.open("").is_err() && k.open("not base64!").is_err() && k.open("AAAA").is_err());
    }
}
