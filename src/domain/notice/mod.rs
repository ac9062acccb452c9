//! Notices: who is told of which event ([`rules`]) and which of them is
//! mailed when ([`telling`]), which tickets a webhook subscription hears of
//! ([`reach`]), how times read in official Indonesian correspondence
//! ([`wording`]), when a failed delivery is tried again ([`retry`]), how
//! targets share sending ([`share`]), and how webhooks are signed and where
//! they may go ([`webhook`]). Pure rules; the outbox lives in `db::notices`.

pub mod articles;
pub mod reach;
pub mod retry;
pub mod rules;
pub mod share;
pub mod status;
pub mod telling;
pub mod webhook;
pub mod wording;
