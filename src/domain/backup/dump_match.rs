//! Whether a PostgreSQL database can be the dump restored from a backup:
//! the dump was taken just before the backup counted the records, so it
//! holds at most what the manifest says. A database holding more is some
//! other one (the live database, say) and a restore onto it is refused.

use super::Contents;

/// What the database holds beyond the backup's count, in words; `None`
/// when it could be the backup's dump.
pub fn beyond_the_backup(database: &Contents, backup: &Contents) -> Option<String> {
    let counts = [
        ("tickets", database.tickets, backup.tickets),
        ("changes", database.changes, backup.changes),
        ("attachments", database.attachments, backup.attachments),
        ("audit entries", database.audit_entries, backup.audit_entries),
    ];
    let beyond: Vec<String> = counts
        .iter()
        .filter(|(_, held, counted)| held > counted)
        .map(|(what, held, counted)| format!("{held} {what} where the backup counted {counted}"))
        .collect();
    let newer_checkpoint = match (database.newest_checkpoint, backup.newest_checkpoint) {
        (Some(held), Some(counted)) if held > counted => Some(format!("checkpoint {held} past the backup's {counted}")),
        (Some(held), None) => Some(format!("checkpoint {held} where the backup had none")),
        _ => None,
    };
    let all: Vec<String> = beyond.into_iter().chain(newer_checkpoint).collect();
    (!all.is_empty()).then(|| all.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holding(tickets: i64, audit_entries: i64, checkpoint: Option<i64>) -> Contents {
        Contents { tickets, audit_entries, newest_checkpoint: checkpoint, ..Contents::default() }
    }

    #[test]
    fn the_dump_holds_at_most_what_the_backup_counted_after_it() {
        let backup = holding(10, 60, Some(4));
        assert_eq!(beyond_the_backup(&holding(10, 60, Some(4)), &backup), None);
        assert_eq!(beyond_the_backup(&holding(9, 55, Some(3)), &backup), None, "filed between dump and count");
    }

    #[test]
    fn a_database_with_later_records_is_not_the_backups_dump() {
        let backup = holding(10, 60, Some(4));
        let live = holding(11, 66, Some(5));
        let said = beyond_the_backup(&live, &backup).unwrap();
        assert_eq!(
            said,
            "11 tickets where the backup counted 10, 66 audit entries where the backup counted 60, \
             checkpoint 5 past the backup's 4"
        );
        assert!(beyond_the_backup(&holding(10, 60, Some(1)), &holding(10, 60, None)).is_some());
    }
}
