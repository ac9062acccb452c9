//! The JWT signing key: configured, or generated once into the data folder.

use std::path::Path;

use secrecy::ExposeSecret;

use crate::config::AuthSettings;

/// How tokens are signed.
pub enum SigningKey {
    /// HS256 with a shared secret.
    Secret(Vec<u8>),
    /// EdDSA (Ed25519) with a PEM key pair.
    Ed25519 { private_pem: Vec<u8>, public_pem: Vec<u8> },
}

const GENERATED_SECRET_FILE: &str = "jwt-secret";

/// Where a generated secret is kept (and looked for) in `data_dir`.
pub fn generated_secret_file(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join(GENERATED_SECRET_FILE)
}

/// Loads the configured key, or reads (creating on first start) a random
/// secret in `data_dir`, with a warning: fine for one server, but several
/// instances must share one configured secret.
pub fn load(settings: &AuthSettings, data_dir: &Path) -> Result<SigningKey, String> {
    if let (Some(private), Some(public)) = (&settings.jwt_private_key_file, &settings.jwt_public_key_file) {
        let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
        return Ok(SigningKey::Ed25519 { private_pem: read(private)?, public_pem: read(public)? });
    }
    if let Some(secret) = &settings.jwt_secret {
        return Ok(SigningKey::Secret(secret.expose_secret().as_bytes().to_vec()));
    }
    let path = generated_secret_file(data_dir);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(SigningKey::Secret(existing.as_bytes().to_vec()));
        }
    }
    std::fs::create_dir_all(data_dir).map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let secret = super::secrets::random_token();
    write_private(&path, &secret)?;
    tracing::warn!(
        path = %path.display(),
        "no auth.jwt_secret configured: generated a signing secret; configure one shared secret when running several instances"
    );
    Ok(SigningKey::Secret(secret.into_bytes()))
}

pub(crate) fn write_private(path: &Path, contents: &str) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(contents.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
