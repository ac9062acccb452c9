//! The document's request headers are truthful: an operation offers the
//! `X-Api-Key` alternative exactly when a service account may call it, so a
//! client (or a fuzzer) that follows the document never sends a key where
//! only people are served; an `Idempotency-Key` is taken exactly when it
//! has the documented syntax.

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::changes::{board, normal, ok, CHANGES};
use crate::support::{spawn_app, Backend};

/// A concrete path for `path`: the PD's own ticket and change where the
/// path names one, so that a refusal is about the caller and not a missing
/// record; any id elsewhere.
fn concrete(path: &str, ticket: &str, change: &str) -> String {
    let id = if path.starts_with("/api/v1/tickets/") {
        ticket.to_owned()
    } else if path.starts_with("/api/v1/changes/") {
        change.to_owned()
    } else {
        uuid::Uuid::now_v7().to_string()
    };
    path.replace("{id}", &id)
        .replace("{version}", "1")
        .replace("{date}", "2026-01-01")
        .replace("{position}", "1")
        .replace("{ticket_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{attachment_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{delivery_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{flag_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{to_asset_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{kind}", "runs_on")
}

fn offers_api_key(operation: &Value) -> bool {
    operation["security"].as_array().into_iter().flatten().any(|requirement| requirement.get("api_key").is_some())
}

fn needs_credentials(operation: &Value) -> bool {
    operation["security"].as_array().is_some_and(|r| r.iter().any(|requirement| requirement.get("bearer").is_some()))
}

async fn api_keys_are_offered_exactly_where_service_accounts_are_served(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let org = &b.org;
    // The widest service account there is: both roles a key may hold.
    let created = app
        .post(
            "/api/v1/api-keys",
            Some(&org.admin.token),
            json!({ "name": "Helpdesk web Bappeda", "unit_id": org.pd_a, "roles": ["reporter", "tier1_technician"] }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let key = created.body["key"].as_str().unwrap().to_owned();
    let ticket = ok(
        &app,
        "/api/v1/tickets",
        &org.tier1_a.token,
        json!({ "type": "incident", "title": "Printer mati", "description": "Tidak menyala",
                "service_id": org.service, "impact": "medium", "urgency": "medium" }),
    )
    .await;
    let change = ok(&app, CHANGES, &org.tier1_a.token, normal(&b.umum)).await;
    let (ticket, change) = (ticket["id"].as_str().unwrap(), change["id"].as_str().unwrap());

    let doc = app.get("/api/v1/openapi.json", None).await.body;
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            // Logging out would end nothing of a key's; the rest is refused or served.
            if !needs_credentials(operation) || path == "/api/v1/auth/logout" {
                continue;
            }
            let url = format!("{}{}", app.address, concrete(path, ticket, change));
            let request = app
                .client
                .request(method.to_uppercase().parse().unwrap(), url)
                .header("x-api-key", &key)
                .header("content-type", "application/json")
                .body("{}");
            let response = app.send(request).await;
            // Refused for who the caller is, or let through to the record
            // (found or not); a body, query or state refusal tells neither.
            let verdict = match response.status {
                401 | 403 => Some(false),
                400 | 409 | 415 | 422 => None,
                _ => Some(true),
            };
            if verdict.is_some_and(|served| served != offers_api_key(operation)) {
                wrong.push(format!("{} {path}: {} {}", method.to_uppercase(), response.status, response.text));
            }
        }
    }
    assert!(wrong.is_empty(), "security requirements that do not match what a key gets:\n{}", wrong.join("\n"));
}

/// A key with a space inside was taken, though the document's pattern
/// (1–200 visible ASCII characters) calls it invalid.
async fn idempotency_keys_are_taken_exactly_as_documented(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    let parameters = doc["paths"]["/api/v1/tickets"]["post"]["parameters"].as_array().unwrap();
    let header = parameters.iter().find(|p| p["name"] == "Idempotency-Key").unwrap();
    let pattern = regex::Regex::new(header["schema"]["pattern"].as_str().unwrap()).unwrap();
    let long = "k".repeat(201);
    for key in ["retry-1", "a b", "a\tb", "~!#", long.as_str()] {
        let request = app
            .client
            .post(format!("{}/api/v1/tickets", app.address))
            .bearer_auth(&org.tier1_a.token)
            .header("Idempotency-Key", key)
            .json(&json!({ "type": "incident", "title": "Printer mati", "description": "Tidak menyala",
                           "service_id": org.service, "impact": "medium", "urgency": "medium" }));
        let response = app.send(request).await;
        assert_eq!(response.status == 201, pattern.is_match(key), "{key:?}: {}", response.text);
        if !pattern.is_match(key) {
            response.assert_problem(422);
        }
    }
}

on_both_backends!(
    api_keys_are_offered_exactly_where_service_accounts_are_served,
    idempotency_keys_are_taken_exactly_as_documented,
);
