//! The Layanan SPBE catalog: admins maintain it, everyone reads it, and
//! only active services receive tickets.

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, Resp, TestApp};
use crate::tickets::incident;

const SERVICES: &str = "/api/v1/services";

fn srikandi(owner: uuid::Uuid) -> Value {
    json!({
        "code": "srikandi",
        "name": "Persuratan dinas elektronik",
        "description": "Aplikasi umum persuratan (SRIKANDI).",
        "category": "administrasi_pemerintahan",
        "owner_unit_id": owner,
        "platform": "aplikasi_umum",
        "application_name": "SRIKANDI",
    })
}

/// Asserts a 422 validation problem naming `field`.
fn assert_invalid_field(resp: &Resp, field: &str) {
    resp.assert_problem(422);
    assert_eq!(resp.body["type"], "urn:spbe-desk:problem:validation");
    let errors = resp.body["errors"].as_array().expect("field errors");
    assert!(errors.iter().any(|e| e["field"] == field), "expected an error for {field}: {}", resp.text);
}

/// Creates a service as `token`, expecting 201, and returns its body.
async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let resp = app.post(SERVICES, Some(token), body).await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    resp.body
}

/// The codes a listing returns, in order.
async fn codes(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let resp = app.get(&format!("{SERVICES}?{query}"), Some(token)).await;
    assert_eq!(resp.status, 200, "{query}: {}", resp.text);
    resp.body["items"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap().to_owned()).collect()
}

async fn an_admin_adds_a_service_that_every_role_can_read(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let audit = app.count("audit_log");
    let resp = app.post(SERVICES, Some(&org.admin.token), srikandi(org.dinas)).await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    let id = resp.body["id"].as_str().unwrap().to_owned();
    assert_eq!(resp.header("etag"), Some("\"1\""));
    assert_eq!(resp.header("location"), Some(format!("{SERVICES}/{id}").as_str()));
    assert_eq!(resp.body["code"], "SRIKANDI", "codes are upper-cased");
    assert_eq!(resp.body["application_name"], "SRIKANDI");
    assert_eq!((resp.body["active"].as_bool(), resp.body["direct_tier2"].as_bool()), (Some(true), Some(false)));
    assert_eq!(app.count("audit_log"), audit + 1);

    for person in [&org.admin, &org.auditor, &org.supervisor, &org.tier2, &org.tier1_a, &org.reporter_b] {
        let read = app.get(&format!("{SERVICES}/{id}"), Some(&person.token)).await;
        assert_eq!(read.status, 200, "{}: {}", person.email, read.text);
        assert_eq!(read.header("etag"), Some("\"1\""));
        assert_eq!(codes(&app, &person.token, "").await.len(), 3, "{}", person.email);
    }
    app.get(SERVICES, None).await.assert_problem(401);
    app.get(&format!("{SERVICES}/{}", uuid::Uuid::now_v7()), Some(&org.reporter_a.token)).await.assert_problem(404);
}

async fn the_catalog_refuses_duplicates_bad_platform_names_unknown_owners_and_non_admins(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    create(&app, admin, srikandi(org.dinas)).await;
    let before = (app.count("services"), app.count("audit_log"));

    let mut duplicate = srikandi(org.pd_a);
    duplicate["code"] = json!("SRIKANDI");
    duplicate["name"] = json!("Nama lain");
    let conflict = app.post(SERVICES, Some(admin), duplicate).await;
    conflict.assert_problem(409);
    assert!(conflict.body["detail"].as_str().unwrap().contains("code"), "{}", conflict.text);

    let mut unnamed = srikandi(org.dinas);
    unnamed["code"] = json!("SIPD");
    unnamed["platform"] = json!("aplikasi_khusus");
    unnamed.as_object_mut().unwrap().remove("application_name");
    assert_invalid_field(&app.post(SERVICES, Some(admin), unnamed).await, "application_name");

    let mut named_network = srikandi(org.dinas);
    named_network["code"] = json!("PUSAT-DATA");
    named_network["platform"] = json!("pusat_data");
    assert_invalid_field(&app.post(SERVICES, Some(admin), named_network).await, "application_name");

    let mut orphan = srikandi(uuid::Uuid::now_v7());
    orphan["code"] = json!("E-KINERJA");
    assert_invalid_field(&app.post(SERVICES, Some(admin), orphan).await, "owner_unit_id");

    let mut bad_code = srikandi(org.dinas);
    bad_code["code"] = json!("kode dengan spasi");
    assert_invalid_field(&app.post(SERVICES, Some(admin), bad_code).await, "code");

    let mut fine = srikandi(org.pd_a);
    fine["code"] = json!("SIMRS");
    for person in [&org.auditor, &org.supervisor, &org.tier2, &org.tier1_a, &org.reporter_a] {
        let refused = app.post(SERVICES, Some(&person.token), fine.clone()).await;
        refused.assert_problem(403);
    }
    assert_eq!((app.count("services"), app.count("audit_log")), before);
}

async fn the_catalog_filters_by_category_platform_tier2_and_text(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    create(&app, admin, srikandi(org.dinas)).await;
    let mut public = srikandi(org.pd_b);
    public["code"] = json!("SIMRS");
    public["name"] = json!("Rekam medis rumah sakit");
    public["category"] = json!("publik");
    public["platform"] = json!("aplikasi_khusus");
    public["application_name"] = json!("SIMRS");
    create(&app, admin, public).await;
    let reader = org.reporter_a.token.as_str();

    // The fixture adds SIMPEG (aplikasi_khusus) and JARINGAN-INTRA (jaringan_intra, direct to tier 2).
    assert_eq!(codes(&app, reader, "").await, ["SIMPEG", "JARINGAN-INTRA", "SRIKANDI", "SIMRS"]);
    assert_eq!(codes(&app, reader, "category=publik").await, ["SIMRS"]);
    assert_eq!(codes(&app, reader, "platform=aplikasi_khusus").await, ["SIMPEG", "SIMRS"]);
    assert_eq!(codes(&app, reader, "direct_tier2=true").await, ["JARINGAN-INTRA"]);
    assert_eq!(
        codes(&app, reader, "direct_tier2=false&category=administrasi_pemerintahan").await,
        ["SIMPEG", "SRIKANDI"]
    );
    assert_eq!(codes(&app, reader, "q=rumah%20SAKIT").await, ["SIMRS"], "names match case-insensitively");
    assert_eq!(codes(&app, reader, "q=simp").await, ["SIMPEG"], "codes match too");
    assert_eq!(codes(&app, reader, &format!("owner_unit_id={}", org.pd_b)).await, ["SIMRS"]);
    assert!(codes(&app, reader, "q=100%25").await.is_empty(), "wildcards are literal");

    let first = app.get(&format!("{SERVICES}?limit=3"), Some(reader)).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 3);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    assert_eq!(codes(&app, reader, &format!("limit=3&cursor={cursor}")).await, ["SIMRS"]);

    app.get(&format!("{SERVICES}?platform=satelit"), Some(reader)).await.assert_problem(400);
}

async fn updates_honour_if_match_and_keep_platform_and_application_name_consistent(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    let created = create(&app, admin, srikandi(org.dinas)).await;
    let path = format!("{SERVICES}/{}", created["id"].as_str().unwrap());

    let renamed = app.patch(&path, Some(admin), json!({ "name": "Persuratan elektronik" }), Some("\"1\"")).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.header("etag"), Some("\"2\""));
    let before = (app.count("services"), app.count("audit_log"));
    let stale = app.patch(&path, Some(admin), json!({ "name": "Basi" }), Some("\"1\"")).await;
    stale.assert_problem(412);
    let keeps_name = app.patch(&path, Some(admin), json!({ "platform": "pusat_data" }), Some("\"2\"")).await;
    assert_invalid_field(&keeps_name, "application_name");
    let to_simpeg = app.patch(&path, Some(admin), json!({ "code": "SIMPEG" }), None).await;
    to_simpeg.assert_problem(409);
    let non_admin = app.patch(&path, Some(&org.supervisor.token), json!({ "name": "x" }), None).await;
    non_admin.assert_problem(403);
    assert_eq!((app.count("services"), app.count("audit_log")), before);
    let read = app.get(&path, Some(admin)).await;
    assert_eq!(
        (read.body["name"].as_str(), read.body["platform"].as_str()),
        (Some("Persuratan elektronik"), Some("aplikasi_umum"))
    );

    let switched = app
        .patch(&path, Some(admin), json!({ "platform": "pusat_data", "application_name": null }), Some("\"2\""))
        .await;
    assert_eq!(switched.status, 200, "{}", switched.text);
    assert!(switched.body["application_name"].is_null(), "{}", switched.text);
    assert_eq!((switched.body["platform"].as_str(), switched.body["version"].as_i64()), (Some("pusat_data"), Some(3)));
    assert_eq!(app.count("audit_log"), before.1 + 1);

    let back = app.patch(&path, Some(admin), json!({ "platform": "aplikasi_khusus" }), None).await;
    assert_invalid_field(&back, "application_name");
    let named = app
        .patch(&path, Some(admin), json!({ "platform": "aplikasi_khusus", "application_name": "SRIKANDI v2" }), None)
        .await;
    assert_eq!(named.body["application_name"], "SRIKANDI v2", "{}", named.text);
}

async fn an_inactive_service_receives_no_new_tickets(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let path = format!("{SERVICES}/{}", org.service);
    let off = app.patch(&path, Some(&org.admin.token), json!({ "active": false }), None).await;
    assert_eq!((off.status, off.body["active"].as_bool()), (200, Some(false)), "{}", off.text);
    assert_eq!(
        app.get(&format!("{SERVICES}?active=false"), Some(&org.reporter_a.token)).await.body["items"][0]["code"],
        "SIMPEG"
    );

    let before = (app.count("tickets"), app.count("ticket_events"), app.count("audit_log"));
    let refused = app.post("/api/v1/tickets", Some(&org.reporter_a.token), incident(org.service)).await;
    assert_invalid_field(&refused, "service_id");
    assert!(refused.body["errors"][0]["message"].as_str().unwrap().contains("inactive"), "{}", refused.text);
    assert_eq!((app.count("tickets"), app.count("ticket_events"), app.count("audit_log")), before);

    let filed = app.post("/api/v1/tickets", Some(&org.reporter_a.token), incident(org.infra_service)).await;
    assert_eq!(filed.status, 201, "{}", filed.text);
    let moved = app
        .patch(
            &format!("/api/v1/tickets/{}", filed.body["id"].as_str().unwrap()),
            Some(&org.tier2.token),
            json!({ "service_id": org.service }),
            None,
        )
        .await;
    assert_invalid_field(&moved, "service_id");

    let on = app.patch(&path, Some(&org.admin.token), json!({ "active": true }), None).await;
    assert_eq!(on.status, 200, "{}", on.text);
    let filed = app.post("/api/v1/tickets", Some(&org.reporter_a.token), incident(org.service)).await;
    assert_eq!(filed.status, 201, "{}", filed.text);
}

on_both_backends!(
    an_admin_adds_a_service_that_every_role_can_read,
    the_catalog_refuses_duplicates_bad_platform_names_unknown_owners_and_non_admins,
    the_catalog_filters_by_category_platform_tier2_and_text,
    updates_honour_if_match_and_keep_platform_and_application_name_consistent,
    an_inactive_service_receives_no_new_tickets,
);
