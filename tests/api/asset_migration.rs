//! Upgrading a region turns its services' infrastructure words into
//! assets: one Dinas-owned asset per word, one aplikasi per application
//! service, and a depends_on relation for each word a service named; the
//! services keep their data, and the migration goes back and forth.

use serde_json::json;

use crate::on_both_backends;
use crate::support::{spawn_app, Backend};

const VERSION: &str = "20261208000053";

async fn the_services_words_become_assets_and_relations(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    app.execute("UPDATE services SET depends_on = 'pusat_data,jaringan_intra' WHERE code = 'SIMPEG'");
    let service_before = app.get(&format!("/api/v1/services/{}", o.service), Some(&o.admin.token)).await.body;
    {
        let mut conn = app.db.conn().unwrap();
        let reverted = crate::support::revert_through(&mut conn, VERSION);
        let applied = spbe_desk::db::migrate::run_pending(&mut conn).unwrap();
        assert_eq!(applied, reverted.into_iter().rev().collect::<Vec<_>>());
    }
    let token = o.tier2.token.as_str();
    let listed = app.get("/api/v1/assets?limit=200", Some(token)).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let items = listed.body["items"].as_array().unwrap().clone();
    let find = |code: &str| {
        items.iter().find(|a| a["inventory_code"] == code).unwrap_or_else(|| panic!("{code}: {items:?}")).clone()
    };
    let (dc, network, simpeg) = (find("SPBE-PUSAT-DATA"), find("SPBE-JARINGAN-INTRA"), find("APL-SIMPEG"));
    assert_eq!(items.len(), 3, "one asset per word, one per application service");
    assert_eq!(
        (dc["owner_unit_id"].as_str(), dc["status"].as_str()),
        (Some(o.dinas.to_string().as_str()), Some("digunakan"))
    );
    assert_eq!(network["service_id"], o.infra_service.to_string(), "the infrastructure service is the network's");
    assert_eq!(
        (simpeg["owner_unit_id"].as_str(), simpeg["service_id"].as_str()),
        (Some(o.pd_a.to_string().as_str()), Some(o.service.to_string().as_str()))
    );
    assert_eq!(simpeg["name"], "SIMPEG");

    let simpeg_id = simpeg["id"].as_str().unwrap();
    let relations = app.get(&format!("/api/v1/assets/{simpeg_id}/relations"), Some(token)).await;
    let mut needs: Vec<&str> = relations.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["other"]["inventory_code"].as_str().unwrap())
        .collect();
    needs.sort();
    assert_eq!(needs, ["SPBE-JARINGAN-INTRA", "SPBE-PUSAT-DATA"]);
    let impact = app.get(&format!("/api/v1/assets/{}/impact", dc["id"].as_str().unwrap()), Some(token)).await;
    assert_eq!(impact.body["services"][0]["id"], o.service.to_string(), "{}", impact.text);
    let service_after = app.get(&format!("/api/v1/services/{}", o.service), Some(&o.admin.token)).await.body;
    assert_eq!(service_after, service_before, "the service keeps its data");

    // A migrated asset's history starts at its first change, and the chains verify.
    let edited =
        app.patch(&format!("/api/v1/assets/{simpeg_id}"), Some(token), json!({ "location": "Pusat Data" }), None).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let verified = app.get("/api/v1/audit/verify", Some(&o.auditor.token)).await;
    assert_eq!(verified.body["intact"], true, "{}", verified.text);

    // Back: the migrated assets go, the services stay; and forth again.
    let mut conn = app.db.conn().unwrap();
    crate::support::revert_through(&mut conn, VERSION);
    drop(conn);
    assert_eq!((app.count("assets"), app.count("asset_relations")), (0, 0));
    let mut conn = app.db.conn().unwrap();
    spbe_desk::db::migrate::run_pending(&mut conn).unwrap();
    drop(conn);
    assert_eq!((app.count("assets"), app.count("asset_relations")), (3, 2));
}

on_both_backends!(the_services_words_become_assets_and_relations);
