//! The register of TIK assets: registered, edited and moved through their
//! life cycle with every change in their own audit chain; related without
//! cycles; their impact explained path by path; and bad input refused
//! clearly without a trace.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, TestApp};
use crate::tickets::{file, incident};

pub const ASSETS: &str = "/api/v1/assets";

/// Registers an asset as `token`; its id.
pub async fn register(app: &TestApp, token: &str, body: Value) -> String {
    let created = app.post(ASSETS, Some(token), body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["id"].as_str().unwrap().to_owned()
}

/// Records that `from` needs `to` as `kind`, expecting 201.
pub async fn relate(app: &TestApp, token: &str, from: &str, kind: &str, to: &str) {
    let body = json!({ "to_asset_id": to, "kind": kind });
    let related = app.post(&format!("{ASSETS}/{from}/relations"), Some(token), body).await;
    assert_eq!(related.status, 201, "{}", related.text);
}

pub fn asset(code: &str, kind: &str, extra: Value) -> Value {
    let mut body = json!({ "inventory_code": code, "name": format!("Aset {code}"), "kind": kind });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    body
}

async fn an_asset_is_registered_edited_and_moved_with_its_history(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let token = o.tier1_a.token.as_str();
    let body = asset(
        " 1.3.2.10 / 0003 ",
        "server",
        json!({
        "status": "pengadaan", "location": "Ruang server BAPPEDA", "custodian": "Andi",
        "acquired_on": "2025-03-01", "acquisition_value": 85_000_000, "warranty_ends_on": "2028-03-01",
        "attributes": { "cpu_cores": 16, "memory_gb": 64, "ip_address": "10.10.1.5" } }),
    );
    let id = register(&app, token, body).await;
    let path = format!("{ASSETS}/{id}");
    let read = app.get(&path, Some(token)).await;
    assert_eq!((read.status, read.header("etag")), (200, Some("\"1\"")));
    assert_eq!(read.body["inventory_code"], "1.3.2.10/0003", "the code is normalised");
    assert_eq!(
        (read.body["class"].as_str(), read.body["owner_unit_id"].as_str()),
        (Some("perangkat_keras"), Some(o.pd_a.to_string().as_str()))
    );
    assert_eq!(read.body["attributes"]["cpu_cores"], 16);

    let edited = app
        .patch(
            &path,
            Some(token),
            json!({ "attributes": { "cpu_cores": 32 }, "serial_number": "SN-77" }),
            Some("\"1\""),
        )
        .await;
    assert_eq!((edited.status, edited.header("etag")), (200, Some("\"2\"")), "{}", edited.text);
    let moved = app.post(&format!("{path}/status"), Some(token), json!({ "status": "digunakan" })).await;
    assert_eq!((moved.status, moved.body["status"].as_str()), (200, Some("digunakan")), "{}", moved.text);
    let repair = json!({ "status": "pemeliharaan", "reason": "Kipas rusak" });
    assert_eq!(app.post(&format!("{path}/status"), Some(token), repair).await.status, 200);
    // Back to perencanaan is no move of the cycle: 409, nothing changed.
    app.post(&format!("{path}/status"), Some(token), json!({ "status": "perencanaan" })).await.assert_problem(409);

    let found = app.get(&format!("{ASSETS}?q=sn-77&kind=server&status=pemeliharaan"), Some(token)).await;
    assert_eq!(found.body["items"].as_array().map(Vec::len), Some(1), "{}", found.text);
    let none = app.get(&format!("{ASSETS}?kind=laptop"), Some(token)).await;
    assert_eq!(none.body["items"].as_array().map(Vec::len), Some(0));

    let history = app.get(&format!("{path}/history"), Some(token)).await;
    let actions: Vec<&str> =
        history.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["asset.created", "asset.updated", "asset.status_changed", "asset.status_changed"]);
    assert_eq!(history.body["items"][3]["after"]["status"], "pemeliharaan");
    let verified = app.get("/api/v1/audit/verify", Some(&o.auditor.token)).await;
    assert_eq!(verified.body["intact"], true, "{}", verified.text);
}

async fn relations_stay_acyclic_and_impact_explains_each_hit(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let dinas = o.tier2.token.as_str();
    let switch = register(
        &app,
        dinas,
        asset("NET-CORE-01", "perangkat_jaringan", json!({ "attributes": { "role": "switch" } })),
    )
    .await;
    let server = register(&app, dinas, asset("SRV-01", "server", json!({}))).await;
    let dc = register(&app, dinas, asset("SPBE-PD", "pusat_data", json!({}))).await;
    let app_body = asset("APL-SIMPEG", "aplikasi", json!({ "service_id": o.service, "owner_unit_id": o.pd_a }));
    let simpeg = register(&app, dinas, app_body).await;
    relate(&app, dinas, &simpeg, "runs_on", &server).await;
    relate(&app, dinas, &server, "connected_to", &switch).await;
    relate(&app, dinas, &server, "depends_on", &dc).await;
    relate(&app, dinas, &switch, "connected_to", &server).await; // a ring is allowed for links
    let ticket = file(&app, &o.reporter_a.token, incident(o.service)).await;

    // A cycle of needs is refused, naming it, and nothing changes.
    let relations_before = app.count("asset_relations");
    let entries = app.count("audit_log");
    let cycle = app
        .post(
            &format!("{ASSETS}/{server}/relations"),
            Some(dinas),
            json!({ "to_asset_id": simpeg, "kind": "depends_on" }),
        )
        .await;
    cycle.assert_problem(409);
    assert!(cycle.text.contains("SRV-01") && cycle.text.contains("APL-SIMPEG"), "{}", cycle.text);
    let twice = app
        .post(&format!("{ASSETS}/{simpeg}/relations"), Some(dinas), json!({ "to_asset_id": server, "kind": "runs_on" }))
        .await;
    twice.assert_problem(409);
    let itself = app
        .post(
            &format!("{ASSETS}/{server}/relations"),
            Some(dinas),
            json!({ "to_asset_id": server, "kind": "connected_to" }),
        )
        .await;
    itself.assert_problem(422);
    assert_eq!((app.count("asset_relations"), app.count("audit_log")), (relations_before, entries));

    let impact = app.get(&format!("{ASSETS}/{switch}/impact"), Some(dinas)).await;
    assert_eq!(impact.status, 200, "{}", impact.text);
    let hits: Vec<&str> = impact.body["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["asset"]["inventory_code"].as_str().unwrap())
        .collect();
    assert_eq!(hits, ["SRV-01", "APL-SIMPEG"]);
    let path: Vec<(&str, &str)> = impact.body["assets"][1]["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["from_asset_id"].as_str().unwrap(), s["relation"].as_str().unwrap()))
        .collect();
    assert_eq!(path, [(simpeg.as_str(), "runs_on"), (server.as_str(), "connected_to")]);
    assert_eq!(impact.body["services"][0]["id"], o.service.to_string());
    assert_eq!(impact.body["services"][0]["provided_by"], simpeg);
    assert_eq!(impact.body["open_tickets"][0]["id"], ticket["id"]);
    assert_eq!(impact.body["open_tickets"][0]["path"].as_array().map(Vec::len), Some(2));
    let units: Vec<&str> =
        impact.body["units"].as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap()).collect();
    assert_eq!(units, ["BAPPEDA", "DISKOMINFO"]);
    let from_dc = app.get(&format!("{ASSETS}/{dc}/impact"), Some(dinas)).await;
    assert_eq!(from_dc.body["assets"].as_array().map(Vec::len), Some(3), "{}", from_dc.text);

    // Removing the relation removes the hit, and is in the history.
    let removed = app
        .send(
            app.client
                .delete(format!("{}{ASSETS}/{simpeg}/relations/runs_on/{server}", app.address))
                .bearer_auth(dinas),
        )
        .await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    let after = app.get(&format!("{ASSETS}/{switch}/impact"), Some(dinas)).await;
    assert_eq!(after.body["assets"].as_array().map(Vec::len), Some(1));
    assert!(after.body["open_tickets"].as_array().unwrap().is_empty());
    let again = app
        .send(
            app.client
                .delete(format!("{}{ASSETS}/{simpeg}/relations/runs_on/{server}", app.address))
                .bearer_auth(dinas),
        )
        .await;
    again.assert_problem(404);
    let history = app.get(&format!("{ASSETS}/{simpeg}/history"), Some(dinas)).await;
    let last = &history.body["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["after"]["kind"].as_str()),
        (Some("asset.relation_removed"), Some("runs_on"))
    );
}

async fn bad_input_gets_a_clear_4xx_and_changes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let token = o.tier1_a.token.as_str();
    let id = register(&app, token, asset("LPT-01", "laptop", json!({}))).await;
    let (assets, entries) = (app.count("assets"), app.count("audit_log"));

    let foreign =
        app.post(ASSETS, Some(token), asset("PRN-01", "printer", json!({ "attributes": { "cpu_cores": 4 } }))).await;
    foreign.assert_problem(422);
    assert!(foreign.text.contains("attributes") && foreign.text.contains("cpu_cores"), "{}", foreign.text);
    let duplicate = app.post(ASSETS, Some(token), asset(" lpt-01 ", "laptop", json!({}))).await;
    duplicate.assert_problem(409);
    assert!(duplicate.text.contains("LPT-01"), "{}", duplicate.text);
    let unknown =
        app.post(ASSETS, Some(token), asset("APL-X", "aplikasi", json!({ "service_id": Uuid::now_v7() }))).await;
    unknown.assert_problem(422);
    assert!(unknown.text.contains("service_id"), "{}", unknown.text);
    app.post(ASSETS, Some(token), asset("APL-Y", "aplikasi", json!({}))).await.assert_problem(422);
    app.post(ASSETS, Some(token), asset("SRV#1", "server", json!({}))).await.assert_problem(422);
    app.post(ASSETS, Some(token), asset("LIS-1", "lisensi", json!({ "attributes": { "seats": 0 } })))
        .await
        .assert_problem(422);
    // Shared infrastructure is the Dinas's; a PD registers its own assets.
    app.post(ASSETS, Some(token), asset("DC-2", "pusat_data", json!({}))).await.assert_problem(422);
    app.post(ASSETS, Some(token), asset("LPT-9", "laptop", json!({ "owner_unit_id": o.pd_b })))
        .await
        .assert_problem(422);
    app.post(ASSETS, Some(&o.reporter_a.token), asset("LPT-8", "laptop", json!({}))).await.assert_problem(403);

    let path = format!("{ASSETS}/{id}");
    app.patch(&path, Some(token), json!({ "name": "Baru" }), Some("\"7\"")).await.assert_problem(412);
    app.patch(&path, Some(token), json!({ "attributes": { "seats": 3 } }), None).await.assert_problem(422);
    let moved = app
        .send(
            app.client
                .post(format!("{}{path}/status", app.address))
                .bearer_auth(token)
                .header("If-Match", "\"9\"")
                .json(&json!({ "status": "pengadaan" })),
        )
        .await;
    moved.assert_problem(412);
    assert_eq!((app.count("assets"), app.count("audit_log")), (assets, entries), "refusals leave no trace");
    let read = app.get(&path, Some(token)).await;
    assert_eq!((read.body["name"].as_str(), read.body["status"].as_str()), (Some("Aset LPT-01"), Some("perencanaan")));

    // The same Idempotency-Key registers once.
    let again = || {
        app.send(
            app.client
                .post(format!("{}{ASSETS}", app.address))
                .bearer_auth(token)
                .header("Idempotency-Key", "a-1")
                .json(&asset("PC-1", "pc", json!({}))),
        )
    };
    let (one, two) = (again().await, again().await);
    assert_eq!((one.status, two.status, &one.body["id"]), (201, 201, &two.body["id"]));
}

on_both_backends!(
    an_asset_is_registered_edited_and_moved_with_its_history,
    relations_stay_acyclic_and_impact_explains_each_hit,
    bad_input_gets_a_clear_4xx_and_changes_nothing,
);
