//! Background workers that run beside the HTTP server.

pub mod audit_checkpointer;
pub mod sla_sweeper;
