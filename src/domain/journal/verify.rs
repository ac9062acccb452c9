//! Checking audit chains and checkpoints: pure functions over what was
//! read, used alike against the database and against an export.

use std::collections::HashMap;

use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use uuid::Uuid;

use super::chain::{CheckpointBody, Hash, Link, GENESIS};

/// How the record was found broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// An entry's content no longer matches its hash, or the hash a
    /// checkpoint or the chain head recorded for it.
    Altered,
    /// Entries (or checkpoints) are missing between two that remain.
    Deleted,
    /// An entry that the journal did not write: a duplicate position, one
    /// that does not link to its predecessor, or one past the chain's head.
    Inserted,
    /// Entries stand at positions other than the ones they were written at.
    Reordered,
    /// The newest entries of a chain are gone (behind a checkpoint or head).
    Truncated,
    /// A checkpoint's signature does not verify, or names an unknown key.
    BadSignature,
}

/// One break, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Break {
    pub kind: BreakKind,
    pub chain: Option<Uuid>,
    pub position: Option<i64>,
    pub checkpoint: Option<i64>,
    pub detail: String,
}

impl Break {
    fn at(kind: BreakKind, chain: Uuid, position: i64, detail: impl Into<String>) -> Self {
        Self { kind, chain: Some(chain), position: Some(position), checkpoint: None, detail: detail.into() }
    }

    fn of_checkpoint(kind: BreakKind, seq: i64, detail: impl Into<String>) -> Self {
        Self { kind, chain: None, position: None, checkpoint: Some(seq), detail: detail.into() }
    }
}

/// An entry as stored: its link fields and the hash stored beside them.
#[derive(Debug, Clone)]
pub struct StoredLink {
    pub link: Link,
    pub hash: Hash,
}

/// A head a checkpoint signed for a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedHead {
    pub checkpoint: i64,
    pub position: i64,
    pub hash: Hash,
}

/// Everything known of one chain.
pub struct ChainEvidence<'a> {
    pub chain: Uuid,
    /// Entries in ascending position.
    pub entries: &'a [StoredLink],
    /// The head the journal recorded, when the head table is at hand.
    pub head: Option<(i64, Hash)>,
    pub signed: &'a [SignedHead],
    /// An export over a period starts mid-chain: its first entry's
    /// predecessor is outside it and is trusted.
    pub partial: bool,
}

/// Checks one chain: every hash, every link, the head and what
/// checkpoints signed of it.
pub fn check_chain(evidence: &ChainEvidence<'_>) -> Vec<Break> {
    let chain = evidence.chain;
    let mut breaks = Vec::new();
    let (mut expected, mut prev) = match (evidence.partial, evidence.entries.first()) {
        (true, Some(first)) => (first.link.position, first.link.prev_hash),
        _ => (1, GENESIS),
    };
    let written_at = original_positions(evidence.entries, prev, expected);
    let mut follows_a_break = false;
    for entry in evidence.entries {
        let position = entry.link.position;
        if position < expected {
            breaks.push(Break::at(BreakKind::Inserted, chain, position, "a second entry at this position"));
            continue;
        }
        let found = if entry.link.hash() != entry.hash {
            Some(classify_mismatch(chain, entry, &written_at))
        } else if position > expected {
            let detail = format!("positions {expected} to {} are missing", position - 1);
            Some(Break::at(BreakKind::Deleted, chain, expected, detail))
        } else if entry.link.prev_hash != prev && !follows_a_break {
            let kind =
                if written_at.contains_key(&entry.link.prev_hash) { BreakKind::Reordered } else { BreakKind::Inserted };
            Some(Break::at(kind, chain, position, "does not follow the entry before it"))
        } else {
            None
        };
        follows_a_break = found.as_ref().is_some_and(|b| b.kind == BreakKind::Reordered);
        breaks.extend(found);
        prev = entry.hash;
        expected = position + 1;
    }
    let last = evidence.entries.last().map_or(0, |e| e.link.position);
    let stored_at = |position: i64| evidence.entries.iter().find(|e| e.link.position == position).map(|e| e.hash);
    if let Some((head_position, head_hash)) = evidence.head {
        if last > head_position {
            let detail = format!("entries past the recorded head at position {head_position}");
            breaks.push(Break::at(BreakKind::Inserted, chain, head_position + 1, detail));
        } else if last < head_position {
            let detail = format!("the recorded head is at position {head_position}, the chain ends at {last}");
            breaks.push(Break::at(BreakKind::Truncated, chain, last + 1, detail));
        } else if stored_at(head_position).is_some_and(|h| h != head_hash) {
            breaks.push(Break::at(BreakKind::Altered, chain, head_position, "differs from the recorded head"));
        }
    }
    breaks.extend(check_signed(chain, evidence.entries, evidence.signed, "checkpoint"));
    breaks
}

/// Holds a chain's entries against the heads `by` signed (its own
/// checkpoints, or a witness's; `by` names them in the details): an entry at a signed position with another
/// hash is altered; a chain ending before a signed position is truncated.
pub fn check_signed(chain: Uuid, entries: &[StoredLink], signed: &[SignedHead], by: &str) -> Vec<Break> {
    let last = entries.last().map_or(0, |e| e.link.position);
    let stored_at = |position: i64| entries.iter().find(|e| e.link.position == position).map(|e| e.hash);
    let mut breaks = Vec::new();
    for signed in signed {
        match stored_at(signed.position) {
            Some(hash) if hash != signed.hash => {
                let mut b = Break::at(
                    BreakKind::Altered,
                    chain,
                    signed.position,
                    format!("differs from what {by} {} signed", signed.checkpoint),
                );
                b.checkpoint = Some(signed.checkpoint);
                breaks.push(b);
            }
            None if signed.position > last => {
                let detail =
                    format!("{by} {} signed position {}; the chain ends at {last}", signed.checkpoint, signed.position);
                let mut b = Break::at(BreakKind::Truncated, chain, last + 1, detail);
                b.checkpoint = Some(signed.checkpoint);
                breaks.push(b);
            }
            _ => {}
        }
    }
    breaks
}

/// Where each entry was written, found by following the links from the
/// chain's start: a reordered entry still links to its true predecessor.
fn original_positions(entries: &[StoredLink], start: Hash, first: i64) -> HashMap<Hash, i64> {
    let by_prev: HashMap<Hash, &StoredLink> = entries.iter().map(|e| (e.link.prev_hash, e)).collect();
    let mut positions = HashMap::new();
    let (mut prev, mut position) = (start, first);
    while let Some(entry) = by_prev.get(&prev) {
        if positions.insert(entry.hash, position).is_some() {
            break;
        }
        prev = entry.hash;
        position += 1;
    }
    positions
}

/// An entry whose hash fails: reordered when its content hashes right at
/// the position it was written at, else altered.
fn classify_mismatch(chain: Uuid, entry: &StoredLink, written_at: &HashMap<Hash, i64>) -> Break {
    let position = entry.link.position;
    if let Some(&original) = written_at.get(&entry.hash).filter(|p| **p != position) {
        let moved = Link { position: original, ..entry.link.clone() };
        if moved.hash() == entry.hash {
            return Break::at(BreakKind::Reordered, chain, position, format!("written at position {original}"));
        }
    }
    Break::at(BreakKind::Altered, chain, position, "content does not match its hash")
}

/// A stored checkpoint: what it signs, its stored hash and signature.
#[derive(Debug, Clone)]
pub struct StoredCheckpoint {
    pub body: CheckpointBody,
    pub hash: Hash,
    pub signature: Vec<u8>,
    /// The digest of the heads stored with it, recomputed by the reader.
    pub stored_heads: (i64, Hash),
}

/// Checks checkpoints one after another, in ascending sequence.
pub struct CheckpointWalk<'k> {
    keys: &'k HashMap<String, VerifyingKey>,
    expected_seq: i64,
    prev: Hash,
    pub breaks: Vec<Break>,
}

impl<'k> CheckpointWalk<'k> {
    pub fn new(keys: &'k HashMap<String, VerifyingKey>) -> Self {
        Self { keys, expected_seq: 1, prev: GENESIS, breaks: Vec::new() }
    }

    /// Starts after a checkpoint outside what is checked (an export's period).
    pub fn resume_after(&mut self, seq: i64, hash: Hash) {
        self.expected_seq = seq + 1;
        self.prev = hash;
    }

    pub fn check(&mut self, c: &StoredCheckpoint) {
        let seq = c.body.seq;
        if seq > self.expected_seq {
            let detail = format!("checkpoints {} to {} are missing", self.expected_seq, seq - 1);
            self.breaks.push(Break::of_checkpoint(BreakKind::Deleted, self.expected_seq, detail));
        } else if c.body.prev_hash != self.prev {
            self.breaks.push(Break::of_checkpoint(BreakKind::Altered, seq, "does not name the checkpoint before it"));
        }
        if c.body.hash() != c.hash || c.stored_heads != (c.body.head_count, c.body.heads_digest) {
            self.breaks.push(Break::of_checkpoint(
                BreakKind::Altered,
                seq,
                "its heads or fields do not match its hash",
            ));
        }
        match self.keys.get(&c.body.key_id) {
            Some(key) if c.body.signature_holds(key, &c.signature) => {}
            Some(_) => {
                self.breaks.push(Break::of_checkpoint(BreakKind::BadSignature, seq, "the signature does not verify"))
            }
            None => {
                let detail = format!("signed with key {}, which is not known", c.body.key_id);
                self.breaks.push(Break::of_checkpoint(BreakKind::BadSignature, seq, detail));
            }
        }
        self.expected_seq = seq + 1;
        self.prev = c.hash;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::journal::chain::{key_id, Head, HeadsDigest};
    use chrono::{TimeZone, Utc};
    use ed25519_dalek::SigningKey;

    const CHAIN: Uuid = Uuid::from_u128(42);

    fn chain_of(n: i64) -> Vec<StoredLink> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|position| {
                let link = Link {
                    chain: CHAIN,
                    position,
                    occurred_at: Utc.timestamp_opt(1_764_000_000 + position, 0).single().unwrap_or_default(),
                    actor_kind: "system".into(),
                    actor_id: None,
                    action: "ticket.updated".into(),
                    entity_type: "ticket".into(),
                    entity_id: CHAIN,
                    before_json: Some(format!("{{\"n\":{}}}", position - 1)),
                    after_json: Some(format!("{{\"n\":{position}}}")),
                    request_id: None,
                    prev_hash: prev,
                };
                let hash = link.hash();
                prev = hash;
                StoredLink { link, hash }
            })
            .collect()
    }

    fn check(entries: &[StoredLink], signed: &[SignedHead]) -> Vec<Break> {
        let head = entries.last().map(|e| (e.link.position, e.hash));
        check_chain(&ChainEvidence { chain: CHAIN, entries, head, signed, partial: false })
    }

    fn kinds(breaks: &[Break]) -> Vec<(BreakKind, Option<i64>)> {
        breaks.iter().map(|b| (b.kind, b.position)).collect()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert!(check(&chain_of(5), &[]).is_empty());
    }

    #[test]
    fn an_edited_field_is_altered_at_its_position() {
        let mut entries = chain_of(5);
        entries[2].link.after_json = Some("{\"n\":99}".into());
        assert_eq!(kinds(&check(&entries, &[])), [(BreakKind::Altered, Some(3))]);
    }

    #[test]
    fn a_row_deleted_in_the_middle_is_located() {
        let mut entries = chain_of(5);
        entries.remove(1);
        assert_eq!(kinds(&check(&entries, &[])), [(BreakKind::Deleted, Some(2))]);
    }

    #[test]
    fn swapped_rows_are_reordered() {
        let mut entries = chain_of(5);
        let (a, b) = (entries[1].link.position, entries[2].link.position);
        entries[1].link.position = b;
        entries[2].link.position = a;
        entries.swap(1, 2);
        let found = kinds(&check(&entries, &[]));
        assert!(found.contains(&(BreakKind::Reordered, Some(2))), "{found:?}");
        assert!(found.iter().all(|(k, _)| *k == BreakKind::Reordered), "{found:?}");
    }

    #[test]
    fn a_forged_row_is_inserted() {
        let mut entries = chain_of(3);
        let mut forged = entries[1].clone();
        forged.link.action = "ticket.resolved".into();
        forged.link.prev_hash = [5; 32];
        forged.hash = forged.link.hash();
        entries[1] = forged;
        assert!(kinds(&check(&entries, &[])).contains(&(BreakKind::Inserted, Some(2))));
        // A row appended past the head the journal recorded.
        let entries = chain_of(4);
        let head = Some((3, entries[2].hash));
        let evidence = ChainEvidence { chain: CHAIN, entries: &entries, head, signed: &[], partial: false };
        assert_eq!(kinds(&check_chain(&evidence)), [(BreakKind::Inserted, Some(4))]);
    }

    #[test]
    fn deleting_the_newest_rows_behind_a_checkpoint_is_truncation() {
        let full = chain_of(5);
        let signed = [SignedHead { checkpoint: 1, position: 5, hash: full[4].hash }];
        let cut = &full[..3];
        // Even with the head table rewritten to match, the checkpoint remembers.
        let found = check(cut, &signed);
        assert_eq!(kinds(&found), [(BreakKind::Truncated, Some(4))]);
        assert_eq!(found[0].checkpoint, Some(1));
    }

    #[test]
    fn a_rewritten_chain_differs_from_its_checkpoint() {
        let original = chain_of(3);
        let signed = [SignedHead { checkpoint: 2, position: 3, hash: original[2].hash }];
        let mut rewritten = chain_of(3);
        rewritten[2].link.after_json = Some("{}".into());
        rewritten[2].hash = rewritten[2].link.hash();
        assert_eq!(kinds(&check(&rewritten, &signed)), [(BreakKind::Altered, Some(3))]);
    }

    #[test]
    fn an_export_may_start_mid_chain() {
        let entries = chain_of(5);
        let evidence = ChainEvidence { chain: CHAIN, entries: &entries[2..], head: None, signed: &[], partial: true };
        assert!(check_chain(&evidence).is_empty());
    }

    fn checkpoint(key: &SigningKey, seq: i64, prev: Hash) -> StoredCheckpoint {
        let mut digest = HeadsDigest::default();
        digest.add(&Head { chain: CHAIN, position: seq, hash: [seq as u8; 32] });
        let (head_count, heads_digest) = digest.finish();
        let body = CheckpointBody {
            seq,
            taken_at: Utc.timestamp_opt(1_764_000_000 + seq, 0).single().unwrap_or_default(),
            key_id: key_id(&key.verifying_key()),
            prev_hash: prev,
            head_count,
            heads_digest,
        };
        StoredCheckpoint {
            hash: body.hash(),
            signature: body.sign(key).to_vec(),
            stored_heads: (head_count, heads_digest),
            body,
        }
    }

    #[test]
    fn checkpoints_are_checked_for_gaps_links_and_signatures() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let keys = HashMap::from([(key_id(&key.verifying_key()), key.verifying_key())]);
        let first = checkpoint(&key, 1, GENESIS);
        let second = checkpoint(&key, 2, first.hash);
        let third = checkpoint(&key, 3, second.hash);
        let mut walk = CheckpointWalk::new(&keys);
        for c in [&first, &second, &third] {
            walk.check(c);
        }
        assert!(walk.breaks.is_empty(), "{:?}", walk.breaks);

        let mut walk = CheckpointWalk::new(&keys);
        let mut forged = second.clone();
        forged.signature[0] ^= 1;
        walk.check(&first);
        walk.check(&forged);
        assert_eq!(
            walk.breaks.iter().map(|b| (b.kind, b.checkpoint)).collect::<Vec<_>>(),
            [(BreakKind::BadSignature, Some(2))]
        );

        let mut walk = CheckpointWalk::new(&keys);
        walk.check(&first);
        walk.check(&third);
        assert_eq!(
            walk.breaks.iter().map(|b| (b.kind, b.checkpoint)).collect::<Vec<_>>(),
            [(BreakKind::Deleted, Some(2))]
        );
    }
}
