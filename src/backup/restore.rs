//! `spbe-desk restore --from DIR`: a checked backup into an empty place,
//! then the same audit verification as `spbe-desk audit verify` and every
//! attachment's hash against its record.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::check::{check_attachments, AttachmentCheck, Checked};
use super::{copy, BackupError};
use crate::auth::audit_key;
use crate::config::AuditSettings;
use crate::db::journal::verify::{self, VerifyReport};
use crate::db::{backup as store, migrate, Db, DbUrl};
use crate::domain::backup::dump_match::beyond_the_backup;
use crate::domain::backup::{plan, Action, Contents, DatabasePart, FileRole, Left, Places, Step};

/// The installation restored into: where its files go, its database, and
/// its audit settings (the keys checkpoints may name).
pub struct Target {
    pub places: Places,
    pub database: DbUrl,
    pub audit: AuditSettings,
}

/// What a restore wrote and what the checks after it found.
#[derive(Debug)]
pub struct Restored {
    pub attachment_files: u64,
    pub key_files: u64,
    /// Keys that were in place already, with the same bytes.
    pub keys_in_place: u64,
    pub config_files: u64,
    /// Configuration files not written: the target had its own.
    pub config_kept: u64,
    pub migrations: Vec<String>,
    pub contents: Contents,
    pub audit: VerifyReport,
    pub attachments: AttachmentCheck,
}

impl Restored {
    /// Whether the restored installation passed its checks.
    pub fn sound(&self) -> bool {
        self.audit.intact && self.attachments.problems == 0
    }
}

/// Restores the checked backup in `from` onto `target`. Refuses, writing
/// nothing, when a file has no place or the place is not empty; on
/// PostgreSQL, when the operator's dump has not been restored first.
pub fn restore(from: &Path, checked: &Checked, target: &Target) -> Result<Restored, BackupError> {
    let steps = plan(&checked.manifest, &target.places)?;
    let in_place = check_target_is_empty(&steps, &target.places)?;
    if let DbUrl::Postgres(_) = target.database {
        let live = Db::connect(&target.database, 1).map_err(BackupError::Refused)?;
        let mut conn = live.conn()?;
        if migrate::newest_applied(&mut conn)?.is_none() {
            return Err(BackupError::Refused(dump_first(checked, from)));
        }
        // Only the dump taken with this backup: a database past it (the
        // live one, say) is not restored onto. After point-in-time
        // recovery it may rightly hold more, so that is not judged.
        if checked.manifest.database == DatabasePart::OperatorDump {
            let held = store::contents(&mut conn)?;
            if let Some(beyond) = beyond_the_backup(&held, &checked.manifest.contents) {
                return Err(BackupError::Refused(format!(
                    "the database holds {beyond}: it is not the dump of this backup, restored into an empty \
                     database just before (docs/operations.md)"
                )));
            }
        }
    }
    let mut restored = Restored {
        attachment_files: 0,
        key_files: 0,
        keys_in_place: in_place.len() as u64,
        config_files: 0,
        config_kept: 0,
        migrations: Vec::new(),
        contents: Contents::default(),
        audit: VerifyReport::default(),
        attachments: AttachmentCheck::default(),
    };
    for step in &steps {
        let destination = match &step.action {
            Action::Write(to) | Action::Key(to) if !in_place.contains(to) => to,
            Action::Leave(Left::ConfigurationInPlace) => {
                restored.config_kept += 1;
                continue;
            }
            _ => continue,
        };
        let source = from.join(step.entry.path.as_str());
        let copied = copy::copy_file(&source, destination)?;
        // Checked before, so a difference now means the backup changed under us.
        if !step.entry.matches(copied.size_bytes, &copied.sha256) {
            return Err(BackupError::Damaged { path: step.entry.path.to_string() });
        }
        match step.entry.role {
            FileRole::Attachment => restored.attachment_files += 1,
            FileRole::Config | FileRole::Template => restored.config_files += 1,
            FileRole::Database | FileRole::DatabaseDump | FileRole::Settings => {}
            _ => restored.key_files += 1,
        }
    }
    let db = Db::connect(&target.database, 1).map_err(BackupError::Refused)?;
    let mut conn = db.conn()?;
    restored.migrations = migrate::run_pending(&mut conn)?;
    let keys = audit_key::load(&target.audit, &target.places.data_dir).map_err(BackupError::Refused)?;
    restored.audit = verify::verify(&mut conn, &keys.trusted)?;
    restored.attachments = check_attachments(&mut conn, &target.places.data_dir)?;
    restored.contents = store::contents(&mut conn)?;
    Ok(restored)
}

/// Refuses a target that holds anything a restore would write, or
/// anything at all in its data folder but keys identical to the backup's;
/// returns those keys, which stay as they are.
fn check_target_is_empty(steps: &[Step<'_>], places: &Places) -> Result<HashSet<PathBuf>, BackupError> {
    let exists = |path: &Path| path.symlink_metadata().is_ok();
    let taken = |path: &Path, found: &str| BackupError::NotEmpty { path: path.to_owned(), found: found.to_owned() };
    let mut in_place = HashSet::new();
    for step in steps {
        match &step.action {
            Action::Write(to) if exists(to) => return Err(taken(to, "a file is there")),
            Action::Key(to) if exists(to) => {
                let there = copy::hash_file(to)?;
                if !step.entry.matches(there.size_bytes, &there.sha256) {
                    return Err(taken(to, "another key is there"));
                }
                in_place.insert(to.clone());
            }
            _ => {}
        }
    }
    for relative in copy::files_under(&places.data_dir)? {
        if !in_place.contains(&places.data_dir.join(&relative)) {
            return Err(taken(&places.data_dir, &format!("it holds {relative}")));
        }
    }
    if let Some(database) = &places.sqlite_file {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = database.as_os_str().to_owned();
            name.push(suffix);
            if exists(Path::new(&name)) {
                return Err(taken(Path::new(&name), "a database file is there"));
            }
        }
    }
    Ok(in_place)
}

/// What to do on PostgreSQL before the restore can go on.
fn dump_first(checked: &Checked, from: &Path) -> String {
    let dump = checked.manifest.files_of(FileRole::DatabaseDump).next();
    match (checked.manifest.database, dump) {
        (DatabasePart::OperatorDump, Some(dump)) => format!(
            "the database holds no schema yet: restore the dump first, e.g. \
             pg_restore --no-owner --exit-on-error --dbname \"$DATABASE_URL\" {}",
            from.join(dump.path.as_str()).display()
        ),
        _ => "the database holds no schema yet: restore it first with the operator's tool \
              (pg_restore of the dump taken with this backup; docs/operations.md)"
            .to_owned(),
    }
}
