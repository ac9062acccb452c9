//! What templates and webhook bodies are made of: a ticket as notices show
//! it, in the recipient's zone and words. The same builders make the
//! sample contexts the templates are checked against at start.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::db::journal::notice_events::QueuedEvent;
use crate::db::tickets::{Filing, Ticket};
use crate::domain::email::EmailAddress;
use crate::domain::notice::wording;
use crate::domain::policy::Actor;
use crate::domain::sla::clock::ClockKind;
use crate::domain::text::DisplayName;
use crate::domain::ticket::intake::{NewTicket, ReporterRef};
use crate::domain::ticket::{Channel, Level, Priority, Status, TicketType, Tier};

/// A ticket with the names notices print beside it.
#[derive(Debug, Clone)]
pub struct TicketView {
    pub ticket: Ticket,
    pub service_code: String,
    pub service_name: String,
    pub service_owner: Uuid,
    pub unit_name: String,
    /// Who reported it: the reporter's account name, else the name given at
    /// intake (a front end's caller without an account).
    pub reporter: String,
    /// The due instants of its clocks.
    pub due: Vec<(ClockKind, Option<DateTime<Utc>>)>,
}

/// Who a mail is addressed to, as the template greets them.
#[derive(Debug, Clone)]
pub struct Addressee<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub zone: Tz,
}

fn when(at: Option<DateTime<Utc>>, zone: Tz) -> Value {
    at.map_or(Value::Null, |at| json!(wording::date_time(at, zone)))
}

fn instant(raw: &Value) -> Option<DateTime<Utc>> {
    raw.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&Utc))
}

/// The context of a ticket notice to `to`.
pub fn ticket_context(view: &TicketView, event: &QueuedEvent, to: &Addressee<'_>, link: &str) -> Value {
    let t = &view.ticket;
    let details = &event.payload["payload"];
    let status: Status = event.payload["status"].as_str().and_then(|s| s.parse().ok()).unwrap_or(t.status);
    let tier = event.payload["tier"].as_i64().unwrap_or(i64::from(i16::from(t.tier)));
    let due = |kind| when(view.due.iter().find(|(k, _)| *k == kind).and_then(|(_, at)| *at), to.zone);
    let text = |key: &str| details.get(key).cloned().filter(|v| v.is_string()).unwrap_or(Value::Null);
    json!({
        "recipient": { "name": to.name, "address": to.address },
        "ticket": {
            "number": t.number,
            "title": t.title,
            "description": t.description,
            "type": wording::ticket_type(t.ticket_type),
            "priority": wording::priority(t.priority),
            "status": wording::status(status),
            "tier": tier,
            "service": view.service_name,
            "service_code": view.service_code,
            "service_label": wording::service_label(&view.service_name, &view.service_code),
            "unit": view.unit_name,
            "reporter": view.reporter,
            "url": link,
            "created": wording::date_time(t.created_at, to.zone),
        },
        "due": {
            "response": due(ClockKind::Response),
            "resolution": due(ClockKind::Resolution),
            "tier2": due(ClockKind::Tier2Resolution),
        },
        "event": {
            "name": event.event,
            "at": wording::date_time(event.occurred_at, to.zone),
            "by_system": event.actor_id.is_none(),
            "reason": text("reason"),
            "steps_taken": text("steps_taken"),
            "instructions": text("instructions"),
            "resolution": text("resolution"),
            "clock": details["clock"].as_str().map_or(Value::Null, |c| json!(wording::clock(c))),
            "due_at": when(instant(&details["due_at"]), to.zone),
        },
    })
}

/// The context of the notice telling an owner their subscription was disabled.
pub fn subscription_context(url: &str, reason: &str, to: &Addressee<'_>, at: DateTime<Utc>) -> Value {
    json!({
        "recipient": { "name": to.name, "address": to.address },
        "subscription": { "url": url, "reason": reason, "at": wording::date_time(at, to.zone) },
    })
}

/// A Standard Webhooks body: `type`, `timestamp`, `data` (the ticket as the
/// API lists it, and the event's details without the SLA machinery).
pub fn webhook_body(view: &TicketView, event: &QueuedEvent) -> String {
    let t = &view.ticket;
    let mut details = event.payload["payload"].clone();
    if let Some(map) = details.as_object_mut() {
        map.remove("sla");
    }
    json!({
        "type": event.event,
        "timestamp": event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": {
            "event_id": event.id,
            // No person caused it: an SLA auto-escalation, say.
            "by_system": event.actor_id.is_none(),
            "ticket": {
                "id": t.id, "number": t.number, "type": t.ticket_type, "title": t.title,
                "status": event.payload["status"].as_str().map_or(json!(t.status), |s| json!(s)),
                "tier": event.payload["tier"].as_i64().unwrap_or(i64::from(i16::from(t.tier))),
                "priority": t.priority, "unit_id": t.unit_id, "service_id": t.service_id,
                "external_source": t.external_source, "external_ref": t.external_ref,
            },
            "details": details,
        },
    })
    .to_string()
}

/// The body of a test ping.
pub fn ping_body(subscription: Uuid, at: DateTime<Utc>) -> String {
    json!({
        "type": "webhook.ping",
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": { "subscription_id": subscription },
    })
    .to_string()
}

fn sample_view() -> TicketView {
    let at = DateTime::from_timestamp(1_775_440_800, 0).unwrap_or_default();
    // Literals that parse; a user reporter stands in should they not.
    let reporter = match (DisplayName::parse("Budi Santoso"), EmailAddress::parse("budi@example.go.id")) {
        (Ok(name), Ok(email)) => ReporterRef::OnBehalf { name, email: Some(email), phone: None },
        _ => ReporterRef::User(Uuid::nil()),
    };
    let new = NewTicket {
        ticket_type: TicketType::Incident,
        title: "Aplikasi SIMPEG tidak dapat diakses".into(),
        description: "Sejak pagi halaman masuk menampilkan galat.".into(),
        service_id: Uuid::nil(),
        unit_id: Uuid::nil(),
        reporter,
        channel: Channel::Web,
        impact: Level::High,
        urgency: Level::High,
        priority: Priority::Critical,
        external: None,
        complaint_ref: None,
        route_uncovered: false,
    };
    let filing =
        Filing { id: Uuid::nil(), number: "TKT-2026-000123".into(), tier: Tier::One, by: Actor::User(Uuid::nil()), at };
    let ticket = Ticket { sla_due_at: Some(at), ..Ticket::filed(&new, filing) };
    TicketView {
        ticket,
        service_code: "SIMPEG".into(),
        service_name: "Sistem Informasi Kepegawaian".into(),
        service_owner: Uuid::nil(),
        unit_name: "Badan Kepegawaian Daerah".into(),
        reporter: "Budi Santoso".into(),
        due: vec![
            (ClockKind::Response, Some(at)),
            (ClockKind::Resolution, Some(at)),
            (ClockKind::Tier2Resolution, Some(at)),
        ],
    }
}

/// A ticket context with every variable set, to check templates against.
pub fn sample_ticket_context() -> Value {
    let at = DateTime::from_timestamp(1_775_440_800, 0).unwrap_or_default();
    let event = QueuedEvent {
        id: Uuid::nil(),
        event: "ticket.escalated".into(),
        subject_id: Uuid::nil(),
        actor_id: None,
        occurred_at: at,
        payload: json!({
            "payload": { "reason": "r", "steps_taken": "s", "instructions": "i", "resolution": "x",
                         "clock": "resolution", "due_at": "2026-04-06T02:00:00Z" },
            "internal": false, "status": "new", "tier": 2,
        }),
    };
    let to = Addressee { name: "Tim Layanan", address: "helpdesk@example.go.id", zone: Tz::Asia__Makassar };
    ticket_context(&sample_view(), &event, &to, "https://helpdesk.example.go.id/tiket/TKT-2026-000123")
}
