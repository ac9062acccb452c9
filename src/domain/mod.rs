//! Pure rules of the service desk: no I/O, no clock, no framework types.
//!
//! Everything here takes what it needs as arguments (including `now`), so it
//! can be unit-tested in isolation and reused by the API, the store and jobs.

pub mod asset;
pub mod backup;
pub mod change;
pub mod email;
pub mod encoding;
pub mod journal;
pub mod knowledge;
pub mod notice;
pub mod organisation;
pub mod page;
pub mod password;
pub mod policy;
pub mod privacy;
pub mod role;
pub mod service;
pub mod sla;
pub mod text;
mod text_enum;
pub mod throttle;
pub mod ticket;
pub mod user;
pub mod validation;
pub mod version;
