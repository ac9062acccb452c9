//! The demo region (`seed --demo --password …`, run as an operator runs
//! it) is complete: with its own people alone, every ticket workflow goes
//! to its end in every Perangkat Daerah and on every service, a change to
//! every service goes from its ticket to the review, its templates raise
//! standard changes, and a breach reaches the unit's head.

use std::collections::HashMap;
use std::process::Command;

use chrono::Duration;
use serde_json::{json, Value};
use spbe_desk::clock::Clock;

use crate::on_both_backends;
use crate::support::{spawn_app_with, Backend, TestApp};

pub(crate) const DEMO_PASSWORD: &str = "coba-demo-majene";

/// Seeds the demo region into the database at `url` with the binary;
/// returns what it printed.
pub(crate) fn seed(url: &str, password: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_spbe-desk"))
        .args(["seed", "--demo", "--password", password])
        .current_dir(dir.path())
        .env("APP__DATABASE__URL", url)
        .env("APP__LOG__LEVEL", "warn")
        .env_remove("APP_ENV")
        .env_remove("RUST_LOG")
        .output()
        .expect("run spbe-desk")
}

/// The served demo region: its units and services, and its people's tokens.
struct Region {
    app: TestApp,
    admin: String,
    dinas: String,
    units: Vec<Value>,
    services: Vec<Value>,
    tokens: HashMap<String, String>,
}

async fn region(backend: Backend) -> Option<Region> {
    let mut printed = String::new();
    let app = spawn_app_with(backend, |s| {
        let out = seed(&s.database.url, DEMO_PASSWORD);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        printed = String::from_utf8_lossy(&out.stdout).into_owned();
    })
    .await?;
    let users: Vec<&str> = printed.lines().filter(|l| l.starts_with("user ")).collect();
    assert!(users.len() > 20, "{printed}");
    for line in users {
        assert_eq!(line.split_whitespace().nth(2), Some(DEMO_PASSWORD), "{line}");
    }
    let (admin, _) = app.login("admin@majenekab.go.id", DEMO_PASSWORD).await;
    let units = list(&app, "/api/v1/units?limit=200", &admin).await;
    let services = list(&app, "/api/v1/services?limit=200", &admin).await;
    let dinas = units.iter().find(|u| u["kind"] == "dinas").expect("the Dinas")["id"].as_str().unwrap().to_owned();
    Some(Region { app, admin, dinas, units, services, tokens: HashMap::new() })
}

async fn list(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let resp = app.get(path, Some(token)).await;
    assert_eq!(resp.status, 200, "{path}: {}", resp.text);
    resp.body["items"].as_array().unwrap().clone()
}

/// A move or a creation that must succeed; its body.
async fn ok(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let resp = app.post(path, Some(token), body).await;
    assert!(resp.status == 200 || resp.status == 201, "{path}: {} {}", resp.status, resp.text);
    resp.body
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

impl Region {
    fn pds(&self) -> Vec<Value> {
        self.units.iter().filter(|u| u["kind"] == "perangkat_daerah").cloned().collect()
    }

    fn unit_code(&self, unit_id: &str) -> String {
        self.units.iter().find(|u| u["id"] == unit_id).unwrap()["code"].as_str().unwrap().to_owned()
    }

    /// The active people of a unit (any unit: `None`) with a role: (id, e-mail).
    async fn people(&self, role: &str, unit: Option<&str>) -> Vec<(String, String)> {
        let unit = unit.map(|u| format!("&unit_id={u}")).unwrap_or_default();
        let path = format!("/api/v1/users?role={role}&active=true&limit=200{unit}");
        list(&self.app, &path, &self.admin)
            .await
            .iter()
            .map(|u| (id(u), u["email"].as_str().unwrap().to_owned()))
            .collect()
    }

    /// The first one, asserting the seed gave the unit one.
    async fn one(&self, role: &str, unit: &str) -> (String, String) {
        let found = self.people(role, Some(unit)).await;
        found.into_iter().next().unwrap_or_else(|| panic!("{} has no {role}", self.unit_code(unit)))
    }

    async fn token(&mut self, email: &str) -> String {
        if !self.tokens.contains_key(email) {
            let (token, _) = self.app.login(email, DEMO_PASSWORD).await;
            self.tokens.insert(email.to_owned(), token);
        }
        self.tokens[email].clone()
    }

    async fn file(&mut self, reporter: &str, kind: &str, service: &str, level: &str, title: &str) -> Value {
        let token = self.token(reporter).await;
        let body = json!({ "type": kind, "title": title, "description": "Dilaporkan dari wilayah demo",
            "service_id": service, "impact": level, "urgency": level });
        ok(&self.app, "/api/v1/tickets", &token, body).await
    }

    /// Runs a ticket move as `who` and returns (status, tier) after it.
    async fn mv(&mut self, number: &str, name: &str, who: &str, body: Value) -> (String, i64) {
        let token = self.token(who).await;
        let ticket = ok(&self.app, &format!("/api/v1/tickets/{number}/{name}"), &token, body).await;
        (ticket["status"].as_str().unwrap().to_owned(), ticket["tier"].as_i64().unwrap())
    }

    /// Runs a change step as `who` and returns the change.
    async fn step(&mut self, change: &str, name: &str, who: &str, body: Value) -> Value {
        let token = self.token(who).await;
        ok(&self.app, &format!("/api/v1/changes/{change}/{name}"), &token, body).await
    }
}

async fn every_perangkat_daerah_takes_a_ticket_through_every_move_to_its_end(backend: Backend) {
    let Some(mut r) = region(backend).await else { return };
    let tier2 = r.people("tier2_engineer", Some(&r.dinas.clone())).await;
    assert!(tier2.len() >= 2, "one tier-2 engineer assigns, another works");
    let (lead, (engineer_id, engineer)) = (tier2[0].1.clone(), tier2[1].clone());
    let srikandi = id(r.services.iter().find(|s| s["code"] == "SRIKANDI").unwrap());
    for pd in r.pds() {
        let (unit, code) = (id(&pd), pd["code"].as_str().unwrap().to_owned());
        let (tech_id, tech) = r.one("tier1_technician", &unit).await;
        let (_, reporter) = r.one("reporter", &unit).await;
        let ticket =
            r.file(&reporter, "incident", &srikandi, "medium", &format!("Naskah tidak terkirim di {code}")).await;
        assert_eq!(ticket["tier"], 1, "{code}: its own desk takes it first");
        let n = ticket["number"].as_str().unwrap().to_owned();
        let moves = [
            ("assign", &tech, json!({ "assignee_id": tech_id }), "assigned", 1),
            ("start", &tech, json!({}), "in_progress", 1),
            ("pending", &tech, json!({ "reason": "waiting_for_reporter" }), "pending", 1),
            ("resume", &tech, json!({}), "in_progress", 1),
            ("escalate", &tech, json!({ "reason": "Butuh akses server", "steps_taken": "Cek jaringan" }), "new", 2),
            ("assign", &lead, json!({ "assignee_id": engineer_id }), "assigned", 2),
            ("start", &engineer, json!({}), "in_progress", 2),
            ("return", &engineer, json!({ "instructions": "Pasang ulang sertifikat di komputer pengguna" }), "new", 1),
            ("start", &tech, json!({}), "in_progress", 1),
            (
                "resolve",
                &tech,
                json!({ "resolution_code": "solved", "resolution": "Sertifikat dipasang" }),
                "resolved",
                1,
            ),
            ("reopen", &reporter, json!({ "reason": "Masih gagal di komputer kedua" }), "in_progress", 1),
            ("resolve", &tech, json!({ "resolution_code": "solved", "resolution": "Keduanya beres" }), "resolved", 1),
        ];
        for (name, who, body, status, tier) in moves {
            let after = r.mv(&n, name, who, body).await;
            assert_eq!(after, (status.to_owned(), tier), "{code}: {name}");
        }
        let rating = r.token(&reporter).await;
        ok(&r.app, &format!("/api/v1/tickets/{n}/rating"), &rating, json!({ "rating": 5, "remark": "Cepat" })).await;
        assert_eq!(r.mv(&n, "close", &reporter, json!({})).await.0, "closed", "{code}");
    }
}

async fn a_ticket_on_every_demo_service_is_resolved_by_the_desk_it_reaches_and_a_breach_reaches_the_units_head(
    backend: Backend,
) {
    let Some(mut r) = region(backend).await else { return };
    for unit in &r.units {
        assert!(unit["head_email"].as_str().is_some_and(|e| e.starts_with("kepala.")), "{unit}");
        assert!(unit["head_name"].is_string(), "{unit}");
    }
    let (pds, tier2) = (r.pds(), r.people("tier2_engineer", None).await[0].1.clone());
    for (i, service) in r.services.clone().iter().enumerate() {
        let unit = id(&pds[i % pds.len()]);
        let (_, reporter) = r.one("reporter", &unit).await;
        let title = format!("Gangguan {}", service["code"].as_str().unwrap());
        let ticket = r.file(&reporter, "incident", &id(service), "low", &title).await;
        let n = ticket["number"].as_str().unwrap().to_owned();
        let desk = if ticket["tier"] == 2 { tier2.clone() } else { r.one("tier1_technician", &unit).await.1 };
        assert_eq!(r.mv(&n, "start", &desk, json!({})).await.0, "in_progress", "{title}");
        let resolution = json!({ "resolution_code": "solved", "resolution": "Layanan pulih" });
        assert_eq!(r.mv(&n, "resolve", &desk, resolution).await.0, "resolved", "{title}");
        assert_eq!(r.mv(&n, "close", &reporter, json!({})).await.0, "closed", "{title}");
    }
    let bappeda = id(r.units.iter().find(|u| u["code"] == "BAPPEDA").unwrap());
    let (_, reporter) = r.one("reporter", &bappeda).await;
    r.file(&reporter, "incident", &id(&r.services[0]), "high", "Layanan tidak bisa dibuka").await;
    r.app.clock.advance(Duration::days(7));
    r.app.sweep().await;
    r.app.dispatch().await;
    let head = "notices WHERE audience = 'unit_head' AND event = 'ticket.sla_breached'";
    assert!(r.app.count(&format!("{head} AND recipient = 'kepala.bappeda@majenekab.go.id'")) >= 1);
}

/// A risk assessment, an impact analysis and the three plans: what
/// `request-approval` needs.
fn analysis() -> Value {
    json!({ "risk": { "users_affected": 120, "outage_needed": true, "rollback_possible": true, "tested": true,
            "touches_special": false },
        "impact_analysis": "Layanan tidak tersedia 30 menit", "implementation_plan": "Pasang versi baru",
        "test_plan": "Uji login dan laporan", "rollback_plan": "Pulihkan snapshot" })
}

async fn a_change_to_every_demo_service_goes_from_its_ticket_to_the_review(backend: Backend) {
    let Some(mut r) = region(backend).await else { return };
    let approvers = list(&r.app, "/api/v1/users?role=change_approver&limit=200", &r.admin).await;
    let (pds, dinas) = (r.pds(), r.dinas.clone());
    let tier2 = r.people("tier2_engineer", None).await[0].1.clone();
    for (i, service) in r.services.clone().iter().enumerate() {
        let (code, owner) = (service["code"].as_str().unwrap(), service["owner_unit_id"].as_str().unwrap());
        // The owner PD's own people ask, or a PD's for the Dinas's services.
        let unit = if owner == dinas { id(&pds[i % pds.len()]) } else { owner.to_owned() };
        let (_, reporter) = r.one("reporter", &unit).await;
        let (requester_id, requester) = r.one("tier1_technician", &unit).await;
        let ticket = r.file(&reporter, "change_request", &id(service), "low", &format!("Fitur baru {code}")).await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        let token = r.token(&requester).await;
        let path = format!("/api/v1/tickets/{number}/raise-change");
        let raised = ok(&r.app, &path, &token, json!({ "scope": "aplikasi" })).await;
        assert_eq!(raised["tickets"][0]["number"], number.as_str());
        let change = id(&raised);
        let planned = r.app.patch(&format!("/api/v1/changes/{change}"), Some(&token), analysis(), None).await;
        assert_eq!(planned.status, 200, "{code}: {}", planned.text);
        r.step(&change, "submit", &requester, json!({})).await;
        r.step(&change, "assess", &tier2, json!({})).await;
        let mut after = r.step(&change, "request-approval", &tier2, json!({})).await;
        // Each decision the round still needs, from a seeded approver the
        // change names for it (owner unit, the Dinas for special services,
        // the board from outside the units concerned).
        let expected = if raised["special"] == true { 3 } else { 2 };
        let mut decided = vec![requester_id];
        for _ in 0..expected {
            let needed = after["approvals_needed"].as_array().unwrap_or_else(|| panic!("{code}: {after}")).clone();
            let Some(next) = needed.first() else { break };
            let capacity = next["capacity"].as_str().unwrap().to_owned();
            let may = next["approvers"].as_array().unwrap();
            let approver = approvers
                .iter()
                .find(|a| may.iter().any(|m| m["id"] == a["id"]) && !decided.contains(&id(a)))
                .unwrap_or_else(|| panic!("{code}: no seeded approver left for {capacity}: {next}"));
            decided.push(id(approver));
            let email = approver["email"].as_str().unwrap().to_owned();
            let body =
                json!({ "decision": "approve", "capacity": capacity, "unit_id": next["unit_id"], "comment": "Setuju" });
            after = r.step(&change, "approvals", &email, body).await["change"].clone();
        }
        assert_eq!(decided.len(), expected + 1, "{code}: the round needed {expected} decisions");
        assert_eq!(after["status"], "approved", "{code}");
        finish(&mut r, &change, &requester, &tier2, i).await;
    }
    let templates = list(&r.app, "/api/v1/change-templates", &r.admin).await;
    assert!(!templates.is_empty(), "the demo has templates of standard changes");
    for (i, template) in templates.iter().enumerate() {
        let service = r.services.iter().find(|s| s["id"] == template["service_id"]).unwrap().clone();
        let owner = service["owner_unit_id"].as_str().unwrap();
        let requester = if owner == dinas { tier2.clone() } else { r.one("tier1_technician", owner).await.1 };
        let mut body = analysis();
        body["change_type"] = json!("standard");
        body["template_id"] = template["id"].clone();
        body["reason"] = json!("Pekerjaan rutin");
        let token = r.token(&requester).await;
        let change = id(&ok(&r.app, "/api/v1/changes", &token, body).await);
        r.step(&change, "submit", &requester, json!({})).await;
        r.step(&change, "assess", &tier2, json!({})).await;
        assert_eq!(r.step(&change, "request-approval", &tier2, json!({})).await["status"], "approved");
        finish(&mut r, &change, &requester, &tier2, 100 + i).await;
    }
}

/// Schedules an approved change in a window of its own (`slot` apart from
/// the others), has the Dinas test it when special, starts, completes and
/// reviews it.
async fn finish(r: &mut Region, change: &str, owner_desk: &str, tier2: &str, slot: usize) {
    let start = r.app.clock.now() + Duration::hours(48 + 4 * slot as i64);
    let window = json!({ "planned_start": start, "planned_end": start + Duration::hours(2) });
    let scheduled = r.step(change, "schedule", owner_desk, window).await;
    if scheduled["special"] == true {
        r.step(change, "dinas-test", tier2, json!({ "passed": true, "notes": "Uji bersama Dinas lulus" })).await;
    }
    r.step(change, "start", owner_desk, json!({})).await;
    r.step(change, "complete", owner_desk, json!({ "outcome": "successful" })).await;
    let reviewed = r.step(change, "review", owner_desk, json!({ "findings": "Berjalan sesuai rencana" })).await;
    assert_eq!(reviewed["status"], "completed", "{reviewed}");
}

async fn the_demo_password_must_follow_the_password_rules(backend: Backend) {
    let Some(ws) = crate::cli::workspace(backend) else { return };
    let short = ws.run(&["seed", "--demo", "--password", "pendek"]);
    assert!(!short.status.success());
    assert!(crate::cli::stderr(&short).contains("--password must be at least 10 characters"));
    let alone = ws.run(&["seed", "--password", DEMO_PASSWORD]);
    assert!(!alone.status.success(), "--password needs --demo");
    assert!(!crate::cli::stdout(&short).contains("user "), "nothing was seeded");
}

on_both_backends!(
    every_perangkat_daerah_takes_a_ticket_through_every_move_to_its_end,
    a_ticket_on_every_demo_service_is_resolved_by_the_desk_it_reaches_and_a_breach_reaches_the_units_head,
    a_change_to_every_demo_service_goes_from_its_ticket_to_the_review,
    the_demo_password_must_follow_the_password_rules,
);
