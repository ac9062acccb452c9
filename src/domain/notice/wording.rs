//! Dates and times as official Indonesian correspondence writes them
//! (Tata Naskah Dinas): `Senin, 6 April 2026`, `pukul 10.00 WITA`, always in
//! the reader's own zone; and the Indonesian words for ticket values.

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use crate::domain::ticket::{Priority, Status, TicketType};

const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Senin",
        Weekday::Tue => "Selasa",
        Weekday::Wed => "Rabu",
        Weekday::Thu => "Kamis",
        Weekday::Fri => "Jumat",
        Weekday::Sat => "Sabtu",
        Weekday::Sun => "Minggu",
    }
}

/// The zone's Indonesian name (WIB, WITA, WIT), or its IANA name elsewhere.
pub fn zone_name(zone: Tz) -> String {
    match zone {
        Tz::Asia__Jakarta | Tz::Asia__Pontianak => "WIB".to_owned(),
        Tz::Asia__Makassar => "WITA".to_owned(),
        Tz::Asia__Jayapura => "WIT".to_owned(),
        other => other.name().to_owned(),
    }
}

/// `Senin, 6 April 2026`.
pub fn date(at: DateTime<Utc>, zone: Tz) -> String {
    let local = at.with_timezone(&zone);
    let month = MONTHS[local.month0() as usize];
    format!("{}, {} {month} {}", day_name(local.weekday()), local.day(), local.year())
}

/// `pukul 10.00 WITA`.
pub fn time(at: DateTime<Utc>, zone: Tz) -> String {
    let local = at.with_timezone(&zone);
    format!("pukul {:02}.{:02} {}", local.hour(), local.minute(), zone_name(zone))
}

/// `Senin, 6 April 2026 pukul 10.00 WITA`.
pub fn date_time(at: DateTime<Utc>, zone: Tz) -> String {
    format!("{} {}", date(at, zone), time(at, zone))
}

pub fn ticket_type(kind: TicketType) -> &'static str {
    match kind {
        TicketType::Complaint => "keluhan",
        TicketType::Incident => "gangguan",
        TicketType::Problem => "masalah",
        TicketType::ServiceRequest => "permintaan layanan",
        TicketType::ChangeRequest => "permintaan perubahan",
    }
}

pub fn priority(priority: Priority) -> &'static str {
    match priority {
        Priority::Critical => "kritis",
        Priority::High => "tinggi",
        Priority::Medium => "sedang",
        Priority::Low => "rendah",
    }
}

pub fn status(status: Status) -> &'static str {
    match status {
        Status::New => "baru",
        Status::Assigned => "ditugaskan",
        Status::InProgress => "diproses",
        Status::Pending => "tertunda",
        Status::Resolved => "selesai ditangani",
        Status::Closed => "ditutup",
    }
}

/// The name of an SLA clock as a notice speaks of it.
pub fn clock(kind: &str) -> &'static str {
    match kind {
        "response" => "waktu tanggapan",
        "resolution" => "waktu penyelesaian",
        "tier2_resolution" => "waktu penyelesaian tingkat 2",
        _ => "batas waktu layanan",
    }
}

/// A service as mails name it: its name with its code in brackets, unless
/// the name already ends with it (`Naskah Dinas Elektronik (SRIKANDI)`) or
/// is the code itself.
pub fn service_label(name: &str, code: &str) -> String {
    let name = name.trim();
    let bracketed = format!("({code})");
    if code.is_empty() || name.eq_ignore_ascii_case(code) || name.to_uppercase().ends_with(&bracketed.to_uppercase()) {
        name.to_owned()
    } else {
        format!("{name} {bracketed}")
    }
}

/// How mails greet a unit's team mailbox (`Tim Layanan BAPPEDA`).
pub fn team_name(unit_name: &str) -> String {
    format!("Tim Layanan {unit_name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_read_in_the_readers_zone() {
        // 02:00 UTC on Monday 6 April 2026 is 10.00 in Makassar, 09.00 in Jakarta.
        let at = Utc.with_ymd_and_hms(2026, 4, 6, 2, 0, 0).single().unwrap_or_default();
        assert_eq!(date_time(at, Tz::Asia__Makassar), "Senin, 6 April 2026 pukul 10.00 WITA");
        assert_eq!(time(at, Tz::Asia__Jakarta), "pukul 09.00 WIB");
        assert_eq!(time(at, Tz::Asia__Jayapura), "pukul 11.00 WIT");
    }

    #[test]
    fn the_date_follows_the_zone_across_midnight() {
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 16, 30, 0).single().unwrap_or_default();
        assert_eq!(date(at, Tz::Asia__Jakarta), "Kamis, 31 Desember 2026");
        assert_eq!(date(at, Tz::Asia__Jayapura), "Jumat, 1 Januari 2027");
    }

    #[test]
    fn values_have_indonesian_words() {
        assert_eq!(ticket_type(TicketType::Incident), "gangguan");
        assert_eq!(priority(Priority::Critical), "kritis");
        assert_eq!(status(Status::Pending), "tertunda");
    }

    #[test]
    fn a_service_code_is_printed_once() {
        assert_eq!(service_label("Sistem Informasi Kepegawaian", "SIMPEG"), "Sistem Informasi Kepegawaian (SIMPEG)");
        assert_eq!(
            service_label("Naskah Dinas Elektronik (SRIKANDI)", "SRIKANDI"),
            "Naskah Dinas Elektronik (SRIKANDI)"
        );
        assert_eq!(
            service_label("Naskah Dinas Elektronik (Srikandi)", "SRIKANDI"),
            "Naskah Dinas Elektronik (Srikandi)"
        );
        assert_eq!(service_label("SRIKANDI", "SRIKANDI"), "SRIKANDI");
    }

    #[test]
    fn a_team_mailbox_is_greeted_as_the_units_service_team() {
        assert_eq!(team_name("BAPPEDA"), "Tim Layanan BAPPEDA");
    }
}
