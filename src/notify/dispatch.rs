//! One dispatcher run: fan waiting events out, then deliver due notices in
//! small leased chunks (mails and webhooks side by side, each chunk sent
//! concurrently), recording every attempt.
//!
//! A chunk is small enough to finish well within its lease even when every
//! receiver times out, so no other dispatcher takes it over while it is
//! still being sent.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures_util::stream::{self, StreamExt};
use rand::Rng;
use serde::Serialize;
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::mail::MailResult;
use super::{fanout, Notifier};
use crate::db::notices::outbox::{self, Attempt, NewNotice, Notice, NoticeKind, Outcome};
use crate::db::notices::subscriptions::{self, Owner, Subscription};
use crate::db::{api_keys, units, users, write_tx, Db, DbConnection, StoreError};
use crate::domain::journal::Context;
use crate::domain::notice::retry::Retry;
use crate::domain::policy::UserVisibility;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DispatchReport {
    pub events: usize,
    pub sent: usize,
    pub retried: usize,
    pub dead: usize,
}

impl DispatchReport {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// What a send came to, before the retry policy is applied.
enum Sent {
    Ok { status: Option<u16> },
    Transient { status: Option<i32>, error: String },
    Permanent { status: Option<i32>, error: String },
}

/// Fans out and delivers what is due at `now`, at most `batch` notices.
pub async fn run_once(db: &Db, notifier: &Arc<Notifier>, now: DateTime<Utc>) -> Result<DispatchReport, StoreError> {
    run_once_for(db, notifier, now, &[NoticeKind::Mail, NoticeKind::Webhook]).await
}

/// Like [`run_once`], delivering only notices of `kinds` (events are
/// fanned out all the same).
pub async fn run_once_for(
    db: &Db,
    notifier: &Arc<Notifier>,
    now: DateTime<Utc>,
    kinds: &[NoticeKind],
) -> Result<DispatchReport, StoreError> {
    let mut report = DispatchReport::default();
    let batch = notifier.settings.batch;
    // Stop well within the lease; and each chunk is leased and recorded at
    // the run's `now` plus the time the run has taken so far.
    let started = std::time::Instant::now();
    let deadline = started + std::time::Duration::from_secs(u64::from(notifier.settings.lease_seconds / 2));
    let at = move || now + Duration::from_std(started.elapsed()).unwrap_or_default();
    let mut after = None;
    loop {
        let n = Arc::clone(notifier);
        let out = db.run(move |conn| fanout::fan_out(conn, &n, now, after)).await?;
        report.events += out.fanned;
        after = out.last;
        if !out.more || report.events >= batch as usize {
            break;
        }
    }
    let chunk = |kind, size: u32| if kinds.contains(&kind) { size } else { 0 };
    let mail_chunk = chunk(NoticeKind::Mail, notifier.settings.mail.smtp_pool_size * 4);
    let hook_chunk = chunk(NoticeKind::Webhook, notifier.settings.webhooks.concurrency * 4);
    let mut budget = batch as usize;
    while budget > 0 && std::time::Instant::now() < deadline {
        let (mails, hooks) = tokio::join!(
            deliver_chunk(db, notifier, at, NoticeKind::Mail, mail_chunk),
            deliver_chunk(db, notifier, at, NoticeKind::Webhook, hook_chunk),
        );
        let (mails, hooks) = (mails?, hooks?);
        let done = mails.sent + mails.retried + mails.dead + hooks.sent + hooks.retried + hooks.dead;
        for part in [mails, hooks] {
            report.sent += part.sent;
            report.retried += part.retried;
            report.dead += part.dead;
        }
        if done == 0 {
            break;
        }
        budget = budget.saturating_sub(done);
    }
    Ok(report)
}

async fn deliver_chunk(
    db: &Db,
    notifier: &Arc<Notifier>,
    at: impl Fn() -> DateTime<Utc>,
    kind: NoticeKind,
    limit: u32,
) -> Result<DispatchReport, StoreError> {
    let now = at();
    let lease = Duration::seconds(i64::from(notifier.settings.lease_seconds));
    if limit == 0 {
        return Ok(DispatchReport::default());
    }
    let claimed = db.run(move |conn| outbox::claim_due(conn, now, lease, kind, limit)).await?;
    if claimed.is_empty() {
        return Ok(DispatchReport::default());
    }
    let results = match kind {
        NoticeKind::Mail => send_mails(notifier, claimed).await,
        NoticeKind::Webhook => send_webhooks(db, notifier, claimed, now).await?,
    };
    let (n, done) = (Arc::clone(notifier), at());
    db.run(move |conn| record(conn, &n, done, results)).await
}

async fn send_mails(notifier: &Arc<Notifier>, claimed: Vec<Notice>) -> Vec<(Notice, Sent, i32)> {
    // One blocking send per pooled connection at a time.
    let gate = Arc::new(Semaphore::new(notifier.settings.mail.smtp_pool_size as usize));
    let sends = claimed.into_iter().map(|notice| {
        let (notifier, gate) = (Arc::clone(notifier), Arc::clone(&gate));
        async move {
            let _permit = gate.acquire_owned().await;
            let started = std::time::Instant::now();
            let mailer = notifier.mailer.clone();
            let for_send = notice.clone();
            let result = tokio::task::spawn_blocking(move || mailer.send(&for_send)).await;
            let latency = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
            let sent = match result {
                Ok(MailResult::Sent) => Sent::Ok { status: None },
                Ok(MailResult::Transient { code, error }) => Sent::Transient { status: code, error },
                Ok(MailResult::Permanent { code, error }) => Sent::Permanent { status: code, error },
                Err(e) => Sent::Transient { status: None, error: format!("mail task failed: {e}") },
            };
            (notice, sent, latency)
        }
    });
    stream::iter(sends).buffer_unordered(notifier.settings.mail.smtp_pool_size as usize).collect().await
}

async fn send_webhooks(
    db: &Db,
    notifier: &Arc<Notifier>,
    claimed: Vec<Notice>,
    now: DateTime<Utc>,
) -> Result<Vec<(Notice, Sent, i32)>, StoreError> {
    // Each subscription once per chunk, however many of its deliveries it holds.
    let mut ids: Vec<Uuid> = claimed.iter().filter_map(|n| n.subscription_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let subscriptions: Vec<Option<Subscription>> = db
        .run(move |conn| {
            ids.iter()
                .map(|id| match subscriptions::find(conn, *id) {
                    // A subscription whose owner lost access sends nothing more.
                    Ok(found) => Ok(subscriptions::owner_reach(conn, found.owner)?.map(|_| found)),
                    Err(StoreError::NotFound) => Ok(None),
                    Err(e) => Err(e),
                })
                .collect::<Result<Vec<_>, StoreError>>()
        })
        .await?;
    let by_id: std::collections::HashMap<Uuid, Subscription> =
        subscriptions.into_iter().flatten().map(|s| (s.id, s)).collect();
    let sends = claimed.into_iter().map(|notice| {
        let subscription = notice.subscription_id.and_then(|id| by_id.get(&id).cloned());
        let notifier = Arc::clone(notifier);
        async move {
            let Some(subscription) = subscription.filter(|s| s.active) else {
                let error = "the subscription was disabled or deleted, or its owner lost access".to_owned();
                return (notice, Sent::Permanent { status: None, error }, 0);
            };
            let id = format!("msg_{}", notice.id.simple());
            let secrets = subscription.signing_secrets(now);
            let delivered = notifier.webhooks.deliver(&subscription.url, &id, &notice.body_text, &secrets).await;
            let sent = if delivered.succeeded() {
                Sent::Ok { status: delivered.status }
            } else {
                let error = delivered.error.clone().unwrap_or_default();
                let status = delivered.status.map(i32::from);
                if error.starts_with("target refused") {
                    Sent::Permanent { status, error }
                } else {
                    Sent::Transient { status, error }
                }
            };
            (notice, sent, delivered.latency_ms)
        }
    });
    Ok(stream::iter(sends).buffer_unordered(notifier.settings.webhooks.concurrency as usize).collect().await)
}

/// Applies the retry policy and records a chunk's attempts in one
/// transaction; webhook outcomes update their subscription, and one
/// disabled by dead deliveries tells its owner.
fn record(
    conn: &mut DbConnection,
    notifier: &Notifier,
    now: DateTime<Utc>,
    results: Vec<(Notice, Sent, i32)>,
) -> Result<DispatchReport, StoreError> {
    let backoff = notifier.settings.backoff();
    write_tx(conn, |conn| {
        let mut report = DispatchReport::default();
        let mut attempts = Vec::with_capacity(results.len());
        let mut settled = Vec::new();
        for (notice, sent, latency_ms) in results {
            let attempt = match sent {
                Sent::Ok { status } => {
                    report.sent += 1;
                    Attempt {
                        notice_id: notice.id,
                        lease: notice.leased_until,
                        outcome: Outcome::Sent,
                        status_code: status.map(i32::from),
                        latency_ms,
                        error: None,
                    }
                }
                Sent::Permanent { status, error } => {
                    report.dead += 1;
                    Attempt {
                        notice_id: notice.id,
                        lease: notice.leased_until,
                        outcome: Outcome::Dead,
                        status_code: status,
                        latency_ms,
                        error: Some(error),
                    }
                }
                Sent::Transient { status, error } => {
                    // Within the current round (a retry by hand starts a new one).
                    let (started, tried) = notice.round;
                    let first = started.unwrap_or(now);
                    let jitter = rand::thread_rng().gen::<f64>();
                    let attempts = u32::try_from(tried + 1).unwrap_or(u32::MAX);
                    let outcome = match backoff.after_failure(attempts, first, now, jitter) {
                        Retry::At(at) => {
                            report.retried += 1;
                            Outcome::Retry(at)
                        }
                        Retry::GiveUp => {
                            report.dead += 1;
                            Outcome::Dead
                        }
                    };
                    Attempt {
                        notice_id: notice.id,
                        lease: notice.leased_until,
                        outcome,
                        status_code: status,
                        latency_ms,
                        error: Some(error),
                    }
                }
            };
            if let Some(subscription) = notice.subscription_id.filter(|_| notice.kind == NoticeKind::Webhook) {
                match attempt.outcome {
                    Outcome::Sent => settled.push((notice.id, subscription, false)),
                    Outcome::Dead => settled.push((notice.id, subscription, true)),
                    Outcome::Retry(_) => {}
                }
            }
            attempts.push(attempt);
        }
        let recorded = outbox::record_attempts(conn, now, &attempts)?;
        let ctx = Context::system(now);
        for (notice, subscription, dead) in settled.into_iter().filter(|(n, ..)| recorded.contains(n)) {
            // In a savepoint: a subscription that cannot be updated now (a
            // concurrent change) is logged and never undoes the attempts.
            use diesel::Connection;
            let limit = notifier.settings.webhooks.disable_after_dead;
            let disabled = conn.transaction(|conn| {
                let disabled = subscriptions::delivery_settled(conn, &ctx, subscription, dead, limit)?;
                if let Some(disabled) = &disabled {
                    tell_owner(conn, notifier, now, disabled)?;
                }
                Ok::<_, StoreError>(disabled)
            });
            if let Err(e) = disabled {
                tracing::error!(%notice, %subscription, error = %e, "could not update the subscription after a delivery");
            }
        }
        Ok(report)
    })
}

/// Mails the owner of a subscription that was disabled (an admin, or the
/// mailbox of the unit whose front end owns the key).
fn tell_owner(
    conn: &mut DbConnection,
    notifier: &Notifier,
    now: DateTime<Utc>,
    subscription: &Subscription,
) -> Result<(), StoreError> {
    let (address, name, zone) = match subscription.owner {
        Owner::User(id) => {
            let user = users::find(conn, UserVisibility::All, id)?;
            let unit = units::find(conn, user.unit_id)?;
            (user.email, user.name, unit.time_zone)
        }
        Owner::ApiKey(id) => {
            let key = api_keys::find(conn, id)?;
            let unit = units::find(conn, key.unit_id)?;
            (unit.mailbox, format!("Tim Layanan {}", unit.name), unit.time_zone)
        }
    };
    let zone = zone.parse().unwrap_or(chrono_tz::Tz::Asia__Jakarta);
    let to = super::context::Addressee { name: &name, address: &address, zone };
    let reason = subscription.disabled_reason.clone().unwrap_or_default();
    let context = super::context::subscription_context(&subscription.url, &reason, &to, now);
    let template = super::templates::WEBHOOK_DISABLED;
    let rendered = notifier.templates.render(template, &context).map_err(StoreError::Corrupt)?;
    let notice = NewNotice {
        id: Uuid::now_v7(),
        kind: NoticeKind::Mail,
        event_id: Uuid::now_v7(),
        event: "webhook.disabled".to_owned(),
        ticket_id: None,
        audience: "subscription_owner".to_owned(),
        subscription_id: Some(subscription.id),
        recipient: address,
        recipient_name: Some(name),
        template: Some(template.to_owned()),
        subject: Some(rendered.subject),
        body_text: rendered.text,
        body_html: Some(rendered.html),
        critical: true,
        not_before: now,
    };
    outbox::insert_all(conn, now, &[notice])
}
