//! Verifying the audit chains and checkpoints in the database, batch by
//! batch in chain order, so memory stays bounded whatever the log's size.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use uuid::Uuid;

use super::checkpoints;
use super::heads::hash_of;
use crate::db::schema::{audit_heads, audit_log};
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::chain::Link;
use crate::domain::journal::verify::{
    check_chain, Break, BreakKind, ChainEvidence, CheckpointWalk, SignedHead, StoredLink,
};

pub(super) const BATCH: i64 = 10_000;
/// Breaks listed in a report; beyond this only their number is given.
const MAX_LISTED: usize = 1_000;

/// What a verification checked and found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    pub intact: bool,
    pub rows_checked: u64,
    pub chains_checked: u64,
    pub checkpoints_checked: u64,
    pub breaks_found: u64,
    /// The first breaks found (at most 1 000), each with its kind and place.
    pub breaks: Vec<Break>,
}

impl VerifyReport {
    pub fn add(&mut self, found: impl IntoIterator<Item = Break>) {
        for b in found {
            self.breaks_found += 1;
            if self.breaks.len() < MAX_LISTED {
                self.breaks.push(b);
            }
        }
    }
}

pub(super) type LinkRow = (
    NaiveDateTime,
    String,
    Option<Uuid>,
    String,
    String,
    Uuid,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<Uuid>,
    Option<i64>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
);

/// Reads a chained row into the form the verifier checks; a missing or
/// malformed hash reads as zeros, so the row is reported, not skipped.
pub(super) fn stored_link(row: LinkRow) -> Result<StoredLink, StoreError> {
    let (
        at,
        actor_kind,
        actor_id,
        action,
        entity_type,
        entity_id,
        before,
        after,
        request_id,
        chain,
        position,
        prev,
        hash,
    ) = row;
    let as_hash = |bytes: Option<Vec<u8>>| bytes.and_then(|b| b.try_into().ok()).unwrap_or([0; 32]);
    let link = Link {
        chain: chain.unwrap_or_default(),
        position: position.unwrap_or(0),
        occurred_at: DateTime::<Utc>::from_naive_utc_and_offset(at, Utc),
        actor_kind,
        actor_id,
        action,
        entity_type,
        entity_id,
        before_json: before,
        after_json: after,
        request_id,
        prev_hash: as_hash(prev),
    };
    Ok(StoredLink { link, hash: as_hash(hash) })
}

macro_rules! link_columns {
    () => {
        (
            audit_log::occurred_at,
            audit_log::actor_kind,
            audit_log::actor_id,
            audit_log::action,
            audit_log::entity_type,
            audit_log::entity_id,
            audit_log::before_json,
            audit_log::after_json,
            audit_log::request_id,
            audit_log::chain_id,
            audit_log::position,
            audit_log::prev_hash,
            audit_log::hash,
        )
    };
}
pub(super) use link_columns;

/// Chained rows after `cursor` (chain, position) in chain order.
pub(super) fn batch_after(
    conn: &mut DbConnection,
    cursor: Option<&(Uuid, i64)>,
    between: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
) -> Result<Vec<StoredLink>, StoreError> {
    let mut query = audit_log::table
        .filter(audit_log::chain_id.is_not_null().and(audit_log::position.is_not_null()))
        .order((audit_log::chain_id.asc(), audit_log::position.asc()))
        .limit(BATCH)
        .select(link_columns!())
        .into_boxed();
    if let Some((chain, position)) = cursor {
        query = query.filter(
            audit_log::chain_id
                .gt(DbId(*chain))
                .or(audit_log::chain_id.eq(DbId(*chain)).and(audit_log::position.gt(*position))),
        );
    }
    // Each bound only when given: a stand-in instant would not be portable.
    if let Some(from) = between.0 {
        query = query.filter(audit_log::occurred_at.ge(from.naive_utc()));
    }
    if let Some(to) = between.1 {
        query = query.filter(audit_log::occurred_at.lt(to.naive_utc()));
    }
    query.load::<LinkRow>(conn)?.into_iter().map(stored_link).collect()
}

/// Checks every chain and every checkpoint against `keys`.
pub fn verify(conn: &mut DbConnection, keys: &HashMap<String, VerifyingKey>) -> Result<VerifyReport, StoreError> {
    super::in_snapshot(conn, |conn| verify_snapshot(conn, keys))
}

fn verify_snapshot(conn: &mut DbConnection, keys: &HashMap<String, VerifyingKey>) -> Result<VerifyReport, StoreError> {
    let mut report = VerifyReport::default();
    let outside: i64 = audit_log::table
        .filter(audit_log::chain_id.is_null().or(audit_log::position.is_null()))
        .count()
        .get_result(conn)?;
    if outside > 0 {
        report.add([Break {
            kind: BreakKind::Altered,
            chain: None,
            position: None,
            checkpoint: None,
            detail: format!("{outside} audit rows stand outside any chain"),
        }]);
    }
    let mut walk = CheckpointWalk::new(keys);
    checkpoints::for_each(conn, (None, None), |c| {
        walk.check(&c.stored);
        report.checkpoints_checked += 1;
        Ok(())
    })?;
    report.add(std::mem::take(&mut walk.breaks));
    verify_chains(conn, &mut report)?;
    report.intact = report.breaks_found == 0;
    Ok(report)
}

fn verify_chains(conn: &mut DbConnection, report: &mut VerifyReport) -> Result<(), StoreError> {
    let mut cursor: Option<(Uuid, i64)> = None;
    let mut covered: Option<Uuid> = None;
    let mut open: Vec<StoredLink> = Vec::new();
    loop {
        let batch = batch_after(conn, cursor.as_ref(), (None, None))?;
        let done = (batch.len() as i64) < BATCH;
        if let Some(last) = batch.last() {
            cursor = Some((last.link.chain, last.link.position));
        }
        report.rows_checked += batch.len() as u64;
        open.extend(batch);
        // The last chain of a batch may continue in the next one.
        let complete = if done {
            std::mem::take(&mut open)
        } else {
            let last_chain = open.last().map(|l| l.link.chain);
            let split = open.iter().position(|l| Some(l.link.chain) == last_chain).unwrap_or(0);
            let rest = open.split_off(split);
            std::mem::replace(&mut open, rest)
        };
        let upper = if done { Some(Uuid::max()) } else { complete.last().map(|l| l.link.chain) };
        if let Some(upper) = upper {
            check_range(conn, covered, upper, complete, report)?;
            covered = Some(upper);
        }
        if done {
            return Ok(());
        }
    }
}

/// What was read of one chain: its rows, its recorded head, its signed heads.
type Gathered = (Vec<StoredLink>, Option<(i64, [u8; 32])>, Vec<SignedHead>);

/// Checks the chains in `(lower, upper]`: their rows, heads and signed heads.
fn check_range(
    conn: &mut DbConnection,
    lower: Option<Uuid>,
    upper: Uuid,
    rows: Vec<StoredLink>,
    report: &mut VerifyReport,
) -> Result<(), StoreError> {
    let from = lower.map_or(Uuid::nil(), |l| Uuid::from_u128(l.as_u128().saturating_add(1)));
    let mut chains: BTreeMap<Uuid, Gathered> = BTreeMap::new();
    for row in rows {
        chains.entry(row.link.chain).or_default().0.push(row);
    }
    let heads: Vec<(Uuid, i64, Vec<u8>)> = audit_heads::table
        .filter(audit_heads::chain_id.ge(DbId(from)))
        .filter(audit_heads::chain_id.le(DbId(upper)))
        .select((audit_heads::chain_id, audit_heads::position, audit_heads::hash))
        .load(conn)?;
    for (chain, position, hash) in heads {
        chains.entry(chain).or_default().1 = Some((position, hash_of(&hash).unwrap_or([0; 32])));
    }
    for (chain, signed) in checkpoints::signed_heads_between(conn, from, upper)? {
        chains.entry(chain).or_default().2.push(signed);
    }
    for (chain, (entries, head, signed)) in chains {
        report.chains_checked += 1;
        if head.is_none() && !entries.is_empty() {
            let detail = "the chain's recorded head is gone";
            report.add([Break {
                kind: BreakKind::Altered,
                chain: Some(chain),
                position: None,
                checkpoint: None,
                detail: detail.into(),
            }]);
        }
        let evidence = ChainEvidence { chain, entries: &entries, head, signed: &signed, partial: false };
        report.add(check_chain(&evidence));
    }
    Ok(())
}
