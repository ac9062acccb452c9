//! A person changing their own password: the old one checked like a login,
//! the new one by the same rules as elsewhere, the change audited without
//! password material, and every other session of theirs ended.

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, Resp, TestApp, PASSWORD};

const CHANGE: &str = "/api/v1/me/password";
const NEW_PASSWORD: &str = "sandi-baru-yang-panjang";

async fn change(app: &TestApp, token: &str, old: &str, new: &str) -> Resp {
    app.post(CHANGE, Some(token), json!({ "old_password": old, "new_password": new })).await
}

async fn attempt(app: &TestApp, email: &str, password: &str) -> Resp {
    app.post("/api/v1/auth/login", None, json!({ "email": email, "password": password })).await
}

async fn refresh(app: &TestApp, refresh_token: &str) -> Resp {
    app.post("/api/v1/auth/refresh", None, json!({ "refresh_token": refresh_token })).await
}

/// Asserts a 422 problem naming `field`.
fn assert_refused_field(resp: &Resp, field: &str) {
    resp.assert_problem(422);
    let errors = resp.body["errors"].as_array().expect("field errors");
    assert!(errors.iter().any(|e| e["field"] == field), "{}", resp.text);
}

/// The audit entries of one user, oldest first.
async fn user_audit(app: &TestApp, token: &str, user: uuid::Uuid) -> Vec<Value> {
    let resp = app.get(&format!("/api/v1/audit?entity_type=user&entity_id={user}&limit=200"), Some(token)).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    resp.body["items"].as_array().unwrap().clone()
}

async fn a_wrong_old_password_is_refused_and_changes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let user = &org.tier1_a;
    let (this_access, _) = app.login(&user.email, PASSWORD).await;
    let (_, other_refresh) = app.login(&user.email, PASSWORD).await;
    let audit = user_audit(&app, &org.auditor.token, user.id).await.len();

    let refused = change(&app, &this_access, "bukan-sandi-lama", NEW_PASSWORD).await;
    assert_refused_field(&refused, "old_password");
    assert!(refused.text.contains("not your current password"), "{}", refused.text);

    assert_eq!(attempt(&app, &user.email, NEW_PASSWORD).await.status, 401);
    app.login(&user.email, PASSWORD).await;
    assert_eq!(refresh(&app, &other_refresh).await.status, 200, "the other session is untouched");
    assert_eq!(app.get("/api/v1/me", Some(&user.token)).await.status, 200);
    assert_eq!(user_audit(&app, &org.auditor.token, user.id).await.len(), audit);
}

async fn a_changed_password_replaces_the_old_one_and_ends_the_other_sessions(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let user = &org.reporter_a;
    let (this_access, this_refresh) = app.login(&user.email, PASSWORD).await;
    let (other_access, other_refresh) = app.login(&user.email, PASSWORD).await;

    let changed = change(&app, &this_access, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(changed.status, 204, "{}", changed.text);
    assert!(changed.text.is_empty());

    assert_eq!(attempt(&app, &user.email, PASSWORD).await.status, 401, "the old password no longer logs in");
    let (fresh, _) = app.login(&user.email, NEW_PASSWORD).await;
    assert_eq!(app.get("/api/v1/me", Some(&fresh)).await.status, 200);
    // Every other session ended at once: its refresh token and its
    // access tokens already issued (the fixture's login is another one).
    refresh(&app, &other_refresh).await.assert_problem(401);
    for token in [&other_access, &user.token] {
        app.get("/api/v1/me", Some(token)).await.assert_problem(401);
    }
    // The session that made the change goes on.
    assert_eq!(app.get("/api/v1/me", Some(&this_access)).await.status, 200);
    assert_eq!(refresh(&app, &this_refresh).await.status, 200);

    let entries = user_audit(&app, &org.auditor.token, user.id).await;
    let entry = entries.iter().find(|e| e["action"] == "user.password_changed").expect("an audit entry");
    assert_eq!(entry["actor_id"], user.id.to_string());
    assert_eq!(entry["after"]["version"], entry["before"]["version"].as_i64().unwrap() + 1);
    let text = entry.to_string();
    for secret in [PASSWORD, NEW_PASSWORD, "argon2", "password_hash"] {
        assert!(!text.contains(secret), "{secret} in the audit entry: {text}");
    }
}

async fn wrong_old_passwords_count_toward_the_login_lockout(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let user = &org.tier1_b;
    for _ in 0..5 {
        assert_refused_field(&change(&app, &user.token, "bukan-sandi-lama", NEW_PASSWORD).await, "old_password");
    }
    let locked = change(&app, &user.token, PASSWORD, NEW_PASSWORD).await;
    locked.assert_problem(429);
    assert!(locked.header("retry-after").is_some());
    attempt(&app, &user.email, PASSWORD).await.assert_problem(429);
    assert_eq!(app.get("/api/v1/me", Some(&user.token)).await.status, 200, "a lockout ends no session");
}

async fn the_new_password_follows_the_rules_and_api_keys_have_none(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let user = &org.tier2;
    for bad in ["pendek", &"x".repeat(129)] {
        assert_refused_field(&change(&app, &user.token, PASSWORD, bad).await, "new_password");
    }
    let missing = app.post(CHANGE, Some(&user.token), json!({ "new_password": NEW_PASSWORD })).await;
    missing.assert_problem(422);
    app.login(&user.email, PASSWORD).await;
    change(&app, "not-a-token", PASSWORD, NEW_PASSWORD).await.assert_problem(401);

    let key = app
        .post(
            "/api/v1/api-keys",
            Some(&org.admin.token),
            json!({ "name": "Helpdesk", "unit_id": org.pd_a, "roles": ["reporter"] }),
        )
        .await;
    assert_eq!(key.status, 201, "{}", key.text);
    let secret = key.body["key"].as_str().unwrap();
    let by_key = app
        .send(
            app.client
                .post(format!("{}{CHANGE}", app.address))
                .header("x-api-key", secret)
                .json(&json!({ "old_password": PASSWORD, "new_password": NEW_PASSWORD })),
        )
        .await;
    assert_refused_field(&by_key, "authorization");
}

async fn the_password_change_is_in_the_openapi_document(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    let operation = &doc["paths"]["/api/v1/me/password"]["post"];
    for status in ["204", "401", "422", "429"] {
        assert!(operation["responses"][status].is_object(), "{status} undocumented: {operation}");
    }
    let schema = &doc["components"]["schemas"]["ChangePasswordRequest"];
    assert_eq!(schema["required"], json!(["old_password", "new_password"]));
    assert_eq!(schema["properties"]["new_password"]["minLength"], 10);
}

on_both_backends!(
    the_password_change_is_in_the_openapi_document,
    a_wrong_old_password_is_refused_and_changes_nothing,
    a_changed_password_replaces_the_old_one_and_ends_the_other_sessions,
    wrong_old_passwords_count_toward_the_login_lockout,
    the_new_password_follows_the_rules_and_api_keys_have_none,
);
