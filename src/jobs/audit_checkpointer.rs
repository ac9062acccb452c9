//! The audit checkpointer: every interval, signs the chain heads that moved
//! since the last checkpoint (nothing when none did), publishing each
//! checkpoint (webhook and digest mail in its transaction, then the witness
//! file). Several instances may run it: on PostgreSQL each skips heads
//! another is signing, and two checkpoints can never take the same
//! sequence number.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::audit_key::AuditKeys;
use crate::clock::Clock;
use crate::config::AuditSettings;
use crate::db::journal::checkpoints::{self, Checkpoint};
use crate::db::{Db, StoreError};
use crate::jobs::audit_witness;

/// Signs every moved head at the clock's `now`, in as many checkpoints as
/// it takes (empty when no chain moved), then brings the witness file up
/// to date, whether or not a checkpoint was taken: an append that failed
/// is made good here. A witness file that cannot be written is logged, and
/// leaves the checkpoints standing.
pub async fn checkpoint_now(
    db: &Db,
    clock: &dyn Clock,
    keys: &AuditKeys,
    settings: &AuditSettings,
) -> Result<Vec<Checkpoint>, StoreError> {
    let now = clock.now();
    let (signing, key_id) = (Arc::clone(&keys.signing), keys.key_id.clone());
    let mut publish = audit_witness::publisher(&settings.witness, now);
    let taken = db.run(move |conn| checkpoints::take_all(conn, &signing, &key_id, now, &mut publish)).await?;
    if let Some(file) = settings.witness.file.clone() {
        let appended = db.run(move |conn| Ok::<_, StoreError>(audit_witness::append(conn, &file))).await;
        if let Err(e) = appended.map_err(|e| e.to_string()).and_then(|written| written) {
            tracing::error!(error = %e, "witness file not written; retrying at the next checkpoint");
        }
    }
    Ok(taken)
}

/// Runs checkpoints until the task is dropped; `None` when turned off.
pub fn spawn(
    db: Db,
    clock: Arc<dyn Clock>,
    settings: &AuditSettings,
    keys: AuditKeys,
) -> Option<tokio::task::JoinHandle<()>> {
    if settings.checkpoint_interval_seconds == 0 {
        tracing::info!("audit checkpointer is off in this instance");
        return None;
    }
    let every = Duration::from_secs(u64::from(settings.checkpoint_interval_seconds));
    let settings = settings.clone();
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match checkpoint_now(&db, clock.as_ref(), &keys, &settings).await {
                Ok(taken) => {
                    for c in taken {
                        tracing::info!(seq = c.seq, heads = c.head_count, "audit checkpoint signed");
                    }
                }
                // Another instance took this sequence number: nothing is lost.
                Err(StoreError::Conflict(_)) => {}
                Err(e) => tracing::error!(error = %e, "audit checkpoint failed; retrying at the next tick"),
            }
        }
    }))
}
