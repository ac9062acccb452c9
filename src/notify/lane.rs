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
use tokio::task::{Id as TaskId, JoinError, JoinSet};
use uuid::Uuid;

use super::record::{self, DispatchReport};
use super::send::{self, Done, Sent};
use super::Notifier;
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
    /// The subscription each running webhook send counts against (by task,
    /// so a send that panicked frees its share too).
    targets: HashMap<TaskId, Uuid>,
    /// Sends running per webhook subscription.
    in_flight: HashMap<Uuid, usize>,
    /// Results whose recording failed, recorded again first (their notices
    /// stay leased meanwhile, so nobody sends them again).
    unrecorded: Vec<Done>,
    /// The mail server: how many pauses in a row it earned, and the
    /// generation of sends started since the last change of pause, so
    /// that one outage lengthens the pause once per probe, not once per
    /// send that was already running.
    unanswered: u32,
    generation: u64,
    started_in: HashMap<TaskId, u64>,
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
            targets: HashMap::new(),
            in_flight: HashMap::new(),
            unrecorded: Vec::new(),
            unanswered: 0,
            generation: 0,
            started_in: HashMap::new(),
            paused_until: None,
        }
    }

    /// Whether no send is running and every result is recorded.
    pub fn is_idle(&self) -> bool {
        self.running.is_empty() && self.unrecorded.is_empty()
    }

    /// Claims what is due at `now` up to the free concurrency and starts
    /// sending it; returns how many sends it started.
    pub async fn fill(&mut self, db: &Db, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let free = self.capacity.saturating_sub(self.running.len() + self.unrecorded.len());
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
                    let task = self.running.spawn(send::mail(notifier, notice));
                    self.started_in.insert(task.id(), self.generation);
                }
                NoticeKind::Webhook => {
                    let target = notice.subscription_id;
                    let subscription = target.and_then(|id| subscriptions.get(&id).cloned());
                    let task = self.running.spawn(send::webhook(notifier, notice, subscription, now));
                    if let Some(id) = target {
                        *self.in_flight.entry(id).or_default() += 1;
                        self.targets.insert(task.id(), id);
                    }
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
            false => tokio::time::timeout(wait, self.running.join_next_with_id()).await.ok().flatten(),
        };
        self.record_finished(db, first, at()).await
    }

    /// Records `first`, every other send that has finished, and the
    /// results whose recording failed before.
    async fn record_finished(
        &mut self,
        db: &Db,
        first: Option<Result<(TaskId, Done), JoinError>>,
        now: DateTime<Utc>,
    ) -> Result<DispatchReport, StoreError> {
        let mut finished: Vec<_> = first.into_iter().collect();
        while let Some(more) = self.running.try_join_next_with_id() {
            finished.push(more);
        }
        let mut done = Vec::with_capacity(finished.len());
        for result in finished {
            let (task, one) = match result {
                Ok((task, one)) => (task, Some(one)),
                // A send that panicked keeps its lease and is tried again when it runs out.
                Err(e) => {
                    tracing::error!(error = %e, "a notice send failed to finish");
                    (e.id(), None)
                }
            };
            self.free_share(task);
            let generation = self.started_in.remove(&task);
            if let Some(one) = one {
                self.note_mail_result(&one, generation, now);
                done.push(one);
            }
        }
        done.append(&mut self.unrecorded);
        if done.is_empty() {
            return Ok(DispatchReport::default());
        }
        let notifier = Arc::clone(&self.notifier);
        let to_record = done.clone();
        let recorded = db.run(move |conn| record::record(conn, &notifier, now, to_record)).await;
        if recorded.is_err() {
            self.unrecorded = done;
        }
        recorded
    }

    /// Frees the share a finished webhook send held of its subscription.
    fn free_share(&mut self, task: TaskId) {
        let Some(id) = self.targets.remove(&task) else { return };
        if let Some(n) = self.in_flight.get_mut(&id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.in_flight.remove(&id);
            }
        }
    }

    /// Pauses the mail lane while the server gives no answer: a send of
    /// the current generation without one lengthens the pause (and starts
    /// a new generation); any answer lifts it.
    fn note_mail_result(&mut self, done: &Done, generation: Option<u64>, now: DateTime<Utc>) {
        if self.kind != NoticeKind::Mail {
            return;
        }
        if !matches!(done.sent, Sent::Transient { unanswered: true, .. }) {
            if self.paused_until.take().is_some() || self.unanswered > 0 {
                self.generation += 1;
            }
            self.unanswered = 0;
            return;
        }
        if generation != Some(self.generation) {
            return;
        }
        self.unanswered = self.unanswered.saturating_add(1);
        self.generation += 1;
        let until = pause_after(&self.notifier.settings.backoff(), self.unanswered, now);
        tracing::warn!(%until, "the mail server gives no answer; mail waits");
        self.paused_until = Some(until);
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
            // Only waiting is raced (`join_next_with_id` is cancel-safe);
            // recording is never cut short.
            let sending = !self.running.is_empty();
            let first = tokio::select! {
                first = self.running.join_next_with_id(), if sending => first,
                () = wake.notified() => None,
                () = tokio::time::sleep(poll) => None,
            };
            match self.record_finished(&db, first, clock.now()).await {
                Ok(r) if !r.is_empty() => {
                    let kind = self.kind.as_str();
                    tracing::debug!(kind, sent = r.sent, retried = r.retried, dead = r.dead, "notices sent");
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(kind = self.kind.as_str(), error = %e, "recording sends failed; kept to record again")
                }
            }
        }
    }
}
