//! What every request handler shares: the pool, the clock, token service,
//! settings and metrics.

use std::sync::Arc;

use crate::auth::audit_key::AuditKeys;
use crate::auth::TokenService;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::jobs::intake_writer::IntakeWriter;
use crate::metrics::HttpMetrics;
use crate::notify::Notifier;

pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub tokens: Arc<TokenService>,
    /// Seals list cursors.
    pub cursors: crate::auth::cursor_seal::CursorKey,
    pub settings: Settings,
    pub metrics: HttpMetrics,
    pub audit_keys: AuditKeys,
    pub notifier: Arc<Notifier>,
    /// Files tickets, many per transaction under load.
    pub intake: IntakeWriter,
}
