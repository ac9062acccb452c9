//! Checkpoints published outside the database (a witness file, mails,
//! webhooks), read back and held against what the database or an export
//! still shows: a witnessed checkpoint that is gone, or differs, and a
//! chain that no longer reaches a witnessed head.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use serde::Deserialize;
use uuid::Uuid;

use super::chain::{CheckpointBody, Hash, Head, HeadsDigest};
use super::verify::{Break, BreakKind, SignedHead, StoredCheckpoint};

/// A checkpoint line, as the export and the witness file write it (the
/// same object; `docs/audit.md`, "Export").
#[derive(Debug, Deserialize)]
pub struct CheckpointLine {
    pub seq: i64,
    pub taken_at: DateTime<Utc>,
    pub key_id: String,
    pub prev_hash: String,
    pub head_count: i64,
    pub heads_digest: String,
    pub hash: String,
    pub signature: String,
    pub heads: Vec<HeadLine>,
}

#[derive(Debug, Deserialize)]
pub struct HeadLine {
    pub chain: Uuid,
    pub position: i64,
    pub hash: String,
}

/// A hash written in hex.
pub fn parse_hash(text: &str) -> Result<Hash, String> {
    hex::decode(text).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| format!("`{text}` is not a SHA-256 in hex"))
}

/// A checkpoint read from a line: what it signs, and the heads it names.
#[derive(Debug, Clone)]
pub struct LineCheckpoint {
    pub stored: StoredCheckpoint,
    pub heads: Vec<Head>,
}

impl CheckpointLine {
    /// The checkpoint the line states; its heads' digest is recomputed.
    pub fn parse(self) -> Result<LineCheckpoint, String> {
        let heads = self
            .heads
            .iter()
            .map(|h| Ok(Head { chain: h.chain, position: h.position, hash: parse_hash(&h.hash)? }))
            .collect::<Result<Vec<_>, String>>()?;
        let mut digest = HeadsDigest::default();
        heads.iter().for_each(|h| digest.add(h));
        let signature =
            hex::decode(&self.signature).map_err(|_| format!("checkpoint {}: signature is not hex", self.seq))?;
        let body = CheckpointBody {
            seq: self.seq,
            taken_at: self.taken_at,
            key_id: self.key_id,
            prev_hash: parse_hash(&self.prev_hash)?,
            head_count: self.head_count,
            heads_digest: parse_hash(&self.heads_digest)?,
        };
        let stored = StoredCheckpoint { body, hash: parse_hash(&self.hash)?, signature, stored_heads: digest.finish() };
        Ok(LineCheckpoint { stored, heads })
    }
}

/// What the witness holds, once each line's signature, hash and heads were
/// checked against the trusted keys (a line that fails is a break and is
/// not believed).
#[derive(Debug, Default)]
pub struct Witness {
    checkpoints: BTreeMap<i64, StoredCheckpoint>,
    heads: BTreeMap<Uuid, Vec<SignedHead>>,
    seen: HashSet<i64>,
    /// Lines that did not verify.
    pub breaks: Vec<Break>,
}

fn witness_break(kind: BreakKind, chain: Option<Uuid>, position: Option<i64>, seq: i64, detail: String) -> Break {
    Break { kind, chain, position, checkpoint: Some(seq), detail }
}

impl Witness {
    /// Admits the lines that verify; the same checkpoint witnessed twice
    /// (two files, a mail and a file) counts once.
    pub fn admit(keys: &HashMap<String, VerifyingKey>, lines: Vec<LineCheckpoint>) -> Self {
        let mut witness = Self::default();
        for LineCheckpoint { stored, heads } in lines {
            let seq = stored.body.seq;
            let signed =
                keys.get(&stored.body.key_id).is_some_and(|k| stored.body.signature_holds(k, &stored.signature));
            let whole = stored.body.hash() == stored.hash
                && stored.stored_heads == (stored.body.head_count, stored.body.heads_digest);
            if !(signed && whole) {
                let detail = "a witnessed checkpoint whose signature, hash or heads do not verify".to_owned();
                witness.breaks.push(witness_break(BreakKind::BadSignature, None, None, seq, detail));
                continue;
            }
            if witness.checkpoints.contains_key(&seq) {
                continue;
            }
            for h in &heads {
                let signed = SignedHead { checkpoint: seq, position: h.position, hash: h.hash };
                witness.heads.entry(h.chain).or_default().push(signed);
            }
            witness.checkpoints.insert(seq, stored);
        }
        witness
    }

    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }

    /// Holds a checkpoint of the database or export against the witnessed
    /// one of the same sequence number, if any.
    pub fn compare(&mut self, found: &StoredCheckpoint) -> Option<Break> {
        let seq = found.body.seq;
        let witnessed = self.checkpoints.get(&seq)?;
        self.seen.insert(seq);
        let same = witnessed.hash == found.hash
            && found.body == witnessed.body
            && found.stored_heads == witnessed.stored_heads;
        (!same).then(|| {
            let detail = "differs from the witnessed checkpoint (its fields, hash or heads)".to_owned();
            witness_break(BreakKind::Altered, None, None, seq, detail)
        })
    }

    /// Witnessed checkpoints never compared, among those `expected` says
    /// should be there (an export holds a period only): deleted.
    pub fn missing(&self, expected: impl Fn(&CheckpointBody) -> bool) -> Vec<Break> {
        self.checkpoints
            .values()
            .filter(|c| !self.seen.contains(&c.body.seq) && expected(&c.body))
            .map(|c| {
                let seq = c.body.seq;
                witness_break(BreakKind::Deleted, None, None, seq, format!("witnessed checkpoint {seq} is missing"))
            })
            .collect()
    }

    /// The heads witnessed of `chain`.
    pub fn heads_of(&self, chain: Uuid) -> &[SignedHead] {
        self.heads.get(&chain).map(Vec::as_slice).unwrap_or_default()
    }

    /// Chains with witnessed heads in `[from, to]`.
    pub fn chains_between(&self, from: Uuid, to: Uuid) -> impl Iterator<Item = Uuid> + '_ {
        self.heads.range(from..=to).map(|(chain, _)| *chain)
    }

    /// Every chain with witnessed heads.
    pub fn chains(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.heads.keys().copied()
    }
}

/// The start of the digest period (of `every_seconds`, counted from the
/// Unix epoch) that holds `at`.
pub fn period_of(at: DateTime<Utc>, every_seconds: u32) -> DateTime<Utc> {
    let every = i64::from(every_seconds.max(1));
    DateTime::from_timestamp(at.timestamp().div_euclid(every) * every, 0).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::journal::chain::{key_id, GENESIS};
    use chrono::TimeZone;
    use ed25519_dalek::SigningKey;

    fn signed(key: &SigningKey, seq: i64, heads: Vec<Head>) -> LineCheckpoint {
        let mut digest = HeadsDigest::default();
        heads.iter().for_each(|h| digest.add(h));
        let (head_count, heads_digest) = digest.finish();
        let body = CheckpointBody {
            seq,
            taken_at: Utc.timestamp_opt(1_764_000_000 + seq, 0).single().unwrap_or_default(),
            key_id: key_id(&key.verifying_key()),
            prev_hash: GENESIS,
            head_count,
            heads_digest,
        };
        let stored = StoredCheckpoint {
            hash: body.hash(),
            signature: body.sign(key).to_vec(),
            stored_heads: (head_count, heads_digest),
            body,
        };
        LineCheckpoint { stored, heads }
    }

    fn keys(key: &SigningKey) -> HashMap<String, VerifyingKey> {
        HashMap::from([(key_id(&key.verifying_key()), key.verifying_key())])
    }

    const CHAIN: Uuid = Uuid::from_u128(9);

    #[test]
    fn a_line_signed_by_an_untrusted_key_is_not_believed() {
        let (ours, theirs) = (SigningKey::from_bytes(&[1; 32]), SigningKey::from_bytes(&[2; 32]));
        let head = Head { chain: CHAIN, position: 3, hash: [4; 32] };
        let witness = Witness::admit(&keys(&ours), vec![signed(&theirs, 1, vec![head]), signed(&ours, 2, vec![head])]);
        assert_eq!(
            witness.breaks.iter().map(|b| (b.kind, b.checkpoint)).collect::<Vec<_>>(),
            [(BreakKind::BadSignature, Some(1))]
        );
        assert_eq!(witness.checkpoints(), 1);
        assert_eq!(witness.heads_of(CHAIN).len(), 1);
    }

    #[test]
    fn a_changed_or_missing_checkpoint_is_reported_by_its_seq() {
        let key = SigningKey::from_bytes(&[1; 32]);
        let head = Head { chain: CHAIN, position: 3, hash: [4; 32] };
        let (one, two) = (signed(&key, 1, vec![head]), signed(&key, 2, vec![]));
        let mut witness = Witness::admit(&keys(&key), vec![one.clone(), two]);
        assert_eq!(witness.compare(&one.stored), None);
        let mut resigned = one.stored.clone();
        resigned.body.taken_at += chrono::Duration::seconds(1);
        resigned.hash = resigned.body.hash();
        resigned.signature = resigned.body.sign(&key).to_vec();
        assert_eq!(witness.compare(&resigned).map(|b| (b.kind, b.checkpoint)), Some((BreakKind::Altered, Some(1))));
        let missing = witness.missing(|_| true);
        assert_eq!(missing.iter().map(|b| (b.kind, b.checkpoint)).collect::<Vec<_>>(), [(BreakKind::Deleted, Some(2))]);
        assert!(witness.missing(|body| body.seq < 2).is_empty());
    }

    #[test]
    fn digest_periods_start_on_whole_multiples_of_their_length() {
        let at = DateTime::from_timestamp(86_400 * 3 + 5_000, 0).unwrap_or_default();
        assert_eq!(period_of(at, 86_400).timestamp(), 86_400 * 3);
        assert_eq!(period_of(at, 3_600).timestamp(), 86_400 * 3 + 3_600);
    }
}
