//! The notice dispatcher: three loops that never wait for one another.
//! Fan-out turns queued events into notices at its own cadence, whatever
//! sending does; the mail lane and the webhook lane each send what is due
//! (`notify::lane`), so a slow mail server or webhook receiver holds only
//! its own share. Any number of instances may run them; see
//! `notify::dispatch`.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::db::notices::outbox::NoticeKind;
use crate::db::Db;
use crate::notify::dispatch::{self, DispatchReport};
use crate::notify::lane::Lane;
use crate::notify::Notifier;

/// One run at the clock's `now` (fan out, then send everything due).
pub async fn dispatch_now(
    db: &Db,
    clock: &dyn Clock,
    notifier: &Arc<Notifier>,
) -> Result<DispatchReport, crate::db::StoreError> {
    dispatch::run_once(db, notifier, clock.now()).await
}

/// Runs the loops until the task is dropped; `None` when turned off.
pub fn spawn(db: Db, clock: Arc<dyn Clock>, notifier: Arc<Notifier>) -> Option<tokio::task::JoinHandle<()>> {
    let interval = notifier.settings.dispatch_interval_seconds;
    if interval == 0 {
        tracing::info!("notice dispatcher is off in this instance");
        return None;
    }
    let poll = Duration::from_secs(u64::from(interval));
    let mails = Lane::new(NoticeKind::Mail, &notifier);
    let hooks = Lane::new(NoticeKind::Webhook, &notifier);
    let (mail_wake, hook_wake) = (Arc::clone(&notifier.wake.mail), Arc::clone(&notifier.wake.webhooks));
    // One task: dropping it stops all three loops (each lane's running
    // sends are aborted with its `JoinSet`; their leases run out).
    Some(tokio::spawn(async move {
        tokio::join!(
            fan_out_loop(db.clone(), Arc::clone(&clock), Arc::clone(&notifier), poll),
            mails.run(db.clone(), Arc::clone(&clock), mail_wake, poll),
            hooks.run(db, clock, hook_wake, poll),
        );
    }))
}

/// Fans out whenever a request queued events, and every `poll` (events
/// the sweeper or another instance queued).
async fn fan_out_loop(db: Db, clock: Arc<dyn Clock>, notifier: Arc<Notifier>, poll: Duration) {
    let batch = notifier.settings.batch as usize;
    loop {
        match dispatch::fan_out(&db, &notifier, clock.now(), batch).await {
            Ok(0) => {}
            Ok(events) => {
                tracing::debug!(events, "events fanned out");
                notifier.notices_queued();
                // A full batch means more is waiting: go on at once.
                if events >= batch {
                    continue;
                }
            }
            Err(e) => tracing::error!(error = %e, "notice fan-out failed; retrying at the next tick"),
        }
        tokio::select! {
            () = notifier.wake.fan_out.notified() => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}
