//! Events that do not move a ticket (edits, a priority change, comments,
//! attachments, SLA alerts, a rating) carry its status and tier as they
//! were when the event was recorded, not as they are when it is fanned
//! out (docs/notices.md, "Body"): here the ticket always moves on before
//! the dispatcher runs.

use std::time::Duration;

use serde_json::json;

use crate::on_both_backends;
use crate::sla_clocks::{act, incident_at, setup, wita};
use crate::support::receivers::{Receiver, ReceiverKind};
use crate::support::{spawn_app_with_loopback_webhooks, Backend};
use crate::ticket_attachments::{upload, PNG};

async fn events_that_do_not_move_a_ticket_show_it_as_they_found_it(backend: Backend) {
    let Some(hook) = Receiver::start(ReceiverKind::Webhook) else { return };
    let Some(app) = spawn_app_with_loopback_webhooks(backend).await else { return };
    // The scenario's clock is in 2026; the receiver records every delivery
    // whatever its signature's age.
    hook.control("mode", "status 204");
    let org = app.org().await;
    setup(&app, &org, false).await;
    let events = [
        "ticket.updated",
        "ticket.priority_changed",
        "comment.created",
        "attachment.created",
        "ticket.sla_warning",
        "ticket.sla_breached",
        "ticket.rated",
    ];
    let url = format!("http://127.0.0.1:{}/hook", hook.port());
    let subscribed =
        app.post("/api/v1/webhooks", Some(&org.admin.token), json!({ "url": url, "events": events })).await;
    assert_eq!(subscribed.status, 201, "{}", subscribed.text);

    let (t1, t2, reporter) = (org.tier1_a.token.as_str(), org.tier2.token.as_str(), org.reporter_a.token.as_str());
    // High: respond by 10:30 (warning 10:22:30), resolve by 15:00.
    let id = incident_at(&app, &org, wita(2026, 8, 6, 10, 0), "medium", "high").await;
    let path = format!("/api/v1/tickets/{id}");
    let edited = app.patch(&path, Some(t1), json!({ "title": "Jaringan kantor lantai 2 putus" }), None).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let said = app.post(&format!("{path}/comments"), Some(reporter), json!({ "body": "Masih putus" })).await;
    assert_eq!(said.status, 201, "{}", said.text);
    let attached = upload(&app, reporter, &id, "layar.png", PNG.to_vec(), None).await;
    assert_eq!(attached.status, 201, "{}", attached.text);
    app.clock.set(wita(2026, 8, 6, 10, 25));
    app.sweep().await;
    app.clock.set(wita(2026, 8, 6, 10, 31));
    app.sweep().await;
    act(&app, &id, "start", t1, json!({})).await;
    let raised = app.patch(&path, Some(t1), json!({ "impact": "high" }), None).await;
    assert_eq!(raised.status, 200, "{}", raised.text);
    let escalation = json!({ "reason": "Perlu akses switch inti", "steps_taken": "Mulai ulang router" });
    act(&app, &id, "escalate", t1, escalation).await;
    let resolution = json!({ "resolution_code": "solved", "resolution": "Kabel diganti" });
    act(&app, &id, "resolve", t2, resolution).await;
    let rated = app.post(&format!("{path}/rating"), Some(reporter), json!({ "rating": 5 })).await;
    assert_eq!(rated.status, 200, "{}", rated.text);
    act(&app, &id, "close", reporter, json!({})).await;

    // Everything is fanned out now, with the ticket closed.
    app.dispatch().await;
    let delivered = hook.wait_for(events.len(), Duration::from_secs(10)).await;
    let place = |event: &str| {
        let found: Vec<_> = delivered.iter().filter(|d| d["type"] == event).collect();
        assert!(!found.is_empty(), "no {event} among {:?}", delivered.iter().map(|d| &d["type"]).collect::<Vec<_>>());
        found
            .iter()
            .map(|d| (d["data"]["ticket"]["status"].clone(), d["data"]["ticket"]["tier"].clone()))
            .collect::<Vec<_>>()
    };
    for (event, status, tier) in [
        ("ticket.updated", "new", 1),
        ("comment.created", "new", 1),
        ("attachment.created", "new", 1),
        ("ticket.sla_warning", "new", 1),
        ("ticket.sla_breached", "new", 1),
        ("ticket.priority_changed", "in_progress", 1),
        ("ticket.rated", "resolved", 2),
    ] {
        for seen in place(event) {
            assert_eq!(seen, (json!(status), json!(tier)), "{event} shows the ticket as it was when recorded");
        }
    }
}

on_both_backends!(events_that_do_not_move_a_ticket_show_it_as_they_found_it);
