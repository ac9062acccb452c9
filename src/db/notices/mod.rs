//! The notice outbox: events the journal queued ([`events`]), the notices
//! they fan out into ([`outbox`]), webhook subscriptions
//! ([`subscriptions`]) and who an audience is ([`recipients`]).

pub mod events;
pub mod outbox;
pub mod preferences;
pub mod recipients;
pub mod subscriptions;

use uuid::Uuid;

/// An id selected by a claim query.
#[derive(diesel::QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = crate::db::sql_types::Id)]
    id: Uuid,
}
