//! The notice outbox: the notices that the events the journal queued
//! (`db::journal::notice_events`) fan out into ([`outbox`]), webhook
//! subscriptions ([`subscriptions`]) and who an audience is
//! ([`recipients`]).

pub mod erasure;
pub mod outbox;
pub mod preferences;
pub mod recipients;
pub mod subscriptions;
