//! `spbe-desk backup --to DIR`: a consistent backup while the service runs.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;

use super::copy;
use super::{BackupError, MANIFEST_FILE, SIGNATURE_FILE, SQLITE_COPY};
use crate::db::{backup as store, stored_files, Db, DbConnection, DbUrl};
use crate::domain::backup::manifest::{BackupBackend, FORMAT};
use crate::domain::backup::{BackupPath, Contents, DatabasePart, FileEntry, FileRole, Manifest};
use crate::domain::journal::chain::key_id;

/// What a backup takes, as the configuration in effect names it.
pub struct Sources {
    pub database: DbUrl,
    pub data_dir: PathBuf,
    /// The key files in use that exist, each with its role.
    pub keys: Vec<(FileRole, PathBuf)>,
    pub config_dir: PathBuf,
    /// `notices.templates_dir`, when it lies outside the configuration folder.
    pub templates_dir: Option<PathBuf>,
    /// The settings in effect, secrets masked (JSON).
    pub settings_json: Vec<u8>,
}

/// A backup written: its manifest, and the attachments that could not be
/// taken as their records describe them (missing or altered in the data
/// folder: damage the operator must hear of).
pub struct Taken {
    pub manifest: Manifest,
    pub damaged_attachments: Vec<String>,
}

/// Attachment records read per query.
const PAGE: i64 = 1_000;

/// Where each key is kept inside the backup, by role.
fn key_path(role: FileRole) -> &'static str {
    match role {
        FileRole::JwtSecret => "keys/jwt-secret",
        FileRole::JwtPrivateKey => "keys/jwt-private-key.pem",
        FileRole::JwtPublicKey => "keys/jwt-public-key.pem",
        _ => "keys/audit-signing-key",
    }
}

fn backup_path(text: &str) -> Result<BackupPath, BackupError> {
    Ok(BackupPath::parse(text)?)
}

/// Takes a backup into `to` (absent or empty; on PostgreSQL it may hold the
/// operator's dump in `database/`), signed with `signer`.
pub fn take(sources: &Sources, signer: &SigningKey, to: &Path, now: DateTime<Utc>) -> Result<Taken, BackupError> {
    let dumps = prepare_folder(to, sources)?;
    let mut files = Vec::new();
    let (backend, database, contents, damaged) = match &sources.database {
        DbUrl::Sqlite(path) => {
            let (contents, damaged) = sqlite_part(sources, path, to, &mut files)?;
            (BackupBackend::Sqlite, DatabasePart::Included, contents, damaged)
        }
        DbUrl::Postgres(_) => {
            for dump in &dumps {
                files.push(copy::hash_file(&to.join(dump))?.entry(backup_path(dump)?, FileRole::DatabaseDump));
            }
            let part = if dumps.is_empty() { DatabasePart::OperatorTool } else { DatabasePart::OperatorDump };
            let live = Db::connect(&sources.database, 1).map_err(BackupError::Refused)?;
            let mut conn = live.conn()?;
            let contents = store::contents(&mut conn)?;
            // Read after the operator's dump: a superset of its records.
            let damaged = copy_attachments(&mut conn, &sources.data_dir, to, &mut files)?;
            (BackupBackend::Postgres, part, contents, damaged)
        }
    };
    copy_keys_and_configuration(sources, to, &mut files)?;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        created_at: now,
        backend,
        database,
        contents,
        key_id: key_id(&signer.verifying_key()),
        public_key: hex::encode(signer.verifying_key().as_bytes()),
        files,
    };
    let bytes = manifest.encode()?;
    copy::write_new(&to.join(MANIFEST_FILE), &bytes)?;
    copy::write_new(&to.join(SIGNATURE_FILE), format!("{}\n", Manifest::sign(&bytes, signer)).as_bytes())?;
    Ok(Taken { manifest, damaged_attachments: damaged })
}

/// The SQLite copy, then its contents and the files of its attachment
/// records, read from the copy so that the manifest describes it exactly.
fn sqlite_part(
    sources: &Sources,
    live_file: &Path,
    to: &Path,
    files: &mut Vec<FileEntry>,
) -> Result<(Contents, Vec<String>), BackupError> {
    if !live_file.is_file() {
        return Err(BackupError::Refused(format!("there is no database at {}", live_file.display())));
    }
    let copy = to.join(SQLITE_COPY);
    std::fs::create_dir_all(to.join("database")).map_err(BackupError::io(to.join("database")))?;
    let live = Db::connect(&sources.database, 1).map_err(BackupError::Refused)?;
    store::copy_sqlite_into(&mut *live.conn()?, &copy)?;
    // SQLite creates the copy under the process's umask; it holds password
    // hashes, so it is the owner's only, like every file copied here.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o600)).map_err(BackupError::io(&copy))?;
    }
    files.push(copy::hash_file(&copy)?.entry(backup_path(SQLITE_COPY)?, FileRole::Database));
    let mut conn = store::open_sqlite_copy(&copy)?;
    let contents = store::contents(&mut conn)?;
    let damaged = copy_attachments(&mut conn, &sources.data_dir, to, files)?;
    Ok((contents, damaged))
}

/// Creates the backup folder (owner only), which must be absent or empty;
/// on PostgreSQL it may hold the operator's dump, returned (`database/…`).
fn prepare_folder(to: &Path, sources: &Sources) -> Result<Vec<String>, BackupError> {
    let present = copy::files_under(to)?;
    let postgres = matches!(sources.database, DbUrl::Postgres(_));
    if let Some(other) = present.iter().find(|f| !(postgres && f.starts_with("database/"))) {
        return Err(BackupError::NotEmpty { path: to.to_owned(), found: other.clone() });
    }
    std::fs::create_dir_all(to).map_err(BackupError::io(to))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700)).map_err(BackupError::io(to))?;
    }
    // A backup inside the configuration folder would copy itself.
    let inside = |dir: &Path| match (to.canonicalize(), dir.canonicalize()) {
        (Ok(to), Ok(dir)) => to.starts_with(dir),
        _ => false,
    };
    if inside(&sources.config_dir) || sources.templates_dir.as_deref().is_some_and(inside) {
        return Err(BackupError::Refused(format!("{} lies inside the configuration folder", to.display())));
    }
    Ok(present)
}

/// Copies the file of every attachment record; returns those missing or
/// differing from their record (the copy keeps what the folder held).
fn copy_attachments(
    conn: &mut DbConnection,
    data_dir: &Path,
    to: &Path,
    files: &mut Vec<FileEntry>,
) -> Result<Vec<String>, BackupError> {
    let mut damaged = Vec::new();
    let mut after = None;
    loop {
        let page = stored_files::page_after(conn, after, PAGE)?;
        for attachment in &page {
            // The data folder's own layout, relative (`attachments/ab/…`).
            let relative = crate::files::attachment_path(Path::new(""), attachment.id);
            let text = relative.to_string_lossy().replace(std::path::MAIN_SEPARATOR, "/");
            match copy::copy_file(&data_dir.join(&relative), &to.join(&relative)) {
                Ok(digest) => {
                    let recorded = (attachment.size_bytes as u64, attachment.sha256.as_str());
                    if (digest.size_bytes, digest.sha256.as_str()) != recorded {
                        damaged.push(format!("{} (its bytes differ from its record)", attachment.id));
                    }
                    files.push(digest.entry(backup_path(&text)?, FileRole::Attachment));
                }
                Err(BackupError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                    damaged.push(format!("{} (its file is missing)", attachment.id));
                }
                Err(other) => return Err(other),
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after = Some(last.id),
            _ => return Ok(damaged),
        }
    }
}

fn copy_keys_and_configuration(sources: &Sources, to: &Path, files: &mut Vec<FileEntry>) -> Result<(), BackupError> {
    for (role, from) in &sources.keys {
        let path = key_path(*role);
        files.push(copy::copy_file(from, &to.join(path))?.entry(backup_path(path)?, *role));
    }
    let folders = [
        (Some(&sources.config_dir), "config", FileRole::Config),
        (sources.templates_dir.as_ref(), "templates", FileRole::Template),
    ];
    for (dir, folder, role) in folders {
        let Some(dir) = dir else { continue };
        for relative in copy::files_under(dir)? {
            let path = format!("{folder}/{relative}");
            files.push(copy::copy_file(&dir.join(&relative), &to.join(&path))?.entry(backup_path(&path)?, role));
        }
    }
    let path = "settings-in-effect.json";
    files.push(copy::write_new(&to.join(path), &sources.settings_json)?.entry(backup_path(path)?, FileRole::Settings));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_role_has_its_own_file_name() {
        let roles = [FileRole::JwtSecret, FileRole::JwtPrivateKey, FileRole::JwtPublicKey, FileRole::AuditSigningKey];
        let names: std::collections::HashSet<&str> = roles.into_iter().map(key_path).collect();
        assert_eq!(names.len(), roles.len());
    }
}
