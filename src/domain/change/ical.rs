//! The change schedule as iCalendar (RFC 5545): one `VEVENT` per change
//! window, with a `UID` that never changes and a `SEQUENCE` that grows with
//! every reschedule, so calendar apps replace events rather than add them.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike, EventStatus, Property};
use uuid::Uuid;

use super::schedule::Window;

/// One change window as the feed shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    pub change_id: Uuid,
    pub number: String,
    pub title: String,
    pub description: String,
    pub window: Window,
    /// Raised by every reschedule.
    pub sequence: u32,
    /// When the entry last changed (`DTSTAMP`, `LAST-MODIFIED`).
    pub updated_at: DateTime<Utc>,
    pub cancelled: bool,
    pub url: Option<String>,
}

/// The stable `UID` of a change's window: its id, under the service's domain.
pub fn uid(change_id: Uuid, domain: &str) -> String {
    format!("{change_id}@{domain}")
}

/// The whole feed; `domain` qualifies the UIDs.
pub fn render(name: &str, domain: &str, entries: &[CalendarEntry]) -> String {
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
            .timestamp(entry.updated_at)
            .last_modified(entry.updated_at)
            .summary(&format!("{} {}", entry.number, entry.title))
            .description(&entry.description)
            .starts(entry.window.start)
            .ends(entry.window.end)
            .status(if entry.cancelled { EventStatus::Cancelled } else { EventStatus::Confirmed });
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
            cancelled: false,
            url: None,
        };
        let text = render("Jadwal", "desk.example.go.id", &[entry]);
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 1);
        assert!(text.contains(&format!("UID:{id}@desk.example.go.id\r\n")));
        assert!(text.contains("SEQUENCE:3\r\n"));
        assert!(text.contains("tahap 1\\; jaringan"), "text values are escaped: {text}");
        assert!(text.contains("Baris satu\\nbaris dua"));
    }
}
