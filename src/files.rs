//! The attachment file store: one file per attachment under
//! `<data dir>/attachments/`, named by the attachment's id.

use std::io::Write;
use std::path::{Path, PathBuf};

use uuid::Uuid;

/// Where the bytes of attachment `id` live.
pub fn attachment_path(data_dir: &Path, id: Uuid) -> PathBuf {
    let name = id.simple().to_string();
    // Spread files over folders by the id's last (random) characters.
    data_dir.join("attachments").join(&name[30..]).join(name)
}

/// Writes the bytes durably (synced) before the record is committed.
pub fn write_attachment(data_dir: &Path, id: Uuid, content: &[u8]) -> std::io::Result<()> {
    let path = attachment_path(data_dir, id);
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)?;
    }
    let mut file = std::fs::File::create_new(&path)?;
    file.write_all(content)?;
    file.sync_all()
}

pub fn read_attachment(data_dir: &Path, id: Uuid) -> std::io::Result<Vec<u8>> {
    std::fs::read(attachment_path(data_dir, id))
}

/// Removes the bytes of an attachment whose record was not committed.
pub fn remove_attachment(data_dir: &Path, id: Uuid) {
    if let Err(error) = std::fs::remove_file(attachment_path(data_dir, id)) {
        tracing::warn!(%id, %error, "could not remove an orphan attachment file");
    }
}

/// The attachment files of one spread folder (`attachments/<xx>/`) last
/// written before `cutoff`, by id; names that are not ids are left alone.
pub fn attachment_files_before(folder: &Path, cutoff: std::time::SystemTime) -> std::io::Result<Vec<Uuid>> {
    let mut old = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let Some(id) = entry.file_name().to_str().and_then(|n| Uuid::try_parse(n).ok()) else { continue };
        let metadata = entry.metadata()?;
        if metadata.is_file() && metadata.modified()? < cutoff {
            old.push(id);
        }
    }
    Ok(old)
}

/// The spread folders under `<data dir>/attachments/` (none before the
/// first upload).
pub fn attachment_folders(data_dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    match std::fs::read_dir(data_dir.join("attachments")) {
        Ok(entries) => {
            entries.map(|e| e.map(|e| e.path())).filter(|p| p.as_ref().map_or(true, |p| p.is_dir())).collect()
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}
