//! Backups of a whole installation and their restore: the database (a
//! consistent SQLite copy; on PostgreSQL the operator's dump), the
//! attachment files, the signing keys and the configuration, listed with
//! their hashes in a manifest signed by the audit key (`docs/operations.md`).
//!
//! The functions take paths and keys, not settings: `cli::backup` reads
//! the configuration and says where things are.

mod check;
mod copy;
mod restore;
mod take;

use std::path::PathBuf;

use thiserror::Error;

use crate::db::StoreError;
use crate::domain::backup::{ManifestError, PlanError};

pub use check::{check_attachments, check_backup, AttachmentCheck, Checked};
pub use copy::is_empty;
pub use restore::{restore, Restored, Target};
pub use take::{take, Sources, Taken};

/// The manifest and its signature inside a backup folder.
pub const MANIFEST_FILE: &str = "manifest.json";
pub const SIGNATURE_FILE: &str = "manifest.sig";
/// The SQLite copy inside a backup folder.
pub const SQLITE_COPY: &str = "database/spbe-desk.db";

/// Why a backup could not be taken, checked or restored.
#[derive(Debug, Error)]
pub enum BackupError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{} is in the way ({found}): a backup is written to, and restored into, an empty place", path.display())]
    NotEmpty { path: PathBuf, found: String },
    #[error("{path} in the backup is missing or differs from its manifest entry (size or SHA-256)")]
    Damaged { path: String },
    #[error("{0}")]
    Refused(String),
}

impl BackupError {
    fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> BackupError {
        let path = path.into();
        move |source| BackupError::Io { path, source }
    }
}
