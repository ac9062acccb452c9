//! Layanan SPBE service desk: the REST backend of the tier-1/tier-2 IT
//! service desk of an Indonesian local government.

pub mod api;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod files;
pub mod jobs;
pub mod memory;
pub mod metrics;
pub mod notify;
pub mod redact;
pub mod startup;
pub mod state;
pub mod telemetry;
