//! What a change record takes and what the report makes of it: plans that
//! are given are never blank (as the document says), bounds the document
//! states are the server's, and approval lead times averaged exactly; on
//! both backends.

use chrono::Duration;
use serde_json::json;

use crate::on_both_backends;
use crate::support::changes::{approve, awaiting, board, normal, ok, CHANGES};
use crate::support::{spawn_app, Backend};

async fn the_approval_lead_time_is_averaged_from_exact_durations(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    // 6 s (0.1 min) and 7.8 s (0.13 min): 0.115 min on average, not 0 from whole minutes.
    for seconds in [6_000, 7_800] {
        let id = awaiting(&app, &b, &b.umum).await;
        app.clock.advance(Duration::milliseconds(seconds));
        approve(&app, &id, &b.dinas_approver, "board", None).await;
        let decided = approve(&app, &id, &b.pd_a_approver, "owner_unit", Some(b.org.pd_a)).await;
        assert_eq!(decided["status"], "approved");
    }
    let report = app.get("/api/v1/reports/changes", Some(&b.org.supervisor.token)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    let average = report.body["approval_lead_time_avg_minutes"].as_f64().unwrap();
    assert!((average - 0.115).abs() < 1e-9, "{}", report.text);
    assert_eq!(report.body["approval_lead_time_max_minutes"], 0, "whole minutes, rounded down");
}

async fn plans_that_are_given_are_never_blank(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let t1 = b.org.tier1_a.token.as_str();
    let before = app.count("changes");
    for (field, blank) in [("test_plan", ""), ("rollback_plan", "  \n "), ("impact_analysis", "")] {
        let mut body = normal(&b.umum);
        body[field] = json!(blank);
        let refused = app.post(CHANGES, Some(t1), body).await;
        refused.assert_problem(422);
        assert!(refused.body["errors"].to_string().contains(field), "{}", refused.text);
    }
    assert_eq!(app.count("changes"), before, "nothing stored");
    // Plans may come later: left out, they are empty until then.
    let mut later = normal(&b.umum);
    for field in ["impact_analysis", "implementation_plan", "test_plan", "rollback_plan"] {
        later.as_object_mut().unwrap().remove(field);
    }
    let draft = ok(&app, CHANGES, t1, later).await;
    assert_eq!(draft["test_plan"], "");
    let path = format!("{CHANGES}/{}", draft["id"].as_str().unwrap());
    let cleared = app.patch(&path, Some(t1), json!({ "implementation_plan": "" }), None).await;
    cleared.assert_problem(422);
    assert!(cleared.text.contains("implementation_plan"), "{}", cleared.text);
    let written = app.patch(&path, Some(t1), json!({ "implementation_plan": "Pasang paket 2.5" }), None).await;
    assert_eq!(written.body["implementation_plan"], "Pasang paket 2.5", "{}", written.text);
    // The document says the same.
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    for schema in ["CreateChangeRequest", "UpdateChangeRequest"] {
        for field in ["impact_analysis", "implementation_plan", "test_plan", "rollback_plan"] {
            let property = &doc["components"]["schemas"][schema]["properties"][field];
            assert_eq!(property["minLength"], 1, "{schema}.{field}: {property}");
        }
    }
}

async fn the_due_calculator_documents_the_smallest_value_it_takes(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    let parameters = doc["paths"]["/api/v1/calendars/{id}/due"]["get"]["parameters"].as_array().unwrap();
    let value = parameters.iter().find(|p| p["name"] == "value").unwrap();
    assert_eq!(value["schema"]["minimum"], 1, "{value}");
    let due = |value: u32| {
        format!(
            "/api/v1/calendars/{}/due?start=2026-08-14T07:50:00Z&unit=business_minutes&value={value}",
            uuid::Uuid::now_v7()
        )
    };
    app.get(&due(0), Some(&org.admin.token)).await.assert_problem(422);
    app.get(&due(1), Some(&org.admin.token)).await.assert_problem(404);
}

/// The schema once called it int32, so a valid count above 2^31 - 1 was
/// "invalid" to a client that followed it, and the server took it.
async fn the_users_affected_bound_is_the_one_the_server_takes(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    let users = &doc["components"]["schemas"]["RiskAssessment"]["properties"]["users_affected"];
    assert_eq!(
        (users["format"].as_str(), users["maximum"].as_u64()),
        (Some("int64"), Some(u64::from(u32::MAX))),
        "{users}"
    );
    let mut body = normal(&b.umum);
    body["risk"]["users_affected"] = json!(u32::MAX);
    ok(&app, CHANGES, &b.org.tier1_a.token, body.clone()).await;
    body["risk"]["users_affected"] = json!(u64::from(u32::MAX) + 1);
    app.post(CHANGES, Some(&b.org.tier1_a.token), body).await.assert_problem(422);
}

on_both_backends!(
    the_users_affected_bound_is_the_one_the_server_takes,
    the_approval_lead_time_is_averaged_from_exact_durations,
    plans_that_are_given_are_never_blank,
    the_due_calculator_documents_the_smallest_value_it_takes,
);
