//! A delivery lane: mails or webhooks, each sent by its own loop so that
//! neither waits for the other. A lane keeps up to its concurrency of sends
//! running, claims more as each one finishes (never waiting for a whole
//! chunk), and records each result as it comes. Within the webhook lane
//! each subscription holds at most its share of the sends
//! (`domain::notice::share`); the mail lane's one target, the mail server,
//! is paused as a whole while it cannot be reached.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use tokio::task::JoinSet;
use uuid::Uuid;

use super::dispatch::DispatchReport;
use super::send::{self, Done, Sent};
use super::{record, Notifier};
use crate::db::notices::outbox::{self, NoticeKind};
use crate::db::{Db, StoreError};
use crate::domain::notice::share::{pause_after, within_share};

/// One kind of notice being sent.
pub struct Lane {
    kind: NoticeKind,
    notifier: Arc<Notifier>,
    capacity: usize,
    per_target: usize,
    running: JoinSet<Done>,
    /// Sends running per webhook subscription.
    in_flight: HashMap<Uuid, usize>,
    /// The mail server gave no answer this many times in a row.
    unanswered: u32,
    paused_until: Option<DateTime<Utc>>,
}

impl Lane {
    pub fn new(kind: NoticeKind, notifier: &Arc<Notifier>) -> Self {
        let settings = &notifier.settings;
        let (capacity, per_target) = match kind {
            NoticeKind::Mail => (settings.mail.smtp_pool_size, settings.mail.smtp_pool_size),
            NoticeKind::Webhook => (settings.webhooks.concurrency, settings.webhooks.per_target_concurrency),
        };
        Self {
            kind,
            notifier: Arc::clone(notifier),
            capacity: capacity as usize,
            per_target: per_target.max(1) as usize,
            running: JoinSet::new(),
            in_flight: HashMap::new(),
            unanswered: 0,
            paused_until: None,
        }
    }

    /// Whether no send is running.
    pub fn is_idle(&self) -> bool {
        self.running.is_empty()
    }

    /// Claims what is due at `now` up to the free concurrency and starts
    /// sending it; returns how many sends it started.
    pub async fn fill(&mut self, db: &Db, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let free = self.capacity.saturating_sub(self.running.len());
        if free == 0 || self.paused_until.is_some_and(|until| now < until) {
            return Ok(0);
        }
        let busy: Vec<Uuid> =
            self.in_flight.iter().filter(|(_, n)| **n >= self.per_target).map(|(id, _)| *id).collect();
        let (kind, limit) = (self.kind, u32::try_from(free).unwrap_or(u32::MAX));
        let lease = Duration::seconds(i64::from(self.notifier.settings.lease_seconds));
        let claimed = db.run(move |conn| outbox::claim_due(conn, now, lease, kind, limit, &busy)).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let (now_sent, handed_back) = match self.kind {
            NoticeKind::Mail => (claimed, Vec::new()),
            NoticeKind::Webhook => within_share(claimed, |n| n.subscription_id, &self.in_flight, self.per_target),
        };
        if !handed_back.is_empty() {
            db.run(move |conn| outbox::release(conn, &handed_back)).await?;
        }
        let subscriptions = match self.kind {
            NoticeKind::Mail => HashMap::new(),
            NoticeKind::Webhook => send::deliverable_subscriptions(db, &now_sent).await?,
        };
        let started = now_sent.len();
        for notice in now_sent {
            let notifier = Arc::clone(&self.notifier);
            match self.kind {
                NoticeKind::Mail => {
                    self.running.spawn(send::mail(notifier, notice));
                }
                NoticeKind::Webhook => {
                    if let Some(id) = notice.subscription_id {
                        *self.in_flight.entry(id).or_default() += 1;
                    }
                    let subscription = notice.subscription_id.and_then(|id| subscriptions.get(&id).cloned());
                    self.running.spawn(send::webhook(notifier, notice, subscription, now));
                }
            }
        }
        Ok(started)
    }

    /// Waits up to `wait` for a send to finish (not at all when none
    /// runs), then records every finished one at the instant `at` gives.
    pub async fn settle(
        &mut self,
        db: &Db,
        wait: StdDuration,
        at: impl Fn() -> DateTime<Utc>,
    ) -> Result<DispatchReport, StoreError> {
        let first = match self.running.is_empty() {
            true => None,
            false => tokio::time::timeout(wait, self.running.join_next()).await.ok().flatten(),
        };
        self.record_finished(db, first, at()).await
    }

    /// Records `first` and every other send that has finished.
    async fn record_finished(
        &mut self,
        db: &Db,
        first: Option<Result<Done, tokio::task::JoinError>>,
        now: DateTime<Utc>,
    ) -> Result<DispatchReport, StoreError> {
        let mut finished: Vec<_> = first.into_iter().collect();
        while let Some(more) = self.running.try_join_next() {
            finished.push(more);
        }
        let mut done = Vec::with_capacity(finished.len());
        for result in finished {
            match result {
                Ok(one) => done.push(one),
                // A send that panicked keeps its lease and is tried again when it runs out.
                Err(e) => tracing::error!(error = %e, "a notice send failed to finish"),
            }
        }
        if done.is_empty() {
            return Ok(DispatchReport::default());
        }
        self.note_finished(&done, now);
        let notifier = Arc::clone(&self.notifier);
        db.run(move |conn| record::record(conn, &notifier, now, done)).await
    }

    /// Frees the finished sends' shares and pauses the mail lane while the
    /// server gives no answer.
    fn note_finished(&mut self, done: &[Done], now: DateTime<Utc>) {
        for one in done {
            if let Some(id) = one.notice.subscription_id.filter(|_| self.kind == NoticeKind::Webhook) {
                if let Some(n) = self.in_flight.get_mut(&id) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        self.in_flight.remove(&id);
                    }
                }
            }
        }
        if self.kind != NoticeKind::Mail {
            return;
        }
        let unanswered = |d: &Done| matches!(d.sent, Sent::Transient { unanswered: true, .. });
        if done.iter().any(|d| !unanswered(d)) {
            self.unanswered = 0;
            self.paused_until = None;
        } else {
            self.unanswered = self.unanswered.saturating_add(1);
            let until = pause_after(&self.notifier.settings.backoff(), self.unanswered, now);
            tracing::warn!(%until, "the mail server gives no answer; mail waits");
            self.paused_until = Some(until);
        }
    }

    /// Sends everything due, then waits for every send: one dispatcher
    /// run's share (the command line and tests). Stops claiming after
    /// `budget` sends or at `deadline`.
    pub async fn drain(
        &mut self,
        db: &Db,
        budget: usize,
        deadline: std::time::Instant,
        at: impl Fn() -> DateTime<Utc> + Copy,
    ) -> Result<DispatchReport, StoreError> {
        let mut report = DispatchReport::default();
        let mut started = 0;
        loop {
            if started < budget && std::time::Instant::now() < deadline {
                started += self.fill(db, at()).await?;
            }
            if self.is_idle() {
                return Ok(report);
            }
            report.add(self.settle(db, StdDuration::from_secs(3600), at).await?);
        }
    }

    /// Sends until the task is dropped: claims whenever a send finishes,
    /// when `wake` is notified (fan-out queued notices) or every `poll`.
    pub async fn run(
        mut self,
        db: Db,
        clock: Arc<dyn crate::clock::Clock>,
        wake: Arc<tokio::sync::Notify>,
        poll: StdDuration,
    ) {
        loop {
            if let Err(e) = self.fill(&db, clock.now()).await {
                tracing::error!(kind = self.kind.as_str(), error = %e, "claiming notices failed");
            }
            // Only waiting is raced (`join_next` is cancel-safe); recording is never cut short.
            let idle = self.is_idle();
            let first = tokio::select! {
                first = self.running.join_next(), if !idle => first,
                () = wake.notified() => None,
                () = tokio::time::sleep(poll) => None,
            };
            match self.record_finished(&db, first, clock.now()).await {
                Ok(r) if !r.is_empty() => {
                    let kind = self.kind.as_str();
                    tracing::debug!(kind, sent = r.sent, retried = r.retried, dead = r.dead, "notices sent");
                }
                Ok(_) => {}
                Err(e) => tracing::error!(kind = self.kind.as_str(), error = %e, "recording sends failed"),
            }
        }
    }
}
