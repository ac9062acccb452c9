//! What the schedule tells: conflicts without what the caller may not read,
//! and the iCalendar feed keeping a window whose approvals an edit voided;
//! on both backends.

use chrono::Duration;
use serde_json::{json, Value};
use spbe_desk::clock::Clock;

use crate::on_both_backends;
use crate::support::changes::{
    approve, awaiting, board, normal, ok, python, schedule, step, umum_service, urlencode, window, Board, CHANGES,
};
use crate::support::{spawn_app, Backend, Person, TestApp};
use uuid::Uuid;

/// Raises, with `token`, a normal change on `service` titled `title` and
/// takes it to `approved` (the board seat is the Dinas's).
async fn approved(app: &TestApp, b: &Board, token: &str, service: &str, title: &str, owner: (&Person, Uuid)) -> Value {
    let mut body = normal(service);
    body["title"] = json!(title);
    let change = ok(app, CHANGES, token, body).await;
    let id = change["id"].as_str().unwrap().to_owned();
    step(app, &id, "submit", token, json!({})).await;
    step(app, &id, "assess", &b.org.tier2.token, json!({})).await;
    step(app, &id, "request-approval", &b.org.tier2.token, json!({})).await;
    approve(app, &id, &b.dinas_approver, "board", None).await;
    let done = approve(app, &id, owner.0, "owner_unit", Some(owner.1)).await;
    assert_eq!(done["status"], "approved");
    done
}

async fn conflicts_name_only_the_changes_the_caller_may_read(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let theirs =
        approved(&app, &b, &b.org.tier1_a.token, &b.umum, "Migrasi rahasia SIRUP", (&b.pd_a_approver, b.org.pd_a))
            .await;
    let at = window(&app, 72, 3);
    schedule(&app, theirs["id"].as_str().unwrap(), &b.org.tier2.token, at.clone()).await;
    let (number, their_id) = (theirs["number"].as_str().unwrap(), theirs["id"].as_str().unwrap());
    // PD B's change on its own service, on the same data centre.
    let simrs = umum_service(&app, &b.org, b.org.pd_b, "SIMRS").await;
    let t1b = b.org.tier1_b.token.as_str();
    let mine = approved(&app, &b, t1b, &simrs, "Pembaruan SIMRS", (&b.pd_b_approver, b.org.pd_b)).await;
    let mine = mine["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("{CHANGES}/{their_id}"), Some(t1b)).await.status, 404, "not PD B's to read");
    let query = format!("{CHANGES}/{mine}/conflicts?from={}&to={}", urlencode(&at.0), urlencode(&at.1));
    let seen = app.get(&query, Some(t1b)).await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    let clash = &seen.body["changes"][0];
    assert_eq!(clash["shared_infrastructure"], json!(["pusat_data"]), "{}", seen.text);
    assert!(clash["window"]["start"].is_string() && clash["window"]["end"].is_string(), "{}", seen.text);
    for field in ["change_id", "number", "title", "status"] {
        assert!(clash[field].is_null(), "{field} of another PD's change shown: {}", seen.text);
    }
    for secret in [number, their_id, "Migrasi rahasia"] {
        assert!(!seen.text.contains(secret), "{secret} leaked: {}", seen.text);
    }
    // The Dinas sees every change, so it sees which.
    let dinas = app.get(&query, Some(&b.org.tier2.token)).await;
    assert_eq!(dinas.body["changes"][0]["number"], number, "{}", dinas.text);
    // Scheduling into the clash names it the same way, and so does the override kept on the change.
    let refused = app
        .post(&format!("{CHANGES}/{mine}/schedule"), Some(t1b), json!({ "planned_start": at.0, "planned_end": at.1 }))
        .await;
    refused.assert_problem(409);
    assert!(!refused.text.contains(number), "{}", refused.text);
    let body = json!({ "planned_start": at.0, "planned_end": at.1, "override_reason": "Tim pusat data siaga" });
    let overridden = ok(&app, &format!("{CHANGES}/{mine}/schedule"), t1b, body).await;
    assert!(overridden["conflict_override"]["conflicts"]["changes"][0]["number"].is_null(), "{overridden}");
    let read = app.get(&format!("{CHANGES}/{mine}"), Some(t1b)).await;
    assert!(!read.text.contains(number) && !read.text.contains(their_id), "{}", read.text);
    let by_dinas = app.get(&format!("{CHANGES}/{mine}"), Some(&b.org.tier2.token)).await.body;
    assert_eq!(by_dinas["conflict_override"]["conflicts"]["changes"][0]["number"], number);
}

/// The feed, parsed by the independent checker (`None`: skipped).
async fn feed(app: &TestApp, token: &str) -> Option<Value> {
    let request = app.client.get(format!("{}{CHANGES}/schedule", app.address)).bearer_auth(token);
    let response = app.send(request.header("Accept", "text/calendar")).await;
    assert_eq!(response.status, 200, "{}", response.text);
    let (code, out) = python("icalendar", "tests/verifier/parse_schedule.py", &[], &response.text)?;
    assert_eq!(code, 0, "{out}");
    Some(serde_json::from_str(&out).unwrap())
}

async fn a_window_whose_approvals_were_voided_stays_in_the_feed_as_tentative(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let id = awaiting(&app, &b, &b.umum).await;
    approve(&app, &id, &b.dinas_approver, "board", None).await;
    approve(&app, &id, &b.pd_a_approver, "owner_unit", Some(b.org.pd_a)).await;
    let t2 = b.org.tier2.token.as_str();
    schedule(&app, &id, t2, window(&app, 24, 2)).await;
    app.clock.advance(Duration::minutes(3));
    let Some(first) = feed(&app, t2).await else { return };
    assert_eq!(first["method"], "PUBLISH");
    let event = &first["events"][0];
    assert_eq!(event["status"], "CONFIRMED");
    let stamp = |app: &TestApp| app.clock.now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    assert_eq!(event["dtstamp"], stamp(&app), "DTSTAMP is when the feed was generated (METHOD:PUBLISH)");
    // An edit voids the approvals: the event stays, tentative, with a higher SEQUENCE.
    let path = format!("{CHANGES}/{id}");
    let edited = app.patch(&path, Some(&b.org.tier1_a.token), json!({ "rollback_plan": "Rencana baru" }), None).await;
    assert_eq!(edited.body["status"], "awaiting_approval", "{}", edited.text);
    app.clock.advance(Duration::minutes(2));
    let second = feed(&app, t2).await.unwrap();
    let events = second["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "the voided window is still in the feed: {second}");
    assert_eq!((events[0]["uid"].clone(), events[0]["status"].as_str()), (event["uid"].clone(), Some("TENTATIVE")));
    assert!(events[0]["sequence"].as_i64() > event["sequence"].as_i64(), "{second}");
    assert_eq!(events[0]["dtstamp"], stamp(&app));
    let listed = app.get(&format!("{CHANGES}/schedule"), Some(t2)).await.body;
    assert_eq!(listed[0]["status"], "awaiting_approval", "{listed}");
    // Cancelled, it stays as CANCELLED with a higher SEQUENCE still.
    step(&app, &id, "cancel", &b.org.tier1_a.token, json!({ "reason": "Diganti rencana lain" })).await;
    let third = feed(&app, t2).await.unwrap();
    assert_eq!(third["events"][0]["status"], "CANCELLED");
    assert!(third["events"][0]["sequence"].as_i64() > events[0]["sequence"].as_i64(), "{third}");
}

on_both_backends!(
    conflicts_name_only_the_changes_the_caller_may_read,
    a_window_whose_approvals_were_voided_stays_in_the_feed_as_tentative,
);
