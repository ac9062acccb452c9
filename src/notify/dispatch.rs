//! One dispatcher run, as the command line and tests take it: fan waiting
//! events out, then send what is due through the mail and webhook lanes
//! side by side (`notify::lane`), each recording every attempt as it ends.
//! A running service instead keeps fan-out and each lane in loops of their
//! own (`jobs::notice_dispatcher`).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::lane::Lane;
pub use super::record::DispatchReport;
use super::{fanout, Notifier};
use crate::db::notices::outbox::NoticeKind;
use crate::db::{Db, StoreError};

/// Fans out and delivers what is due at `now`, at most `batch` notices.
pub async fn run_once(db: &Db, notifier: &Arc<Notifier>, now: DateTime<Utc>) -> Result<DispatchReport, StoreError> {
    run_once_for(db, notifier, now, &[NoticeKind::Mail, NoticeKind::Webhook]).await
}

/// Fans out the waiting events, up to `limit` (the last transaction may
/// take a few more); returns how many.
pub async fn fan_out(db: &Db, notifier: &Arc<Notifier>, now: DateTime<Utc>, limit: usize) -> Result<usize, StoreError> {
    let (mut fanned, mut after) = (0, None);
    loop {
        let n = Arc::clone(notifier);
        let out = db.run(move |conn| fanout::fan_out(conn, &n, now, after)).await?;
        fanned += out.fanned;
        after = out.last;
        if !out.more || fanned >= limit {
            return Ok(fanned);
        }
    }
}

/// Like [`run_once`], delivering only notices of `kinds` (events are
/// fanned out all the same).
pub async fn run_once_for(
    db: &Db,
    notifier: &Arc<Notifier>,
    now: DateTime<Utc>,
    kinds: &[NoticeKind],
) -> Result<DispatchReport, StoreError> {
    let batch = notifier.settings.batch as usize;
    let mut report = DispatchReport { events: fan_out(db, notifier, now, batch).await?, ..Default::default() };
    // Stop claiming well within the lease; each send is recorded at the
    // run's `now` plus the time the run has taken so far.
    let started = std::time::Instant::now();
    let deadline = started + std::time::Duration::from_secs(u64::from(notifier.settings.lease_seconds / 2));
    let at = move || now + Duration::from_std(started.elapsed()).unwrap_or_default();
    let budget = |kind| if kinds.contains(&kind) { batch } else { 0 };
    let (mut mails, mut hooks) = (Lane::new(NoticeKind::Mail, notifier), Lane::new(NoticeKind::Webhook, notifier));
    // Again while a round sent anything: recording it may have queued a
    // notice (a disabled subscription's owner is told by mail).
    let mut sent_before = 0;
    loop {
        let (m, h) = tokio::join!(
            mails.drain(db, budget(NoticeKind::Mail).saturating_sub(sent_before), deadline, at),
            hooks.drain(db, budget(NoticeKind::Webhook).saturating_sub(sent_before), deadline, at),
        );
        let round = [m?, h?];
        let done: usize = round.iter().map(|r| r.sent + r.retried + r.dead).sum();
        round.into_iter().for_each(|r| report.add(r));
        sent_before += done;
        if done == 0 || sent_before >= batch || std::time::Instant::now() >= deadline {
            return Ok(report);
        }
    }
}
