//! `spbe-desk audit verify --state`: every ticket's and change's row
//! checked against the state its journal tells, each difference printed
//! by record and field as it is found.

use crate::db::state_check::{self, StateCursor};
use crate::db::DbConnection;
use crate::domain::journal::state::{Difference, DifferenceKind};

/// A stored value as printed: its JSON, cut short past this many characters.
const SHOWN_CHARS: usize = 120;

/// Runs the whole check; an error (exit 1) when anything differs.
pub(super) fn run(conn: &mut DbConnection) -> Result<(), String> {
    let report = state_check::check(conn, StateCursor::START, None, |d| {
        println!("{}", line_of(&d));
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    println!(
        "checked {} tickets and {} changes ({} journal entries) in {:.1} s: {:.0} records/s",
        report.tickets_checked,
        report.changes_checked,
        report.entries_read,
        report.elapsed_ms as f64 / 1000.0,
        report.records_per_second()
    );
    if report.differences_found == 0 {
        println!("the tables agree with the journal");
        Ok(())
    } else {
        Err(format!("{} difference(s) between the tables and the journal", report.differences_found))
    }
}

fn shown(value: Option<&serde_json::Value>) -> String {
    let text = value.map_or_else(|| "nothing".to_owned(), ToString::to_string);
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// One difference, on one line.
fn line_of(d: &Difference) -> String {
    let record = format!("{} {}", d.record.entity_type(), d.id);
    let field = d.field.unwrap_or("?");
    let (journal, table) = (shown(d.journal.as_ref()), shown(d.table.as_ref()));
    match d.kind {
        DifferenceKind::Field => format!("{record} {field}: journal {journal}, table {table}"),
        DifferenceKind::ChangedBetweenEntries => format!(
            "{record} {field} changed outside the journal before position {}: journal {journal}, row then {table}",
            d.position.unwrap_or_default()
        ),
        DifferenceKind::NoJournal => format!("{record}: a row with no journal entry carrying its state"),
        DifferenceKind::RowGone => format!("{record}: journalled, but its row is gone"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use uuid::Uuid;

    use super::*;
    use crate::domain::journal::RecordKind;

    #[test]
    fn a_field_difference_names_the_record_the_field_and_both_values() {
        let d = Difference {
            record: RecordKind::Ticket,
            id: Uuid::nil(),
            kind: DifferenceKind::Field,
            field: Some("resolution"),
            position: None,
            journal: Some(json!("Diganti")),
            table: Some(json!("x".repeat(200))),
        };
        let line = line_of(&d);
        assert!(
            line.starts_with(&format!("ticket {} resolution: journal \"Diganti\", table \"xxx", Uuid::nil())),
            "{line}"
        );
        assert!(line.ends_with('…') && line.chars().count() < 250, "{line}");
    }
}
