//! Opaque secrets handed to clients (refresh tokens, API keys) and the
//! hashes we keep of them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Prefix of API keys, so that leaked keys are recognisable by scanners.
pub const API_KEY_PREFIX: &str = "spbe_";

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new API key: the full secret, and the short prefix shown in lists.
pub fn new_api_key() -> (String, String) {
    let key = format!("{API_KEY_PREFIX}{}", random_token());
    let prefix = key.chars().take(API_KEY_PREFIX.len() + 6).collect();
    (key, prefix)
}

/// What we store of a high-entropy secret. A fast hash suffices: the secret
/// is random, so there is nothing to brute-force.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_keys_carry_their_prefix() {
        assert_ne!(random_token(), random_token());
        let (key, prefix) = new_api_key();
        assert!(key.starts_with(&prefix) && prefix.starts_with(API_KEY_PREFIX));
        assert_eq!(digest(&key).len(), 32);
    }
}
