//! Files in and out of a backup: copied with their SHA-256 computed on the
//! way, written only where nothing is (never over a file), readable by
//! their owner only (they hold password hashes and signing keys), synced.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::BackupError;
use crate::domain::backup::{BackupPath, FileEntry, FileRole};

/// A file's size and SHA-256 (lowercase hexadecimal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub size_bytes: u64,
    pub sha256: String,
}

impl Digest {
    pub fn entry(self, path: BackupPath, role: FileRole) -> FileEntry {
        FileEntry { path, role, size_bytes: self.size_bytes, sha256: self.sha256 }
    }
}

/// Streams `source` (read from `from`) into `sink` (if any), hashing what passes.
fn stream(mut source: File, from: &Path, mut sink: Option<(&mut File, &Path)>) -> Result<Digest, BackupError> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut size_bytes = 0u64;
    loop {
        let read = source.read(&mut buffer).map_err(BackupError::io(from))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size_bytes += read as u64;
        if let Some((file, to)) = sink.as_mut() {
            file.write_all(&buffer[..read]).map_err(BackupError::io(*to))?;
        }
    }
    Ok(Digest { size_bytes, sha256: hex::encode(hasher.finalize()) })
}

pub fn hash_file(path: &Path) -> Result<Digest, BackupError> {
    stream(File::open(path).map_err(BackupError::io(path))?, path, None)
}

/// Creates `to` (and its folders), failing if it exists.
fn create_new(to: &Path) -> Result<File, BackupError> {
    if let Some(folder) = to.parent() {
        std::fs::create_dir_all(folder).map_err(BackupError::io(folder))?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(to).map_err(BackupError::io(to))
}

/// Copies `from` to a new file `to`, synced, and returns what was copied;
/// nothing is created when `from` cannot be opened.
pub fn copy_file(from: &Path, to: &Path) -> Result<Digest, BackupError> {
    let source = File::open(from).map_err(BackupError::io(from))?;
    let mut file = create_new(to)?;
    let digest = stream(source, from, Some((&mut file, to)))?;
    file.sync_all().map_err(BackupError::io(to))?;
    Ok(digest)
}

/// Writes `bytes` to a new file `to`, synced.
pub fn write_new(to: &Path, bytes: &[u8]) -> Result<Digest, BackupError> {
    let mut file = create_new(to)?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(BackupError::io(to))?;
    Ok(Digest { size_bytes: bytes.len() as u64, sha256: hex::encode(Sha256::digest(bytes)) })
}

/// Whether `dir` is absent or holds nothing.
pub fn is_empty(dir: &Path) -> Result<bool, BackupError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(BackupError::Io { path: dir.to_owned(), source: e }),
    }
}

/// The files below `dir` as `/`-separated relative paths, sorted; none
/// when `dir` is absent. Linked folders are not followed (no loops).
pub fn files_under(dir: &Path) -> Result<Vec<String>, BackupError> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let entries = match std::fs::read_dir(dir.join(&relative)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && relative.as_os_str().is_empty() => break,
            Err(e) => return Err(BackupError::Io { path: dir.join(&relative), source: e }),
        };
        for entry in entries {
            let entry = entry.map_err(BackupError::io(dir.join(&relative)))?;
            let path = relative.join(entry.file_name());
            let kind = entry.file_type().map_err(BackupError::io(dir.join(&path)))?;
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() || dir.join(&path).is_file() {
                let text = path.to_str().ok_or_else(|| {
                    BackupError::Refused(format!("{} is not named in UTF-8", dir.join(&path).display()))
                })?;
                found.push(text.replace(std::path::MAIN_SEPARATOR, "/"));
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_hashed_on_the_way_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("a.txt");
        std::fs::write(&source, b"abc").unwrap();
        let copied = copy_file(&source, &dir.path().join("x/y/a.txt")).unwrap();
        assert_eq!(copied.size_bytes, 3);
        assert_eq!(copied.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(hash_file(&dir.path().join("x/y/a.txt")).unwrap(), copied);
        assert!(copy_file(&source, &dir.path().join("x/y/a.txt")).is_err());
        assert_eq!(files_under(dir.path()).unwrap(), vec!["a.txt", "x/y/a.txt"]);
        assert!(files_under(&dir.path().join("none")).unwrap().is_empty());
        assert!(is_empty(&dir.path().join("none")).unwrap() && !is_empty(dir.path()).unwrap());
    }
}
