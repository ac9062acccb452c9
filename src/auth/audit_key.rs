//! Loads the Ed25519 key that signs audit checkpoints, and the public keys whose
//! signatures verification accepts (the current one and retired ones).

use std::path::{Path, PathBuf};

use ed25519_dalek::{SigningKey, VerifyingKey};
use rand::RngCore;

use crate::config::AuditSettings;
pub use crate::domain::journal::keys::AuditKeys;

const GENERATED_KEY_FILE: &str = "audit-signing-key";

/// Where the signing key is read from: the configured file, or the one
/// generated into `data_dir`.
pub fn key_file(settings: &AuditSettings, data_dir: &Path) -> PathBuf {
    settings.signing_key_file.clone().unwrap_or_else(|| data_dir.join(GENERATED_KEY_FILE))
}

/// Reads the configured key (which must exist), or the one generated into
/// `data_dir` on first start (with a warning: back it up, since the
/// checkpoints it signed verify only with its public key).
pub fn load(settings: &AuditSettings, data_dir: &Path) -> Result<AuditKeys, String> {
    let retired = settings
        .trusted_public_keys
        .iter()
        .map(|text| parse_public(text).map_err(|e| format!("configuration error: audit.trusted_public_keys: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let path = key_file(settings, data_dir);
    let signing = match std::fs::read_to_string(&path) {
        Ok(text) => parse_seed(&text).map_err(|e| format!("audit signing key {}: {e}", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && settings.signing_key_file.is_none() => {
            generate(&path, data_dir)?
        }
        Err(e) => return Err(format!("cannot read the audit signing key {}: {e}", path.display())),
    };
    Ok(AuditKeys::from_signing(signing, &retired))
}

fn generate(path: &Path, data_dir: &Path) -> Result<SigningKey, String> {
    std::fs::create_dir_all(data_dir).map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    super::keys::write_private(path, &hex::encode(seed))?;
    let key = SigningKey::from_bytes(&seed);
    tracing::warn!(
        path = %path.display(),
        public_key = %hex::encode(key.verifying_key().as_bytes()),
        "no audit.signing_key_file configured: generated a checkpoint signing key; back it up and publish its public key"
    );
    Ok(key)
}

pub(crate) fn parse_seed(text: &str) -> Result<SigningKey, String> {
    let bytes = hex::decode(text.trim()).map_err(|_| "must be 64 hexadecimal characters".to_owned())?;
    let seed: [u8; 32] = bytes.try_into().map_err(|_| "must be 32 bytes (64 hexadecimal characters)".to_owned())?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A public key written as 64 hexadecimal characters.
pub fn parse_public(text: &str) -> Result<VerifyingKey, String> {
    let bytes = hex::decode(text.trim()).map_err(|_| format!("`{text}` is not hexadecimal"))?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| format!("`{text}` is not 32 bytes"))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| format!("`{text}` is not an Ed25519 public key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(file: Option<std::path::PathBuf>) -> AuditSettings {
        AuditSettings {
            checkpoint_interval_seconds: 600,
            signing_key_file: file,
            trusted_public_keys: vec![],
            witness: Default::default(),
        }
    }

    #[test]
    fn a_key_is_generated_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let first = load(&settings(None), dir.path()).unwrap();
        let again = load(&settings(None), dir.path()).unwrap();
        assert_eq!(first.key_id, again.key_id);
        assert_eq!(first.trusted.len(), 1);
    }

    #[test]
    fn a_configured_key_that_is_missing_or_unreadable_stops_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let missing = load(&settings(Some(dir.path().join("nope"))), dir.path()).err().unwrap();
        assert!(missing.contains("cannot read the audit signing key"), "{missing}");
        let bad = dir.path().join("bad");
        std::fs::write(&bad, "not a key").unwrap();
        let unreadable = load(&settings(Some(bad)), dir.path()).err().unwrap();
        assert!(unreadable.contains("hexadecimal"), "{unreadable}");
    }
}
