//! The journal's rules: who caused a change ([`Context`]), what changed
//! ([`Event`], named once for the timeline, the audit log and notices), and
//! the hash chain that makes the audit log tamper-evident ([`chain`],
//! [`verify`]).

pub mod chain;
mod context;
mod event;
pub mod keys;
mod move_record;
mod ticket_move;
pub mod verify;
pub mod witness;

pub use context::Context;
pub use event::{ClockAlert, Entry, Event, Place, Resource, ResourceChange, Subject, Visibility};
pub use move_record::{MoveClocks, MoveDetail};
