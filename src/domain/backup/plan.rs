//! Where a restore puts each file of a backup on the target installation,
//! decided whole before anything is written, so that a restore that cannot
//! place one file writes none.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::manifest::{BackupBackend, FileEntry, FileRole, Manifest};

/// Where the target installation keeps each kind of file (from its
/// configuration).
#[derive(Debug, Clone)]
pub struct Places {
    pub backend: BackupBackend,
    pub data_dir: PathBuf,
    /// The file `database.url` names, on SQLite.
    pub sqlite_file: Option<PathBuf>,
    /// Where a generated JWT secret is read from.
    pub jwt_secret_file: PathBuf,
    /// `auth.jwt_private_key_file` and `auth.jwt_public_key_file`, if set.
    pub jwt_key_files: Option<(PathBuf, PathBuf)>,
    /// `audit.signing_key_file`, or the generated key's place.
    pub audit_key_file: PathBuf,
    /// The configuration folder when it is empty: the backup's goes there.
    pub empty_config_dir: Option<PathBuf>,
    /// `notices.templates_dir` when it is empty.
    pub empty_templates_dir: Option<PathBuf>,
}

/// What a restore does with one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Written there; nothing may be there yet.
    Write(PathBuf),
    /// A key, written there unless the same bytes are there already (an
    /// operator may have placed it from a secret store first).
    Key(PathBuf),
    /// Checked with the rest, but not written.
    Leave(Left),
}

/// Why a file is not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Left {
    /// A PostgreSQL dump: the operator restores it with `pg_restore` first.
    DumpForPgRestore,
    /// The target has its own configuration (or templates) already.
    ConfigurationInPlace,
    /// The settings in effect at backup time: a record for the operator.
    ForTheRecord,
}

/// One file of the manifest and what becomes of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step<'a> {
    pub entry: &'a FileEntry,
    pub action: Action,
}

/// Why a backup cannot be restored onto this target.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PlanError {
    #[error(
        "the backup is of a {} installation, and this configuration's database.url names {}",
        backup.as_str(),
        target.as_str()
    )]
    WrongBackend { backup: BackupBackend, target: BackupBackend },
    #[error("the backup holds {path}, but no place is configured for it: set {setting}")]
    NoPlace { path: String, setting: &'static str },
    #[error("the manifest lists {path} as {role:?}, which belongs under {folder}/")]
    Misplaced { path: String, role: FileRole, folder: &'static str },
}

/// Decides where each file of `manifest` goes on a target with `places`.
pub fn plan<'a>(manifest: &'a Manifest, places: &Places) -> Result<Vec<Step<'a>>, PlanError> {
    if manifest.backend != places.backend {
        return Err(PlanError::WrongBackend { backup: manifest.backend, target: places.backend });
    }
    manifest.files.iter().map(|entry| Ok(Step { entry, action: action(entry, places)? })).collect()
}

fn action(entry: &FileEntry, places: &Places) -> Result<Action, PlanError> {
    let no_place = |setting| PlanError::NoPlace { path: entry.path.to_string(), setting };
    let below = |folder: &'static str, base: &Path| {
        entry.path.below(folder).map(|rest| base.join(rest)).ok_or(PlanError::Misplaced {
            path: entry.path.to_string(),
            role: entry.role,
            folder,
        })
    };
    Ok(match entry.role {
        FileRole::Database => Action::Write(places.sqlite_file.clone().ok_or_else(|| no_place("database.url"))?),
        FileRole::DatabaseDump => Action::Leave(Left::DumpForPgRestore),
        // The backup keeps the data folder's own layout of attachments.
        FileRole::Attachment => {
            below("attachments", &places.data_dir)?;
            Action::Write(places.data_dir.join(entry.path.as_str()))
        }
        FileRole::JwtSecret => Action::Key(places.jwt_secret_file.clone()),
        FileRole::JwtPrivateKey => {
            Action::Key(places.jwt_key_files.as_ref().ok_or_else(|| no_place("auth.jwt_private_key_file"))?.0.clone())
        }
        FileRole::JwtPublicKey => {
            Action::Key(places.jwt_key_files.as_ref().ok_or_else(|| no_place("auth.jwt_public_key_file"))?.1.clone())
        }
        FileRole::AuditSigningKey => Action::Key(places.audit_key_file.clone()),
        FileRole::Config => match &places.empty_config_dir {
            Some(dir) => Action::Write(below("config", dir)?),
            None => Action::Leave(Left::ConfigurationInPlace),
        },
        FileRole::Template => match &places.empty_templates_dir {
            Some(dir) => Action::Write(below("templates", dir)?),
            None => Action::Leave(Left::ConfigurationInPlace),
        },
        FileRole::Settings => Action::Leave(Left::ForTheRecord),
    })
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::backup::manifest::{BackupPath, Contents, DatabasePart, FORMAT};

    fn entry(path: &str, role: FileRole) -> FileEntry {
        FileEntry { path: BackupPath::parse(path).unwrap(), role, size_bytes: 1, sha256: "00".repeat(32) }
    }

    fn manifest(backend: BackupBackend, files: Vec<FileEntry>) -> Manifest {
        Manifest {
            format: FORMAT.to_owned(),
            created_at: Utc::now(),
            backend,
            database: DatabasePart::Included,
            contents: Contents::default(),
            key_id: String::new(),
            public_key: String::new(),
            files,
        }
    }

    fn places() -> Places {
        Places {
            backend: BackupBackend::Sqlite,
            data_dir: PathBuf::from("/srv/data"),
            sqlite_file: Some(PathBuf::from("/srv/data/desk.db")),
            jwt_secret_file: PathBuf::from("/srv/data/jwt-secret"),
            jwt_key_files: None,
            audit_key_file: PathBuf::from("/etc/desk/audit.key"),
            empty_config_dir: Some(PathBuf::from("/etc/desk")),
            empty_templates_dir: None,
        }
    }

    #[test]
    fn each_file_goes_where_the_target_keeps_its_kind() {
        let m = manifest(
            BackupBackend::Sqlite,
            vec![
                entry("database/spbe-desk.db", FileRole::Database),
                entry("attachments/ab/0193ab", FileRole::Attachment),
                entry("keys/audit-signing-key", FileRole::AuditSigningKey),
                entry("config/templates/footer.txt", FileRole::Config),
                entry("templates/footer.txt", FileRole::Template),
                entry("settings-in-effect.json", FileRole::Settings),
            ],
        );
        let actions: Vec<Action> = plan(&m, &places()).unwrap().into_iter().map(|s| s.action).collect();
        assert_eq!(
            actions,
            vec![
                Action::Write("/srv/data/desk.db".into()),
                Action::Write("/srv/data/attachments/ab/0193ab".into()),
                Action::Key("/etc/desk/audit.key".into()),
                Action::Write("/etc/desk/templates/footer.txt".into()),
                Action::Leave(Left::ConfigurationInPlace),
                Action::Leave(Left::ForTheRecord),
            ]
        );
    }

    #[test]
    fn a_backup_that_has_no_place_on_the_target_is_refused_whole() {
        let sqlite = manifest(BackupBackend::Sqlite, vec![]);
        let onto_postgres = plan(&sqlite, &Places { backend: BackupBackend::Postgres, sqlite_file: None, ..places() });
        assert!(matches!(onto_postgres, Err(PlanError::WrongBackend { .. })));
        let key_pair = manifest(BackupBackend::Sqlite, vec![entry("keys/jwt-private.pem", FileRole::JwtPrivateKey)]);
        assert!(matches!(
            plan(&key_pair, &places()),
            Err(PlanError::NoPlace { setting: "auth.jwt_private_key_file", .. })
        ));
        let stray = manifest(BackupBackend::Sqlite, vec![entry("keys/x", FileRole::Attachment)]);
        assert!(matches!(plan(&stray, &places()), Err(PlanError::Misplaced { .. })));
    }

    #[test]
    fn a_postgresql_dump_is_left_to_pg_restore() {
        let m = manifest(BackupBackend::Postgres, vec![entry("database/spbe-desk.dump", FileRole::DatabaseDump)]);
        let target = Places { backend: BackupBackend::Postgres, sqlite_file: None, ..places() };
        assert_eq!(plan(&m, &target).unwrap()[0].action, Action::Leave(Left::DumpForPgRestore));
    }
}
