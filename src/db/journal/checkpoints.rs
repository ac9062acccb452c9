//! Checkpoints: signed statements of the chain heads that moved since the
//! previous checkpoint, each naming the one before it.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;
use ed25519_dalek::SigningKey;
use serde::Serialize;
use uuid::Uuid;

use super::heads::hash_of;
use crate::db::schema::{audit_checkpoint_heads, audit_checkpoints, audit_heads};
use crate::db::sql_types::DbId;
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::journal::chain::{instant_text, CheckpointBody, Head, HeadsDigest, GENESIS};
use crate::domain::journal::verify::{SignedHead, StoredCheckpoint};

/// Most heads one checkpoint signs; the next one takes the rest. SQLite
/// signs fewer at a time: a checkpoint holds its one writer, and a few
/// milliseconds between other writes beat one long stall.
fn most_heads(conn: &DbConnection) -> i64 {
    match conn {
        DbConnection::Postgres(_) => 100_000,
        DbConnection::Sqlite(_) => 2_000,
    }
}

/// A stored checkpoint, as the API and the export show it.
#[derive(Debug, Clone, Serialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub taken_at: DateTime<Utc>,
    pub key_id: String,
    pub prev_hash: String,
    pub head_count: i64,
    pub heads_digest: String,
    pub hash: String,
    pub signature: String,
}

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_checkpoints)]
struct CheckpointRow {
    seq: i64,
    taken_at: NaiveDateTime,
    key_id: String,
    prev_hash: Vec<u8>,
    head_count: i64,
    heads_digest: Vec<u8>,
    hash: Vec<u8>,
    signature: Vec<u8>,
}

impl From<&CheckpointRow> for Checkpoint {
    fn from(r: &CheckpointRow) -> Self {
        Self {
            seq: r.seq,
            taken_at: r.taken_at.and_utc(),
            key_id: r.key_id.clone(),
            prev_hash: hex::encode(&r.prev_hash),
            head_count: r.head_count,
            heads_digest: hex::encode(&r.heads_digest),
            hash: hex::encode(&r.hash),
            signature: hex::encode(&r.signature),
        }
    }
}

/// Signs the heads that were unsigned when it began, in as many
/// checkpoints as that takes, each its own transaction (heads moved
/// meanwhile are the next run's, so writers cannot keep it going); empty
/// when no chain moved. If a later checkpoint fails, those already taken
/// are answered: they are committed.
pub fn take_all(
    conn: &mut DbConnection,
    key: &SigningKey,
    key_id: &str,
    now: DateTime<Utc>,
    publish: &mut Publish<'_>,
) -> Result<Vec<Checkpoint>, StoreError> {
    let most = most_heads(conn);
    let owed: i64 = audit_heads::table.filter(audit_heads::signed.eq(false)).count().get_result(conn)?;
    let rounds = (owed.max(1) + most - 1) / most;
    let mut taken = Vec::new();
    for _ in 0..rounds {
        match take_publishing(conn, key, key_id, now, publish) {
            Ok(Some(checkpoint)) => {
                let full = checkpoint.head_count >= most;
                taken.push(checkpoint);
                if !full {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) if taken.is_empty() => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "audit checkpoint stopped after {} taken; the rest at the next run", taken.len());
                break;
            }
        }
    }
    Ok(taken)
}

/// What a checkpoint's own transaction also writes (its mails and
/// webhooks in the outbox), given the checkpoint and the heads it signed.
pub type Publish<'a> = dyn FnMut(&mut DbConnection, &Checkpoint, &[Head]) -> Result<(), StoreError> + 'a;

/// Signs the heads not yet signed, if any moved; `None` when nothing did.
/// On PostgreSQL heads being moved right now are skipped (the next
/// checkpoint takes them), so a checkpoint never waits on writers; a writer
/// of a chain whose head the checkpoint holds waits until it commits.
pub fn take(
    conn: &mut DbConnection,
    key: &SigningKey,
    key_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<Checkpoint>, StoreError> {
    take_publishing(conn, key, key_id, now, &mut |_, _, _| Ok(()))
}

/// Like [`take`], publishing the checkpoint in its own transaction.
pub fn take_publishing(
    conn: &mut DbConnection,
    key: &SigningKey,
    key_id: &str,
    now: DateTime<Utc>,
    publish: &mut Publish<'_>,
) -> Result<Option<Checkpoint>, StoreError> {
    write_tx(conn, |conn| {
        let heads = unsigned_heads(conn)?;
        if heads.is_empty() {
            return Ok(None);
        }
        let last: Option<(i64, Vec<u8>)> = audit_checkpoints::table
            .order(audit_checkpoints::seq.desc())
            .select((audit_checkpoints::seq, audit_checkpoints::hash))
            .first(conn)
            .optional()?;
        let (seq, prev_hash) = match last {
            Some((seq, hash)) => (seq + 1, hash_of(&hash)?),
            None => (1, GENESIS),
        };
        let mut digest = HeadsDigest::default();
        heads.iter().for_each(|h| digest.add(h));
        let (head_count, heads_digest) = digest.finish();
        let body = CheckpointBody {
            seq,
            taken_at: now.trunc_subsecs(6),
            key_id: key_id.to_owned(),
            prev_hash,
            head_count,
            heads_digest,
        };
        let row = CheckpointRow {
            seq,
            taken_at: body.taken_at.naive_utc(),
            key_id: body.key_id.clone(),
            prev_hash: prev_hash.to_vec(),
            head_count,
            heads_digest: heads_digest.to_vec(),
            hash: body.hash().to_vec(),
            signature: body.sign(key).to_vec(),
        };
        diesel::insert_into(audit_checkpoints::table).values(row.clone()).execute(conn)?;
        for chunk in heads.chunks(1_000) {
            insert_signed(conn, seq, chunk)?;
            let chains: Vec<DbId> = chunk.iter().map(|h| DbId(h.chain)).collect();
            diesel::update(audit_heads::table.filter(audit_heads::chain_id.eq_any(chains)))
                .set(audit_heads::signed.eq(true))
                .execute(conn)?;
        }
        let taken = Checkpoint::from(&row);
        publish(conn, &taken, &heads)?;
        Ok(Some(taken))
    })
}

#[derive(Clone, Insertable)]
#[diesel(table_name = audit_checkpoint_heads)]
struct SignedHeadRow {
    #[diesel(serialize_as = DbId)]
    chain_id: Uuid,
    checkpoint_seq: i64,
    position: i64,
    hash: Vec<u8>,
}

/// Stores the heads checkpoint `seq` signed, a multi-row insert per
/// backend (the portable insert writes one row per statement).
fn insert_signed(conn: &mut DbConnection, seq: i64, heads: &[Head]) -> Result<(), StoreError> {
    let rows: Vec<SignedHeadRow> = heads
        .iter()
        .map(|h| SignedHeadRow { chain_id: h.chain, checkpoint_seq: seq, position: h.position, hash: h.hash.to_vec() })
        .collect();
    // 200 rows of four values keep within SQLite's bound-parameter limit.
    for chunk in rows.chunks(200) {
        match conn {
            DbConnection::Postgres(pg) => {
                diesel::insert_into(audit_checkpoint_heads::table).values(chunk.to_vec()).execute(pg)?
            }
            DbConnection::Sqlite(lite) => {
                diesel::insert_into(audit_checkpoint_heads::table).values(chunk.to_vec()).execute(lite)?
            }
        };
    }
    Ok(())
}

#[derive(QueryableByName)]
struct HeadRow {
    #[diesel(sql_type = crate::db::sql_types::Id)]
    chain_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    position: i64,
    #[diesel(sql_type = diesel::sql_types::Binary)]
    hash: Vec<u8>,
}

/// The heads that moved since they were last signed, in chain order (the
/// one backend `match` of the journal: `SKIP LOCKED` is PostgreSQL's).
fn unsigned_heads(conn: &mut DbConnection) -> Result<Vec<Head>, StoreError> {
    let most = most_heads(conn);
    let rows: Vec<HeadRow> = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(format!(
            "SELECT chain_id, position, hash FROM audit_heads WHERE NOT signed \
             ORDER BY chain_id LIMIT {most} FOR UPDATE SKIP LOCKED"
        ))
        .load(pg)?,
        DbConnection::Sqlite(lite) => diesel::sql_query(format!(
            "SELECT chain_id, position, hash FROM audit_heads WHERE NOT signed ORDER BY chain_id LIMIT {most}"
        ))
        .load(lite)?,
    };
    rows.into_iter().map(|r| Ok(Head { chain: r.chain_id, position: r.position, hash: hash_of(&r.hash)? })).collect()
}

/// Checkpoints in sequence after `after_seq`, at most `limit`.
pub fn list(conn: &mut DbConnection, after_seq: Option<i64>, limit: i64) -> Result<Vec<Checkpoint>, StoreError> {
    let rows = load_rows(conn, after_seq.unwrap_or(0), limit, (None, None))?;
    Ok(rows.iter().map(Checkpoint::from).collect())
}

fn load_rows(
    conn: &mut DbConnection,
    after_seq: i64,
    limit: i64,
    taken_between: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
) -> Result<Vec<CheckpointRow>, StoreError> {
    let mut query = audit_checkpoints::table
        .filter(audit_checkpoints::seq.gt(after_seq))
        .order(audit_checkpoints::seq.asc())
        .limit(limit)
        .select(CheckpointRow::as_select())
        .into_boxed();
    if let Some(from) = taken_between.0 {
        query = query.filter(audit_checkpoints::taken_at.ge(from.naive_utc()));
    }
    if let Some(to) = taken_between.1 {
        query = query.filter(audit_checkpoints::taken_at.lt(to.naive_utc()));
    }
    Ok(query.load(conn)?)
}

/// A checkpoint as read for verification or export, with the heads stored
/// beside it.
pub struct LoadedCheckpoint {
    pub checkpoint: Checkpoint,
    pub stored: StoredCheckpoint,
    pub heads: Vec<Head>,
}

/// Reads checkpoints in sequence, batch by batch, with their heads,
/// optionally only those taken in `[from, to)`.
pub fn for_each(
    conn: &mut DbConnection,
    taken_between: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    visit: impl FnMut(LoadedCheckpoint) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    for_each_after(conn, 0, taken_between, visit)
}

/// Like [`for_each`], from the checkpoint after `after_seq`.
pub fn for_each_after(
    conn: &mut DbConnection,
    after_seq: i64,
    taken_between: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    mut visit: impl FnMut(LoadedCheckpoint) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut after = after_seq;
    loop {
        let rows = load_rows(conn, after, 500, taken_between)?;
        let Some(last) = rows.last() else { return Ok(()) };
        after = last.seq;
        for row in rows {
            let heads = heads_of(conn, row.seq)?;
            let mut digest = HeadsDigest::default();
            heads.iter().for_each(|h| digest.add(h));
            let body = CheckpointBody {
                seq: row.seq,
                taken_at: row.taken_at.and_utc(),
                key_id: row.key_id.clone(),
                prev_hash: hash_of(&row.prev_hash)?,
                head_count: row.head_count,
                heads_digest: hash_of(&row.heads_digest)?,
            };
            let stored = StoredCheckpoint {
                body,
                hash: hash_of(&row.hash)?,
                signature: row.signature.clone(),
                stored_heads: digest.finish(),
            };
            visit(LoadedCheckpoint { checkpoint: Checkpoint::from(&row), stored, heads })?;
        }
    }
}

/// A checkpoint as one JSON line of the export and of the witness: its
/// fields, hashes and signature in hex, and the heads it signed.
pub fn line(checkpoint: &Checkpoint, heads: &[Head]) -> Result<serde_json::Value, StoreError> {
    let heads: Vec<_> = heads
        .iter()
        .map(|h| serde_json::json!({ "chain": h.chain, "position": h.position, "hash": hex::encode(h.hash) }))
        .collect();
    let mut line = serde_json::to_value(checkpoint).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    line["record"] = serde_json::json!("checkpoint");
    line["taken_at"] = serde_json::json!(instant_text(checkpoint.taken_at));
    line["heads"] = serde_json::json!(heads);
    Ok(line)
}

fn heads_of(conn: &mut DbConnection, seq: i64) -> Result<Vec<Head>, StoreError> {
    let rows: Vec<(Uuid, i64, Vec<u8>)> = audit_checkpoint_heads::table
        .filter(audit_checkpoint_heads::checkpoint_seq.eq(seq))
        .order(audit_checkpoint_heads::chain_id.asc())
        .select((audit_checkpoint_heads::chain_id, audit_checkpoint_heads::position, audit_checkpoint_heads::hash))
        .load(conn)?;
    rows.into_iter().map(|(chain, position, hash)| Ok(Head { chain, position, hash: hash_of(&hash)? })).collect()
}

/// The signed heads of chains in `[from, to]` (inclusive, chain order),
/// grouped by the checkpoint that signed them, for verification.
pub(super) fn signed_heads_between(
    conn: &mut DbConnection,
    from: Uuid,
    to: Uuid,
) -> Result<Vec<(Uuid, SignedHead)>, StoreError> {
    let rows: Vec<(Uuid, i64, i64, Vec<u8>)> = audit_checkpoint_heads::table
        .filter(audit_checkpoint_heads::chain_id.ge(DbId(from)))
        .filter(audit_checkpoint_heads::chain_id.le(DbId(to)))
        .order((audit_checkpoint_heads::chain_id.asc(), audit_checkpoint_heads::checkpoint_seq.asc()))
        .select((
            audit_checkpoint_heads::chain_id,
            audit_checkpoint_heads::checkpoint_seq,
            audit_checkpoint_heads::position,
            audit_checkpoint_heads::hash,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(c, checkpoint, position, h)| Ok((c, SignedHead { checkpoint, position, hash: hash_of(&h)? })))
        .collect()
}
