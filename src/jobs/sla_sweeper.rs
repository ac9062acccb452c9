//! The SLA sweeper: every interval, records the warnings and breaches that
//! fell due (catching up whatever fell due while it was not running) and
//! the auto-escalations they trigger. Several instances may run it on
//! PostgreSQL: each step claims its ticket with `SKIP LOCKED`.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::config::SlaSettings;
use crate::db::changes::sweep::{self as change_sweep, ChangeSweep};
use crate::db::sla_sweep::{self as sweep, SweepReport};
use crate::db::{Db, StoreError};

/// One sweep at the clock's `now`.
pub async fn sweep_now(db: &Db, clock: &dyn Clock, batch: usize) -> Result<SweepReport, StoreError> {
    let now = clock.now();
    db.run(move |conn| sweep::run_once(conn, now, batch)).await
}

/// One sweep of the timed change notices (windows starting within
/// `window_notice`, reviews overdue) at the clock's `now`.
pub async fn sweep_changes_now(
    db: &Db,
    clock: &dyn Clock,
    window_notice: chrono::Duration,
) -> Result<ChangeSweep, StoreError> {
    let now = clock.now();
    db.run(move |conn| change_sweep::run(conn, now, window_notice)).await
}

/// Runs sweeps (SLA alerts, then the timed change notices) until the task
/// is dropped; `None` when turned off.
pub fn spawn(
    db: Db,
    clock: Arc<dyn Clock>,
    settings: &SlaSettings,
    window_notice: chrono::Duration,
) -> Option<tokio::task::JoinHandle<()>> {
    if settings.sweep_interval_seconds == 0 {
        tracing::info!("SLA sweeper is off in this instance");
        return None;
    }
    let every = Duration::from_secs(u64::from(settings.sweep_interval_seconds));
    let batch = settings.sweep_batch as usize;
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match sweep_now(&db, clock.as_ref(), batch).await {
                Ok(r) if r.steps.is_empty() => {}
                Ok(r) => tracing::info!(
                    warnings = r.warnings,
                    breaches = r.breaches,
                    escalations = r.escalations,
                    "SLA sweep recorded alerts"
                ),
                Err(e) => tracing::error!(error = %e, "SLA sweep failed; retrying at the next tick"),
            }
            match sweep_changes_now(&db, clock.as_ref(), window_notice).await {
                Ok(r) if r == ChangeSweep::default() => {}
                Ok(r) => tracing::info!(
                    windows_starting = r.windows_starting,
                    reviews_overdue = r.reviews_overdue,
                    "change sweep told of windows and reviews"
                ),
                Err(e) => tracing::error!(error = %e, "change sweep failed; retrying at the next tick"),
            }
            // Keeps the dashboard counters' deltas few (see tickets::counts).
            if let Err(e) = db.run(crate::db::tickets::fold_counts).await {
                tracing::error!(error = %e, "folding ticket counts failed; retrying at the next tick");
            }
            // Keeps the SLA report's deltas few (see sla_report::cells).
            if let Err(e) = db.run(|conn| crate::db::sla_report::fold_pending(conn, 100)).await {
                tracing::error!(error = %e, "folding SLA report cells failed; retrying at the next tick");
            }
        }
    }))
}
