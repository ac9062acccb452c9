//! Units: registration by admins, reading by everyone, filters, paging,
//! optimistic concurrency and the audit trail.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::errors::{assert_problem_kind, counts, invalid_fields};
use crate::on_both_backends;
use crate::support::{spawn_app, Backend, TestApp};

fn unit_body(kind: &str, code: &str, name: &str) -> Value {
    json!({
        "kind": kind,
        "code": code,
        "name": name,
        "time_zone": "Asia/Jakarta",
        "mailbox": format!("{}@desk.go.id", code.trim().to_lowercase()),
    })
}

/// Registers a Perangkat Daerah as `admin` and returns its id.
async fn create_pd(app: &TestApp, admin: &str, code: &str, name: &str) -> String {
    let resp = app.post("/api/v1/units", Some(admin), unit_body("perangkat_daerah", code, name)).await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    resp.body["id"].as_str().unwrap().to_owned()
}

/// The items of a list request that must succeed.
pub async fn list(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let resp = app.get(path, Some(token)).await;
    assert_eq!(resp.status, 200, "{path}: {}", resp.text);
    resp.body["items"].as_array().unwrap().clone()
}

/// Follows `next_cursor` from the first page of `path` (which has a query
/// string) to the last; returns the page sizes and the ids in order.
pub async fn walk_pages(app: &TestApp, path: &str, token: &str) -> (Vec<usize>, Vec<String>) {
    let (mut sizes, mut ids, mut cursor) = (Vec::new(), Vec::new(), None::<String>);
    loop {
        let page = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_owned(),
        };
        let resp = app.get(&page, Some(token)).await;
        assert_eq!(resp.status, 200, "{page}: {}", resp.text);
        let items = resp.body["items"].as_array().unwrap();
        sizes.push(items.len());
        ids.extend(items.iter().map(|item| item["id"].as_str().unwrap().to_owned()));
        match resp.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return (sizes, ids),
        }
        assert!(sizes.len() < 20, "pagination does not end");
    }
}

fn codes(items: &[Value]) -> Vec<&str> {
    items.iter().map(|u| u["code"].as_str().unwrap()).collect()
}

async fn an_admin_registers_a_perangkat_daerah(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let units_before = app.count("units");
    let mut body = unit_body("perangkat_daerah", " dukcapil ", "  Dinas Kependudukan dan Pencatatan Sipil ");
    body["mandiri_tik"] = json!(true);
    let resp = app.post("/api/v1/units", Some(&org.admin.token), body).await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    let id = resp.body["id"].as_str().unwrap();
    assert_eq!(resp.header("location"), Some(format!("/api/v1/units/{id}").as_str()));
    assert_eq!(resp.header("etag"), Some("\"1\""));
    assert_eq!(resp.body["code"], "DUKCAPIL");
    assert_eq!(resp.body["name"], "Dinas Kependudukan dan Pencatatan Sipil");
    assert_eq!(resp.body["kind"], "perangkat_daerah");
    assert_eq!(resp.body["mandiri_tik"], true);
    assert_eq!(resp.body["time_zone"], "Asia/Jakarta");
    assert_eq!(resp.body["active"], true);
    assert_eq!(resp.body["version"], 1);
    assert_eq!(app.count("units"), units_before + 1);

    let read = app.get(resp.header("location").unwrap(), Some(&org.reporter_b.token)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.header("etag"), Some("\"1\""));
    // The same unit, without the coverage only admins and supervisors see.
    assert_eq!(resp.body["tier1_coverage"], false);
    assert!(read.body["tier1_coverage"].is_null());
    let mut as_admin = resp.body.clone();
    as_admin.as_object_mut().unwrap().remove("tier1_coverage");
    assert_eq!(read.body, as_admin);
}

async fn a_duplicate_code_is_a_conflict(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    let resp = app
        .post("/api/v1/units", Some(&org.admin.token), unit_body("perangkat_daerah", "bappeda", "Bappeda Kedua"))
        .await;
    assert_problem_kind(&resp, 409, "conflict");
    assert!(resp.body["detail"].as_str().unwrap().contains("code"), "{}", resp.text);
    assert_eq!(counts(&app), before);

    // Renaming a unit to a taken code conflicts the same way.
    let path = format!("/api/v1/units/{}", org.pd_b);
    let resp = app.patch(&path, Some(&org.admin.token), json!({ "code": "Bappeda" }), None).await;
    assert_problem_kind(&resp, 409, "conflict");
    assert_eq!(counts(&app), before);
    assert_eq!(app.get(&path, Some(&org.admin.token)).await.body["code"], "DINKES");
}

async fn a_second_dinas_is_a_conflict(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    let resp = app
        .post("/api/v1/units", Some(&org.admin.token), unit_body("dinas", "DISKOMINFO2", "Dinas Kominfo Kedua"))
        .await;
    assert_problem_kind(&resp, 409, "conflict");
    assert!(resp.body["detail"].as_str().unwrap().contains("Dinas"), "{}", resp.text);
    assert_eq!(counts(&app), before);
    let dinas = list(&app, "/api/v1/units?kind=dinas", &org.admin.token).await;
    assert_eq!(codes(&dinas), ["DISKOMINFO"]);
}

async fn each_invalid_field_is_named(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    let cases: [(&str, Value, &str); 9] = [
        ("time_zone", json!("Asia/Bandung"), "time_zone"),
        ("time_zone", json!("WITA"), "time_zone"),
        ("mailbox", json!("bukan-alamat"), "mailbox"),
        ("code", json!("X"), "code"),
        ("code", json!("DIS KOMINFO"), "code"),
        ("code", json!("a".repeat(33)), "code"),
        ("name", json!("   "), "name"),
        ("name", json!("n".repeat(201)), "name"),
        ("name", json!("tab\u{7}bell"), "name"),
    ];
    for (key, value, field) in cases {
        let mut body = unit_body("perangkat_daerah", "DUKCAPIL", "Dukcapil");
        body[key] = value;
        let resp = app.post("/api/v1/units", Some(&org.admin.token), body).await;
        assert_eq!(invalid_fields(&resp), [field], "{key}: {}", resp.text);
    }
    let all_bad = json!({
        "kind": "perangkat_daerah",
        "code": "?",
        "name": "",
        "time_zone": "Mars/Olympus",
        "mailbox": "@",
    });
    let resp = app.post("/api/v1/units", Some(&org.admin.token), all_bad).await;
    assert_eq!(invalid_fields(&resp), ["code", "name", "time_zone", "mailbox"]);

    let path = format!("/api/v1/units/{}", org.pd_a);
    let resp =
        app.patch(&path, Some(&org.admin.token), json!({ "name": "", "mailbox": "x", "time_zone": "WIB" }), None).await;
    assert_eq!(invalid_fields(&resp), ["name", "time_zone", "mailbox"]);
    assert_eq!(counts(&app), before);
    assert_eq!(app.get(&path, Some(&org.admin.token)).await.body["version"], 1);

    // The bounds themselves are accepted.
    let resp =
        app.post("/api/v1/units", Some(&org.admin.token), unit_body("perangkat_daerah", "AB", &"n".repeat(200))).await;
    assert_eq!(resp.status, 201, "{}", resp.text);
}

async fn only_admins_change_units_but_everyone_reads_them(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    let path = format!("/api/v1/units/{}", org.pd_a);
    for person in [&org.reporter_a, &org.tier1_a, &org.auditor, &org.supervisor, &org.tier2] {
        let token = Some(person.token.as_str());
        let body = unit_body("perangkat_daerah", "DUKCAPIL", "Dukcapil");
        assert_problem_kind(&app.post("/api/v1/units", token, body).await, 403, "forbidden");
        let resp = app.patch(&path, token, json!({ "name": "Diambil alih" }), Some("\"1\"")).await;
        assert_problem_kind(&resp, 403, "forbidden");

        let all = list(&app, "/api/v1/units", &person.token).await;
        assert_eq!(codes(&all), ["DISKOMINFO", "BAPPEDA", "DINKES"], "{}", person.email);
        let read = app.get(&format!("/api/v1/units/{}", org.pd_b), token).await;
        assert_eq!(read.status, 200, "{}", read.text);
        assert_eq!(read.body["code"], "DINKES");
    }
    assert_eq!(counts(&app), before);
    let unit = app.get(&path, Some(&org.admin.token)).await;
    assert_eq!((unit.body["name"].as_str(), unit.body["version"].as_i64()), (Some("Unit BAPPEDA"), Some(1)));
}

async fn units_are_filtered_by_kind_activity_and_name(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    create_pd(&app, admin, "DINSOS", "Dinas Sosial").await;
    create_pd(&app, admin, "DISKON", "Diskon 100% Pasti").await;
    create_pd(&app, admin, "BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah").await;
    let path = format!("/api/v1/units/{}", org.pd_b);
    let resp = app.patch(&path, Some(admin), json!({ "active": false }), None).await;
    assert_eq!(resp.status, 200, "{}", resp.text);

    let token = org.reporter_a.token.as_str();
    assert_eq!(codes(&list(&app, "/api/v1/units?kind=dinas", token).await), ["DISKOMINFO"]);
    assert_eq!(
        codes(&list(&app, "/api/v1/units?kind=perangkat_daerah", token).await),
        ["BAPPEDA", "DINKES", "DINSOS", "DISKON", "BPKAD"]
    );
    assert_eq!(codes(&list(&app, "/api/v1/units?active=false", token).await), ["DINKES"]);
    assert_eq!(
        codes(&list(&app, "/api/v1/units?active=true&kind=perangkat_daerah", token).await),
        ["BAPPEDA", "DINSOS", "DISKON", "BPKAD"]
    );
    assert_eq!(codes(&list(&app, "/api/v1/units?q=SOSIAL", token).await), ["DINSOS"]);
    assert_eq!(codes(&list(&app, "/api/v1/units?q=keuangan%20DAN", token).await), ["BPKAD"]);
    assert_eq!(codes(&list(&app, "/api/v1/units?q=%25", token).await), ["DISKON"]);
    assert_eq!(codes(&list(&app, "/api/v1/units?q=100%25", token).await), ["DISKON"]);
    assert!(list(&app, "/api/v1/units?q=D%25S", token).await.is_empty());
    assert!(list(&app, "/api/v1/units?q=_", token).await.is_empty());
    assert!(list(&app, "/api/v1/units?q=kecamatan", token).await.is_empty());
    assert_eq!(codes(&list(&app, "/api/v1/units?q=dinsos&kind=dinas", token).await), Vec::<&str>::new());
}

async fn pages_walk_every_unit_exactly_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    for n in 1..=7 {
        create_pd(&app, &org.admin.token, &format!("PD{n}"), &format!("Perangkat Daerah {n}")).await;
    }
    let everything: Vec<String> = list(&app, "/api/v1/units?limit=200", &org.tier1_b.token)
        .await
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(everything.len(), 10);

    let (sizes, seen) = walk_pages(&app, "/api/v1/units?limit=3", &org.tier1_b.token).await;
    assert_eq!(sizes, [3, 3, 3, 1]);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len(), "a unit appeared twice");
    assert_eq!(seen, everything);
    // When the last page is full, it says so: no empty page follows.
    let (sizes, _) = walk_pages(&app, "/api/v1/units?limit=5", &org.tier1_b.token).await;
    assert_eq!(sizes, [5, 5]);

    // A filter and the cursor combine.
    let first = app.get("/api/v1/units?kind=perangkat_daerah&limit=8", Some(&org.tier1_b.token)).await;
    let next = first.body["next_cursor"].as_str().unwrap();
    let rest =
        list(&app, &format!("/api/v1/units?kind=perangkat_daerah&limit=8&cursor={next}"), &org.tier1_b.token).await;
    assert_eq!(codes(&rest), ["PD7"]);
}

async fn an_update_with_the_current_etag_bumps_the_version(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let path = format!("/api/v1/units/{}", org.pd_a);
    let read = app.get(&path, Some(&org.admin.token)).await;
    let etag = read.header("etag").unwrap().to_owned();
    assert_eq!(etag, "\"1\"");
    let changes = json!({ "name": "Badan Perencanaan Pembangunan Daerah", "code": "bappeda-2", "mandiri_tik": true });
    let resp = app.patch(&path, Some(&org.admin.token), changes, Some(&etag)).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.header("etag"), Some("\"2\""));
    assert_eq!(resp.body["version"], 2);
    assert_eq!(resp.body["code"], "BAPPEDA-2");
    assert_eq!(resp.body["name"], "Badan Perencanaan Pembangunan Daerah");
    assert_eq!(resp.body["mandiri_tik"], true);
    assert_eq!(resp.body["mailbox"], read.body["mailbox"], "fields left out stay as they were");
    let again = app.get(&path, Some(&org.tier1_a.token)).await;
    assert_eq!(again.header("etag"), Some("\"2\""));
    let mut as_admin = resp.body.clone();
    as_admin.as_object_mut().unwrap().remove("tier1_coverage");
    assert_eq!(again.body, as_admin, "a technician does not see coverage");
    // `If-Match: *` matches any version.
    let resp = app.patch(&path, Some(&org.admin.token), json!({ "active": false }), Some("*")).await;
    assert_eq!((resp.status, resp.header("etag")), (200, Some("\"3\"")), "{}", resp.text);
}

async fn a_stale_if_match_is_412_and_changes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let path = format!("/api/v1/units/{}", org.pd_a);
    let first = app.patch(&path, Some(&org.admin.token), json!({ "name": "Nama Pertama" }), Some("\"1\"")).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let before = counts(&app);
    for stale in ["\"1\"", "W/\"1\"", "\"3\"", "\"not-a-tag\""] {
        let resp = app.patch(&path, Some(&org.admin.token), json!({ "name": "Nama Kedua" }), Some(stale)).await;
        assert_problem_kind(&resp, 412, "stale-version");
    }
    assert_eq!(counts(&app), before);
    let unit = app.get(&path, Some(&org.admin.token)).await;
    assert_eq!(unit.body["name"], "Nama Pertama");
    assert_eq!(unit.header("etag"), Some("\"2\""));
}

async fn an_unknown_unit_is_404(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    let path = format!("/api/v1/units/{}", uuid::Uuid::now_v7());
    assert_problem_kind(&app.get(&path, Some(&org.admin.token)).await, 404, "not-found");
    let resp = app.patch(&path, Some(&org.admin.token), json!({ "name": "Hantu" }), None).await;
    assert_problem_kind(&resp, 404, "not-found");
    assert_eq!(counts(&app), before);
}

async fn the_kind_of_a_unit_cannot_be_changed(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    let path = format!("/api/v1/units/{}", org.pd_a);
    let resp = app.patch(&path, Some(&org.admin.token), json!({ "kind": "dinas" }), None).await;
    assert_eq!(invalid_fields(&resp), ["kind"]);
    assert!(resp.body["errors"][0]["message"].as_str().unwrap().contains("kind"), "{}", resp.text);
    assert_eq!(counts(&app), before);
    let unit = app.get(&path, Some(&org.admin.token)).await;
    assert_eq!((unit.body["kind"].as_str(), unit.body["version"].as_i64()), (Some("perangkat_daerah"), Some(1)));
}

async fn every_unit_change_is_audited_for_auditors_and_admins(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let body = unit_body("perangkat_daerah", "DUKCAPIL", "Dukcapil");
    let created = app.post("/api/v1/units", Some(&org.admin.token), body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/units/{id}");
    let resp = app.patch(&path, Some(&org.admin.token), json!({ "name": "Disdukcapil", "active": false }), None).await;
    assert_eq!(resp.status, 200, "{}", resp.text);

    let audit_path = format!("/api/v1/audit?entity_type=unit&entity_id={id}");
    let records = list(&app, &audit_path, &org.auditor.token).await;
    assert_eq!(records.len(), 2, "{records:?}");
    let (created_record, updated_record) = (&records[0], &records[1]);
    assert_eq!(created_record["action"], "unit.created");
    assert_eq!(created_record["entity_type"], "unit");
    assert_eq!(created_record["entity_id"], id.as_str());
    assert_eq!(created_record["actor_kind"], "user");
    assert_eq!(created_record["actor_id"], org.admin.id.to_string());
    assert_eq!(created_record["before"], Value::Null);
    assert_eq!(created_record["after"]["code"], "DUKCAPIL");
    assert_eq!(created_record["after"]["name"], "Dukcapil");
    assert_eq!(updated_record["action"], "unit.updated");
    assert_eq!(updated_record["actor_id"], org.admin.id.to_string());
    assert_eq!(
        (updated_record["before"]["name"].as_str(), updated_record["before"]["active"].as_bool()),
        (Some("Dukcapil"), Some(true))
    );
    assert_eq!(
        (updated_record["after"]["name"].as_str(), updated_record["after"]["active"].as_bool()),
        (Some("Disdukcapil"), Some(false))
    );
    assert_eq!(updated_record["after"]["version"], 2);
    // Each record points back to the request that caused it.
    assert_eq!(records[0]["request_id"].as_str(), created.header("x-request-id"));
    assert_eq!(records[1]["request_id"].as_str(), resp.header("x-request-id"));
    assert_ne!(records[0]["request_id"], records[1]["request_id"]);

    assert_eq!(list(&app, &audit_path, &org.admin.token).await, records);
    // Records of other entities are not mixed in.
    let fixture =
        list(&app, &format!("/api/v1/audit?entity_type=unit&entity_id={}", org.pd_a), &org.auditor.token).await;
    assert_eq!(fixture.len(), 1);
    assert_eq!(fixture[0]["actor_kind"], "system");

    for person in [&org.tier1_a, &org.reporter_a, &org.supervisor, &org.tier2] {
        let resp = app.get(&audit_path, Some(&person.token)).await;
        assert_problem_kind(&resp, 403, "forbidden");
        assert_problem_kind(&app.get("/api/v1/audit", Some(&person.token)).await, 403, "forbidden");
    }
}

/// A PD with a reporter and no tier-1 technician, in the fixture region.
async fn uncovered_pd(app: &TestApp) -> (crate::support::Org, uuid::Uuid, String) {
    use spbe_desk::domain::organisation::UnitKind;
    use spbe_desk::domain::role::Role;
    let org = app.org().await;
    let pd = crate::support::insert_unit(&app.db, UnitKind::PerangkatDaerah, "DISDIK", "Asia/Makassar");
    crate::support::insert_user(&app.db, pd, "guru@desk.go.id", &[Role::Reporter]);
    let (token, _) = app.login("guru@desk.go.id", crate::support::PASSWORD).await;
    (org, pd, token)
}

async fn a_pd_without_a_tier1_technician_is_reported_and_its_tickets_go_to_tier2(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (org, pd, reporter) = uncovered_pd(&app).await;
    let listed = app.get("/api/v1/units?kind=perangkat_daerah", Some(&org.admin.token)).await.body;
    let coverage = |code: &str| {
        listed["items"].as_array().unwrap().iter().find(|u| u["code"] == code).map(|u| u["tier1_coverage"].clone())
    };
    assert_eq!(coverage("DISDIK"), Some(json!(false)));
    assert_eq!(coverage("BAPPEDA"), Some(json!(true)));
    let dinas = app.get(&format!("/api/v1/units/{}", org.dinas), Some(&org.admin.token)).await.body;
    assert!(dinas["tier1_coverage"].is_null(), "the Dinas hosts tier 2");
    let summary = app.get("/api/v1/tickets/summary", Some(&org.supervisor.token)).await.body;
    assert_eq!(summary["units_without_tier1"], json!([pd]));
    let desk = app.get("/api/v1/tickets/summary", Some(&org.tier1_a.token)).await.body;
    assert!(desk["units_without_tier1"].is_null(), "the region's gaps are the supervisors' and admins'");
    let filed = app.post("/api/v1/tickets", Some(&reporter), crate::tickets::incident(org.service)).await;
    assert_eq!(filed.status, 201, "{}", filed.text);
    assert_eq!(filed.body["tier"], 2, "nobody at tier 1 would take it");
    let id = filed.body["id"].as_str().unwrap();
    let events = app.get(&format!("/api/v1/tickets/{id}/events"), Some(&org.tier2.token)).await.body;
    let reason = &events["items"][0]["data"]["routed_to_tier2"];
    assert!(reason.as_str().is_some_and(|r| r.contains("no active tier-1 technician")), "{events}");
    // Once the PD names a technician, its tickets stay at tier 1.
    spbe_desk_insert_tier1(&app, pd).await;
    let next = app.post("/api/v1/tickets", Some(&reporter), crate::tickets::incident(org.service)).await;
    assert_eq!(next.body["tier"], 1, "{}", next.text);
}

async fn spbe_desk_insert_tier1(app: &TestApp, pd: uuid::Uuid) {
    use spbe_desk::domain::role::Role;
    crate::support::insert_user(&app.db, pd, "teknisi.disdik@desk.go.id", &[Role::Tier1Technician]);
}

async fn routing_uncovered_pds_to_tier2_can_be_turned_off(backend: Backend) {
    let Some(app) = crate::support::spawn_app_with(backend, |s| s.tickets.route_uncovered_to_tier2 = false).await
    else {
        return;
    };
    let (org, _, reporter) = uncovered_pd(&app).await;
    let filed = app.post("/api/v1/tickets", Some(&reporter), crate::tickets::incident(org.service)).await;
    assert_eq!((filed.status, filed.body["tier"].as_i64()), (201, Some(1)), "{}", filed.text);
}

/// A stored zone that names no zone is corrupt data (500, logged), never
/// read as another zone.
async fn a_stored_zone_that_does_not_parse_is_an_error_not_jakarta(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    app.execute(&format!("UPDATE units SET time_zone = 'Asia/Bandung' WHERE id = {}", app.id_literal(org.pd_a)));
    let resp = app.get(&format!("/api/v1/units/{}", org.pd_a), Some(&org.admin.token)).await;
    assert_eq!(resp.status, 500, "{}", resp.text);
    let resp = app.get(&format!("/api/v1/units/{}", org.pd_b), Some(&org.admin.token)).await;
    assert_eq!(resp.body["time_zone"], "Asia/Makassar", "{}", resp.text);
}

on_both_backends!(
    a_stored_zone_that_does_not_parse_is_an_error_not_jakarta,
    a_pd_without_a_tier1_technician_is_reported_and_its_tickets_go_to_tier2,
    routing_uncovered_pds_to_tier2_can_be_turned_off,
    an_admin_registers_a_perangkat_daerah,
    a_duplicate_code_is_a_conflict,
    a_second_dinas_is_a_conflict,
    each_invalid_field_is_named,
    only_admins_change_units_but_everyone_reads_them,
    units_are_filtered_by_kind_activity_and_name,
    pages_walk_every_unit_exactly_once,
    an_update_with_the_current_etag_bumps_the_version,
    a_stale_if_match_is_412_and_changes_nothing,
    an_unknown_unit_is_404,
    the_kind_of_a_unit_cannot_be_changed,
    every_unit_change_is_audited_for_auditors_and_admins,
);
