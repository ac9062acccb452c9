//! The tables checked against the journal: each ticket's and change's row
//! compared with the state its entries tell (`domain::journal::state`).
//!
//! Records are read in batches of ids, tickets first, then changes: a
//! batch's rows and the entries of the same id range are read in one
//! snapshot, so a move landing meanwhile is seen either whole or not at all,
//! and memory holds one batch whatever the log's size. A batch ends at the
//! smaller of its rows' last id and its journalled records' last id, so a
//! record whose row is gone is found in the range its id falls in.

use std::fmt;
use std::str::FromStr;
use std::time::Instant;

use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::journal::{in_snapshot, snapshot, states, StateValues, STATE_COLUMNS};
use crate::db::schema::audit_log;
use crate::db::sql_types::DbId;
use crate::db::{changes, tickets, DbConnection, StoreError};
use crate::domain::journal::compact::Unfolder;
use crate::domain::journal::state::{check_record, Difference, RecordEntry};
use crate::domain::journal::RecordKind;

/// Records read per batch.
const BATCH: i64 = 500;

/// Where a check starts or goes on: the kind of record and the last id done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateCursor {
    pub kind: RecordKind,
    pub after: Option<Uuid>,
}

impl StateCursor {
    /// The first ticket.
    pub const START: Self = Self { kind: RecordKind::Ticket, after: None };
}

/// `ticket`, `change`, or either followed by `:` and the last id done.
impl fmt::Display for StateCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.entity_type())?;
        match self.after {
            Some(id) => write!(f, ":{id}"),
            None => Ok(()),
        }
    }
}

impl FromStr for StateCursor {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (kind, after) = text.split_once(':').map_or((text, None), |(k, id)| (k, Some(id)));
        let kind = match kind {
            "ticket" => RecordKind::Ticket,
            "change" => RecordKind::Change,
            _ => return Err("must start with `ticket` or `change`".to_owned()),
        };
        let after =
            after.map(|id| id.parse::<Uuid>().map_err(|_| "must end with a record id".to_owned())).transpose()?;
        Ok(Self { kind, after })
    }
}

/// What a state check read and found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StateReport {
    pub tickets_checked: u64,
    pub changes_checked: u64,
    pub entries_read: u64,
    pub differences_found: u64,
    pub elapsed_ms: u64,
    /// Where to go on, when the check stopped at its budget.
    pub next: Option<String>,
}

impl StateReport {
    pub fn records_checked(&self) -> u64 {
        self.tickets_checked + self.changes_checked
    }

    pub fn records_per_second(&self) -> f64 {
        self.records_checked() as f64 * 1000.0 / self.elapsed_ms.max(1) as f64
    }
}

/// Checks records from `from` on, at least `budget` of them (all without
/// one), handing every difference to `found` as it is found.
pub fn check(
    conn: &mut DbConnection,
    from: StateCursor,
    budget: Option<u64>,
    mut found: impl FnMut(Difference) -> Result<(), StoreError>,
) -> Result<StateReport, StoreError> {
    let started = Instant::now();
    let mut report = StateReport::default();
    let mut cursor = from;
    loop {
        if budget.is_some_and(|b| report.records_checked() >= b) {
            report.next = Some(cursor.to_string());
            break;
        }
        let batch = in_snapshot(conn, |conn| read_batch(conn, cursor))?;
        let checked = match cursor.kind {
            RecordKind::Ticket => &mut report.tickets_checked,
            RecordKind::Change => &mut report.changes_checked,
        };
        *checked += batch.records.len() as u64;
        for record in batch.records {
            report.entries_read += record.entries.len() as u64;
            for difference in check_record(cursor.kind, record.id, &record.entries, record.row.as_ref()) {
                report.differences_found += 1;
                found(difference)?;
            }
        }
        cursor = match (batch.upto, cursor.kind) {
            (Some(upto), kind) => StateCursor { kind, after: Some(upto) },
            (None, RecordKind::Ticket) => StateCursor { kind: RecordKind::Change, after: None },
            (None, RecordKind::Change) => break,
        };
    }
    report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(report)
}

/// One record of a batch: its row (serialised as its snapshots are) and
/// its entries in position order.
struct Record {
    id: Uuid,
    row: Option<Value>,
    entries: Vec<RecordEntry>,
}

/// The records of one id range; `upto`: its last id (`None`: the rest).
struct Batch {
    records: Vec<Record>,
    upto: Option<Uuid>,
}

fn read_batch(conn: &mut DbConnection, cursor: StateCursor) -> Result<Batch, StoreError> {
    let rows: Result<Vec<(Uuid, Value)>, StoreError> = match cursor.kind {
        RecordKind::Ticket => {
            tickets::rows_after(conn, cursor.after, BATCH)?.iter().map(|t| Ok((t.id, snapshot(t)?))).collect()
        }
        RecordKind::Change => {
            changes::rows_after(conn, cursor.after, BATCH)?.iter().map(|c| Ok((c.id, snapshot(c)?))).collect()
        }
    };
    let rows = rows?;
    let opened = opened_after(conn, cursor)?;
    // A full list may go on past its last id; the batch ends where the
    // first such list ends.
    let full_until = |ids: &[Uuid]| (ids.len() as i64 == BATCH).then(|| ids.last().copied()).flatten();
    let row_ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
    let upto = [full_until(&row_ids), full_until(&opened)].into_iter().flatten().min();
    let mut records: std::collections::BTreeMap<Uuid, Record> = rows
        .into_iter()
        .filter(|(id, _)| upto.is_none_or(|u| *id <= u))
        .map(|(id, row)| (id, Record { id, row: Some(row), entries: Vec::new() }))
        .collect();
    for (id, entry) in entries_between(conn, cursor, upto)? {
        records.entry(id).or_insert_with(|| Record { id, row: None, entries: Vec::new() }).entries.push(entry);
    }
    Ok(Batch { records: records.into_values().collect(), upto })
}

/// Bounds `query` to the records of kind `cursor.kind` after `cursor.after`.
macro_rules! after_cursor {
    ($query:expr, $cursor:expr) => {{
        let mut query = $query.filter(audit_log::entity_type.eq($cursor.kind.entity_type())).into_boxed();
        if let Some(after) = $cursor.after {
            query = query.filter(audit_log::entity_id.gt(DbId(after)));
        }
        query
    }};
}

/// The next records of the kind whose journal opens, in id order (their
/// rows may be gone).
fn opened_after(conn: &mut DbConnection, cursor: StateCursor) -> Result<Vec<Uuid>, StoreError> {
    Ok(after_cursor!(audit_log::table, cursor)
        .filter(audit_log::position.eq(1_i64))
        .order(audit_log::entity_id.asc())
        .select(audit_log::entity_id)
        .limit(BATCH)
        .load::<Uuid>(conn)?)
}

type EntryRow = (Uuid, Option<Uuid>, Option<i64>, StateValues);

/// The entries of the kind's records after the cursor up to `upto`, each
/// with its record's id, in id and position order. A row outside its
/// record's chain is not the journal's word (`audit verify` reports it).
fn entries_between(
    conn: &mut DbConnection,
    cursor: StateCursor,
    upto: Option<Uuid>,
) -> Result<Vec<(Uuid, RecordEntry)>, StoreError> {
    let mut query = after_cursor!(audit_log::table, cursor);
    if let Some(upto) = upto {
        query = query.filter(audit_log::entity_id.le(DbId(upto)));
    }
    let rows: Vec<EntryRow> = query
        .order((audit_log::entity_id.asc(), audit_log::position.asc()))
        .select((audit_log::entity_id, audit_log::chain_id, audit_log::position, STATE_COLUMNS))
        .load(conn)?;
    let parse = |id: Uuid, text: Option<String>| -> Result<Option<Value>, StoreError> {
        text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("audit json of {id}: {e}"))))
            .transpose()
    };
    // Whole chains, in position order: each entry unfolds from the one before.
    let mut unfolder = Unfolder::default();
    rows.into_iter()
        .filter_map(|(id, chain, position, values)| Some((id, chain.filter(|c| *c == id)?, position?, values)))
        .map(|(id, chain, position, values)| {
            let (before, after) = unfolder
                .unfold(chain, id, position, &states(values))
                .map_err(|e| StoreError::Corrupt(format!("audit entry {position} of {id}: {e}")))?;
            Ok((id, RecordEntry { position, before: parse(id, before)?, after: parse(id, after)? }))
        })
        .collect()
}
