//! The change schedule as iCalendar (RFC 5545): one `VEVENT` per change
//! window, with a `UID` that never changes and a `SEQUENCE` that grows with
//! every reschedule and every change of the event's status, so calendar
//! apps replace events rather than add them or keep stale ones.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike, EventStatus, Property};
use uuid::Uuid;

use super::kinds::ChangeStatus;
use super::schedule::Window;

/// How the feed shows a change with a planned window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStatus {
    /// Approved and scheduled, running or done.
    Confirmed,
    /// Planned once, but its approvals were voided by an edit: it may
    /// still happen in that window, or be moved.
    Tentative,
    /// It will not happen (cancelled, or rejected in a new round).
    Cancelled,
}

/// Whether, and how, the feed lists a change that has a planned window.
/// Once listed, a change stays listed, so calendars hear of what became
/// of the event rather than keeping it as it was.
pub fn entry_status(status: ChangeStatus) -> Option<EntryStatus> {
    use ChangeStatus::*;
    match status {
        Scheduled | Implementing | Reviewing | Completed => Some(EntryStatus::Confirmed),
        // Only a change scheduled before has a window while in these: an
        // edit voided its approvals (docs/changes.md, Editing).
        AwaitingApproval | Approved => Some(EntryStatus::Tentative),
        Cancelled | Rejected => Some(EntryStatus::Cancelled),
        // No window is planned before approval.
        Draft | Submitted | Assessing => None,
    }
}

/// Whether a move from `before` to `after` changes the event of a change
/// with a window, so its `SEQUENCE` must rise (RFC 5546 §2.1.4: a
/// calendar replaces an event only by a higher sequence).
pub fn status_changes(before: ChangeStatus, after: ChangeStatus) -> bool {
    entry_status(before) != entry_status(after)
}

/// One change window as the feed shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    pub change_id: Uuid,
    pub number: String,
    pub title: String,
    pub description: String,
    pub window: Window,
    /// Raised by every reschedule and every change of `status`.
    pub sequence: u32,
    /// When the entry last changed (`LAST-MODIFIED`).
    pub updated_at: DateTime<Utc>,
    pub status: EntryStatus,
    pub url: Option<String>,
}

/// The stable `UID` of a change's window: its id, under the service's domain.
pub fn uid(change_id: Uuid, domain: &str) -> String {
    format!("{change_id}@{domain}")
}

/// The whole feed, generated at `generated_at`; `domain` qualifies the UIDs.
pub fn render(name: &str, domain: &str, generated_at: DateTime<Utc>, entries: &[CalendarEntry]) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//Layanan SPBE Service Desk//Jadwal Perubahan//ID"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .name(name);
    for entry in entries {
        let mut event = icalendar::Event::new();
        event
            .uid(&uid(entry.change_id, domain))
            .sequence(entry.sequence)
            // Under METHOD:PUBLISH, DTSTAMP is when this document was made
            // (RFC 5545 §3.8.7.2); when the event last changed is LAST-MODIFIED.
            .timestamp(generated_at)
            .last_modified(entry.updated_at)
            .summary(&format!("{} {}", entry.number, entry.title))
            .description(&entry.description)
            .starts(entry.window.start)
            .ends(entry.window.end)
            .status(match entry.status {
                EntryStatus::Confirmed => EventStatus::Confirmed,
                EntryStatus::Tentative => EventStatus::Tentative,
                EntryStatus::Cancelled => EventStatus::Cancelled,
            });
        if let Some(url) = &entry.url {
            event.url(url);
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_window_is_one_event_with_a_stable_uid_and_its_sequence() {
        let start = DateTime::from_timestamp(1_797_000_000, 0).unwrap_or_default();
        let id = Uuid::now_v7();
        let entry = CalendarEntry {
            change_id: id,
            number: "CHG-2026-000001".into(),
            title: "Pembaruan server, tahap 1; jaringan".into(),
            description: "Baris satu\nbaris dua".into(),
            window: Window { start, end: start + chrono::Duration::hours(2) },
            sequence: 3,
            updated_at: start,
            status: EntryStatus::Tentative,
            url: None,
        };
        let generated = start + chrono::Duration::days(2);
        let text = render("Jadwal", "desk.example.go.id", generated, &[entry]);
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 1);
        assert!(text.contains(&format!("UID:{id}@desk.example.go.id\r\n")));
        assert!(text.contains("SEQUENCE:3\r\n"));
        assert!(text.contains("tahap 1\\; jaringan"), "text values are escaped: {text}");
        assert!(text.contains("Baris satu\\nbaris dua"));
        assert!(text.contains("STATUS:TENTATIVE\r\n"));
        assert!(text.contains(&format!("DTSTAMP:{}\r\n", generated.format("%Y%m%dT%H%M%SZ"))), "{text}");
        assert!(text.contains(&format!("LAST-MODIFIED:{}\r\n", start.format("%Y%m%dT%H%M%SZ"))), "{text}");
    }

    #[test]
    fn a_listed_window_stays_listed_whatever_becomes_of_it() {
        use ChangeStatus::*;
        assert_eq!(entry_status(Scheduled), Some(EntryStatus::Confirmed));
        assert_eq!(entry_status(AwaitingApproval), Some(EntryStatus::Tentative));
        assert_eq!(entry_status(Rejected), Some(EntryStatus::Cancelled));
        assert_eq!(entry_status(Draft), None);
        assert!(status_changes(Scheduled, AwaitingApproval) && status_changes(AwaitingApproval, Rejected));
        assert!(status_changes(Approved, Cancelled) && !status_changes(AwaitingApproval, Approved));
        assert!(!status_changes(Scheduled, Implementing));
    }
}
