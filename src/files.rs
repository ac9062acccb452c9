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
