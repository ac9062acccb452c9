//! Background workers that run beside the HTTP server.

pub mod audit_checkpointer;
pub mod audit_witness;
pub mod housekeeper;
pub mod intake_writer;
pub mod notice_dispatcher;
pub mod sla_sweeper;
