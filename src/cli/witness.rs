//! Reading a witness file (or a digest mail's lines saved as one) for
//! `audit verify --witness` and `audit verify-export --witness`.

use std::io::BufRead;
use std::path::Path;

use crate::domain::journal::witness::{CheckpointLine, LineCheckpoint};

/// The checkpoints a witness file holds. A line that is not a checkpoint
/// (an append cut short by a crash, a blank line) is skipped and counted:
/// the witness is evidence kept elsewhere, not a record that must be whole.
pub fn read(path: &Path) -> Result<Vec<LineCheckpoint>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (mut found, mut skipped) = (Vec::new(), 0_usize);
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        match serde_json::from_str::<CheckpointLine>(&line) {
            Ok(parsed) => found.push(parsed.parse()?),
            Err(_) => skipped += 1,
        }
    }
    if skipped > 0 {
        println!("{skipped} line(s) of {} are not checkpoints and were skipped", path.display());
    }
    Ok(found)
}
