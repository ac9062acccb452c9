//! The life of a ticket across tier 1 and tier 2.

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, TestApp};

/// Files a ticket as `token` and returns its body.
pub async fn file(app: &TestApp, token: &str, body: Value) -> Value {
    let created = app.post("/api/v1/tickets", Some(token), body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body
}

pub fn incident(service: uuid::Uuid) -> Value {
    json!({
        "type": "incident",
        "title": "SIMPEG tidak bisa login",
        "description": "Sejak pagi muncul pesan 'session expired' saat login.",
        "service_id": service,
        "impact": "medium",
        "urgency": "high",
    })
}

async fn a_ticket_lives_from_report_to_closure_across_both_tiers(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    assert_eq!(ticket["status"], "new");
    assert_eq!(ticket["tier"], 1);
    assert_eq!(ticket["priority"], "high");
    assert_eq!(ticket["unit_id"], org.pd_a.to_string());
    assert_eq!(ticket["reporter_id"], org.reporter_a.id.to_string());
    let number = ticket["number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("TKT-") && number.len() == "TKT-2026-000001".len(), "{number}");
    let id = ticket["id"].as_str().unwrap().to_owned();
    let path = |action: &str| format!("/api/v1/tickets/{id}/{action}");

    let t1 = org.tier1_a.token.as_str();
    let assigned = app.post(&path("assign"), Some(t1), json!({ "assignee_id": org.tier1_a.id })).await;
    assert_eq!(assigned.status, 200, "{}", assigned.text);
    assert_eq!(assigned.body["status"], "assigned");
    assert_eq!(app.post(&path("start"), Some(t1), json!({})).await.body["status"], "in_progress");

    let escalated = app
        .post(
            &path("escalate"),
            Some(t1),
            json!({ "reason": "Butuh akses server", "steps_taken": "Reset kata sandi, hapus cache" }),
        )
        .await;
    assert_eq!(escalated.status, 200, "{}", escalated.text);
    assert_eq!((escalated.body["tier"].clone(), escalated.body["status"].clone()), (json!(2), json!("new")));
    assert!(escalated.body["assignee_id"].is_null());
    assert_eq!(escalated.body["escalation_count"], 1);

    let t2 = org.tier2.token.as_str();
    assert_eq!(app.post(&path("start"), Some(t2), json!({})).await.body["assignee_id"], org.tier2.id.to_string());
    let returned =
        app.post(&path("return"), Some(t2), json!({ "instructions": "Pasang ulang sertifikat di klien" })).await;
    assert_eq!(returned.status, 200, "{}", returned.text);
    assert_eq!((returned.body["tier"].clone(), returned.body["status"].clone()), (json!(1), json!("new")));

    app.post(&path("start"), Some(t1), json!({})).await;
    let again = app
        .post(
            &path("escalate"),
            Some(t1),
            json!({ "reason": "Sertifikat tetap ditolak", "steps_taken": "Pasang ulang" }),
        )
        .await;
    assert_eq!(again.body["escalation_count"], 2);
    app.post(&path("assign"), Some(t2), json!({ "assignee_id": org.tier2.id })).await;
    app.post(&path("start"), Some(t2), json!({})).await;
    let resolved = app
        .post(
            &path("resolve"),
            Some(t2),
            json!({ "resolution_code": "solved", "resolution": "Sertifikat server diperbarui" }),
        )
        .await;
    assert_eq!(resolved.status, 200, "{}", resolved.text);
    assert_eq!(resolved.body["status"], "resolved");

    let r = org.reporter_a.token.as_str();
    let rated = app.post(&path("rating"), Some(r), json!({ "rating": 5, "remark": "Cepat" })).await;
    assert_eq!(rated.status, 200, "{}", rated.text);
    let closed = app.post(&path("close"), Some(r), json!({})).await;
    assert_eq!(closed.body["status"], "closed");
    assert!(closed.body["allowed_actions"].as_array().unwrap().is_empty());

    let events = app.get(&path("events"), Some(r)).await;
    let kinds: Vec<&str> =
        events.body["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "created",
            "assigned",
            "started",
            "escalated",
            "started",
            "returned",
            "started",
            "escalated",
            "assigned",
            "started",
            "resolved",
            "rated",
            "closed"
        ]
    );
    let seqs: Vec<i64> = events.body["items"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=13).collect::<Vec<_>>());
    let escalation = &events.body["items"][3];
    assert_eq!(escalation["data"]["steps_taken"], "Reset kata sandi, hapus cache");
    assert_eq!((escalation["from_tier"].clone(), escalation["to_tier"].clone()), (json!(1), json!(2)));
    assert_eq!(escalation["actor_id"], org.tier1_a.id.to_string());

    let by_number = app.get(&format!("/api/v1/tickets/{number}"), Some(r)).await;
    assert_eq!(by_number.body["id"], id.as_str());
    let audit =
        app.get(&format!("/api/v1/audit?entity_type=ticket&entity_id={id}&limit=200"), Some(&org.auditor.token)).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 13, "one audit record per change");
}

async fn invalid_moves_are_409_naming_the_allowed_ones_and_change_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let id = ticket["id"].as_str().unwrap();
    let resumed = app.post(&format!("/api/v1/tickets/{id}/resume"), Some(&org.tier1_a.token), json!({})).await;
    resumed.assert_problem(409);
    assert!(
        resumed.body["detail"].as_str().unwrap().contains("allowed now: assign, start, escalate"),
        "{}",
        resumed.text
    );
    let events = app.count("ticket_events");
    let no_reason = app
        .post(
            &format!("/api/v1/tickets/{id}/escalate"),
            Some(&org.tier1_a.token),
            json!({ "reason": " ", "steps_taken": "x" }),
        )
        .await;
    no_reason.assert_problem(422);
    assert_eq!(no_reason.body["errors"][0]["field"], "reason");
    let no_resolution = app
        .post(
            &format!("/api/v1/tickets/{id}/resolve"),
            Some(&org.tier1_a.token),
            json!({ "resolution_code": "solved", "resolution": "" }),
        )
        .await;
    no_resolution.assert_problem(422);
    let outsider = app
        .post(
            &format!("/api/v1/tickets/{id}/assign"),
            Some(&org.tier1_a.token),
            json!({ "assignee_id": org.tier1_b.id }),
        )
        .await;
    outsider.assert_problem(422);
    assert_eq!(outsider.body["errors"][0]["field"], "assignee_id");
    app.post(
        &format!("/api/v1/tickets/{id}/escalate"),
        Some(&org.tier1_a.token),
        json!({ "reason": "r", "steps_taken": "s" }),
    )
    .await;
    let twice = app
        .post(
            &format!("/api/v1/tickets/{id}/escalate"),
            Some(&org.supervisor.token),
            json!({ "reason": "r", "steps_taken": "s" }),
        )
        .await;
    twice.assert_problem(409);
    assert_eq!(app.count("ticket_events"), events + 1, "only the one valid escalation was recorded");
}

async fn direct_tier2_services_land_in_the_tier2_queue(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let mut body = incident(org.infra_service);
    body["title"] = json!("Jaringan intra putus di lantai 2");
    let ticket = file(&app, &org.reporter_b.token, body).await;
    assert_eq!(ticket["tier"], 2);
    let queue = app.get("/api/v1/tickets?tier=2&unassigned=true", Some(&org.tier2.token)).await;
    assert_eq!(queue.body["items"].as_array().unwrap().len(), 1);
    let tier1 = app.get("/api/v1/tickets", Some(&org.tier1_a.token)).await;
    assert!(tier1.body["items"].as_array().unwrap().is_empty(), "another PD's ticket stays invisible");
}

on_both_backends!(
    a_ticket_lives_from_report_to_closure_across_both_tiers,
    invalid_moves_are_409_naming_the_allowed_ones_and_change_nothing,
    direct_tier2_services_land_in_the_tier2_queue,
);
