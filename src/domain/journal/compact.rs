//! How an audit entry stores its states without storing each snapshot
//! whole. The hash still covers the full texts (`chain::Link`); only the
//! storage is compact, and every reader unfolds it back to those texts:
//!
//! - the state before is, most often, byte for byte the state after of the
//!   same record's previous entry in the chain: it is stored as that entry's
//!   position (`before_position`); when a field changed in between (an SLA
//!   flag set without a snapshot), with the edits that turn that state into
//!   it (`before_edits`);
//! - the state after is stored as the edits that turn the state before into
//!   it (`after_edits`), when that is shorter;
//! - so that reading one entry never walks a long history, a state after is
//!   stored whole again once [`MAX_DEPTH`] entries would have to be read to
//!   rebuild it.
//!
//! `docs/audit.md` ("Stored compactly") specifies the form for verifiers.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use similar::{Algorithm, DiffOp};
use uuid::Uuid;

/// At most this many earlier entries are read to rebuild a state.
pub const MAX_DEPTH: u32 = 8;

/// Edits closer than this many characters are joined: one edit costs more
/// than a few characters kept twice.
const JOIN_GAP: usize = 8;

/// How long a diff may take before a coarser (still exact) one is taken.
const DIFF_BUDGET: Duration = Duration::from_millis(20);

/// An entry's states as stored; at most one of each pair is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredStates {
    pub before_json: Option<String>,
    /// The state before is the state after of the entry at this position…
    pub before_position: Option<i64>,
    /// …with these edits applied ([`apply`]), if any.
    pub before_edits: Option<String>,
    pub after_json: Option<String>,
    /// The state after, as edits of the state before ([`apply`]).
    pub after_edits: Option<String>,
}

impl StoredStates {
    /// States stored whole, as entries written before compaction are.
    pub fn whole(before: Option<String>, after: Option<String>) -> Self {
        Self { before_json: before, after_json: after, ..Self::default() }
    }
}

/// An entry's whole states: the texts before and after, as hashed.
pub type Texts = (Option<String>, Option<String>);

/// A record's last entry in a chain, as the next one may refer to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Previous {
    pub position: i64,
    pub after: Option<String>,
    /// How many entries before this one a reader reads to rebuild `after`.
    pub depth: u32,
}

/// Why a stored entry cannot be unfolded (the verifier reports it as altered).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unfolding {
    #[error("refers to position {0}, which is not the record's previous entry")]
    NoPrevious(i64),
    #[error("stores a state both whole and compactly")]
    Ambiguous,
    #[error("edits a state it does not have")]
    EditsOfNothing,
    #[error("malformed edits: {0}")]
    Edits(String),
}

/// How to store an entry's `before` and `after` texts, given the record's
/// previous entry in the chain; with the depth of the stored `after`.
pub fn compact(before: Option<&str>, after: Option<&str>, previous: Option<&Previous>) -> (StoredStates, u32) {
    let referred = match (before, previous) {
        (Some(before), Some(p)) => match p.after.as_deref() {
            Some(earlier) if earlier == before => Some((p, None)),
            Some(earlier) => Some(edits(earlier, before)).filter(|e| e.len() < before.len()).map(|e| (p, Some(e))),
            None => None,
        },
        _ => None,
    };
    let before_depth = referred.as_ref().map_or(0, |(p, _)| p.depth + 1);
    let mut stored = StoredStates {
        before_json: if referred.is_some() { None } else { before.map(str::to_owned) },
        before_position: referred.as_ref().map(|(p, _)| p.position),
        before_edits: referred.and_then(|(_, edits)| edits),
        ..StoredStates::default()
    };
    let edited = match (before, after) {
        (Some(before), Some(after)) if before_depth < MAX_DEPTH => {
            Some(edits(before, after)).filter(|edits| edits.len() < after.len())
        }
        _ => None,
    };
    match edited {
        Some(edits) => {
            stored.after_edits = Some(edits);
            (stored, before_depth)
        }
        None => {
            stored.after_json = after.map(str::to_owned);
            (stored, 0)
        }
    }
}

/// The edits that turn `old` into `new`, as JSON: `[[keep, drop, insert], …]`
/// in characters (Unicode scalar values): keep `keep` characters of `old`,
/// skip `drop`, write `insert`; the rest of `old` follows the last edit.
pub fn edits(old: &str, new: &str) -> String {
    let (old_chars, new_chars): (Vec<char>, Vec<char>) = (old.chars().collect(), new.chars().collect());
    let deadline = Instant::now().checked_add(DIFF_BUDGET);
    let ops = similar::capture_diff_deadline(
        Algorithm::Myers,
        &old_chars,
        0..old_chars.len(),
        &new_chars,
        0..new_chars.len(),
        deadline,
    );
    // Changed spans: (old start, old end, new start, new end), joined when
    // close. Placed by the ops' lengths alone: an insert's own old index is
    // not always where it falls after the ops before it.
    let mut spans: Vec<(usize, usize, usize, usize)> = Vec::new();
    let (mut old_at, mut new_at) = (0, 0);
    for op in ops {
        let (old_len, new_len) = match op {
            DiffOp::Equal { len, .. } => {
                (old_at, new_at) = (old_at + len, new_at + len);
                continue;
            }
            DiffOp::Delete { old_len, .. } => (old_len, 0),
            DiffOp::Insert { new_len, .. } => (0, new_len),
            DiffOp::Replace { old_len, new_len, .. } => (old_len, new_len),
        };
        match spans.last_mut() {
            Some(last) if old_at - last.1 < JOIN_GAP => {
                last.1 = old_at + old_len;
                last.3 = new_at + new_len;
            }
            _ => spans.push((old_at, old_at + old_len, new_at, new_at + new_len)),
        }
        (old_at, new_at) = (old_at + old_len, new_at + new_len);
    }
    let mut kept_to = 0;
    let list: Vec<serde_json::Value> = spans
        .into_iter()
        .map(|(old_start, old_end, new_start, new_end)| {
            let insert: String = new_chars[new_start..new_end].iter().collect();
            let edit = serde_json::json!([old_start - kept_to, old_end - old_start, insert]);
            kept_to = old_end;
            edit
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// `old` with `edits` ([`edits`]) applied.
pub fn apply(old: &str, edits: &str) -> Result<String, Unfolding> {
    let list: Vec<(usize, usize, String)> = serde_json::from_str(edits).map_err(|e| Unfolding::Edits(e.to_string()))?;
    let short = || Unfolding::Edits("past the end of the state".into());
    let mut rest = old.chars();
    let mut out = String::with_capacity(old.len());
    for (keep, drop, insert) in list {
        for _ in 0..keep {
            out.push(rest.next().ok_or_else(short)?);
        }
        for _ in 0..drop {
            rest.next().ok_or_else(short)?;
        }
        out.push_str(&insert);
    }
    out.extend(rest);
    Ok(out)
}

/// Unfolds stored entries, read in position order chain by chain, back to
/// their texts, remembering each record's last entry in the current chain.
#[derive(Debug, Default)]
pub struct Unfolder {
    chain: Option<Uuid>,
    last: HashMap<Uuid, Previous>,
}

impl Unfolder {
    /// The `before` and `after` texts of the entry at `position` of `chain`
    /// about `entity`. An entry that cannot be unfolded is forgotten, so the
    /// entries that refer to it cannot be unfolded either.
    pub fn unfold(
        &mut self,
        chain: Uuid,
        entity: Uuid,
        position: i64,
        stored: &StoredStates,
    ) -> Result<Texts, Unfolding> {
        if self.chain != Some(chain) {
            self.chain = Some(chain);
            self.last.clear();
        }
        let previous = self.last.remove(&entity);
        let (before, before_depth) = match (&stored.before_json, stored.before_position, &stored.before_edits) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => return Err(Unfolding::Ambiguous),
            (None, None, Some(_)) => return Err(Unfolding::EditsOfNothing),
            (text, None, None) => (text.clone(), 0),
            (None, Some(at), edits) => match previous {
                Some(Previous { position, after: Some(after), depth }) if position == at => {
                    let before = match edits {
                        Some(edits) => apply(&after, edits)?,
                        None => after,
                    };
                    (Some(before), depth + 1)
                }
                _ => return Err(Unfolding::NoPrevious(at)),
            },
        };
        let (after, depth) = match (&stored.after_json, &stored.after_edits) {
            (Some(_), Some(_)) => return Err(Unfolding::Ambiguous),
            (text, None) => (text.clone(), 0),
            (None, Some(edits)) => {
                (Some(apply(before.as_deref().ok_or(Unfolding::EditsOfNothing)?, edits)?), before_depth)
            }
        };
        self.last.insert(entity, Previous { position, after: after.clone(), depth });
        Ok((before, after))
    }

    /// As [`Unfolder::unfold`], but an entry that cannot be unfolded reads
    /// as a text naming why, which its hash cannot match: the verifier
    /// reports it as altered.
    pub fn unfold_or_mark(&mut self, chain: Uuid, entity: Uuid, position: i64, stored: &StoredStates) -> Texts {
        self.unfold(chain, entity, position, stored).unwrap_or_else(|error| {
            let text = format!("(stored states cannot be unfolded: {error})");
            (Some(text.clone()), Some(text))
        })
    }

    /// The record's last entry seen in `chain`.
    pub fn previous(&self, chain: Uuid, entity: Uuid) -> Option<&Previous> {
        self.last.get(&entity).filter(|_| self.chain == Some(chain))
    }

    /// Takes `previous` as the record's last entry in `chain` (read apart,
    /// e.g. before an exported period began).
    pub fn remember(&mut self, chain: Uuid, entity: Uuid, previous: Previous) {
        if self.chain != Some(chain) {
            self.chain = Some(chain);
            self.last.clear();
        }
        self.last.insert(entity, previous);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const TICKET: &str =
        r#"{"assignee_id":null,"status":"new","title":"Printer mati","updated_at":"2026-01-05T01:00:00Z","version":1}"#;
    const ASSIGNED: &str = r#"{"assignee_id":"019a56e8-98cf-7350-80c4-4e3b26dd8d62","status":"assigned","title":"Printer mati","updated_at":"2026-01-05T01:47:12Z","version":2}"#;

    #[test]
    fn a_move_stores_its_before_by_reference_and_its_after_as_edits() {
        let created = Previous { position: 1, after: Some(TICKET.into()), depth: 0 };
        let (stored, depth) = compact(Some(TICKET), Some(ASSIGNED), Some(&created));
        assert_eq!(stored.before_position, Some(1));
        assert_eq!(stored.before_json, None);
        assert_eq!(stored.after_json, None);
        assert!(stored.after_edits.as_ref().is_some_and(|e| e.len() + 30 < ASSIGNED.len()), "{stored:?}");
        assert_eq!(depth, 1);
        let mut unfolder = Unfolder::default();
        let (chain, entity) = (Uuid::from_u128(1), Uuid::from_u128(1));
        unfolder.unfold(chain, entity, 1, &StoredStates::whole(None, Some(TICKET.into()))).unwrap();
        assert_eq!(unfolder.unfold(chain, entity, 2, &stored).unwrap(), (Some(TICKET.into()), Some(ASSIGNED.into())));
    }

    #[test]
    fn a_before_changed_since_the_previous_entry_is_stored_as_its_edits() {
        // The row changed between two entries (an SLA flag): edits of the previous state after.
        let flagged = TICKET.replace("\"version\":1", "\"version\":1,\"sla_breached\":[\"response\"]");
        let previous = Previous { position: 3, after: Some(TICKET.into()), depth: 0 };
        let (stored, depth) = compact(Some(&flagged), Some(ASSIGNED), Some(&previous));
        assert_eq!((stored.before_json.as_deref(), stored.before_position), (None, Some(3)));
        assert!(stored.before_edits.as_ref().is_some_and(|e| e.contains("sla_breached")), "{stored:?}");
        assert_eq!(depth, 1);
        let (mut unfolder, id) = (Unfolder::default(), Uuid::from_u128(3));
        unfolder.remember(id, id, previous);
        assert_eq!(unfolder.unfold(id, id, 4, &stored).unwrap(), (Some(flagged), Some(ASSIGNED.into())));
    }

    #[test]
    fn a_before_unlike_the_previous_after_is_stored_whole() {
        let previous = Previous { position: 3, after: Some("[1,2,3]".into()), depth: 0 };
        let (stored, _) = compact(Some(TICKET), Some(ASSIGNED), Some(&previous));
        assert_eq!((stored.before_json.as_deref(), stored.before_position), (Some(TICKET), None));
    }

    #[test]
    fn an_after_is_stored_whole_again_at_the_depth_bound() {
        let deep = Previous { position: 9, after: Some(TICKET.into()), depth: MAX_DEPTH - 1 };
        let (stored, depth) = compact(Some(TICKET), Some(ASSIGNED), Some(&deep));
        assert_eq!((stored.before_position, stored.after_json.as_deref(), depth), (Some(9), Some(ASSIGNED), 0));
    }

    #[test]
    fn a_reference_to_anything_but_the_previous_entry_does_not_unfold() {
        let mut unfolder = Unfolder::default();
        let id = Uuid::from_u128(7);
        unfolder.unfold(id, id, 1, &StoredStates::whole(None, Some(TICKET.into()))).unwrap();
        let wrong =
            StoredStates { before_position: Some(2), after_edits: Some("[]".into()), ..StoredStates::default() };
        assert_eq!(unfolder.unfold(id, id, 3, &wrong), Err(Unfolding::NoPrevious(2)));
        // …and the one after it, which refers to it, neither.
        let next = StoredStates { before_position: Some(3), after_edits: Some("[]".into()), ..StoredStates::default() };
        assert_eq!(unfolder.unfold(id, id, 4, &next), Err(Unfolding::NoPrevious(3)));
    }

    #[test]
    fn edits_past_the_end_are_malformed() {
        assert!(matches!(apply("abc", r#"[[2,5,"x"]]"#), Err(Unfolding::Edits(_))));
        assert!(matches!(apply("abc", "not json"), Err(Unfolding::Edits(_))));
    }

    proptest! {
        #[test]
        fn edits_rebuild_the_new_text_exactly(old in "[a-z0-9\":,{} ]{0,80}|\\PC{0,40}", new in "[a-z0-9\":,{} ]{0,80}|\\PC{0,40}") {
            prop_assert_eq!(apply(&old, &edits(&old, &new)).unwrap(), new);
        }

        #[test]
        fn a_small_change_stores_small(prefix in "[a-z ]{200,400}", changed in "[A-Z]{1,12}", suffix in "[a-z ]{200,400}") {
            let old = format!("{prefix}x{suffix}");
            let new = format!("{prefix}{changed}{suffix}");
            let stored = edits(&old, &new);
            prop_assert!(stored.len() < 40, "{}", stored);
            prop_assert_eq!(apply(&old, &stored).unwrap(), new);
        }

        #[test]
        fn any_chain_of_states_unfolds_to_what_was_written(
            states in proptest::collection::vec(("\\{[a-z\":,0-9]{0,60}\\}", proptest::option::of("[a-z]{1,4}")), 1..30)
        ) {
            let id = Uuid::from_u128(42);
            let (mut previous, mut unfolder) = (None::<Previous>, Unfolder::default());
            let mut before: Option<String> = None;
            for (n, (after, changed_between)) in states.iter().enumerate() {
                let position = n as i64 + 1;
                // Sometimes the row changed between two entries.
                let before_now = before.clone().map(|b| changed_between.as_ref().map_or(b.clone(), |c| format!("{b}{c}")));
                let (stored, depth) = compact(before_now.as_deref(), Some(after), previous.as_ref());
                prop_assert!(depth < MAX_DEPTH);
                prop_assert_eq!(unfolder.unfold(id, id, position, &stored).unwrap(), (before_now, Some(after.clone())));
                previous = Some(Previous { position, after: Some(after.clone()), depth });
                before = Some(after.clone());
            }
        }
    }
}
