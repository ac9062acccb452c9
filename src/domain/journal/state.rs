//! A record's state as its journal tells it, and where its row disagrees.
//!
//! Every entry that changes a ticket or a change carries the record's
//! snapshot after it (and, for moves and edits, before it). Folding the
//! snapshots in position order gives the record's fields as the journal
//! says they are now; [`check_record`] compares them with the row, field by
//! field (`state_fields` says which). It also compares each entry's state
//! before with the state the previous entry left: a row edited behind the
//! service's back and then moved would otherwise carry the edit into the
//! next snapshot, and the final comparison would find nothing.

use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::state_fields::RecordKind;

/// One journal entry of a record, its snapshots parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordEntry {
    pub position: i64,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// What kind of disagreement was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// The row's field differs from the journal's last state.
    Field,
    /// The state an entry found before it differs from the state the entry
    /// before left: the row was changed outside the journal in between.
    ChangedBetweenEntries,
    /// The row has no journal entry that carries its state.
    NoJournal,
    /// The journal knows the record; its row is gone.
    RowGone,
}

/// One disagreement between a record's row and its journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub record: RecordKind,
    pub id: Uuid,
    pub kind: DifferenceKind,
    /// The field, for `field` and `changed_between_entries`.
    pub field: Option<&'static str>,
    /// The entry whose state before disagreed (`changed_between_entries`).
    pub position: Option<i64>,
    /// What the journal says (`null` when the field is empty).
    pub journal: Option<Value>,
    /// What the row holds; for `changed_between_entries`, what the row held
    /// when the entry at `position` was written.
    pub table: Option<Value>,
}

/// The snapshot of record `id` in `value`, if it is one: entries that carry
/// only their event's details (an SLA alert, a link) do not name the record
/// by `id`.
fn snapshot_of(id: Uuid, value: Option<&Value>) -> Option<&Map<String, Value>> {
    let map = value?.as_object()?;
    let named = map.get("id")?.as_str()?.parse::<Uuid>().ok()?;
    (named == id).then_some(map)
}

/// Folds `entries` (in position order) into the record's state as the
/// journal says it is; `None` when no entry carries it. Reports every
/// field an entry found changed since the entry before it.
pub fn rebuild(kind: RecordKind, id: Uuid, entries: &[RecordEntry]) -> (Option<Map<String, Value>>, Vec<Difference>) {
    let mut state: Option<Map<String, Value>> = None;
    let mut differences = Vec::new();
    for entry in entries {
        if let (Some(so_far), Some(before)) = (&state, snapshot_of(id, entry.before.as_ref())) {
            differences.extend(disagreements(kind, so_far, before).map(|(field, journal, table)| Difference {
                record: kind,
                id,
                kind: DifferenceKind::ChangedBetweenEntries,
                field: Some(field),
                position: Some(entry.position),
                journal: Some(journal.clone()),
                table: Some(table.clone()),
            }));
        }
        if let Some(after) = snapshot_of(id, entry.after.as_ref()) {
            let merged = state.get_or_insert_with(Map::new);
            for (field, value) in after {
                merged.insert(field.clone(), value.clone());
            }
        }
    }
    (state, differences)
}

/// The compared fields that both states carry and that differ.
fn disagreements<'a>(
    kind: RecordKind,
    journal: &'a Map<String, Value>,
    table: &'a Map<String, Value>,
) -> impl Iterator<Item = (&'static str, &'a Value, &'a Value)> + 'a {
    kind.compared_fields().iter().filter_map(move |field| {
        // A field an older snapshot did not carry is not the journal's word.
        let (j, t) = (journal.get(*field)?, table.get(*field)?);
        (j != t).then_some((*field, j, t))
    })
}

/// Every disagreement between record `id`'s journal `entries` and its
/// `row` (serialised as the journal serialises it; `None`: no row).
pub fn check_record(kind: RecordKind, id: Uuid, entries: &[RecordEntry], row: Option<&Value>) -> Vec<Difference> {
    let (rebuilt, mut differences) = rebuild(kind, id, entries);
    let whole = |kind_of: DifferenceKind| Difference {
        record: kind,
        id,
        kind: kind_of,
        field: None,
        position: None,
        journal: None,
        table: None,
    };
    match (rebuilt, row.and_then(Value::as_object)) {
        (Some(journal), Some(table)) => {
            differences.extend(disagreements(kind, &journal, table).map(|(field, j, t)| Difference {
                field: Some(field),
                journal: Some(j.clone()),
                table: Some(t.clone()),
                ..whole(DifferenceKind::Field)
            }));
        }
        (None, Some(_)) => differences.push(whole(DifferenceKind::NoJournal)),
        (Some(_), None) => differences.push(whole(DifferenceKind::RowGone)),
        (None, None) => {}
    }
    differences
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn id() -> Uuid {
        Uuid::from_u128(7)
    }

    fn ticket(status: &str, resolution: Option<&str>, version: i64) -> Value {
        json!({ "id": id(), "status": status, "tier": 1, "resolution": resolution, "version": version,
                "reporter_name": "Budi", "sla_due_at": null })
    }

    fn entry(position: i64, before: Option<Value>, after: Value) -> RecordEntry {
        RecordEntry { position, before, after: Some(after) }
    }

    fn life() -> Vec<RecordEntry> {
        vec![
            entry(1, None, ticket("new", None, 1)),
            // An SLA alert: its details, not the ticket's state.
            entry(2, None, json!({ "clock": "response", "due_at": null })),
            entry(3, Some(ticket("new", None, 1)), ticket("resolved", Some("Diganti kabelnya"), 2)),
        ]
    }

    #[test]
    fn the_last_snapshot_is_the_state_and_detail_entries_are_skipped() {
        let (state, between) = rebuild(RecordKind::Ticket, id(), &life());
        assert!(between.is_empty());
        let state = state.unwrap_or_default();
        assert_eq!((state["status"].clone(), state["version"].clone()), (json!("resolved"), json!(2)));
    }

    #[test]
    fn a_row_as_the_journal_says_has_no_differences() {
        let row = ticket("resolved", Some("Diganti kabelnya"), 2);
        assert_eq!(check_record(RecordKind::Ticket, id(), &life(), Some(&row)), []);
    }

    #[test]
    fn an_edited_field_is_reported_with_both_values() {
        let row = ticket("resolved", Some("Tidak ada masalah"), 2);
        let found = check_record(RecordKind::Ticket, id(), &life(), Some(&row));
        assert_eq!(found.len(), 1, "{found:?}");
        let d = &found[0];
        assert_eq!((d.kind, d.field), (DifferenceKind::Field, Some("resolution")));
        assert_eq!(
            (d.journal.clone(), d.table.clone()),
            (Some(json!("Diganti kabelnya")), Some(json!("Tidak ada masalah")))
        );
    }

    #[test]
    fn personal_fields_are_not_compared() {
        let mut row = ticket("resolved", Some("Diganti kabelnya"), 2);
        row["reporter_name"] = json!("Someone else");
        row["sla_due_at"] = json!("2026-12-07T00:00:00Z");
        assert_eq!(check_record(RecordKind::Ticket, id(), &life(), Some(&row)), []);
    }

    #[test]
    fn an_edit_carried_into_the_next_snapshot_is_found_between_entries() {
        let mut entries = life();
        // The row's tier was edited to 2 before the resolve was written.
        let mut found_before = ticket("new", None, 1);
        found_before["tier"] = json!(2);
        entries[2].before = Some(found_before);
        let mut after = ticket("resolved", Some("Diganti kabelnya"), 2);
        after["tier"] = json!(2);
        entries[2].after = Some(after.clone());
        let found = check_record(RecordKind::Ticket, id(), &entries, Some(&after));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].kind, found[0].field, found[0].position),
            (DifferenceKind::ChangedBetweenEntries, Some("tier"), Some(3))
        );
        assert_eq!((found[0].journal.clone(), found[0].table.clone()), (Some(json!(1)), Some(json!(2))));
    }

    #[test]
    fn a_row_without_journal_and_a_journal_without_row_are_found() {
        let row = ticket("new", None, 1);
        let none = check_record(RecordKind::Ticket, id(), &[], Some(&row));
        assert_eq!(none.iter().map(|d| d.kind).collect::<Vec<_>>(), [DifferenceKind::NoJournal]);
        let gone = check_record(RecordKind::Ticket, id(), &life(), None);
        assert_eq!(gone.iter().map(|d| d.kind).collect::<Vec<_>>(), [DifferenceKind::RowGone]);
        assert_eq!(check_record(RecordKind::Ticket, id(), &[], None), []);
    }

    #[test]
    fn a_snapshot_of_another_record_is_not_this_ones_state() {
        let other = json!({ "id": Uuid::from_u128(8), "status": "closed" });
        let entries = vec![entry(1, None, ticket("new", None, 1)), entry(2, None, other)];
        let row = ticket("new", None, 1);
        assert_eq!(check_record(RecordKind::Ticket, id(), &entries, Some(&row)), []);
    }

    #[test]
    fn a_field_older_snapshots_lack_is_not_compared() {
        let entries = vec![entry(1, None, json!({ "id": id(), "status": "new" }))];
        let row = json!({ "id": id(), "status": "new", "complaint_ref": "LAPOR-1" });
        assert_eq!(check_record(RecordKind::Ticket, id(), &entries, Some(&row)), []);
    }
}
