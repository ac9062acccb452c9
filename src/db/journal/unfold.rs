//! Reading compactly stored audit states back (`domain::journal::compact`):
//! a record's previous entry for the writer, and the texts of entries read
//! out of chain order (the audit list).

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::audit_log;
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::compact::{Previous, StoredStates, Texts, Unfolder, MAX_DEPTH};

/// An entry's place and stored states.
pub(super) type PlacedStates = (Uuid, Uuid, i64, StoredStates);

/// The four columns an entry's states are stored in.
pub(crate) const STATE_COLUMNS: (
    audit_log::before_json,
    audit_log::before_position,
    audit_log::before_edits,
    audit_log::after_json,
    audit_log::after_edits,
) = (
    audit_log::before_json,
    audit_log::before_position,
    audit_log::before_edits,
    audit_log::after_json,
    audit_log::after_edits,
);

/// The values of [`STATE_COLUMNS`].
pub(crate) type StateValues = (Option<String>, Option<i64>, Option<String>, Option<String>, Option<String>);

/// The stored states of [`STATE_COLUMNS`]' values.
pub(crate) fn states(
    (before_json, before_position, before_edits, after_json, after_edits): StateValues,
) -> StoredStates {
    StoredStates { before_json, before_position, before_edits, after_json, after_edits }
}

/// The last entry about `entity` in `chain` at or before `upto`, unfolded
/// from the few entries that rebuild it (at most [`MAX_DEPTH`] + 1 back).
pub(super) fn previous_of(
    conn: &mut DbConnection,
    chain: Uuid,
    entity: Uuid,
    upto: i64,
) -> Result<Option<Previous>, StoreError> {
    let mut rows: Vec<(i64, StateValues)> = audit_log::table
        .filter(audit_log::chain_id.eq(DbId(chain)))
        .filter(audit_log::entity_id.eq(DbId(entity)))
        .filter(audit_log::position.le(upto))
        .order(audit_log::position.desc())
        .limit(i64::from(MAX_DEPTH) + 2)
        .select((audit_log::position.assume_not_null(), STATE_COLUMNS))
        .load(conn)?;
    let Some(newest) = rows.first().map(|r| r.0) else { return Ok(None) };
    rows.reverse();
    let mut unfolder = Unfolder::default();
    for (position, values) in rows {
        // The oldest of the window may refer further back: only the newest matters.
        let _ = unfolder.unfold(chain, entity, position, &states(values));
    }
    Ok(unfolder.previous(chain, entity).filter(|p| p.position == newest).cloned())
}

/// Unfolds an entry read in chain order with `unfolder`, reading the
/// record's previous entry from the database when the reader has not seen
/// it (an export of a period that starts inside a chain).
pub(super) fn unfold_in_order(
    conn: &mut DbConnection,
    unfolder: &mut Unfolder,
    (chain, entity, position, stored): &PlacedStates,
) -> Result<Texts, StoreError> {
    if let Some(at) = stored.before_position {
        let known = unfolder.previous(*chain, *entity).is_some_and(|p| p.position == at);
        if !known {
            if let Some(previous) = previous_of(conn, *chain, *entity, at)? {
                unfolder.remember(*chain, *entity, previous);
            }
        }
    }
    Ok(unfolder.unfold_or_mark(*chain, *entity, *position, stored))
}

/// The texts of entries read in any order: a run of one chain's entries
/// (a ticket's audit) unfolds as it goes; an entry whose previous one was
/// not just read is rebuilt from the few entries before it.
pub(super) fn unfold_each(conn: &mut DbConnection, entries: &[PlacedStates]) -> Result<Vec<Texts>, StoreError> {
    let mut unfolder = Unfolder::default();
    entries.iter().map(|entry| unfold_in_order(conn, &mut unfolder, entry)).collect()
}
