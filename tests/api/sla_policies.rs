//! SLA policies: complete targets per priority, one default, versions.

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{spawn_app, Backend};

fn policy(name: &str, is_default: bool) -> Value {
    let row = |response: u32, days: u32| {
        json!({
            "response": { "unit": "business_minutes", "value": response },
            "resolution": { "unit": "business_days", "value": days },
            "tier2_resolution": { "unit": "calendar_hours", "value": 48 },
        })
    };
    json!({
        "name": name,
        "targets": { "critical": row(30, 1), "high": row(60, 2), "medium": row(240, 3), "low": row(450, 5) },
        "warning_percent": 75,
        "pausing_reasons": ["waiting_for_reporter"],
        "is_default": is_default,
    })
}

async fn one_policy_is_the_default_and_versions_are_kept(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    let first = app.post("/api/v1/sla-policies", Some(admin), policy("Standar", true)).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["targets"]["low"]["tier2_resolution"], json!({ "unit": "calendar_hours", "value": 48 }));
    let second = app.post("/api/v1/sla-policies", Some(admin), policy("Layanan 2x24 jam", true)).await;
    assert_eq!(second.status, 201, "{}", second.text);
    let first_id = first.body["id"].as_str().unwrap();
    let reread = app.get(&format!("/api/v1/sla-policies/{first_id}"), Some(&org.tier1_a.token)).await;
    assert_eq!(reread.body["is_default"], false, "the new default takes over");
    assert_eq!(reread.body["version"], 2, "losing the default is a new version of the old one");
    let mut changed = policy("Standar", false);
    changed["warning_percent"] = json!(80);
    let url = format!("{}/api/v1/sla-policies/{first_id}", app.address);
    let replaced = app.send(app.client.put(&url).bearer_auth(admin).header("if-match", "\"2\"").json(&changed)).await;
    assert_eq!(replaced.body["version"], 3, "{}", replaced.text);
    let v1 = app.get(&format!("/api/v1/sla-policies/{first_id}/versions/1"), Some(admin)).await;
    assert_eq!(v1.body["warning_percent"], 75);
    let v2 = app.get(&format!("/api/v1/sla-policies/{first_id}/versions/2"), Some(admin)).await;
    assert_eq!(v2.body["is_default"], false);
    let stale = app.send(app.client.put(&url).bearer_auth(admin).header("if-match", "\"2\"").json(&changed)).await;
    stale.assert_problem(412);

    let second_id = second.body["id"].as_str().unwrap();
    let service = format!("/api/v1/services/{}", org.service);
    let assigned = app.patch(&service, Some(admin), json!({ "sla_policy_id": first_id }), None).await;
    assert_eq!(assigned.body["sla_policy_id"], first_id, "{}", assigned.text);
    let in_use = app.send(app.client.delete(&url).bearer_auth(admin)).await;
    in_use.assert_problem(409);
    let default = app
        .send(app.client.delete(format!("{}/api/v1/sla-policies/{second_id}", app.address)).bearer_auth(admin))
        .await;
    default.assert_problem(409);
    app.patch(&service, Some(admin), json!({ "sla_policy_id": null }), None).await;
    assert_eq!(app.send(app.client.delete(&url).bearer_auth(admin)).await.status, 204);
}

async fn incomplete_or_impossible_policies_are_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    let mut missing = policy("A", false);
    missing["targets"].as_object_mut().unwrap().remove("low");
    let mut zero = policy("B", false);
    zero["targets"]["high"]["response"]["value"] = json!(0);
    let mut negative = policy("C", false);
    negative["targets"]["high"]["response"]["value"] = json!(-5);
    let mut threshold = policy("D", false);
    threshold["warning_percent"] = json!(100);
    let mut huge = policy("G", false);
    huge["targets"]["low"]["resolution"] = json!({ "unit": "business_days", "value": 100000 });
    let mut unit = policy("E", false);
    unit["targets"]["high"]["response"]["unit"] = json!("jam");
    for (body, field) in [
        (missing, "targets.low"),
        (zero, "targets.high"),
        (negative, "targets.high.response.value"),
        (threshold, "warning_percent"),
        (huge, "targets.low"),
        (unit, "targets.high.response.unit"),
    ] {
        let resp = app.post("/api/v1/sla-policies", Some(admin), body).await;
        resp.assert_problem(422);
        assert_eq!(resp.body["errors"][0]["field"], field, "{}", resp.text);
    }
    app.post("/api/v1/sla-policies", Some(&org.supervisor.token), policy("F", false)).await.assert_problem(403);
    assert_eq!(app.count("sla_policies"), 0);
    let unknown = app
        .patch(
            &format!("/api/v1/services/{}", org.service),
            Some(admin),
            json!({ "sla_policy_id": uuid::Uuid::now_v7() }),
            None,
        )
        .await;
    unknown.assert_problem(422);
}

/// The document once called a blank description invalid (a line of at
/// least one character), while the server takes it as none.
async fn a_blank_description_is_documented_as_none(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    let schema = &doc["components"]["schemas"]["PolicyRequest"]["properties"]["description"];
    assert_eq!(schema["minLength"], 0, "{schema}");
    let pattern = regex::Regex::new(schema["pattern"].as_str().unwrap()).unwrap();
    for (text, valid) in [("", true), (" \n ", true), ("Kebijakan umum", true), ("dua\nbaris", false)] {
        assert_eq!(pattern.is_match(text), valid, "{text:?} against {pattern}");
        let mut body = policy(&format!("Blank {}", text.len()), false);
        body["description"] = json!(text);
        let created = app.post("/api/v1/sla-policies", Some(&org.admin.token), body).await;
        assert_eq!(created.status == 201, valid, "{text:?}: {}", created.text);
        if valid {
            assert_eq!(created.body["description"], text.trim(), "{}", created.text);
        }
    }
}

on_both_backends!(
    one_policy_is_the_default_and_versions_are_kept,
    incomplete_or_impossible_policies_are_refused,
    a_blank_description_is_documented_as_none,
);
