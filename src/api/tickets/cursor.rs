//! Ticket list cursors: the sort key and id of the last row, opaque to clients.

use chrono::{DateTime, Datelike};
use uuid::Uuid;

use crate::auth::cursor_seal::CursorKey;
use crate::db::tickets::{After, TicketSort};
use crate::domain::validation::alternatives;
use crate::error::ApiError;

/// The sorts a ticket list takes (`created` when none is given).
pub const SORTS: [(&str, TicketSort); 7] = [
    ("created", TicketSort::CreatedAsc),
    ("-created", TicketSort::CreatedDesc),
    ("updated", TicketSort::UpdatedAsc),
    ("-updated", TicketSort::UpdatedDesc),
    ("priority", TicketSort::PriorityAsc),
    ("-priority", TicketSort::PriorityDesc),
    ("due", TicketSort::DueAsc),
];

pub fn parse_sort(raw: Option<&str>) -> Result<TicketSort, ApiError> {
    let raw = raw.unwrap_or("created");
    SORTS.iter().find(|(name, _)| *name == raw).map(|(_, sort)| *sort).ok_or_else(|| {
        let names: Vec<&str> = SORTS.iter().map(|(name, _)| *name).collect();
        ApiError::invalid("sort", format!("unknown sort `{raw}`; use {}", alternatives(&names)))
    })
}

crate::api::openapi_values::string_enum!(
    /// The sorts of the ticket list.
    TicketListSort = SORTS.iter().map(|(name, _)| *name)
);

pub fn encode(key: &CursorKey, after: After) -> String {
    let plain = match after {
        After::Created(id) => format!("c:{id}"),
        After::Updated(t, id) => format!("u:{}:{id}", t.and_utc().timestamp_micros()),
        After::Priority(rank, id) => format!("p:{rank}:{id}"),
        After::Due(Some(t), id) => format!("d:{}:{id}", t.and_utc().timestamp_micros()),
        After::Due(None, id) => format!("d::{id}"),
    };
    key.seal(plain.as_bytes())
}

pub fn decode(key: &CursorKey, cursor: &str) -> Result<After, ApiError> {
    let bad = || ApiError::invalid("cursor", "not a cursor of this list");
    let plain = String::from_utf8(key.open(cursor)?).map_err(|_| bad())?;
    let parts: Vec<&str> = plain.split(':').collect();
    let id = |raw: &str| Uuid::parse_str(raw).map_err(|_| bad());
    // Only instants both databases can store (a forged one is the client's error).
    let instant = |raw: &str| {
        let micros: i64 = raw.parse().map_err(|_| bad())?;
        let time = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
        if !(1..=9999).contains(&time.year()) {
            return Err(bad());
        }
        Ok(time.naive_utc())
    };
    match parts.as_slice() {
        ["c", raw_id] => Ok(After::Created(id(raw_id)?)),
        ["u", micros, raw_id] => Ok(After::Updated(instant(micros)?, id(raw_id)?)),
        ["d", "", raw_id] => Ok(After::Due(None, id(raw_id)?)),
        ["d", micros, raw_id] => Ok(After::Due(Some(instant(micros)?), id(raw_id)?)),
        ["p", rank, raw_id] => Ok(After::Priority(rank.parse().map_err(|_| bad())?, id(raw_id)?)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CursorKey {
        CursorKey::derive(&crate::auth::keys::SigningKey::Secret(b"test".to_vec()))
    }

    #[test]
    fn cursors_round_trip() {
        let id = Uuid::now_v7();
        let time = DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap().naive_utc();
        for after in [
            After::Created(id),
            After::Updated(time, id),
            After::Priority(2, id),
            After::Due(Some(time), id),
            After::Due(None, id),
        ] {
            assert_eq!(decode(&key(), &encode(&key(), after)).ok(), Some(after));
        }
        assert!(decode(&key(), "garbage").is_err());
        let far = key().seal(format!("d:{}:{id}", i64::MIN / 2).as_bytes());
        assert!(decode(&key(), &far).is_err(), "instants outside years 1–9999 are refused");
    }
}
