//! Change management (Manajemen Perubahan): the kinds of a change record
//! ([`kinds`]), its risk ([`risk`]) and what approval needs ([`analysis`]), its lifecycle ([`workflow`]), who must
//! approve it ([`approval`]) and who may ([`eligibility`]), the signed
//! encoding of what was approved ([`content`]), freeze windows and conflicts
//! ([`schedule`]), the iCalendar feed ([`ical`]) and the report's lead times
//! ([`lead_time`]). Pure rules; the store is `db::changes`.

pub mod access;
pub mod analysis;
pub mod approval;
pub mod content;
pub mod eligibility;
pub mod ical;
pub mod kinds;
pub mod lead_time;
pub mod notices;
pub mod risk;
pub mod schedule;
pub mod workflow;

pub use kinds::{ChangeEventKind, ChangeScope, ChangeStatus, ChangeType, Outcome, Phase};
