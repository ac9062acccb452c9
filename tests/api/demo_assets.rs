//! The demo region's register of TIK assets tells the truth: the core
//! router carries the network, the data centre and every application
//! behind them, and says so path by path; a second seed adds nothing.

use serde_json::Value;

use crate::demo_seed::{seed, DEMO_PASSWORD};
use crate::on_both_backends;
use crate::support::{spawn_app_with, Backend};

const ROUTER: &str = "1.3.2.10.02.03.001/0001";

fn codes(items: &Value, pick: impl Fn(&Value) -> &Value) -> Vec<String> {
    let mut codes: Vec<String> =
        items.as_array().unwrap().iter().map(|item| pick(item).as_str().unwrap().to_owned()).collect();
    codes.sort();
    codes
}

async fn the_core_routers_impact_reaches_every_service_behind_it(backend: Backend) {
    let mut url = String::new();
    let Some(app) = spawn_app_with(backend, |s| {
        url = s.database.url.clone();
        let out = seed(&url, DEMO_PASSWORD);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("assets 28 registered, 32 relations"));
    })
    .await
    else {
        return;
    };
    let (tier2, _) = app.login("tier2.irfan@majenekab.go.id", DEMO_PASSWORD).await;
    let found = app.get(&format!("/api/v1/assets?q={ROUTER}"), Some(&tier2)).await;
    assert_eq!(found.body["items"].as_array().map(Vec::len), Some(1), "{}", found.text);
    let router = found.body["items"][0]["id"].as_str().unwrap().to_owned();
    let impact = app.get(&format!("/api/v1/assets/{router}/impact"), Some(&tier2)).await;
    assert_eq!(impact.status, 200, "{}", impact.text);
    let services = codes(&impact.body["services"], |s| &s["code"]);
    let every = [
        "EMAIL-DINAS",
        "JARINGAN-INTRA",
        "OSS-RBA",
        "PUSAT-DATA",
        "SIAK",
        "SIMPEG",
        "SIMPUS",
        "SIPD",
        "SP4N-LAPOR",
        "SPLP",
        "SRIKANDI",
        "WEBSITE-PD",
    ];
    assert_eq!(services, every, "{}", impact.text);
    let units = codes(&impact.body["units"], |u| &u["code"]);
    assert!(units.contains(&"BAPPEDA".to_owned()) && units.contains(&"DINKES".to_owned()), "{units:?}");
    // SIMPEG is reached through a server of its own, the core switch and the router.
    let simpeg = impact.body["services"].as_array().unwrap().iter().find(|s| s["code"] == "SIMPEG").unwrap();
    let relations: Vec<&str> =
        simpeg["path"].as_array().unwrap().iter().map(|s| s["relation"].as_str().unwrap()).collect();
    assert_eq!(relations[1..], ["connected_to", "connected_to"], "{simpeg}");
    assert_eq!(simpeg["path"][2]["to_asset_id"], router.as_str());

    // A BAPPEDA desk sees its own side of the same outage.
    let (tier1, _) = app.login("tier1.bappeda@majenekab.go.id", DEMO_PASSWORD).await;
    app.get(&format!("/api/v1/assets/{router}/impact"), Some(&tier1)).await.assert_problem(404);
    let network = app.get("/api/v1/assets?kind=jaringan_intra", Some(&tier1)).await;
    let network = network.body["items"][0]["id"].as_str().unwrap().to_owned();
    let seen = app.get(&format!("/api/v1/assets/{network}/impact"), Some(&tier1)).await;
    let owners: Vec<String> = codes(&seen.body["units"], |u| &u["code"]);
    // Its SIPD, its switch and what hangs on it, and the network's own service.
    assert_eq!(owners, ["BAPPEDA", "DISKOMINFO"], "{}", seen.text);
    assert_eq!(seen.body["assets"].as_array().map(Vec::len), Some(4), "{}", seen.text);

    let again = seed(&url, DEMO_PASSWORD);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert!(!String::from_utf8_lossy(&again.stdout).contains("assets"), "a second seed adds nothing");
}

on_both_backends!(the_core_routers_impact_reaches_every_service_behind_it);
