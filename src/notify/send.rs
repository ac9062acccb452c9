//! Sending one claimed notice: a mail through the mailer (a blocking send
//! on its own thread), or a webhook delivery to its subscription's
//! receiver. What a send came to is recorded by `notify::record`.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::mail::MailResult;
use super::Notifier;
use crate::db::notices::outbox::Notice;
use crate::db::notices::subscriptions::{self, Subscription};
use crate::db::{Db, StoreError};
use crate::domain::notice::reach::Reach;

/// What a send came to, before the retry policy is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Ok {
        status: Option<u16>,
    },
    /// Worth trying again; `unanswered` when the target gave no answer at
    /// all (no connection, a time-out), as opposed to a refusal it sent.
    Transient {
        status: Option<i32>,
        error: String,
        unanswered: bool,
    },
    Permanent {
        status: Option<i32>,
        error: String,
    },
}

/// One send's result: the notice, what came of it, and how long it took.
#[derive(Debug, Clone)]
pub struct Done {
    pub notice: Notice,
    pub sent: Sent,
    pub latency_ms: i32,
}

fn millis(started: std::time::Instant) -> i32 {
    i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX)
}

/// Sends one mail (on a blocking thread: lettre's SMTP transport blocks).
pub async fn mail(notifier: Arc<Notifier>, notice: Notice) -> Done {
    let started = std::time::Instant::now();
    let mailer = notifier.mailer.clone();
    let for_send = notice.clone();
    let result = tokio::task::spawn_blocking(move || mailer.send(&for_send)).await;
    let sent = match result {
        Ok(MailResult::Sent) => Sent::Ok { status: None },
        Ok(MailResult::Transient { code, error }) => {
            Sent::Transient { unanswered: code.is_none(), status: code, error }
        }
        Ok(MailResult::Permanent { code, error }) => Sent::Permanent { status: code, error },
        Err(e) => Sent::Transient { status: None, error: format!("mail task failed: {e}"), unanswered: false },
    };
    Done { notice, sent, latency_ms: millis(started) }
}

/// The subscriptions of claimed deliveries that may still receive them
/// (each read once however many deliveries it has); one disabled, deleted,
/// or whose owner lost access is missing.
pub async fn deliverable_subscriptions(db: &Db, claimed: &[Notice]) -> Result<HashMap<Uuid, Subscription>, StoreError> {
    let mut ids: Vec<Uuid> = claimed.iter().filter_map(|n| n.subscription_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let found: Vec<Option<Subscription>> = db
        .run(move |conn| {
            ids.iter()
                .map(|id| match subscriptions::find(conn, *id) {
                    Ok(found) => {
                        Ok((subscriptions::owner_reach(conn, found.owner)? != Reach::Nothing).then_some(found))
                    }
                    Err(StoreError::NotFound) => Ok(None),
                    Err(e) => Err(e),
                })
                .collect::<Result<Vec<_>, StoreError>>()
        })
        .await?;
    Ok(found.into_iter().flatten().filter(|s| s.active).map(|s| (s.id, s)).collect())
}

/// Posts one delivery to its subscription (`None`: it may no longer
/// receive anything, so the delivery is dead).
pub async fn webhook(
    notifier: Arc<Notifier>,
    notice: Notice,
    subscription: Option<Subscription>,
    now: DateTime<Utc>,
) -> Done {
    let Some(subscription) = subscription else {
        let error = "the subscription was disabled or deleted, or its owner lost access".to_owned();
        return Done { notice, sent: Sent::Permanent { status: None, error }, latency_ms: 0 };
    };
    let id = format!("msg_{}", notice.id.simple());
    let secrets = subscription.signing_secrets(now);
    let delivered = notifier.webhooks.deliver(&subscription.url, &id, &notice.body_text, &secrets).await;
    let status = delivered.status.map(i32::from);
    let sent = match delivered.failure {
        None => Sent::Ok { status: delivered.status },
        Some(failure) if failure.is_permanent() => Sent::Permanent { status, error: failure.to_string() },
        Some(failure) => Sent::Transient { status, error: failure.to_string(), unanswered: delivered.status.is_none() },
    };
    Done { notice, sent, latency_ms: delivered.latency_ms }
}
