//! Integration tests: one binary, every scenario against the real app on a
//! random port, on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly by design")]

mod support;

mod health;
mod api_keys;
mod cli;
mod migrations;
mod openapi;
mod auth;
mod errors;
mod units;
mod users;
