//! Secrets in settings are written out as `***`, never as themselves:
//! the settings of every part (`config`, `notify::settings`) serialize
//! their secrets with [`no_secret`].

use secrecy::SecretString;

/// `serialize_with` of an optional secret setting.
pub fn no_secret<S: serde::Serializer>(secret: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    // Defaults never hold a secret; never print one that was configured.
    match secret {
        Some(_) => s.serialize_some("***"),
        None => s.serialize_none(),
    }
}
