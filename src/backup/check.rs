//! Checking a backup folder (its manifest, signature and every file), and
//! the attachment files of a database against their records.

use std::path::Path;

use ed25519_dalek::VerifyingKey;
use uuid::Uuid;

use super::copy;
use super::{BackupError, MANIFEST_FILE, SIGNATURE_FILE};
use crate::auth::audit_key::parse_seed;
use crate::db::{stored_files, DbConnection};
use crate::domain::backup::{FileRole, KeyTrust, Manifest};

/// A backup whose manifest verified and whose files all match it.
#[derive(Debug)]
pub struct Checked {
    pub manifest: Manifest,
    pub trust: KeyTrust,
}

/// Checks `dir`: the manifest's signature (by one of `given`, or by its own
/// key when none is given), that the audit key it carries is the signer,
/// and the size and SHA-256 of every file it lists.
pub fn check_backup(dir: &Path, given: &[VerifyingKey]) -> Result<Checked, BackupError> {
    let read = |name: &str| std::fs::read(dir.join(name)).map_err(BackupError::io(dir.join(name)));
    let bytes = read(MANIFEST_FILE)?;
    let signature = String::from_utf8_lossy(&read(SIGNATURE_FILE)?).into_owned();
    let (manifest, trust) = Manifest::verify(&bytes, &signature, given)?;
    for entry in &manifest.files {
        let matches = match copy::hash_file(&dir.join(entry.path.as_str())) {
            Ok(digest) => entry.matches(digest.size_bytes, &digest.sha256),
            Err(BackupError::Io { .. }) => false,
            Err(other) => return Err(other),
        };
        if !matches {
            return Err(BackupError::Damaged { path: entry.path.to_string() });
        }
    }
    // Restored, this key signs the next checkpoints: it must be the signer.
    let signer = manifest.verifying_key()?;
    for entry in manifest.files_of(FileRole::AuditSigningKey) {
        let text = std::fs::read_to_string(dir.join(entry.path.as_str()))
            .map_err(BackupError::io(dir.join(entry.path.as_str())))?;
        let key = parse_seed(&text).map_err(|e| BackupError::Refused(format!("{}: {e}", entry.path)))?;
        if key.verifying_key() != signer {
            return Err(BackupError::Refused(format!("{} is not the key that signed the manifest", entry.path)));
        }
    }
    Ok(Checked { manifest, trust })
}

/// Attachment files checked against their records.
#[derive(Debug, Default)]
pub struct AttachmentCheck {
    pub checked: u64,
    /// Records whose file is missing, or whose file's size or hash differs
    /// (the first hundred).
    pub missing: Vec<Uuid>,
    pub differing: Vec<Uuid>,
    pub problems: u64,
}

const LISTED: usize = 100;
const PAGE: i64 = 1_000;

/// Checks the file of every attachment record under `base` (a data folder,
/// or a backup folder: both keep `attachments/` in the same layout).
pub fn check_attachments(conn: &mut DbConnection, base: &Path) -> Result<AttachmentCheck, BackupError> {
    let mut check = AttachmentCheck::default();
    let mut after = None;
    loop {
        let page = stored_files::page_after(conn, after, PAGE)?;
        for attachment in &page {
            check.checked += 1;
            let path = crate::files::attachment_path(base, attachment.id);
            let (list, id) = match copy::hash_file(&path) {
                Ok(d) if d.size_bytes == attachment.size_bytes as u64 && d.sha256 == attachment.sha256 => continue,
                Ok(_) => (&mut check.differing, attachment.id),
                Err(BackupError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                    (&mut check.missing, attachment.id)
                }
                Err(other) => return Err(other),
            };
            check.problems += 1;
            if list.len() < LISTED {
                list.push(id);
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after = Some(last.id),
            _ => return Ok(check),
        }
    }
}
