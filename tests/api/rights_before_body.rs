//! Rights before bodies: every role-gated operation that takes a body
//! refuses a caller without the right (403, or 404 when it may not even
//! see the resource) before it reads the body, so the caller learns
//! nothing of the body's rules; a caller with the right sending the same
//! malformed body hears what is wrong with it (422). The table is the
//! router's every POST, PUT and PATCH with a body whose handler checks a
//! right (sign-in and one's own password and preferences check none).

use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::on_both_backends;
use crate::support::changes::{board, CHANGES};
use crate::support::{spawn_app_with_loopback_webhooks, Backend, Resp, TestApp};
use crate::tickets::{file, incident};

/// Wrong types for the fields the operations share, and a field none has.
fn malformed() -> Value {
    json!({
        "title": 7, "name": 7, "reason": 7, "body": 7, "rating": "lima", "done": "ya",
        "decision": 7, "resolution_code": 7, "assignee_id": 7, "no_such_field": [true],
    })
}

async fn call(app: &TestApp, method: &Method, path: &str, token: &str) -> Resp {
    let url = format!("{}/api/v1{path}", app.address);
    app.send(app.client.request(method.clone(), url).bearer_auth(token).json(&malformed())).await
}

/// A caller: a name for messages, and its token or key.
type Who = (&'static str, String);

/// One operation: who may not use it (and what they get), and who may.
struct Row {
    method: Method,
    path: String,
    refused: Vec<(Who, u16)>,
    allowed: Who,
    /// What the allowed caller hears of the malformed body.
    invalid: u16,
}

fn row(method: Method, path: impl Into<String>, refused: &[(&Who, u16)], allowed: &Who) -> Row {
    let refused = refused.iter().map(|(who, status)| ((*who).clone(), *status)).collect();
    Row { method, path: path.into(), refused, allowed: allowed.clone(), invalid: 422 }
}

/// Files a ticket as `token` and makes `moves` on it.
async fn ticket(app: &TestApp, token: &str, body: Value, moves: &[(&str, &str, Value)]) -> String {
    let id = file(app, token, body).await["id"].as_str().unwrap().to_owned();
    for (name, mover, body) in moves {
        let moved = app.post(&format!("/api/v1/tickets/{id}/{name}"), Some(mover), body.clone()).await;
        assert_eq!(moved.status, 200, "{name}: {}", moved.text);
    }
    id
}

async fn a_caller_without_the_right_is_refused_before_its_body_is_read(backend: Backend) {
    let Some(app) = spawn_app_with_loopback_webhooks(backend).await else { return };
    let b = board(&app).await;
    let o = &b.org;
    let who = |name: &'static str, token: &str| -> Who { (name, token.to_owned()) };
    let (admin, auditor, supervisor) =
        (who("admin", &o.admin.token), who("auditor", &o.auditor.token), who("supervisor", &o.supervisor.token));
    let (tier1_a, tier2) = (who("tier1 A", &o.tier1_a.token), who("tier2", &o.tier2.token));
    let tier1_b = who("tier1 B", &o.tier1_b.token);
    let (reporter_a, reporter_b) = (who("reporter A", &o.reporter_a.token), who("reporter B", &o.reporter_b.token));
    let key_a = who("key of A", &app.tier1_api_key(&o.admin.token, o.pd_a).await);
    let key_b = who("key of B", &app.tier1_api_key(&o.admin.token, o.pd_b).await);
    let approver = who("approver", &b.dinas_approver.token);

    let (t1, rep) = (tier1_a.1.as_str(), reporter_a.1.as_str());
    let escalation = json!({ "reason": "Perlu akses server", "steps_taken": "Reset kata sandi" });
    let resolution = json!({ "resolution_code": "solved", "resolution": "Sertifikat diperbarui" });
    let fresh = ticket(&app, rep, incident(o.service), &[]).await;
    let working = ticket(&app, rep, incident(o.service), &[("start", t1, json!({}))]).await;
    let moves = [("start", t1, json!({})), ("escalate", t1, escalation)];
    let escalated = ticket(&app, rep, incident(o.service), &moves).await;
    let resolved = ticket(&app, rep, incident(o.service), &[("resolve", t1, resolution)]).await;
    let mut problem = incident(o.service);
    problem["type"] = json!("problem");
    let problem = ticket(&app, t1, problem, &[]).await;
    let change = app.post(CHANGES, Some(t1), crate::support::changes::normal(&b.umum)).await;
    assert_eq!(change.status, 201, "{}", change.text);
    let change = format!("/changes/{}", change.body["id"].as_str().unwrap());
    let hook = json!({ "url": "http://127.0.0.1:9/hook", "events": ["*"] });
    let webhook = app.post("/api/v1/webhooks", Some(&admin.1), hook).await;
    assert_eq!(webhook.status, 201, "{}", webhook.text);
    let webhook = format!("/webhooks/{}", webhook.body["webhook"]["id"].as_str().unwrap());
    let somewhere = Uuid::now_v7();
    let draft = crate::knowledge::article(o.service, "Gagal masuk", "Atur ulang kata sandi");
    let draft = format!("/knowledge/articles/{}", crate::knowledge::write(&app, t1, draft).await);
    let published = crate::knowledge::article(o.service, "Gagal masuk", "Atur ulang kata sandi");
    let published = crate::knowledge::write(&app, t1, published).await;
    crate::knowledge::step(&app, &published, "publish", &tier2.1).await;
    let published = format!("/knowledge/articles/{published}");

    let laptop = crate::assets::asset("LPT-A-01", "laptop", json!({}));
    let laptop = format!("/assets/{}", crate::assets::register(&app, t1, laptop).await);
    let (post, patch, put) = (Method::POST, Method::PATCH, Method::PUT);
    let on = |ticket: &str, action: &str| format!("/tickets/{ticket}/{action}");
    let mut rows = vec![
        // Tickets: a reporter files only for themself, an auditor not at all.
        row(post.clone(), "/tickets", &[(&auditor, 403)], &reporter_a),
        row(
            patch.clone(),
            format!("/tickets/{fresh}"),
            &[(&admin, 403), (&auditor, 403), (&reporter_b, 404)],
            &tier1_a,
        ),
        row(post.clone(), on(&fresh, "assign"), &[(&reporter_a, 403), (&admin, 403), (&reporter_b, 404)], &tier1_a),
        row(post.clone(), on(&fresh, "escalate"), &[(&reporter_a, 403), (&auditor, 403), (&tier2, 404)], &tier1_a),
        row(post.clone(), on(&fresh, "resolve"), &[(&reporter_a, 403), (&admin, 403), (&key_b, 404)], &tier1_a),
        row(post.clone(), on(&working, "pending"), &[(&reporter_a, 403), (&auditor, 403)], &tier1_a),
        row(post.clone(), on(&escalated, "return"), &[(&tier1_a, 403), (&reporter_a, 403)], &tier2),
        row(post.clone(), on(&resolved, "reopen"), &[(&tier1_a, 403), (&key_a, 403), (&reporter_b, 404)], &reporter_a),
        row(post.clone(), on(&resolved, "rating"), &[(&tier1_a, 403), (&key_a, 403), (&admin, 403)], &reporter_a),
        row(post.clone(), on(&problem, "linked-tickets"), &[(&admin, 403), (&reporter_a, 404)], &tier1_a),
        row(post.clone(), on(&fresh, "comments"), &[(&admin, 403), (&auditor, 403), (&reporter_b, 404)], &reporter_a),
        row(post.clone(), on(&fresh, "sla/recompute"), &[(&tier1_a, 403), (&key_a, 403)], &supervisor),
        row(post.clone(), on(&fresh, "raise-change"), &[(&reporter_a, 403), (&auditor, 403)], &tier1_a),
        row(
            post.clone(),
            on(&resolved, "knowledge-links"),
            &[(&reporter_a, 403), (&key_a, 403), (&reporter_b, 404)],
            &tier1_a,
        ),
        // Changes: the requester's side, the analysts, the implementers, the board.
        row(post.clone(), CHANGES.trim_start_matches("/api/v1"), &[(&reporter_a, 403), (&key_a, 403)], &tier1_a),
        row(patch.clone(), change.clone(), &[(&reporter_a, 403), (&reporter_b, 404), (&key_b, 404)], &tier1_a),
        row(post.clone(), format!("{change}/submit"), &[(&reporter_a, 403), (&reporter_b, 404)], &tier1_a),
        row(post.clone(), format!("{change}/assess"), &[(&tier1_a, 403), (&reporter_a, 403)], &tier2),
        row(post.clone(), format!("{change}/request-approval"), &[(&tier1_a, 403)], &tier2),
        row(post.clone(), format!("{change}/schedule"), &[(&reporter_a, 403), (&key_b, 404)], &tier2),
        row(post.clone(), format!("{change}/dinas-test"), &[(&tier1_a, 403), (&key_a, 403)], &tier2),
        row(post.clone(), format!("{change}/start"), &[(&reporter_a, 403)], &tier2),
        row(post.clone(), format!("{change}/complete"), &[(&reporter_a, 403)], &tier2),
        row(post.clone(), format!("{change}/review"), &[(&reporter_a, 403)], &tier1_a),
        row(post.clone(), format!("{change}/cancel"), &[(&reporter_a, 403)], &tier1_a),
        row(post.clone(), format!("{change}/tickets"), &[(&reporter_a, 403)], &tier1_a),
        row(patch.clone(), format!("{change}/follow-ups/1"), &[(&reporter_a, 403)], &tier1_a),
        row(
            post.clone(),
            format!("{change}/approvals"),
            &[(&tier1_a, 403), (&reporter_a, 403), (&key_a, 403)],
            &approver,
        ),
        row(post.clone(), "/change-templates", &[(&tier2, 403), (&key_a, 403)], &admin),
        row(put.clone(), format!("/change-templates/{somewhere}"), &[(&tier2, 403)], &admin),
        row(post.clone(), "/freeze-windows", &[(&supervisor, 403)], &admin),
        row(put.clone(), format!("/freeze-windows/{somewhere}"), &[(&supervisor, 403)], &admin),
        // Knowledge: writers write, the article's desk edits, reviewers return.
        row(post.clone(), "/knowledge/articles", &[(&reporter_a, 403), (&key_a, 403), (&auditor, 403)], &tier1_a),
        row(patch.clone(), draft.clone(), &[(&reporter_a, 404), (&key_b, 403), (&tier1_b, 404)], &tier1_a),
        row(post.clone(), format!("{draft}/return"), &[(&tier1_a, 403), (&reporter_b, 404)], &tier2),
        row(post.clone(), format!("{published}/ratings"), &[(&key_a, 403)], &reporter_a),
        row(post.clone(), format!("{published}/flags"), &[(&key_a, 403)], &reporter_a),
        // Assets: desks keep their own unit's, the Dinas any, people only.
        row(post.clone(), "/assets", &[(&reporter_a, 403), (&key_a, 403), (&auditor, 403)], &tier1_a),
        row(patch.clone(), laptop.clone(), &[(&reporter_a, 403), (&key_a, 403), (&tier1_b, 404)], &tier1_a),
        row(post.clone(), format!("{laptop}/status"), &[(&reporter_b, 403), (&tier1_b, 404)], &tier2),
        row(post.clone(), format!("{laptop}/relations"), &[(&auditor, 403), (&tier1_b, 404)], &tier1_a),
        // The region and its people: admins.
        row(post.clone(), "/units", &[(&reporter_a, 403), (&key_a, 403)], &admin),
        row(patch.clone(), format!("/units/{}", o.pd_a), &[(&tier1_a, 403)], &admin),
        row(post.clone(), "/users", &[(&tier2, 403)], &admin),
        row(patch.clone(), format!("/users/{}", o.reporter_a.id), &[(&tier1_a, 403), (&reporter_a, 403)], &admin),
        row(post.clone(), "/api-keys", &[(&supervisor, 403), (&key_a, 403)], &admin),
        row(post.clone(), "/services", &[(&tier1_a, 403)], &admin),
        row(patch.clone(), format!("/services/{}", o.service), &[(&tier1_a, 403)], &admin),
        row(post.clone(), "/sla-policies", &[(&tier1_a, 403)], &admin),
        row(put.clone(), format!("/sla-policies/{somewhere}"), &[(&tier1_a, 403)], &admin),
        row(post.clone(), "/calendars", &[(&reporter_a, 403)], &admin),
        row(put.clone(), format!("/calendars/{somewhere}"), &[(&reporter_a, 403)], &admin),
        row(post.clone(), format!("/calendars/{somewhere}/holidays"), &[(&reporter_a, 403)], &admin),
        // Webhooks: admins, or a front end's key for its own unit.
        row(post.clone(), "/webhooks", &[(&reporter_a, 403), (&tier1_a, 403)], &admin),
        row(patch.clone(), webhook.clone(), &[(&reporter_a, 403), (&key_b, 404)], &admin),
        // Erasing a person's data: an admin in person, nobody else.
        row(post.clone(), "/privacy/erasures", &[(&auditor, 403), (&supervisor, 403), (&key_a, 403)], &admin),
    ];
    // A file is sent as a form: a JSON body is the wrong kind of body.
    let mut attach = row(post.clone(), on(&fresh, "attachments"), &[(&admin, 403), (&reporter_b, 404)], &reporter_a);
    attach.invalid = 415;
    rows.push(attach);
    let files = format!("{draft}/attachments");
    let mut attach = row(post.clone(), files, &[(&reporter_a, 404), (&key_b, 403), (&tier1_b, 404)], &tier1_a);
    attach.invalid = 415;
    rows.push(attach);

    let mut failures = Vec::new();
    for row in &rows {
        let entries = app.count("audit_log");
        for ((name, token), status) in &row.refused {
            let refused = call(&app, &row.method, &row.path, token).await;
            let told = refused.body.get("errors").is_some();
            let problem = refused.header("content-type") == Some("application/problem+json");
            if refused.status != *status || told || !problem {
                failures.push(format!("{} {} as {name}: {} {}", row.method, row.path, refused.status, refused.text));
            }
        }
        assert_eq!(app.count("audit_log"), entries, "{} {}: a refused call wrote", row.method, row.path);
        let (name, token) = &row.allowed;
        let invalid = call(&app, &row.method, &row.path, token).await;
        if invalid.status != row.invalid {
            failures
                .push(format!("{} {} as {name} (allowed): {} {}", row.method, row.path, invalid.status, invalid.text));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} operations answered out of order:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

on_both_backends!(a_caller_without_the_right_is_refused_before_its_body_is_read);
