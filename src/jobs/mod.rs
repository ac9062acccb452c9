//! Background workers that run beside the HTTP server.

pub mod sla_sweeper;
pub mod audit_checkpointer;
