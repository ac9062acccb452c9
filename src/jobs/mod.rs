//! Background workers that run beside the HTTP server.

pub mod sla_sweeper;
