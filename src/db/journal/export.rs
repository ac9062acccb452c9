//! The audit export: JSON Lines with the public keys, the chained entries
//! of a period in chain order, and the checkpoints taken in it, so a third
//! party can verify them offline (`docs/audit.md`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use serde_json::json;
use uuid::Uuid;

use super::checkpoints;
use super::links::{batch_after, ReadEntry, BATCH};
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::chain::instant_text;
use crate::domain::journal::compact::Unfolder;

/// The period exported; `None` bounds are open.
#[derive(Debug, Clone, Copy, Default)]
pub struct Period {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Writes the export line by line into `sink` (which may stop it by
/// failing), read in one snapshot so its checkpoints sign only what it holds.
pub fn export(
    conn: &mut DbConnection,
    keys: &HashMap<String, VerifyingKey>,
    period: Period,
    sink: impl FnMut(String) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    super::in_snapshot(conn, |conn| export_snapshot(conn, keys, period, sink))
}

fn export_snapshot(
    conn: &mut DbConnection,
    keys: &HashMap<String, VerifyingKey>,
    period: Period,
    mut sink: impl FnMut(String) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let header = json!({
        "record": "export",
        "format": "spbe-desk/audit-export/v2",
        "from": period.from.map(instant_text),
        "to": period.to.map(instant_text),
    });
    sink(header.to_string())?;
    let mut key_ids: Vec<&String> = keys.keys().collect();
    key_ids.sort();
    for id in key_ids {
        sink(json!({ "record": "key", "key_id": id, "public_key": hex::encode(keys[id].as_bytes()) }).to_string())?;
    }
    let between = (period.from, period.to);
    let (mut entries, mut checkpoints_written) = (0_u64, 0_u64);
    let mut cursor = None;
    let (mut unfolder, mut written) = (Unfolder::default(), Written::default());
    loop {
        let batch = batch_after(conn, cursor.as_ref(), between, &mut unfolder)?;
        let Some(last) = batch.last() else { break };
        cursor = Some((last.entry.link.chain, last.entry.link.position));
        let full = batch.len() as i64 == BATCH;
        for read in &batch {
            sink(written.line(read).to_string())?;
        }
        entries += batch.len() as u64;
        if !full {
            break;
        }
    }
    checkpoints::for_each(conn, between, |c| {
        checkpoints_written += 1;
        sink(checkpoints::line(&c.checkpoint, &c.heads)?.to_string())
    })?;
    // The last line: an export cut short (a dropped connection) lacks it.
    sink(json!({ "record": "end", "entries": entries, "checkpoints": checkpoints_written }).to_string())
}

/// Which entry of each record of the current chain the export last wrote:
/// a state before may refer to it, as stored; otherwise it is written whole,
/// so an export is verifiable on its own.
#[derive(Default)]
struct Written {
    chain: Option<Uuid>,
    last: HashMap<Uuid, i64>,
}

impl Written {
    fn line(&mut self, read: &ReadEntry) -> serde_json::Value {
        let (l, stored) = (&read.entry.link, &read.stored);
        if self.chain != Some(l.chain) {
            self.chain = Some(l.chain);
            self.last.clear();
        }
        let referred = stored.before_position.filter(|at| self.last.get(&l.entity_id) == Some(at));
        self.last.insert(l.entity_id, l.position);
        let mut line = json!({
            "record": "entry",
            "chain": l.chain,
            "position": l.position,
            "occurred_at": instant_text(l.occurred_at),
            "actor_kind": l.actor_kind,
            "actor_id": l.actor_id,
            "action": l.action,
            "entity_type": l.entity_type,
            "entity_id": l.entity_id,
            "before_json": if referred.is_some() { None } else { l.before_json.as_deref() },
            "after_json": if stored.after_edits.is_some() { None } else { l.after_json.as_deref() },
            "request_id": l.request_id,
            "prev_hash": hex::encode(l.prev_hash),
            "hash": hex::encode(read.entry.hash),
        });
        if let Some(at) = referred {
            line["before_position"] = json!(at);
            if let Some(edits) = &stored.before_edits {
                line["before_edits"] = json!(edits);
            }
        }
        if let Some(edits) = &stored.after_edits {
            line["after_edits"] = json!(edits);
        }
        line
    }
}
