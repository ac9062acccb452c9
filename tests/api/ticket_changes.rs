//! Changing tickets after intake: edits and priority, reopening, ratings,
//! problems with their linked incidents, and waiting (pending).

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, Resp, TestApp, PASSWORD};
use crate::tickets::{file, incident};

const TICKETS: &str = "/api/v1/tickets";

fn path(id: &str) -> String {
    format!("{TICKETS}/{id}")
}

fn action(id: &str, name: &str) -> String {
    format!("{TICKETS}/{id}/{name}")
}

fn id_of(ticket: &Value) -> String {
    ticket["id"].as_str().unwrap().to_owned()
}

/// Runs a move that must succeed and returns the ticket.
async fn step(app: &TestApp, id: &str, name: &str, token: &str, body: Value) -> Value {
    let resp = app.post(&action(id, name), Some(token), body).await;
    assert_eq!(resp.status, 200, "{name}: {}", resp.text);
    resp.body
}

async fn events(app: &TestApp, id: &str, token: &str) -> Vec<Value> {
    let resp = app.get(&action(id, "events"), Some(token)).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    resp.body["items"].as_array().unwrap().clone()
}

/// Asserts a 422 validation problem naming `field`.
fn assert_invalid_field(resp: &Resp, field: &str) {
    resp.assert_problem(422);
    let errors = resp.body["errors"].as_array().expect("field errors");
    assert!(errors.iter().any(|e| e["field"] == field), "expected an error for {field}: {}", resp.text);
}

/// (tickets, ticket_events, audit_log) row counts.
fn counts(app: &TestApp) -> (i64, i64, i64) {
    (app.count("tickets"), app.count("ticket_events"), app.count("audit_log"))
}

/// Files an incident for reporter A and resolves it at tier 1.
async fn resolved_incident(app: &TestApp, org: &crate::support::Org) -> String {
    let id = id_of(&file(app, &org.reporter_a.token, incident(org.service)).await);
    let t1 = org.tier1_a.token.as_str();
    step(app, &id, "start", t1, json!({})).await;
    step(app, &id, "resolve", t1, json!({ "resolution_code": "solved", "resolution": "Cache peramban dibersihkan" }))
        .await;
    id
}

async fn changing_impact_or_urgency_recomputes_the_priority(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let mut body = incident(org.service);
    body["impact"] = json!("low");
    let ticket = file(&app, &org.reporter_a.token, body).await;
    assert_eq!(ticket["priority"], "medium");
    let id = id_of(&ticket);
    let t1 = org.tier1_a.token.as_str();

    let high = app.patch(&path(&id), Some(t1), json!({ "impact": "medium" }), None).await;
    assert_eq!(high.status, 200, "{}", high.text);
    assert_eq!((high.body["impact"].as_str(), high.body["priority"].as_str()), (Some("medium"), Some("high")));
    let critical = app.patch(&path(&id), Some(t1), json!({ "impact": "high", "urgency": "high" }), None).await;
    assert_eq!(critical.body["priority"], "critical", "{}", critical.text);
    let retitled = app.patch(&path(&id), Some(t1), json!({ "title": "SIMPEG mati total" }), None).await;
    assert_eq!((retitled.body["priority"].as_str(), retitled.body["version"].as_i64()), (Some("critical"), Some(4)));

    let timeline = events(&app, &id, t1).await;
    let kinds: Vec<&str> = timeline.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "priority_changed", "priority_changed", "updated"]);
    assert_eq!(timeline[1]["data"]["from_priority"], "medium");
    assert_eq!(timeline[1]["data"]["to_priority"], "high");
    assert_eq!(timeline[1]["data"]["fields"], json!(["impact"]));
    assert_eq!(timeline[2]["data"]["to_priority"], "critical");
    assert_eq!(timeline[3]["data"]["fields"], json!(["title"]));
    assert_eq!(timeline[1]["actor_id"], org.tier1_a.id.to_string());
    let by_priority = app.get("/api/v1/tickets?priority=critical", Some(t1)).await;
    assert_eq!(by_priority.body["items"].as_array().unwrap().len(), 1);
}

async fn reporters_edit_their_own_new_tickets_text_only(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let r = org.reporter_a.token.as_str();
    let id = id_of(&file(&app, r, incident(org.service)).await);

    let edited = app
        .patch(&path(&id), Some(r), json!({ "title": "SIMPEG: sesi kedaluwarsa", "description": "Sejak 07.30." }), None)
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(
        (edited.body["title"].as_str(), edited.body["description"].as_str()),
        (Some("SIMPEG: sesi kedaluwarsa"), Some("Sejak 07.30."))
    );

    let before = counts(&app);
    app.patch(&path(&id), Some(r), json!({ "impact": "high" }), None).await.assert_problem(403);
    app.patch(&path(&id), Some(&org.reporter_b.token), json!({ "title": "x" }), None).await.assert_problem(404);
    step(&app, &id, "assign", &org.tier1_a.token, json!({ "assignee_id": org.tier1_a.id })).await;
    let after_assign = counts(&app);
    assert_eq!(after_assign, (before.0, before.1 + 1, before.2 + 1));
    app.patch(&path(&id), Some(r), json!({ "title": "Judul baru" }), None).await.assert_problem(403);
    assert_eq!(counts(&app), after_assign);
    assert_eq!(app.get(&path(&id), Some(r)).await.body["title"], "SIMPEG: sesi kedaluwarsa");
}

async fn closed_tickets_and_unknown_services_refuse_edits(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let t1 = org.tier1_a.token.as_str();
    let open = id_of(&file(&app, &org.reporter_a.token, incident(org.service)).await);
    let before = counts(&app);
    let unknown = app.patch(&path(&open), Some(t1), json!({ "service_id": uuid::Uuid::now_v7() }), None).await;
    assert_invalid_field(&unknown, "service_id");
    let bad_level = app.patch(&path(&open), Some(t1), json!({ "impact": "sangat tinggi" }), None).await;
    bad_level.assert_problem(422);
    assert_eq!(counts(&app), before);
    let moved = app.patch(&path(&open), Some(t1), json!({ "service_id": org.infra_service }), None).await;
    assert_eq!(moved.body["service_id"], org.infra_service.to_string(), "{}", moved.text);

    let closed = resolved_incident(&app, &org).await;
    step(&app, &closed, "close", &org.reporter_a.token, json!({})).await;
    let before = counts(&app);
    let refused = app.patch(&path(&closed), Some(t1), json!({ "title": "Terlambat" }), None).await;
    refused.assert_problem(409);
    assert!(refused.body["detail"].as_str().unwrap().contains("closed"), "{}", refused.text);
    assert_eq!(counts(&app), before);
}

async fn the_reporter_reopens_within_the_window_only(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let r = org.reporter_a.token.as_str();
    let id = resolved_incident(&app, &org).await;

    let before = counts(&app);
    let no_reason = app.post(&action(&id, "reopen"), Some(r), json!({ "reason": "  " })).await;
    assert_invalid_field(&no_reason, "reason");
    app.post(&action(&id, "reopen"), Some(r), json!({})).await.assert_problem(422);
    app.post(&action(&id, "reopen"), Some(&org.reporter_b.token), json!({ "reason": "x" })).await.assert_problem(404);
    assert_eq!(counts(&app), before);

    // Access tokens expire on the application clock too: log in again.
    app.clock.advance(chrono::Duration::days(6));
    let (r, _) = app.login(&org.reporter_a.email, PASSWORD).await;
    let r = r.as_str();
    let reopened = step(&app, &id, "reopen", r, json!({ "reason": "Masih muncul pesan yang sama" })).await;
    assert_eq!(reopened["status"], "in_progress");
    assert_eq!(reopened["reopen_count"], 1);
    assert!(reopened["resolved_at"].is_null() && reopened["resolution"].is_null(), "{reopened}");
    let last = events(&app, &id, r).await.pop().unwrap();
    assert_eq!(
        (last["kind"].as_str(), last["data"]["reason"].as_str()),
        (Some("reopened"), Some("Masih muncul pesan yang sama"))
    );
    assert_eq!((last["from_status"].as_str(), last["to_status"].as_str()), (Some("resolved"), Some("in_progress")));

    let (t1, _) = app.login(&org.tier1_a.email, PASSWORD).await;
    step(&app, &id, "resolve", &t1, json!({ "resolution_code": "solved", "resolution": "Sertifikat diperbarui" }))
        .await;
    app.clock.advance(chrono::Duration::days(8));
    let (r, _) = app.login(&org.reporter_a.email, PASSWORD).await;
    let r = r.as_str();
    let before = counts(&app);
    let late = app.post(&action(&id, "reopen"), Some(r), json!({ "reason": "Muncul lagi" })).await;
    late.assert_problem(409);
    assert!(late.body["detail"].as_str().unwrap().contains("reopen window"), "{}", late.text);
    assert_eq!(counts(&app), before);
    let ticket = app.get(&path(&id), Some(r)).await;
    assert_eq!((ticket.body["status"].as_str(), ticket.body["reopen_count"].as_i64()), (Some("resolved"), Some(1)));
}

async fn only_the_reporter_rates_once_after_resolution(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let r = org.reporter_a.token.as_str();
    let id = id_of(&file(&app, r, incident(org.service)).await);
    let before = counts(&app);
    let early = app.post(&action(&id, "rating"), Some(r), json!({ "rating": 5 })).await;
    early.assert_problem(409);
    assert_eq!(counts(&app), before);

    let t1 = org.tier1_a.token.as_str();
    step(&app, &id, "start", t1, json!({})).await;
    step(&app, &id, "resolve", t1, json!({ "resolution_code": "workaround", "resolution": "Pakai peramban lain" }))
        .await;
    let before = counts(&app);
    app.post(&action(&id, "rating"), Some(t1), json!({ "rating": 5 })).await.assert_problem(403);
    for rating in [0, 6, -1] {
        let out_of_range = app.post(&action(&id, "rating"), Some(r), json!({ "rating": rating })).await;
        assert_invalid_field(&out_of_range, "rating");
    }
    assert_eq!(counts(&app), before);

    let rated = app.post(&action(&id, "rating"), Some(r), json!({ "rating": 4, "remark": "Cukup cepat" })).await;
    assert_eq!(rated.status, 200, "{}", rated.text);
    assert_eq!((rated.body["rating"].as_i64(), rated.body["rating_remark"].as_str()), (Some(4), Some("Cukup cepat")));
    let before = counts(&app);
    let twice = app.post(&action(&id, "rating"), Some(r), json!({ "rating": 1 })).await;
    twice.assert_problem(409);
    assert_eq!(counts(&app), before);
    assert_eq!(app.get(&path(&id), Some(r)).await.body["rating"], 4);
    let last = events(&app, &id, r).await.pop().unwrap();
    assert_eq!((last["kind"].as_str(), last["data"]["rating"].as_i64()), (Some("rated"), Some(4)));
}

/// Files an incident for reporter A and escalates it, so tier 2 sees it.
async fn escalated_incident(app: &TestApp, org: &crate::support::Org, title: &str) -> String {
    let mut body = incident(org.service);
    body["title"] = json!(title);
    let id = id_of(&file(app, &org.reporter_a.token, body).await);
    let escalation = json!({ "reason": "Perlu akses basis data", "steps_taken": "Mulai ulang layanan" });
    step(app, &id, "escalate", &org.tier1_a.token, escalation).await;
    id
}

async fn a_problem_gathers_incidents_and_resolves_them_in_one_step(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let t2 = org.tier2.token.as_str();
    let mut body = incident(org.infra_service);
    body["type"] = json!("problem");
    body["title"] = json!("Sertifikat TLS gateway kedaluwarsa");
    let problem = file(&app, t2, body).await;
    assert_eq!((problem["type"].as_str(), problem["tier"].as_i64()), (Some("problem"), Some(2)));
    assert_eq!(problem["unit_id"], org.dinas.to_string());
    let (problem_id, number) = (id_of(&problem), problem["number"].as_str().unwrap().to_owned());
    let linked = action(&problem_id, "linked-tickets");

    let first = escalated_incident(&app, &org, "SIMPEG tidak bisa login").await;
    let second = escalated_incident(&app, &org, "SIKD tidak bisa login").await;
    let spare = escalated_incident(&app, &org, "E-Kinerja lambat").await;
    for id in [&first, &second, &spare] {
        step(&app, id, "start", t2, json!({})).await;
        let link = app.post(&linked, Some(t2), json!({ "ticket_id": id })).await;
        assert_eq!(link.status, 200, "{}", link.text);
        assert_eq!(link.body["problem_id"], problem_id.as_str());
    }
    let unlinked = app.send(app.client.delete(format!("{}{linked}/{spare}", app.address)).bearer_auth(t2)).await;
    assert_eq!(unlinked.status, 200, "{}", unlinked.text);
    assert!(unlinked.body["problem_id"].is_null());
    let listed = app.get(&linked, Some(t2)).await;
    let mut ids: Vec<&str> =
        listed.body["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    let mut expected = vec![first.as_str(), second.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected, "{}", listed.text);
    let spare_kinds: Vec<String> =
        events(&app, &spare, t2).await.iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect();
    assert!(
        spare_kinds.ends_with(&["linked_to_problem".to_owned(), "unlinked_from_problem".to_owned()]),
        "{spare_kinds:?}"
    );

    let mut request = incident(org.infra_service);
    request["type"] = json!("service_request");
    request["title"] = json!("Minta akun VPN");
    let request = id_of(&file(&app, &org.reporter_a.token, request).await);
    let before = counts(&app);
    let not_linkable = app.post(&linked, Some(t2), json!({ "ticket_id": request })).await;
    assert_invalid_field(&not_linkable, "ticket_id");
    let not_a_problem = app.post(&action(&first, "linked-tickets"), Some(t2), json!({ "ticket_id": second })).await;
    assert_invalid_field(&not_a_problem, "problem_id");
    let not_their_desk = app.post(&linked, Some(&org.tier1_a.token), json!({ "ticket_id": first })).await;
    assert_eq!(not_their_desk.status, 404, "tier 1 does not see the Dinas's problem: {}", not_their_desk.text);
    assert_eq!(counts(&app), before);

    step(&app, &problem_id, "start", t2, json!({})).await;
    let resolution = json!({ "resolution_code": "solved", "resolution": "Sertifikat diganti", "resolve_linked": true });
    let resolved = step(&app, &problem_id, "resolve", t2, resolution).await;
    assert_eq!(resolved["status"], "resolved");
    for id in [&first, &second] {
        let ticket = app.get(&path(id), Some(&org.reporter_a.token)).await;
        assert_eq!(ticket.body["status"], "resolved", "{}", ticket.text);
        let last = events(&app, id, &org.reporter_a.token).await.pop().unwrap();
        assert_eq!(last["kind"], "resolved");
        let text = last["data"]["resolution"].as_str().unwrap();
        assert!(text.contains(&number) && text.contains("Sertifikat diganti"), "{text}");
    }
    assert_eq!(app.get(&path(&spare), Some(t2)).await.body["status"], "in_progress", "unlinked tickets stay open");
}

async fn work_waits_for_a_known_reason_and_resumes(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let t1 = org.tier1_a.token.as_str();
    let id = id_of(&file(&app, &org.reporter_a.token, incident(org.service)).await);
    step(&app, &id, "start", t1, json!({})).await;

    let before = counts(&app);
    let unknown = app.post(&action(&id, "pending"), Some(t1), json!({ "reason": "waiting_for_godot" })).await;
    unknown.assert_problem(422);
    assert!(unknown.text.contains("waiting_for_reporter"), "names the choices: {}", unknown.text);
    app.post(&action(&id, "pending"), Some(t1), json!({})).await.assert_problem(422);
    assert_eq!(counts(&app), before);

    let waiting = step(&app, &id, "pending", t1, json!({ "reason": "waiting_for_reporter" })).await;
    assert_eq!(
        (waiting["status"].as_str(), waiting["pending_reason"].as_str()),
        (Some("pending"), Some("waiting_for_reporter"))
    );
    assert!(waiting["allowed_actions"].as_array().unwrap().contains(&json!("resume")));
    let again = app.post(&action(&id, "pending"), Some(t1), json!({ "reason": "waiting_for_vendor" })).await;
    again.assert_problem(409);
    let resumed = step(&app, &id, "resume", t1, json!({})).await;
    assert_eq!(resumed["status"], "in_progress");
    assert!(resumed["pending_reason"].is_null());
    let timeline = events(&app, &id, t1).await;
    let pending = &timeline[timeline.len() - 2];
    assert_eq!(
        (pending["kind"].as_str(), pending["data"]["reason"].as_str()),
        (Some("pending"), Some("waiting_for_reporter"))
    );
    assert_eq!(timeline.last().unwrap()["kind"], "resumed");
}

on_both_backends!(
    changing_impact_or_urgency_recomputes_the_priority,
    reporters_edit_their_own_new_tickets_text_only,
    closed_tickets_and_unknown_services_refuse_edits,
    the_reporter_reopens_within_the_window_only,
    only_the_reporter_rates_once_after_resolution,
    a_problem_gathers_incidents_and_resolves_them_in_one_step,
    work_waits_for_a_known_reason_and_resumes,
);
