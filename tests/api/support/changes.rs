//! The change board fixture and the steps change scenarios share: raising,
//! moving, approving and scheduling changes, and the Python checkers.

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::Duration;
use serde_json::{json, Value};
use spbe_desk::clock::Clock;
use spbe_desk::domain::role::Role;

use super::{insert_user, Org, Person, TestApp, PASSWORD};

pub const CHANGES: &str = "/api/v1/changes";

/// The region plus the change board: a Dinas approver and one approver of
/// each PD.
pub struct Board {
    pub org: Org,
    pub dinas_approver: Person,
    pub pd_a_approver: Person,
    pub pd_b_approver: Person,
    /// An aplikasi_umum service of PD A (no Dinas approval or test needed).
    pub umum: String,
}

pub async fn person(app: &TestApp, unit: uuid::Uuid, email: &str, roles: &[Role]) -> Person {
    let id = insert_user(&app.db, unit, email, roles);
    let (token, _) = app.login(email, PASSWORD).await;
    Person { id, email: email.to_owned(), token }
}

/// An aplikasi_umum service on the data centre, owned by `owner`.
pub async fn umum_service(app: &TestApp, org: &Org, owner: uuid::Uuid, code: &str) -> String {
    let service = app
        .post(
            "/api/v1/services",
            Some(&org.admin.token),
            json!({ "code": code, "name": format!("Aplikasi {code}"), "category": "administrasi_pemerintahan",
                    "owner_unit_id": owner, "platform": "aplikasi_umum", "application_name": code,
                    "depends_on": ["pusat_data"] }),
        )
        .await;
    assert_eq!(service.status, 201, "{}", service.text);
    service.body["id"].as_str().unwrap().to_owned()
}

pub async fn board(app: &TestApp) -> Board {
    let org = app.org().await;
    let dinas_approver = person(app, org.dinas, "cab.dinas@desk.go.id", &[Role::ChangeApprover]).await;
    let pd_a_approver = person(app, org.pd_a, "cab.bappeda@desk.go.id", &[Role::ChangeApprover]).await;
    let pd_b_approver = person(app, org.pd_b, "cab.dinkes@desk.go.id", &[Role::ChangeApprover]).await;
    let umum = umum_service(app, &org, org.pd_a, "SIRUP").await;
    Board { org, dinas_approver, pd_a_approver, pd_b_approver, umum }
}

pub fn risk() -> Value {
    json!({ "users_affected": 120, "outage_needed": true, "rollback_possible": true, "tested": true, "touches_special": false })
}

pub fn normal(service: &str) -> Value {
    json!({
        "change_type": "normal", "scope": "aplikasi", "title": "Pembaruan versi aplikasi",
        "description": "Memasang versi 2.4", "reason": "Perbaikan keamanan dari penyedia",
        "service_ids": [service], "risk": risk(), "impact_analysis": "Layanan tidak tersedia 30 menit",
        "implementation_plan": "Pasang paket 2.4", "test_plan": "Uji login dan laporan", "rollback_plan": "Pulihkan snapshot",
    })
}

pub async fn ok(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let resp = app.post(path, Some(token), body).await;
    assert!(resp.status == 200 || resp.status == 201, "{path}: {} {}", resp.status, resp.text);
    resp.body
}

pub async fn step(app: &TestApp, id: &str, name: &str, token: &str, body: Value) -> Value {
    ok(app, &format!("{CHANGES}/{id}/{name}"), token, body).await
}

pub async fn approve(app: &TestApp, id: &str, who: &Person, capacity: &str, unit: Option<uuid::Uuid>) -> Value {
    let body = json!({ "decision": "approve", "capacity": capacity, "unit_id": unit, "comment": "Setuju" });
    ok(app, &format!("{CHANGES}/{id}/approvals"), &who.token, body).await["change"].clone()
}

/// Raises a normal change on `service` as tier 1 of PD A and takes it to `assessing`.
pub async fn assessing(app: &TestApp, b: &Board, service: &str) -> String {
    let created = ok(app, CHANGES, &b.org.tier1_a.token, normal(service)).await;
    assert_eq!(created["status"], "draft");
    assert!(created["number"].as_str().unwrap().starts_with("CHG-"));
    let id = created["id"].as_str().unwrap().to_owned();
    step(app, &id, "submit", &b.org.tier1_a.token, json!({})).await;
    step(app, &id, "assess", &b.org.tier2.token, json!({})).await;
    id
}

/// Raises a normal change on `service` as tier 1 of PD A and takes it to `awaiting_approval`.
pub async fn awaiting(app: &TestApp, b: &Board, service: &str) -> String {
    let id = assessing(app, b, service).await;
    let asked = step(app, &id, "request-approval", &b.org.tier2.token, json!({})).await;
    assert_eq!(asked["status"], "awaiting_approval");
    assert_eq!(asked["phase"], "persetujuan");
    id
}

pub fn window(app: &TestApp, hours_ahead: i64, length: i64) -> (String, String) {
    let start = app.clock.now() + Duration::hours(hours_ahead);
    ((start).to_rfc3339(), (start + Duration::hours(length)).to_rfc3339())
}

pub async fn schedule(app: &TestApp, id: &str, token: &str, at: (String, String)) -> Value {
    step(app, id, "schedule", token, json!({ "planned_start": at.0, "planned_end": at.1 })).await
}

/// An instant as a query parameter.
pub fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

/// Runs `python3 script args…` with `stdin`; `None` (skipped) when python3
/// or `module` is missing and the receivers are not required.
pub fn python(module: &str, script: &str, args: &[&str], stdin: &str) -> Option<(i32, String)> {
    let has = Command::new("python3").args(["-c", &format!("import {module}")]).status().is_ok_and(|s| s.success());
    if !has {
        assert!(std::env::var_os("SPBE_REQUIRE_RECEIVERS").is_none(), "python3 with `{module}` is required");
        eprintln!("!!! SKIPPED: {script} needs python3 with `{module}` (pip install {module}) !!!");
        return None;
    }
    let mut child = Command::new("python3")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Some((out.status.code().unwrap_or(-1), text))
}

pub async fn kinds(app: &TestApp, id: &str, token: &str) -> Vec<String> {
    let resp = app.get(&format!("{CHANGES}/{id}/events"), Some(token)).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    resp.body["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect()
}
