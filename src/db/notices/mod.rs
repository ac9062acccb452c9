//! The notice outbox: events the journal queued ([`events`]), the notices
//! they fan out into ([`outbox`]), webhook subscriptions
//! ([`subscriptions`]) and who an audience is ([`recipients`]).

pub mod events;
pub mod outbox;
pub mod preferences;
pub mod recipients;
pub mod subscriptions;

use diesel::sql_types::Binary;

/// An id selected by a claim query.
#[derive(diesel::QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = Binary)]
    id: Vec<u8>,
}
