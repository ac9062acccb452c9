//! Verifying the audit chains and checkpoints in the database, batch by
//! batch in chain order, so memory stays bounded whatever the log's size.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use uuid::Uuid;

use super::checkpoints;
use super::heads::hash_of;
use super::links::{batch_after, BATCH};
use crate::db::schema::{audit_heads, audit_log};
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::compact::Unfolder;
use crate::domain::journal::verify::{
    check_chain, check_signed, Break, BreakKind, ChainEvidence, CheckpointWalk, SignedHead, StoredLink,
};
use crate::domain::journal::witness::Witness;

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

/// Checks every chain and every checkpoint against `keys`.
pub fn verify(conn: &mut DbConnection, keys: &HashMap<String, VerifyingKey>) -> Result<VerifyReport, StoreError> {
    let mut nothing_witnessed = Witness::default();
    super::in_snapshot(conn, |conn| verify_snapshot(conn, keys, &mut nothing_witnessed))
}

/// Like [`verify`], and holds the database against the checkpoints a
/// witness kept: one gone or changed, a chain that no longer reaches a
/// witnessed head, an entry at a witnessed position with another hash.
pub fn verify_witnessed(
    conn: &mut DbConnection,
    keys: &HashMap<String, VerifyingKey>,
    witness: &mut Witness,
) -> Result<VerifyReport, StoreError> {
    super::in_snapshot(conn, |conn| verify_snapshot(conn, keys, witness))
}

fn verify_snapshot(
    conn: &mut DbConnection,
    keys: &HashMap<String, VerifyingKey>,
    witness: &mut Witness,
) -> Result<VerifyReport, StoreError> {
    let mut report = VerifyReport::default();
    report.add(std::mem::take(&mut witness.breaks));
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
        report.add(witness.compare(&c.stored));
        report.checkpoints_checked += 1;
        Ok(())
    })?;
    report.add(std::mem::take(&mut walk.breaks));
    report.add(witness.missing(|_| true));
    verify_chains(conn, witness, &mut report)?;
    report.intact = report.breaks_found == 0;
    Ok(report)
}

fn verify_chains(conn: &mut DbConnection, witness: &Witness, report: &mut VerifyReport) -> Result<(), StoreError> {
    let mut cursor: Option<(Uuid, i64)> = None;
    let mut covered: Option<Uuid> = None;
    let mut open: Vec<StoredLink> = Vec::new();
    let mut unfolder = Unfolder::default();
    loop {
        let batch: Vec<StoredLink> = batch_after(conn, cursor.as_ref(), (None, None), &mut unfolder)?
            .into_iter()
            .map(|read| read.entry)
            .collect();
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
            check_range(conn, (covered, upper), complete, witness, report)?;
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
    (lower, upper): (Option<Uuid>, Uuid),
    rows: Vec<StoredLink>,
    witness: &Witness,
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
    for chain in witness.chains_between(from, upper) {
        chains.entry(chain).or_default();
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
        report.add(check_signed(chain, &entries, witness.heads_of(chain), "witnessed checkpoint"));
    }
    Ok(())
}
