//! The access probe of the asset register: for every role, no answer about
//! assets (lists, reads, relations, impact, history) ever shows an asset,
//! or an open ticket through impact, the caller may not see: a Perangkat
//! Daerah sees its own assets and the shared infrastructure, the Dinas and
//! auditors all, reporters none (tickets do not name assets yet).

use serde_json::json;

use crate::assets::{asset, register, relate, ASSETS};
use crate::on_both_backends;
use crate::support::{spawn_app, Backend, TestApp};
use crate::tickets::{file, incident};

const LAPTOP_A: &str = "Laptop probe Bappeda";
const APP_A: &str = "Aplikasi probe Bappeda";
const LAPTOP_B: &str = "Laptop probe Dinkes";
const APP_B: &str = "Aplikasi probe Dinkes";
const SWITCH: &str = "Switch probe Dinas";
const DATA_CENTRE: &str = "Pusat data probe";

/// Everything a caller can read about assets, as one text.
async fn everything(app: &TestApp, token: &str, ids: &[String]) -> String {
    let mut paths = vec![format!("{ASSETS}?limit=200"), format!("{ASSETS}?q=probe&limit=200")];
    for id in ids {
        for tail in ["", "/relations", "/impact", "/history"] {
            paths.push(format!("{ASSETS}/{id}{tail}"));
        }
    }
    let mut seen = String::new();
    for path in paths {
        let (header, value) = match token.strip_prefix("key:") {
            Some(key) => ("x-api-key", key.to_owned()),
            None => ("authorization", format!("Bearer {token}")),
        };
        let answer = app.send(app.client.get(format!("{}{path}", app.address)).header(header, value)).await;
        assert!(answer.status < 500, "{path}: {}", answer.text);
        seen.push_str(&answer.text);
    }
    seen
}

fn named(code: &str, kind: &str, name: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut body = asset(code, kind, extra);
    body["name"] = json!(name);
    body
}

async fn no_answer_shows_an_asset_the_caller_may_not_see(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let (tier1_a, tier1_b, dinas) = (o.tier1_a.token.as_str(), o.tier1_b.token.as_str(), o.tier2.token.as_str());
    let laptop_a = register(&app, tier1_a, named("PRB-LPT-A", "laptop", LAPTOP_A, json!({}))).await;
    let app_a =
        register(&app, tier1_a, named("PRB-APL-A", "aplikasi", APP_A, json!({ "service_id": o.service }))).await;
    let laptop_b = register(&app, tier1_b, named("PRB-LPT-B", "laptop", LAPTOP_B, json!({}))).await;
    let app_b =
        register(&app, tier1_b, named("PRB-APL-B", "aplikasi", APP_B, json!({ "service_id": o.service }))).await;
    let switch = register(
        &app,
        dinas,
        named("PRB-SW", "perangkat_jaringan", SWITCH, json!({ "attributes": { "role": "switch" } })),
    )
    .await;
    let dc = register(&app, dinas, named("PRB-DC", "pusat_data", DATA_CENTRE, json!({}))).await;
    relate(&app, tier1_a, &app_a, "depends_on", &dc).await;
    relate(&app, tier1_b, &app_b, "depends_on", &dc).await;
    relate(&app, dinas, &dc, "connected_to", &switch).await;
    relate(&app, tier1_a, &laptop_a, "connected_to", &dc).await;
    // A desk relates its assets to what it sees only, and changes its own only.
    let hidden = app
        .post(
            &format!("{ASSETS}/{app_b}/relations"),
            Some(tier1_b),
            json!({ "to_asset_id": laptop_a, "kind": "depends_on" }),
        )
        .await;
    hidden.assert_problem(422);
    app.patch(&format!("{ASSETS}/{laptop_a}"), Some(tier1_b), json!({ "name": "x" }), None).await.assert_problem(404);
    app.patch(&format!("{ASSETS}/{dc}"), Some(tier1_a), json!({ "name": "x" }), None).await.assert_problem(403);
    let ticket = file(&app, &o.reporter_a.token, incident(o.service)).await;
    let number = ticket["number"].as_str().unwrap().to_owned();
    let ids = [laptop_a, app_a, laptop_b, app_b, switch, dc];

    let key_a = format!("key:{}", app.tier1_api_key(&o.admin.token, o.pd_a).await);
    let all = [LAPTOP_A, APP_A, LAPTOP_B, APP_B, SWITCH, DATA_CENTRE, number.as_str()];
    let readers: [(&str, &str, Vec<&str>); 9] = [
        ("reporter A", &o.reporter_a.token, vec![]),
        ("reporter B", &o.reporter_b.token, vec![]),
        ("tier 1 A", tier1_a, vec![LAPTOP_A, APP_A, DATA_CENTRE, &number]),
        ("tier 1 B", tier1_b, vec![LAPTOP_B, APP_B, DATA_CENTRE]),
        ("key of A", &key_a, vec![LAPTOP_A, APP_A, DATA_CENTRE, &number]),
        ("tier 2", dinas, all.to_vec()),
        ("supervisor", &o.supervisor.token, all.to_vec()),
        ("auditor", &o.auditor.token, all.to_vec()),
        ("admin", &o.admin.token, all.to_vec()),
    ];
    let mut leaks = Vec::new();
    for (name, token, visible) in readers {
        let seen = everything(&app, token, &ids).await;
        for probe in all {
            let shown = seen.contains(probe);
            if shown != visible.contains(&probe) {
                leaks.push(format!("{name}: {probe} {}", if shown { "shown" } else { "never shown" }));
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

on_both_backends!(no_answer_shows_an_asset_the_caller_may_not_see);
