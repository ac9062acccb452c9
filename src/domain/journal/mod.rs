//! The journal's rules: who caused a change ([`Context`]), what changed
//! ([`Event`], named once for the timeline, the audit log and notices), the
//! hash chain that makes the audit log tamper-evident ([`chain`],
//! [`verify`]), how entries store their states compactly ([`compact`]), and
//! a record's state as its entries tell it ([`state`]).

pub mod chain;
pub mod compact;
mod context;
mod event;
pub mod keys;
mod move_record;
pub mod state;
mod state_fields;
mod ticket_move;
pub mod verify;
pub mod witness;

pub use context::Context;
pub use event::{ClockAlert, Entry, Event, Place, Resource, ResourceChange, Subject, Visibility};
pub use move_record::{MoveClocks, MoveDetail};
pub use state_fields::RecordKind;
