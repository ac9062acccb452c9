//! The witness file: every signed checkpoint appended as one JSON line
//! (the export's `checkpoint` record) to a file outside the database,
//! after the checkpoint committed. Each run appends whatever checkpoints
//! come after the file's last line, under an exclusive lock, so a failed
//! append is made good by the next run and several instances writing the
//! same file neither double nor skip a line. Earlier lines are never
//! rewritten.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::config::WitnessSettings;
use crate::db::journal::checkpoints::{self, Checkpoint};
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::chain::Head;
use crate::notify::witness::{self as published, DigestMail};

/// What a checkpoint's transaction publishes through the outbox, as
/// configured: the webhook to subscriptions that ask, and the digest mail.
pub fn publisher(
    settings: &WitnessSettings,
    now: DateTime<Utc>,
) -> impl FnMut(&mut DbConnection, &Checkpoint, &[Head]) -> Result<(), StoreError> {
    let mail = DigestMail { recipients: settings.recipients.clone(), every_seconds: settings.mail_every_seconds };
    move |conn, checkpoint, heads| published::publish(conn, &mail, checkpoint, heads, now)
}

/// Appends the checkpoints after the file's last one; answers how many.
pub fn append(conn: &mut DbConnection, path: &Path) -> Result<usize, String> {
    let failed = |e: std::io::Error| format!("witness file {}: {e}", path.display());
    let mut file = OpenOptions::new().read(true).append(true).create(true).open(path).map_err(failed)?;
    // Held until the file is closed; another instance waits here.
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive).map_err(|e| failed(std::io::Error::from(e)))?;
    let last = last_seq(&mut file).map_err(failed)?;
    let torn = !ends_with_newline(&mut file).map_err(failed)?;
    let mut out = BufWriter::new(&file);
    if torn {
        // An append cut short by a crash: end its line, readers skip it.
        out.write_all(b"\n").map_err(failed)?;
    }
    let mut appended = 0;
    checkpoints::for_each_after(conn, last.unwrap_or(0), (None, None), |c| {
        let line = checkpoints::line(&c.checkpoint, &c.heads)?;
        writeln!(out, "{line}").map_err(|e| StoreError::Unavailable(e.to_string()))?;
        appended += 1;
        Ok(())
    })
    .map_err(|e| format!("witness file {}: {e}", path.display()))?;
    out.flush().map_err(failed)?;
    drop(out);
    file.sync_data().map_err(failed)?;
    Ok(appended)
}

fn ends_with_newline(file: &mut File) -> std::io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    let mut last = [0_u8];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

#[derive(Deserialize)]
struct Seq {
    seq: i64,
}

fn seq_of(line: &[u8]) -> Option<i64> {
    serde_json::from_slice::<Seq>(line).ok().map(|s| s.seq)
}

/// The sequence number of the file's last checkpoint line, read from the
/// end backwards (lines that are not checkpoints are passed over).
fn last_seq(file: &mut File) -> std::io::Result<Option<i64>> {
    let mut start = file.metadata()?.len();
    let mut tail: Vec<u8> = Vec::new();
    loop {
        match tail.iter().rposition(|b| *b == b'\n') {
            Some(newline) => {
                if let Some(seq) = seq_of(&tail[newline + 1..]) {
                    return Ok(Some(seq));
                }
                tail.truncate(newline);
            }
            None if start == 0 => return Ok(seq_of(&tail)),
            None => {
                let step = start.min(64 * 1024);
                start -= step;
                let mut chunk = vec![0; usize::try_from(step).unwrap_or(0)];
                file.seek(SeekFrom::Start(start))?;
                file.read_exact(&mut chunk)?;
                chunk.extend_from_slice(&tail);
                tail = chunk;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_of(text: &str) -> Option<i64> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.jsonl");
        std::fs::write(&path, text).unwrap();
        last_seq(&mut File::open(&path).unwrap()).unwrap()
    }

    #[test]
    fn the_last_checkpoint_line_is_found_past_a_torn_one() {
        assert_eq!(last_of(""), None);
        assert_eq!(last_of("{\"seq\":1}\n"), Some(1));
        assert_eq!(last_of("{\"seq\":1}\n{\"seq\":2}\n{\"seq\":3,\"hea"), Some(2));
        assert_eq!(last_of("{\"seq\":1}\n{\"seq\":2}\n{\"seq\":3,\"hea\n\n"), Some(2));
        let long = format!("{{\"seq\":7,\"pad\":\"{}\"}}\n", "x".repeat(200_000));
        assert_eq!(last_of(&format!("{{\"seq\":6}}\n{long}")), Some(7));
    }
}
