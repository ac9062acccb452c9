//! `If-Match` on every versioned resource (RFC 9110 §13.1.1): strong
//! comparison only, any tag of a list, `*`, stale tags that change nothing,
//! and writes that change nothing keeping their version. Lost races are in
//! `lost_races.rs`.

use reqwest::Method;
use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, Resp, TestApp};
use crate::tickets::{file, incident};

/// One write to a versioned resource.
pub struct Write {
    pub method: Method,
    pub path: String,
    pub body: Value,
}

impl Write {
    pub fn new(method: Method, path: &str, body: Value) -> Self {
        Self { method, path: path.to_owned(), body }
    }
}

/// A versioned resource, read at `read`, and two writes that each change it.
struct Subject<'a> {
    read: String,
    token: &'a str,
    first: Write,
    second: Write,
}

fn tag(version: i64) -> String {
    format!("\"{version}\"")
}

async fn send(app: &TestApp, token: &str, write: &Write, if_match: Option<&str>) -> Resp {
    let url = format!("{}{}", app.address, write.path);
    let mut request = app.client.request(write.method.clone(), url).bearer_auth(token).json(&write.body);
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    app.send(request).await
}

/// Reads the subject and checks that its `ETag` is its version.
async fn read(app: &TestApp, subject: &Subject<'_>) -> (i64, Resp) {
    let resp = app.get(&subject.read, Some(subject.token)).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    let version = resp.body["version"].as_i64().expect("a version");
    assert_eq!(resp.header("etag"), Some(tag(version).as_str()));
    (version, resp)
}

/// Asserts that the subject still reads as `before` and no audit row was added.
async fn assert_unchanged(app: &TestApp, subject: &Subject<'_>, before: &Resp, audit: i64) {
    let (_, now) = read(app, subject).await;
    assert_eq!(now.header("etag"), before.header("etag"));
    assert_eq!(now.body, before.body);
    assert_eq!(app.count("audit_log"), audit, "a refused write is not audited");
}

/// The rules every versioned resource follows, starting from its current
/// version `v`: `W/"v"`, an empty list and a malformed header change
/// nothing, `"7", "v"`
/// applies the first write, the stale `"v"` then changes nothing, and `*`
/// applies the second.
async fn assert_if_match_rules(app: &TestApp, subject: &Subject<'_>) {
    let (v, start) = read(app, subject).await;
    let audit = app.count("audit_log");
    let weak = send(app, subject.token, &subject.first, Some(&format!("W/\"{v}\""))).await;
    weak.assert_problem(412);
    assert_eq!(weak.body["type"], "urn:spbe-desk:problem:stale-version");
    let empty = send(app, subject.token, &subject.first, Some("")).await;
    empty.assert_problem(412);
    let unquoted = send(app, subject.token, &subject.first, Some(&v.to_string())).await;
    unquoted.assert_problem(400);
    assert!(unquoted.body["detail"].as_str().unwrap().contains("If-Match"), "{}", unquoted.text);
    assert_unchanged(app, subject, &start, audit).await;

    let listed = send(app, subject.token, &subject.first, Some(&format!("\"{}\", \"{v}\"", v + 6))).await;
    assert_eq!((listed.status, listed.header("etag")), (200, Some(tag(v + 1).as_str())), "{}", listed.text);
    assert!(app.count("audit_log") > audit, "the write is audited");

    let (_, first) = read(app, subject).await;
    let audit = app.count("audit_log");
    let stale = send(app, subject.token, &subject.second, Some(&tag(v))).await;
    stale.assert_problem(412);
    assert_unchanged(app, subject, &first, audit).await;

    let any = send(app, subject.token, &subject.second, Some("*")).await;
    assert_eq!((any.status, any.header("etag")), (200, Some(tag(v + 2).as_str())), "{}", any.text);
}

/// Each of `no_ops` (writes of what is stored) answers 200 with the same
/// version and `ETag`, with or without `If-Match`, and journals nothing; a
/// stale tag on one is still 412.
async fn assert_no_ops_keep_the_version(app: &TestApp, subject: &Subject<'_>, no_ops: &[Write]) {
    let (v, start) = read(app, subject).await;
    let (audit, events) = (app.count("audit_log"), app.count("ticket_events"));
    for write in no_ops {
        for if_match in [None, Some(tag(v)), Some("*".to_owned())] {
            let resp = send(app, subject.token, write, if_match.as_deref()).await;
            assert_eq!(resp.status, 200, "{} {} ({if_match:?}): {}", write.method, write.path, resp.text);
            assert_eq!(resp.header("etag"), Some(tag(v).as_str()), "{}", write.body);
            assert_eq!(resp.body, start.body, "the resource as it is");
        }
        send(app, subject.token, write, Some(&tag(v - 1))).await.assert_problem(412);
    }
    assert_eq!((app.count("audit_log"), app.count("ticket_events")), (audit, events), "nothing journaled");
    assert_unchanged(app, subject, &start, audit).await;
}

/// A PATCH subject writing `field` first as `first`, then as `second`.
fn patching<'a>(path: &str, token: &'a str, field: &str, first: &str, second: &str) -> Subject<'a> {
    Subject {
        read: path.to_owned(),
        token,
        first: Write::new(Method::PATCH, path, json!({ field: first })),
        second: Write::new(Method::PATCH, path, json!({ field: second })),
    }
}

/// The no-ops of a PATCH subject once its second write applied: nothing
/// given, and the second write again.
fn patch_no_ops(subject: &Subject<'_>) -> Vec<Write> {
    let path = subject.second.path.as_str();
    vec![Write::new(Method::PATCH, path, json!({})), Write::new(Method::PATCH, path, subject.second.body.clone())]
}

async fn a_unit_follows_the_if_match_rules_and_a_no_op_patch_keeps_its_version(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let path = format!("/api/v1/units/{}", org.pd_a);
    let subject = patching(&path, &org.admin.token, "name", "Bappeda Satu", "Bappeda Dua");
    assert_if_match_rules(&app, &subject).await;
    let mut no_ops = patch_no_ops(&subject);
    let (_, unit) = read(&app, &subject).await;
    let every_field = ["code", "name", "mandiri_tik", "time_zone", "mailbox", "active", "calendar_id"];
    let echo: serde_json::Map<String, Value> =
        every_field.iter().map(|f| (f.to_string(), unit.body[f].clone())).collect();
    no_ops.push(Write::new(Method::PATCH, &path, Value::Object(echo)));
    no_ops.push(Write::new(Method::PATCH, &path, json!({ "code": "bappeda" })));
    assert_no_ops_keep_the_version(&app, &subject, &no_ops).await;
}

async fn a_service_follows_the_if_match_rules_and_a_no_op_patch_keeps_its_version(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let path = format!("/api/v1/services/{}", org.service);
    let subject = patching(&path, &org.admin.token, "description", "Kepegawaian", "Kepegawaian daerah");
    assert_if_match_rules(&app, &subject).await;
    let mut no_ops = patch_no_ops(&subject);
    no_ops.push(Write::new(
        Method::PATCH,
        &path,
        json!({ "owner_unit_id": org.pd_a, "active": true, "calendar_id": null }),
    ));
    assert_no_ops_keep_the_version(&app, &subject, &no_ops).await;
}

async fn a_user_follows_the_if_match_rules_and_a_no_op_patch_keeps_its_version(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let path = format!("/api/v1/users/{}", org.tier1_a.id);
    let subject = patching(&path, &org.admin.token, "name", "Teknisi Satu", "Teknisi Dua");
    assert_if_match_rules(&app, &subject).await;
    let mut no_ops = patch_no_ops(&subject);
    let same =
        json!({ "email": org.tier1_a.email, "unit_id": org.pd_a, "roles": ["tier1_technician"], "active": true });
    no_ops.push(Write::new(Method::PATCH, &path, same));
    assert_no_ops_keep_the_version(&app, &subject, &no_ops).await;
    let with_password = json!({ "name": "Teknisi Dua", "password": "kata-sandi-yang-baru" });
    let changed = app.patch(&path, Some(&org.admin.token), with_password, None).await;
    assert_eq!((changed.status, changed.header("etag")), (200, Some("\"4\"")), "a password is always a change");
}

pub fn calendar(name: &str) -> Value {
    let hours = json!([{ "start": "08:00", "end": "16:00" }]);
    json!({
        "name": name,
        "time_zone": "Asia/Makassar",
        "week": { "monday": hours, "tuesday": hours, "wednesday": hours, "thursday": hours, "friday": hours },
        "special_schedules": [{
            "name": "Ramadan 1447 H",
            "from": "2026-02-18",
            "to": "2026-03-19",
            "week": { "monday": [{ "start": "08:00", "end": "14:00" }] }
        }]
    })
}

async fn a_calendar_follows_the_if_match_rules_on_replace_and_holiday_import(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    let created = app.post("/api/v1/calendars", Some(admin), calendar("Jam kerja WITA")).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let path = format!("/api/v1/calendars/{}", created.body["id"].as_str().unwrap());
    let replacing = Subject {
        read: path.clone(),
        token: admin,
        first: Write::new(Method::PUT, &path, calendar("Jam kerja WITA 2026")),
        second: Write::new(Method::PUT, &path, calendar("Jam kerja WITA 2027")),
    };
    assert_if_match_rules(&app, &replacing).await;
    let again = vec![Write::new(Method::PUT, &path, calendar("Jam kerja WITA 2027"))];
    assert_no_ops_keep_the_version(&app, &replacing, &again).await;

    let holidays = format!("{path}/holidays");
    let independence = json!([{ "date": "2026-08-17", "kind": "national_holiday", "name": "HUT RI ke-81" }]);
    let christmas = json!([{ "date": "2026-12-25", "kind": "national_holiday", "name": "Natal", "source": "SKB" }]);
    let importing = Subject {
        read: path.clone(),
        token: admin,
        first: Write::new(Method::POST, &holidays, independence.clone()),
        second: Write::new(Method::POST, &holidays, christmas.clone()),
    };
    assert_if_match_rules(&app, &importing).await;
    let both = json!([independence[0], christmas[0]]);
    let no_ops = [christmas, both].map(|body| Write::new(Method::POST, &holidays, body));
    assert_no_ops_keep_the_version(&app, &importing, &no_ops).await;
}

pub fn policy(name: &str) -> Value {
    let row = json!({
        "response": { "unit": "business_minutes", "value": 60 },
        "resolution": { "unit": "business_days", "value": 3 },
        "tier2_resolution": { "unit": "calendar_hours", "value": 48 },
    });
    json!({
        "name": name,
        "targets": { "critical": row, "high": row, "medium": row, "low": row },
        "warning_percent": 75,
        "pausing_reasons": ["waiting_for_reporter"],
    })
}

async fn an_sla_policy_follows_the_if_match_rules_and_a_no_op_replace_keeps_its_version(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    let created = app.post("/api/v1/sla-policies", Some(admin), policy("Standar")).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let path = format!("/api/v1/sla-policies/{}", created.body["id"].as_str().unwrap());
    let subject = Subject {
        read: path.clone(),
        token: admin,
        first: Write::new(Method::PUT, &path, policy("Standar 2026")),
        second: Write::new(Method::PUT, &path, policy("Standar 2027")),
    };
    assert_if_match_rules(&app, &subject).await;
    let again = vec![Write::new(Method::PUT, &path, policy("Standar 2027"))];
    assert_no_ops_keep_the_version(&app, &subject, &again).await;
    assert_eq!(app.get(&format!("{path}/versions/4"), Some(admin)).await.status, 404, "no version was stored");
}

async fn a_ticket_patch_follows_the_if_match_rules_and_a_no_op_keeps_its_version(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let path = format!("/api/v1/tickets/{}", ticket["id"].as_str().unwrap());
    let subject = patching(&path, &org.tier1_a.token, "title", "SIMPEG gagal login", "SIMPEG gagal login lagi");
    assert_if_match_rules(&app, &subject).await;
    let mut no_ops = patch_no_ops(&subject);
    let same = json!({ "impact": "medium", "urgency": "high", "service_id": org.service, "complaint_ref": null });
    no_ops.push(Write::new(Method::PATCH, &path, same));
    assert_no_ops_keep_the_version(&app, &subject, &no_ops).await;
}

async fn a_ticket_move_follows_the_if_match_rules(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let path = format!("/api/v1/tickets/{}", ticket["id"].as_str().unwrap());
    let subject = Subject {
        read: path.clone(),
        token: &org.tier1_a.token,
        first: Write::new(Method::POST, &format!("{path}/start"), json!({})),
        second: Write::new(Method::POST, &format!("{path}/pending"), json!({ "reason": "waiting_for_reporter" })),
    };
    let events = app.count("ticket_events");
    assert_if_match_rules(&app, &subject).await;
    assert_eq!(app.count("ticket_events"), events + 2, "only the two moves that applied are on the timeline");
    let (_, moved) = read(&app, &subject).await;
    assert_eq!(moved.body["status"], "pending");
}

async fn every_operation_taking_if_match_documents_400_409_and_412(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    let mut conditional = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
            if !parameters.iter().any(|p| p["name"] == "If-Match" && p["in"] == "header") {
                continue;
            }
            conditional.push(format!("{method} {path}"));
            for status in ["400", "409", "412"] {
                assert!(operation["responses"].get(status).is_some(), "{method} {path} does not document {status}");
            }
        }
    }
    for expected in [
        "patch /api/v1/units/{id}",
        "patch /api/v1/services/{id}",
        "patch /api/v1/users/{id}",
        "put /api/v1/calendars/{id}",
        "post /api/v1/calendars/{id}/holidays",
        "put /api/v1/sla-policies/{id}",
        "patch /api/v1/tickets/{id}",
        "post /api/v1/tickets/{id}/start",
    ] {
        assert!(conditional.iter().any(|c| c == expected), "{expected} takes If-Match: {conditional:?}");
    }
}

on_both_backends!(
    a_unit_follows_the_if_match_rules_and_a_no_op_patch_keeps_its_version,
    a_service_follows_the_if_match_rules_and_a_no_op_patch_keeps_its_version,
    a_user_follows_the_if_match_rules_and_a_no_op_patch_keeps_its_version,
    a_calendar_follows_the_if_match_rules_on_replace_and_holiday_import,
    an_sla_policy_follows_the_if_match_rules_and_a_no_op_replace_keeps_its_version,
    a_ticket_patch_follows_the_if_match_rules_and_a_no_op_keeps_its_version,
    a_ticket_move_follows_the_if_match_rules,
    every_operation_taking_if_match_documents_400_409_and_412,
);
