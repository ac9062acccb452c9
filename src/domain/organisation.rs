//! Units of the regional government: the Perangkat Daerah and the one Dinas.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What kind of unit: a regional agency, or the Dinas Kominfo hosting tier 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    PerangkatDaerah,
    Dinas,
}

impl UnitKind {
    pub const ALL: [UnitKind; 2] = [UnitKind::PerangkatDaerah, UnitKind::Dinas];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::PerangkatDaerah => "perangkat_daerah",
            UnitKind::Dinas => "dinas",
        }
    }
}

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown unit kind `{0}`; expected perangkat_daerah or dinas")]
pub struct UnitKindError(String);

impl FromStr for UnitKind {
    type Err = UnitKindError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "perangkat_daerah" => Ok(UnitKind::PerangkatDaerah),
            "dinas" => Ok(UnitKind::Dinas),
            other => Err(UnitKindError(other.to_owned())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown time zone `{0}`; use an IANA name such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura")]
pub struct TimeZoneError(String);

/// An IANA time zone the unit works in (WIB, WITA or WIT in practice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    pub fn parse(raw: &str) -> Result<Self, TimeZoneError> {
        raw.trim().parse::<chrono_tz::Tz>().map(Self).map_err(|_| TimeZoneError(raw.to_owned()))
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }
}

/// Written as its IANA name (in snapshots and responses).
impl Serialize for TimeZone {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_zones_parse_and_nonsense_does_not() {
        for zone in ["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"] {
            assert_eq!(TimeZone::parse(zone).map(TimeZone::name), Ok(zone));
        }
        assert!(TimeZone::parse("Asia/Bandung").is_err());
        assert!(TimeZone::parse("WIB").is_err());
    }

    #[test]
    fn unit_kinds_parse_from_their_names() {
        assert_eq!("dinas".parse(), Ok(UnitKind::Dinas));
        assert!("dinas_kesehatan".parse::<UnitKind>().is_err());
    }
}

/// A validated request to register a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnit {
    pub kind: UnitKind,
    pub code: super::text::Code,
    pub name: super::text::DisplayName,
    pub mandiri_tik: bool,
    pub time_zone: TimeZone,
    pub mailbox: super::email::EmailAddress,
    /// The unit's working calendar (SLA clocks of its tickets run on it).
    pub calendar_id: Option<uuid::Uuid>,
}

/// A validated partial update of a unit; `None` leaves a field as it is.
/// The kind is fixed at creation: turning the Dinas into a PD (or back)
/// would orphan the tier-2 roles of its people.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitChanges {
    pub code: Option<super::text::Code>,
    pub name: Option<super::text::DisplayName>,
    pub mandiri_tik: Option<bool>,
    pub time_zone: Option<TimeZone>,
    pub mailbox: Option<super::email::EmailAddress>,
    pub active: Option<bool>,
    /// `Some(None)` clears the calendar.
    pub calendar_id: Option<Option<uuid::Uuid>>,
    /// The head of the unit (told of SLA breaches); `Some(None)` clears.
    pub head_name: Option<Option<super::text::DisplayName>>,
    pub head_email: Option<Option<super::email::EmailAddress>>,
}
