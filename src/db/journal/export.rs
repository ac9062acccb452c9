//! The audit export: JSON Lines with the public keys, the chained entries
//! of a period in chain order, and the checkpoints taken in it, so a third
//! party can verify them offline (`docs/audit.md`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use serde_json::json;

use super::checkpoints;
use super::links::{batch_after, BATCH};
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::chain::instant_text;
use crate::domain::journal::verify::StoredLink;

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
        "format": "spbe-desk/audit-export/v1",
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
    loop {
        let batch = batch_after(conn, cursor.as_ref(), between)?;
        let Some(last) = batch.last() else { break };
        cursor = Some((last.link.chain, last.link.position));
        let full = batch.len() as i64 == BATCH;
        for entry in &batch {
            sink(entry_line(entry).to_string())?;
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

fn entry_line(entry: &StoredLink) -> serde_json::Value {
    let l = &entry.link;
    json!({
        "record": "entry",
        "chain": l.chain,
        "position": l.position,
        "occurred_at": instant_text(l.occurred_at),
        "actor_kind": l.actor_kind,
        "actor_id": l.actor_id,
        "action": l.action,
        "entity_type": l.entity_type,
        "entity_id": l.entity_id,
        "before_json": l.before_json,
        "after_json": l.after_json,
        "request_id": l.request_id,
        "prev_hash": hex::encode(l.prev_hash),
        "hash": hex::encode(entry.hash),
    })
}
