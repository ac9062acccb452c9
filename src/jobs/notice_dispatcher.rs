//! The notice dispatcher: every interval (and at once again while there is
//! more), fans queued events out and delivers due mails and webhooks. Any
//! number of instances may run it; see `notify::dispatch`.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::db::Db;
use crate::notify::dispatch::{self, DispatchReport};
use crate::notify::Notifier;

/// One run at the clock's `now`.
pub async fn dispatch_now(
    db: &Db,
    clock: &dyn Clock,
    notifier: &Arc<Notifier>,
) -> Result<DispatchReport, crate::db::StoreError> {
    dispatch::run_once(db, notifier, clock.now()).await
}

/// Runs the dispatcher until the task is dropped; `None` when turned off.
pub fn spawn(db: Db, clock: Arc<dyn Clock>, notifier: Arc<Notifier>) -> Option<tokio::task::JoinHandle<()>> {
    let interval = notifier.settings.dispatch_interval_seconds;
    if interval == 0 {
        tracing::info!("notice dispatcher is off in this instance");
        return None;
    }
    let every = Duration::from_secs(u64::from(interval));
    let batch = notifier.settings.batch as usize;
    Some(tokio::spawn(async move {
        loop {
            let busy = match dispatch_now(&db, clock.as_ref(), &notifier).await {
                Ok(r) if r.is_empty() => false,
                Ok(r) => {
                    tracing::info!(
                        events = r.events,
                        sent = r.sent,
                        retried = r.retried,
                        dead = r.dead,
                        "notices dispatched"
                    );
                    r.events + r.sent + r.retried + r.dead >= batch
                }
                Err(e) => {
                    tracing::error!(error = %e, "notice dispatch failed; retrying at the next tick");
                    false
                }
            };
            // A full batch means more is waiting: go on at once.
            if !busy {
                tokio::time::sleep(every).await;
            }
        }
    }))
}
