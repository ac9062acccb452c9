//! Integration tests: one binary, every scenario against the real app on a
//! random port, on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly by design")]

mod support;

mod api_keys;
mod audit_chain;
mod audit_compact;
mod audit_state;
mod audit_witness;
mod auth;
mod backup_drill;
mod backup_restore;
mod calendars;
mod change_approvals;
mod change_records;
mod change_schedule;
mod changes;
mod cli;
mod demo_seed;
mod errors;
mod generator;
mod generator_agrees;
mod health;
mod housekeeping;
mod http_hardening;
mod if_match;
mod intake_batches;
mod journal_batches;
mod knowledge;
mod knowledge_access;
mod knowledge_feedback;
mod knowledge_links;
mod knowledge_notices;
mod knowledge_quality;
mod knowledge_reviews;
mod knowledge_search;
mod lost_races;
mod migrations;
mod native_ids;
mod notice_dispatchers;
mod notice_isolation;
mod notice_rules;
mod notice_snapshots;
mod notices;
mod openapi;
mod openapi_security;
mod own_password;
mod privacy;
mod rights_before_body;
mod services;
mod sla_clocks;
mod sla_policies;
mod sla_replay;
mod sla_reports;
mod sla_sweeper;
mod ticket_attachments;
mod ticket_changes;
mod ticket_comments;
mod ticket_concurrency;
mod ticket_counts;
mod ticket_search;
mod ticket_visibility;
mod tickets;
mod units;
mod users;
