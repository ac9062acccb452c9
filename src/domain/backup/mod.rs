//! Backups: the signed manifest that says what a backup holds, and where a
//! restore puts each of its files. Pure: the files are read and written by
//! `crate::backup`.

pub mod dump_match;
pub mod manifest;
pub mod plan;

pub use manifest::{
    BackupBackend, BackupPath, Contents, DatabasePart, FileEntry, FileRole, KeyTrust, Manifest, ManifestError,
};
pub use plan::{plan, Action, Left, Places, PlanError, Step};
