//! The manifest of a backup (`manifest.json`) and its signature
//! (`manifest.sig`), exactly as `docs/operations.md` gives them to
//! verifiers: the Ed25519 signature (RFC 8032) of the manifest file's bytes
//! as stored, by the audit key, written as 128 hexadecimal characters.

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::domain::journal::chain::key_id;

/// Names this format inside the signed bytes, so a signature over a
/// manifest can never stand for another message of the same key.
pub const FORMAT: &str = "spbe-desk/backup-manifest/v1";

/// What is wrong with a backup's manifest or its signature.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error("the manifest is not a backup manifest: {0}")]
    Malformed(String),
    #[error("the manifest is of format `{0}`, not {FORMAT}")]
    UnknownFormat(String),
    #[error("the manifest names the key {0}, which is not an Ed25519 public key in hexadecimal")]
    BadKey(String),
    #[error("the manifest's signature is not 64 bytes in hexadecimal")]
    MalformedSignature,
    #[error("the manifest's signature does not verify: it was altered, or signed by another key")]
    BadSignature,
    #[error("the backup is signed by key {found}, which is none of the keys given ({given})")]
    UntrustedKey { found: String, given: String },
    #[error("the manifest lists `{0}` twice")]
    DuplicatePath(String),
    #[error("`{0}` is not a path inside a backup (relative, `/`-separated, without `.` or `..`)")]
    BadPath(String),
}

/// A file's place inside the backup folder: relative, `/`-separated, and
/// never leaving the folder, whatever a tampered manifest says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BackupPath(String);

impl BackupPath {
    pub fn parse(text: &str) -> Result<Self, ManifestError> {
        let fine = |part: &str| !part.is_empty() && part != "." && part != ".." && !part.contains(['\\', '\0']);
        if text.len() > 4096 || !text.split('/').all(fine) {
            return Err(ManifestError::BadPath(text.to_owned()));
        }
        Ok(Self(text.to_owned()))
    }

    /// The path below `folder/` (`attachments/ab/x` below `attachments`).
    pub fn below(&self, folder: &str) -> Option<&str> {
        self.0.strip_prefix(folder)?.strip_prefix('/')
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BackupPath {
    type Error = ManifestError;

    fn try_from(text: String) -> Result<Self, ManifestError> {
        Self::parse(&text)
    }
}

impl From<BackupPath> for String {
    fn from(path: BackupPath) -> String {
        path.0
    }
}

impl std::fmt::Display for BackupPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a file of the backup is, which decides where a restore puts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    /// The SQLite database, a consistent copy (`database/spbe-desk.db`).
    Database,
    /// A PostgreSQL dump the operator placed in `database/` before the
    /// backup; signed with the rest, restored with `pg_restore`.
    DatabaseDump,
    /// An attachment's bytes (`attachments/…`, the data folder's layout).
    Attachment,
    /// The JWT secret generated into the data folder.
    JwtSecret,
    /// `auth.jwt_private_key_file` and `auth.jwt_public_key_file`.
    JwtPrivateKey,
    JwtPublicKey,
    /// The audit checkpoint signing key (configured or generated).
    AuditSigningKey,
    /// A file of the configuration folder (`config/…`).
    Config,
    /// A mail template of `notices.templates_dir` outside that folder.
    Template,
    /// The settings in effect when the backup was taken, secrets masked
    /// (environment variables included): for the record, not restored.
    Settings,
}

/// One file of the backup with its size and SHA-256 (lowercase hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: BackupPath,
    pub role: FileRole,
    pub size_bytes: u64,
    pub sha256: String,
}

impl FileEntry {
    /// Whether a file read back has this entry's size and hash.
    pub fn matches(&self, size_bytes: u64, sha256: &str) -> bool {
        self.size_bytes == size_bytes && self.sha256.eq_ignore_ascii_case(sha256)
    }
}

/// Where the database part of a backup is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatabasePart {
    /// SQLite: the copy is in the backup.
    Included,
    /// PostgreSQL: the operator's dump is in `database/`, listed and signed.
    OperatorDump,
    /// PostgreSQL: the operator's tool keeps it elsewhere (`pg_dump`,
    /// `pg_basebackup` with WAL archiving).
    OperatorTool,
}

/// Which engine the backed-up installation ran on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupBackend {
    Sqlite,
    Postgres,
}

impl BackupBackend {
    pub fn as_str(self) -> &'static str {
        match self {
            BackupBackend::Sqlite => "sqlite",
            BackupBackend::Postgres => "postgres",
        }
    }
}

/// What the database held when the backup read it: on SQLite the copy
/// itself; on PostgreSQL the live database just after the operator's dump,
/// so the dump holds at most this.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contents {
    /// The newest migration applied (`None`: a database never migrated).
    pub schema_version: Option<String>,
    pub tickets: i64,
    pub changes: i64,
    pub attachments: i64,
    pub audit_entries: i64,
    /// The instant of the newest audit entry included.
    pub newest_audit_at: Option<DateTime<Utc>>,
    /// The newest signed checkpoint included.
    pub newest_checkpoint: Option<i64>,
}

/// The manifest: what the backup holds and each file's size and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub created_at: DateTime<Utc>,
    pub backend: BackupBackend,
    pub database: DatabasePart,
    pub contents: Contents,
    /// The audit key that signed the manifest: its id and public key (hex).
    pub key_id: String,
    pub public_key: String,
    pub files: Vec<FileEntry>,
}

/// How far a verified manifest's signer is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyTrust {
    /// Signed by one of the public keys the operator gave.
    Given,
    /// No key was given: signed by the key the manifest names, which
    /// proves the backup intact, not who made it.
    OwnKeyOnly,
}

impl Manifest {
    /// The bytes written to `manifest.json`, which the signature covers.
    pub fn encode(&self) -> Result<Vec<u8>, ManifestError> {
        let mut bytes = serde_json::to_vec_pretty(self).map_err(|e| ManifestError::Malformed(e.to_string()))?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// The signature of `bytes` (a manifest's encoding) in hexadecimal.
    pub fn sign(bytes: &[u8], key: &SigningKey) -> String {
        hex::encode(key.sign(bytes).to_bytes())
    }

    /// Reads a manifest and checks its signature against the key it names,
    /// then that key against the `given` ones (none given: its own only).
    pub fn verify(
        bytes: &[u8],
        signature_hex: &str,
        given: &[VerifyingKey],
    ) -> Result<(Manifest, KeyTrust), ManifestError> {
        let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| ManifestError::Malformed(e.to_string()))?;
        if manifest.format != FORMAT {
            return Err(ManifestError::UnknownFormat(manifest.format));
        }
        let key = manifest.verifying_key()?;
        let signature: [u8; 64] = hex::decode(signature_hex.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(ManifestError::MalformedSignature)?;
        key.verify(bytes, &Signature::from_bytes(&signature)).map_err(|_| ManifestError::BadSignature)?;
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = manifest.files.iter().find(|f| !seen.insert(&f.path)) {
            return Err(ManifestError::DuplicatePath(twice.path.to_string()));
        }
        let trust = match given {
            [] => KeyTrust::OwnKeyOnly,
            keys if keys.contains(&key) => KeyTrust::Given,
            keys => {
                let given = keys.iter().map(key_id).collect::<Vec<_>>().join(", ");
                return Err(ManifestError::UntrustedKey { found: key_id(&key), given });
            }
        };
        Ok((manifest, trust))
    }

    /// The public key the manifest names.
    pub fn verifying_key(&self) -> Result<VerifyingKey, ManifestError> {
        let bad = || ManifestError::BadKey(self.public_key.clone());
        let bytes: [u8; 32] = hex::decode(&self.public_key).ok().and_then(|b| b.try_into().ok()).ok_or_else(bad)?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| bad())?;
        if key_id(&key) != self.key_id {
            return Err(bad());
        }
        Ok(key)
    }

    /// The files of one role.
    pub fn files_of(&self, role: FileRole) -> impl Iterator<Item = &FileEntry> {
        self.files.iter().filter(move |f| f.role == role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn manifest(signer: &SigningKey) -> Manifest {
        let public = signer.verifying_key();
        Manifest {
            format: FORMAT.to_owned(),
            created_at: DateTime::parse_from_rfc3339("2026-12-08T01:02:03Z").unwrap().to_utc(),
            backend: BackupBackend::Sqlite,
            database: DatabasePart::Included,
            contents: Contents { tickets: 3, ..Contents::default() },
            key_id: key_id(&public),
            public_key: hex::encode(public.as_bytes()),
            files: vec![FileEntry {
                path: BackupPath::parse("database/spbe-desk.db").unwrap(),
                role: FileRole::Database,
                size_bytes: 4096,
                sha256: "ab".repeat(32),
            }],
        }
    }

    #[test]
    fn a_signed_manifest_verifies_with_its_own_key_or_a_given_one() {
        let signer = key(7);
        let bytes = manifest(&signer).encode().unwrap();
        let signature = Manifest::sign(&bytes, &signer);
        let (read, trust) = Manifest::verify(&bytes, &signature, &[]).unwrap();
        assert_eq!((read, trust), (manifest(&signer), KeyTrust::OwnKeyOnly));
        let given = [key(1).verifying_key(), signer.verifying_key()];
        assert_eq!(Manifest::verify(&bytes, &format!("{signature}\n"), &given).unwrap().1, KeyTrust::Given);
    }

    #[test]
    fn an_edited_manifest_or_another_signer_is_refused() {
        let signer = key(7);
        let bytes = manifest(&signer).encode().unwrap();
        let signature = Manifest::sign(&bytes, &signer);
        let edited = String::from_utf8(bytes.clone()).unwrap().replace("\"tickets\": 3", "\"tickets\": 4");
        assert_eq!(Manifest::verify(edited.as_bytes(), &signature, &[]), Err(ManifestError::BadSignature));
        let other = key(9);
        let mut forged = manifest(&signer);
        forged.public_key = hex::encode(other.verifying_key().as_bytes());
        forged.key_id = key_id(&other.verifying_key());
        let forged_bytes = forged.encode().unwrap();
        let forged_signature = Manifest::sign(&forged_bytes, &other);
        let refused = Manifest::verify(&forged_bytes, &forged_signature, &[signer.verifying_key()]);
        assert!(matches!(refused, Err(ManifestError::UntrustedKey { .. })), "{refused:?}");
        assert_eq!(Manifest::verify(&bytes, "zz", &[]), Err(ManifestError::MalformedSignature));
    }

    #[test]
    fn paths_never_leave_the_backup_folder() {
        for bad in ["", "/etc/passwd", "a/../b", "./a", "a//b", "a\\b", "..", "a/"] {
            assert!(BackupPath::parse(bad).is_err(), "{bad}");
        }
        let path = BackupPath::parse("attachments/ab/0193").unwrap();
        assert_eq!(path.below("attachments"), Some("ab/0193"));
        assert_eq!(path.below("attach"), None);
        let text = r#"{"path":"../x","role":"config","size_bytes":1,"sha256":"00"}"#;
        assert!(serde_json::from_str::<FileEntry>(text).is_err());
    }

    #[test]
    fn a_file_matches_its_size_and_hash() {
        let entry = &manifest(&key(1)).files[0];
        assert!(entry.matches(4096, &"AB".repeat(32)));
        assert!(!entry.matches(4095, &"ab".repeat(32)));
        assert!(!entry.matches(4096, &"ac".repeat(32)));
    }
}
