//! Fanning a queued change event out into mails: the audiences the change
//! rules name (`domain::change::notices`), rendered with `change_notice`.
//! Change events reach no webhook subscription (those are per ticket).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};
use uuid::Uuid;

use super::context::Addressee;
use super::templates::Rendered;
use super::Notifier;
use crate::db::changes::{self, round, Change};
use crate::db::journal::notice_events::QueuedEvent;
use crate::db::notices::outbox::{NewNotice, NoticeKind};
use crate::db::notices::recipients::{self, Directory, Recipient};
use crate::db::{DbConnection, StoreError};
use crate::domain::change::notices::{audiences, label, ChangeAudience};
use crate::domain::change::ChangeEventKind;
use crate::domain::notice::{telling, wording};

/// The template every change notice is told with.
pub const CHANGE_TEMPLATE: &str = "change_notice";

/// The variables of `change_notice`.
pub fn change_context(
    change: &Change,
    kind: ChangeEventKind,
    at: DateTime<Utc>,
    to: &Addressee<'_>,
    link: &str,
) -> Value {
    let when = |t: Option<DateTime<Utc>>| t.map(|t| wording::date_time(t, to.zone));
    json!({
        "recipient": { "name": to.name, "address": to.address },
        "event": { "kind": kind.as_str(), "label": label(kind), "at": wording::date_time(at, to.zone) },
        "change": {
            "number": change.number, "title": change.title, "type": change.change_type.as_str(),
            "status": change.status.as_str(), "phase": change.status.phase().map(|p| p.as_str()),
            "window_start": when(change.planned.map(|w| w.start)),
            "window_end": when(change.planned.map(|w| w.end)),
            "review_due": when(change.review_due_at),
            "url": link,
        },
    })
}

/// A change context with every variable set, to check templates against.
pub fn sample_change_context() -> Value {
    let to = Addressee { name: "Tim Layanan", address: "helpdesk@example.go.id", zone: Tz::Asia__Makassar };
    json!({
        "recipient": { "name": to.name, "address": to.address },
        "event": { "kind": "approval_requested", "label": "Persetujuan perubahan diminta", "at": "6 April 2026 10.00 WITA" },
        "change": {
            "number": "CHG-2026-000001", "title": "Pembaruan SIMPEG", "type": "normal", "status": "awaiting_approval",
            "phase": "persetujuan", "window_start": "7 April 2026 20.00 WITA", "window_end": "7 April 2026 22.00 WITA",
            "review_due": "14 April 2026 10.00 WITA", "url": "https://helpdesk.example.go.id/perubahan/CHG-2026-000001",
        },
    })
}

/// The mails of one change event.
pub fn mails_for(
    conn: &mut DbConnection,
    directory: &mut Directory,
    notifier: &Notifier,
    now: DateTime<Utc>,
    event: &QueuedEvent,
) -> Result<Vec<NewNotice>, StoreError> {
    let Some(kind) = event.event.strip_prefix("change.").and_then(|k| k.parse::<ChangeEventKind>().ok()) else {
        return Ok(Vec::new());
    };
    let change = changes::find_any(conn, event.subject_id)?;
    let asked = if audiences(kind).contains(&ChangeAudience::PendingApprovers) {
        round::asked(conn, &notifier.approvals, &change)?
    } else {
        Vec::new()
    };
    let link = notifier.settings.change_link(change.id, &change.number);
    let mut told = HashSet::new();
    let mut mails = Vec::new();
    for audience in audiences(kind) {
        for recipient in recipients::for_change(conn, directory, *audience, &change, &asked)? {
            // No change notice is essential: every one may be turned off.
            let opted_out = telling::opted_out(&recipient.opted_out, &[&event.event], false);
            if opted_out || !told.insert(recipient.address.clone()) {
                continue;
            }
            let to = Addressee { name: &recipient.name, address: &recipient.address, zone: recipient.zone.tz() };
            let context = change_context(&change, kind, event.occurred_at, &to, &link);
            let rendered = notifier.templates.render(CHANGE_TEMPLATE, &context).map_err(StoreError::Corrupt)?;
            mails.push(plain_mail(event, audience.as_str(), &recipient, CHANGE_TEMPLATE, rendered, now));
        }
    }
    Ok(mails)
}

/// A mail of an event about no ticket (a change, an article): never
/// critical, sent at once.
pub(super) fn plain_mail(
    event: &QueuedEvent,
    audience: &str,
    recipient: &Recipient,
    template: &str,
    rendered: Rendered,
    now: DateTime<Utc>,
) -> NewNotice {
    NewNotice {
        id: Uuid::now_v7(),
        kind: NoticeKind::Mail,
        event_id: event.id,
        event: event.event.clone(),
        ticket_id: None,
        audience: audience.to_owned(),
        subscription_id: None,
        recipient: recipient.address.clone(),
        recipient_name: Some(recipient.name.clone()),
        template: Some(template.to_owned()),
        subject: Some(rendered.subject),
        body_text: rendered.text,
        body_html: Some(rendered.html),
        critical: false,
        not_before: now,
    }
}
