//! Fanning a queued article event out: a flag's mail to the article's
//! owners (`knowledge_flagged`), and a delivery to every subscription that
//! names the event and hears of the article (`domain::notice::articles`:
//! scoped by its owning unit, as tickets are by theirs).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};

use super::change_fanout::plain_mail;
use super::context::Addressee;
use super::Notifier;
use crate::db::journal::notice_events::QueuedEvent;
use crate::db::knowledge::{self as articles, Article};
use crate::db::notices::outbox::{NewNotice, WebhookEvent};
use crate::db::notices::recipients::{self, Directory};
use crate::db::notices::subscriptions::{Owner, Subscription};
use crate::db::{DbConnection, StoreError};
use crate::domain::notice::articles::{delivers, is_delivered, FLAGGED, REVIEW_DUE};
use crate::domain::notice::reach::Reach;
use crate::domain::notice::webhook::subscribed;
use crate::domain::notice::{telling, wording};

/// The template a flag is told with.
pub const FLAGGED_TEMPLATE: &str = "knowledge_flagged";
/// The template a review falling due is told with.
pub const REVIEW_DUE_TEMPLATE: &str = "knowledge_review_due";

/// The variables of `knowledge_flagged` and `knowledge_review_due`.
fn article_context(article: &Article, event: &QueuedEvent, to: &Addressee<'_>, link: &str) -> Value {
    let details = &event.payload["payload"];
    let version = details.get("article_version").cloned().unwrap_or(json!(article.published_version));
    let due = details["due_at"].as_str().and_then(|d| d.parse::<DateTime<Utc>>().ok());
    json!({
        "recipient": { "name": to.name, "address": to.address },
        "event": { "at": wording::date_time(event.occurred_at, to.zone) },
        "article": { "title": article.title, "version": version, "url": link },
        "flag": { "reason": details.get("reason").cloned().unwrap_or(json!("")) },
        "review": { "due": due.map(|d| wording::date_time(d, to.zone)).unwrap_or_default() },
    })
}

/// A flag context with every variable set, to check templates against.
pub fn sample_flag_context() -> Value {
    json!({
        "recipient": { "name": "Tim Layanan", "address": "helpdesk@example.go.id" },
        "event": { "at": "6 April 2026 10.00 WITA" },
        "article": { "title": "Gagal masuk SIMPEG", "version": 2, "url": "https://helpdesk.example.go.id/pengetahuan/1" },
        "flag": { "reason": "Menu profil sudah tidak ada." },
        "review": { "due": "5 Juni 2027 10.00 WITA" },
    })
}

/// The body of a delivery: the article as it stands, with the status the
/// event left it in (a later move may have been made before the fan-out).
fn webhook_body(article: &Article, event: &QueuedEvent) -> String {
    let status = event.payload["payload"]["to_status"].as_str().map_or(json!(article.status), |s| json!(s));
    json!({
        "type": event.event,
        "timestamp": event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": {
            "event_id": event.id,
            "by_system": event.actor_id.is_none(),
            "article": {
                "id": article.id, "title": article.title, "kind": article.kind, "audience": article.audience,
                "status": status, "published_version": article.published_version,
                "service_id": article.service_id, "owner_unit_id": article.owner_unit_id,
            },
            "details": event.payload["payload"],
        },
    })
    .to_string()
}

/// The mails and deliveries of one article event; `reach_of` tells what a
/// subscription's owner may read.
pub fn notices_for(
    conn: &mut DbConnection,
    directory: &mut Directory,
    notifier: &Notifier,
    now: DateTime<Utc>,
    event: &QueuedEvent,
    subscriptions: &[Subscription],
    reach_of: &mut dyn FnMut(&mut DbConnection, Owner) -> Result<Reach, StoreError>,
) -> Result<Vec<NewNotice>, StoreError> {
    let article = articles::find_any(conn, event.subject_id)?;
    let template = match event.event.as_str() {
        FLAGGED => Some(FLAGGED_TEMPLATE),
        REVIEW_DUE => Some(REVIEW_DUE_TEMPLATE),
        _ => None,
    };
    let mut notices = match template {
        Some(template) => mails(conn, directory, notifier, now, event, &article, template)?,
        None => Vec::new(),
    };
    if !is_delivered(&event.event) {
        return Ok(notices);
    }
    let body = webhook_body(&article, event);
    for subscription in subscriptions.iter().filter(|s| subscribed(&s.events, &event.event)) {
        let reach = reach_of(conn, subscription.owner)?;
        if !delivers(reach, subscription.unit_id, article.owner_unit_id, article.audience) {
            continue;
        }
        let about = WebhookEvent { event_id: event.id, event: event.event.clone(), ticket_id: None };
        let not_before = subscription.deliveries_held_until.map_or(now, |until| until.max(now));
        notices.push(NewNotice::webhook(about, subscription.id, subscription.url.clone(), body.clone(), not_before));
    }
    Ok(notices)
}

fn mails(
    conn: &mut DbConnection,
    directory: &mut Directory,
    notifier: &Notifier,
    now: DateTime<Utc>,
    event: &QueuedEvent,
    article: &Article,
    template: &str,
) -> Result<Vec<NewNotice>, StoreError> {
    let link = notifier.settings.article_link(article.id);
    let mut told = HashSet::new();
    let mut mails = Vec::new();
    for recipient in recipients::for_article_owners(conn, directory, article.author_id, article.owner_unit_id)? {
        let opted_out = telling::opted_out(&recipient.opted_out, &[&event.event], false);
        if opted_out || !told.insert(recipient.address.clone()) {
            continue;
        }
        let zone: Tz = recipient.zone.tz();
        let to = Addressee { name: &recipient.name, address: &recipient.address, zone };
        let rendered = notifier
            .templates
            .render(template, &article_context(article, event, &to, &link))
            .map_err(StoreError::Corrupt)?;
        mails.push(plain_mail(event, "article_owners", &recipient, template, rendered, now));
    }
    Ok(mails)
}
