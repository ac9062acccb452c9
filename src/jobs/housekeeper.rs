//! Housekeeping: every interval, forgets idempotency keys past their
//! lifetime, sweeps attachment files that a crash left without their
//! record (written before the record's transaction, which never
//! committed), and tells the owners of articles whose review fell due
//! (once per due date). Any number of instances may run it: all three are
//! idempotent.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::clock::Clock;
use crate::config::HousekeepingSettings;
use crate::db::{housekeeping, stored_files, Db, StoreError};
use crate::files;

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Housekeeping {
    pub expired_keys: usize,
    pub orphan_files: usize,
    /// Articles whose owners were told their review fell due.
    pub reviews_due: usize,
}

/// One round at the clock's `now`. Files are aged by the file system's
/// time, which is what stamped them, not by the service's clock.
pub async fn housekeep_now(
    db: &Db,
    clock: &dyn Clock,
    settings: &HousekeepingSettings,
    data_dir: &Path,
) -> Result<Housekeeping, String> {
    let fresh_since = (clock.now() - settings.idempotency_key_lifetime()).naive_utc();
    let expired_keys = db.run(move |conn| housekeeping::forget_expired_keys(conn, fresh_since)).await.map_err(store)?;
    let now = clock.now();
    let reviews_due = db.run(move |conn| crate::db::knowledge::reviews::tell_due(conn, now)).await.map_err(store)?;
    let grace = Duration::from_secs(u64::from(settings.orphan_file_grace_seconds));
    let cutoff = SystemTime::now().checked_sub(grace).unwrap_or(SystemTime::UNIX_EPOCH);
    let mut orphan_files = 0;
    for folder in files::attachment_folders(data_dir).map_err(io)? {
        let old = files::attachment_files_before(&folder, cutoff).map_err(io)?;
        if old.is_empty() {
            continue;
        }
        let ids = old.clone();
        let recorded = db.run(move |conn| stored_files::recorded(conn, &ids)).await.map_err(store)?;
        for id in old.into_iter().filter(|id| !recorded.contains(id)) {
            files::remove_attachment(data_dir, id);
            tracing::info!(%id, "swept an attachment file that has no record");
            orphan_files += 1;
        }
    }
    Ok(Housekeeping { expired_keys, orphan_files, reviews_due })
}

fn io(error: std::io::Error) -> String {
    format!("attachment files: {error}")
}

fn store(error: StoreError) -> String {
    error.to_string()
}

/// Runs rounds until the task is dropped; `None` when turned off.
pub fn spawn(
    db: Db,
    clock: Arc<dyn Clock>,
    settings: &HousekeepingSettings,
    data_dir: PathBuf,
) -> Option<tokio::task::JoinHandle<()>> {
    if settings.interval_seconds == 0 {
        tracing::info!("housekeeping is off in this instance");
        return None;
    }
    let settings = settings.clone();
    let every = Duration::from_secs(u64::from(settings.interval_seconds));
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match housekeep_now(&db, clock.as_ref(), &settings, &data_dir).await {
                Ok(done) => {
                    tracing::info!(done.expired_keys, done.orphan_files, done.reviews_due, "housekeeping round")
                }
                Err(e) => tracing::error!(error = %e, "housekeeping failed; retrying at the next round"),
            }
        }
    }))
}
