//! Recording what sends came to: the retry policy applied, the attempts
//! and the leases released in one transaction; a webhook target that
//! failed holds its other waiting deliveries until the retry; webhook
//! outcomes update their subscription, and one disabled by dead deliveries
//! tells its owner.

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::Serialize;
use uuid::Uuid;

use super::send::{Done, Sent};
use super::Notifier;
use crate::db::notices::outbox::{self, Attempt, NewNotice, NoticeKind, Outcome};
use crate::db::notices::subscriptions::{self, Owner, Subscription};
use crate::db::{api_keys, units, users, write_tx, DbConnection, StoreError};
use crate::domain::journal::Context;
use crate::domain::notice::retry::Retry;
use crate::domain::notice::share::hold_target_until;
use crate::domain::notice::wording::team_name;
use crate::domain::policy::UserVisibility;

/// What a dispatcher run did: events fanned out, and what its sends came
/// to (each recording adds its own).
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

    /// Adds another part's counts to these.
    pub fn add(&mut self, other: DispatchReport) {
        self.events += other.events;
        self.sent += other.sent;
        self.retried += other.retried;
        self.dead += other.dead;
    }
}

/// Applies the retry policy and records finished sends in one transaction.
pub fn record(
    conn: &mut DbConnection,
    notifier: &Notifier,
    now: DateTime<Utc>,
    results: Vec<Done>,
) -> Result<DispatchReport, StoreError> {
    let backoff = notifier.settings.backoff();
    write_tx(conn, |conn| {
        let mut report = DispatchReport::default();
        let mut attempts = Vec::with_capacity(results.len());
        let mut settled = Vec::new();
        let mut held: Vec<(Uuid, DateTime<Utc>, Uuid)> = Vec::new();
        for Done { notice, sent, latency_ms } in results {
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
                Sent::Transient { status, error, .. } => {
                    // Within the current round (a retry by hand starts a new one).
                    let (started, tried) = notice.round;
                    let first = started.unwrap_or(now);
                    let jitter = rand::thread_rng().gen::<f64>();
                    let attempts = u32::try_from(tried + 1).unwrap_or(u32::MAX);
                    let retry = backoff.after_failure(attempts, first, now, jitter);
                    let target = notice.subscription_id.filter(|_| notice.kind == NoticeKind::Webhook);
                    if let (Some(subscription), Some(until)) = (target, hold_target_until(retry)) {
                        held.push((subscription, until, notice.id));
                    }
                    let outcome = match retry {
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
        for (subscription, until) in held.into_iter().filter(|(_, _, n)| recorded.contains(n)).map(|(s, u, _)| (s, u)) {
            outbox::hold_subscription(conn, now, subscription, until)?;
        }
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
            (user.email, user.name, unit.time_zone.tz())
        }
        Owner::ApiKey(id) => {
            let key = api_keys::find(conn, id)?;
            let unit = units::find(conn, key.unit_id)?;
            (unit.mailbox, team_name(&unit.name), unit.time_zone.tz())
        }
    };
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
