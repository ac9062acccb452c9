//! Publishing checkpoints through the outbox, in the checkpoint's own
//! transaction: a webhook `audit.checkpoint` to every subscription that
//! asks for it and whose owner may hear of the whole log, and a digest
//! mail to the witness recipients once per period, listing the period's
//! checkpoints as witness-file lines.

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::db::journal::checkpoints::{self, Checkpoint};
use crate::db::notices::outbox::{self, NewNotice, NoticeKind, WebhookEvent};
use crate::db::notices::subscriptions;
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::chain::{instant_text, Head};
use crate::domain::journal::witness::period_of;
use crate::domain::notice::reach;
use crate::domain::notice::webhook::AUDIT_CHECKPOINT;

/// Who gets the digest mail, and how often.
#[derive(Debug, Clone)]
pub struct DigestMail {
    pub recipients: Vec<String>,
    pub every_seconds: u32,
}

/// Queues the checkpoint's webhooks, and the digest of the period before
/// it when it is the period's first checkpoint.
pub fn publish(
    conn: &mut DbConnection,
    mail: &DigestMail,
    checkpoint: &Checkpoint,
    heads: &[Head],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let line = checkpoints::line(checkpoint, heads)?;
    let mut notices = webhooks(conn, checkpoint, &line, now)?;
    notices.extend(digest(conn, mail, checkpoint, now)?);
    outbox::insert_all(conn, now, &notices)
}

fn webhooks(
    conn: &mut DbConnection,
    checkpoint: &Checkpoint,
    line: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Vec<NewNotice>, StoreError> {
    let body = json!({
        "type": AUDIT_CHECKPOINT,
        "timestamp": checkpoint.taken_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": line,
    })
    .to_string();
    let event_id = Uuid::now_v7();
    let mut notices = Vec::new();
    for found in subscriptions::active(conn)? {
        // Asked for by name: `*` means the ticket and change events.
        if !found.events.iter().any(|e| e == AUDIT_CHECKPOINT)
            || !reach::hears_the_audit_log(subscriptions::owner_reach(conn, found.owner)?)
        {
            continue;
        }
        let about = WebhookEvent { event_id, event: AUDIT_CHECKPOINT.to_owned(), ticket_id: None };
        notices.push(NewNotice::webhook(about, found.id, found.url.clone(), body.clone(), now));
    }
    Ok(notices)
}

/// The digest owed when `checkpoint` is the first of a new period: every
/// checkpoint from the start of the previous checkpoint's period up to this
/// one's. Decided from the checkpoints alone, in the transaction that takes
/// the sequence number, so two instances never mail the same period twice.
fn digest(
    conn: &mut DbConnection,
    mail: &DigestMail,
    checkpoint: &Checkpoint,
    now: DateTime<Utc>,
) -> Result<Vec<NewNotice>, StoreError> {
    if mail.recipients.is_empty() {
        return Ok(vec![]);
    }
    let Some(previous) = checkpoints::list(conn, Some(checkpoint.seq - 2), 1)?.into_iter().next() else {
        return Ok(vec![]);
    };
    let (from, to) =
        (period_of(previous.taken_at, mail.every_seconds), period_of(checkpoint.taken_at, mail.every_seconds));
    if from >= to {
        return Ok(vec![]);
    }
    let mut lines = Vec::new();
    checkpoints::for_each(conn, (Some(from), Some(to)), |c| {
        lines.push(checkpoints::line(&c.checkpoint, &c.heads)?.to_string());
        Ok(())
    })?;
    let subject = format!(
        "Checkpoint audit Layanan SPBE: {} checkpoint, {} s.d. {}",
        lines.len(),
        instant_text(from),
        instant_text(to)
    );
    let text = format!(
        "Yth. penerima saksi audit,\n\n\
         berikut checkpoint bertanda tangan dari log audit Layanan SPBE untuk periode {} s.d. {} (UTC).\n\
         Simpan baris JSON di bawah ini apa adanya: `spbe-desk audit verify --witness BERKAS` membandingkannya \
         dengan basis data.\n\n{}\n",
        instant_text(from),
        instant_text(to),
        lines.join("\n")
    );
    let html = format!("<pre>{}</pre>", text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;"));
    let event_id = Uuid::now_v7();
    Ok(mail
        .recipients
        .iter()
        .map(|address| NewNotice {
            id: Uuid::now_v7(),
            kind: NoticeKind::Mail,
            event_id,
            event: "audit.checkpoint_digest".to_owned(),
            ticket_id: None,
            audience: "audit_witness".to_owned(),
            subscription_id: None,
            recipient: address.clone(),
            recipient_name: None,
            template: None,
            subject: Some(subject.clone()),
            body_text: text.clone(),
            body_html: Some(html.clone()),
            critical: true,
            not_before: now,
        })
        .collect())
}
