//! API keys: creation by admins, use as `X-Api-Key` or bearer, revocation
//! and the limits of what a key may do.

use serde_json::json;
use uuid::Uuid;

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, Resp, TestApp};

const KEYS: &str = "/api/v1/api-keys";
const ME: &str = "/api/v1/me";

async fn me_with_header(app: &TestApp, key: &str) -> Resp {
    app.send(app.client.get(format!("{}{ME}", app.address)).header("X-Api-Key", key)).await
}

/// Creates a key as `token` and returns (id, secret).
async fn create_key(app: &TestApp, token: &str, unit_id: Uuid, roles: serde_json::Value) -> (String, String) {
    let resp = app
        .post(KEYS, Some(token), json!({ "name": "Helpdesk web Bappeda", "unit_id": unit_id, "roles": roles }))
        .await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    let id = resp.body["api_key"]["id"].as_str().unwrap().to_owned();
    let key = resp.body["key"].as_str().unwrap().to_owned();
    (id, key)
}

/// Asserts a 422 validation problem naming `field`.
fn assert_invalid_field(resp: &Resp, field: &str) {
    resp.assert_problem(422);
    assert_eq!(resp.body["type"], "urn:spbe-desk:problem:validation");
    let errors = resp.body["errors"].as_array().expect("field errors");
    assert!(errors.iter().any(|e| e["field"] == field), "expected an error for {field}: {}", resp.text);
}

async fn an_admin_creates_a_key_that_works_until_revoked(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let resp = app
        .post(
            KEYS,
            Some(&org.admin.token),
            json!({ "name": "Helpdesk web Bappeda", "unit_id": org.pd_a, "roles": ["reporter"] }),
        )
        .await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    let key = resp.body["key"].as_str().unwrap().to_owned();
    let id = resp.body["api_key"]["id"].as_str().unwrap().to_owned();
    assert!(key.starts_with("spbe_"), "{key}");
    assert_eq!(resp.header("location"), Some(format!("{KEYS}/{id}").as_str()));
    let prefix = resp.body["api_key"]["prefix"].as_str().unwrap().to_owned();
    assert!(key.starts_with(&prefix) && prefix.len() < key.len(), "{prefix}");
    assert_eq!(resp.body["api_key"]["unit_id"], org.pd_a.to_string());
    assert_eq!(resp.body["api_key"]["roles"], json!(["reporter"]));
    assert_eq!(resp.body["api_key"]["created_by"], org.admin.id.to_string());
    assert!(resp.body["api_key"]["revoked_at"].is_null());

    for me in [me_with_header(&app, &key).await, app.get(ME, Some(&key)).await] {
        assert_eq!(me.status, 200, "{}", me.text);
        assert_eq!(me.body["kind"], "api_key");
        assert_eq!(me.body["id"], id);
        assert_eq!(me.body["name"], "Helpdesk web Bappeda");
        assert!(me.body["email"].is_null());
        assert_eq!(me.body["unit_id"], org.pd_a.to_string());
        assert_eq!(me.body["roles"], json!(["reporter"]));
    }

    let list = app.get(KEYS, Some(&org.admin.token)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id);
    assert_eq!(items[0]["prefix"], prefix);
    assert!(items[0].get("key").is_none() && items[0].get("key_hash").is_none());
    assert!(!list.text.contains(&key));

    let revoked = app.post(&format!("{KEYS}/{id}/revoke"), Some(&org.admin.token), json!({})).await;
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert!(revoked.body["revoked_at"].is_string());
    for me in [me_with_header(&app, &key).await, app.get(ME, Some(&key)).await] {
        me.assert_problem(401);
        assert!(me.body["detail"].as_str().unwrap().contains("revoked"), "{}", me.text);
    }
    let read = app.get(&format!("{KEYS}/{id}"), Some(&org.admin.token)).await;
    assert_eq!(read.body["revoked_at"], revoked.body["revoked_at"]);
}

async fn only_admins_create_keys_and_bad_requests_insert_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let (existing, _) = create_key(&app, &org.admin.token, org.pd_a, json!(["reporter"])).await;
    let before = app.count("api_keys");
    let valid = json!({ "name": "Helpdesk web Dinkes", "unit_id": org.pd_b, "roles": ["reporter"] });

    for token in [&org.reporter_a.token, &org.auditor.token] {
        let resp = app.post(KEYS, Some(token), valid.clone()).await;
        resp.assert_problem(403);
        assert_eq!(resp.body["type"], "urn:spbe-desk:problem:forbidden");
        app.post(&format!("{KEYS}/{existing}/revoke"), Some(token), json!({})).await.assert_problem(403);
    }
    app.get(KEYS, Some(&org.reporter_a.token)).await.assert_problem(403);
    let listed = app.get(KEYS, Some(&org.auditor.token)).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.get(&format!("{KEYS}/{existing}"), Some(&org.auditor.token)).await.status, 200);

    let dinas_role_in_pd = json!({ "name": "Helpdesk web Dinkes", "unit_id": org.pd_b, "roles": ["tier2_engineer"] });
    assert_invalid_field(&app.post(KEYS, Some(&org.admin.token), dinas_role_in_pd).await, "roles");
    let unknown_unit = json!({ "name": "Helpdesk web Dinkes", "unit_id": Uuid::now_v7(), "roles": ["reporter"] });
    assert_invalid_field(&app.post(KEYS, Some(&org.admin.token), unknown_unit).await, "unit_id");
    let no_roles = json!({ "name": "Helpdesk web Dinkes", "unit_id": org.pd_b, "roles": [] });
    assert_invalid_field(&app.post(KEYS, Some(&org.admin.token), no_roles).await, "roles");

    assert_eq!(app.count("api_keys"), before);
    let after = app.get(KEYS, Some(&org.admin.token)).await;
    assert!(after.body["items"][0]["revoked_at"].is_null());
}

async fn keys_hold_only_desk_roles_and_can_neither_log_out_nor_manage_keys(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    for role in ["admin", "supervisor", "auditor", "change_approver"] {
        let wide = json!({ "name": "Kunci lebar", "unit_id": org.dinas, "roles": [role] });
        assert_invalid_field(&app.post(KEYS, Some(&org.admin.token), wide).await, "roles");
    }
    assert_eq!(app.count("api_keys"), 0, "a leaked key must never hold admin or global roles");
    let (_, key) = create_key(&app, &org.admin.token, org.pd_a, json!(["tier1_technician"])).await;
    let before = app.count("api_keys");

    let logout =
        app.send(app.client.post(format!("{}/api/v1/auth/logout", app.address)).header("X-Api-Key", &key)).await;
    logout.assert_problem(422);
    assert_eq!(logout.body["type"], "urn:spbe-desk:problem:validation");
    assert!(logout.text.contains("API keys have no session"), "{}", logout.text);
    let bearer_logout = app.post("/api/v1/auth/logout", Some(&key), json!({})).await;
    bearer_logout.assert_problem(422);
    assert_eq!(me_with_header(&app, &key).await.status, 200);

    let valid = json!({ "name": "Kunci turunan", "unit_id": org.pd_a, "roles": ["reporter"] });
    let created =
        app.send(app.client.post(format!("{}{KEYS}", app.address)).header("X-Api-Key", &key).json(&valid)).await;
    created.assert_problem(403);
    app.post(KEYS, Some(&key), valid).await.assert_problem(403);
    let user = json!({ "name": "Penyusup", "email": "x@desk.go.id", "unit_id": org.pd_a, "roles": ["admin"] });
    app.post("/api/v1/users", Some(&key), user).await.assert_problem(403);
    assert_eq!(app.count("api_keys"), before);
}

async fn a_request_with_both_a_token_and_a_key_is_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let (_, key) = create_key(&app, &org.admin.token, org.pd_a, json!(["reporter"])).await;
    let both = app
        .send(app.client.get(format!("{}{ME}", app.address)).bearer_auth(&org.admin.token).header("X-Api-Key", &key))
        .await;
    both.assert_problem(401);
    assert!(both.text.contains("not both"), "{}", both.text);
    // Each alone works.
    assert_eq!(me_with_header(&app, &key).await.status, 200);
    assert_eq!(app.get(ME, Some(&org.admin.token)).await.status, 200);
}

on_both_backends!(
    a_request_with_both_a_token_and_a_key_is_refused,
    an_admin_creates_a_key_that_works_until_revoked,
    only_admins_create_keys_and_bad_requests_insert_nothing,
    keys_hold_only_desk_roles_and_can_neither_log_out_nor_manage_keys,
);
