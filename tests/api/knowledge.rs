//! Knowledge articles: written as drafts, reviewed and published by the
//! Dinas as versions, edited only as drafts, and refused clearly on bad
//! input without a trace.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, Resp, TestApp};

pub const ARTICLES: &str = "/api/v1/knowledge/articles";

pub fn article(service: Uuid, title: &str, body: &str) -> Value {
    json!({ "service_id": service, "kind": "solution", "title": title, "body": body, "keywords": ["simpeg"] })
}

/// Writes an article as `token`; its id.
pub async fn write(app: &TestApp, token: &str, body: Value) -> String {
    let created = app.post(ARTICLES, Some(token), body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["id"].as_str().unwrap().to_owned()
}

/// Makes `name` on the article as `token`, expecting 200.
pub async fn step(app: &TestApp, id: &str, name: &str, token: &str) -> Value {
    let moved = app.post(&format!("{ARTICLES}/{id}/{name}"), Some(token), json!({})).await;
    assert_eq!(moved.status, 200, "{name}: {}", moved.text);
    moved.body
}

fn get<'a>(app: &'a TestApp, id: &str, token: &'a str) -> impl std::future::Future<Output = Resp> + 'a {
    let path = format!("{ARTICLES}/{id}");
    async move { app.get(&path, Some(token)).await }
}

async fn a_technician_writes_the_dinas_publishes_and_every_version_stays_readable(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let body = "# Gejala\n\nTidak bisa masuk SIMPEG.\n\n# Solusi\n\n1. Atur ulang kata sandi <b>di</b> menu profil.";
    let id = write(&app, &o.tier1_a.token, article(o.service, "Gagal masuk SIMPEG", body)).await;
    let draft = get(&app, &id, &o.tier1_a.token).await;
    assert_eq!((draft.body["status"].as_str(), draft.header("etag")), (Some("draft"), Some("\"1\"")));
    assert!(draft.body["body_html"].as_str().unwrap().contains("<h1>Gejala</h1>"));
    assert!(draft.body["body_html"].as_str().unwrap().contains("&lt;b&gt;di&lt;/b&gt;"), "raw HTML is text");
    assert_eq!(get(&app, &id, &o.reporter_a.token).await.status, 404, "a draft is not the reporters'");

    step(&app, &id, "submit", &o.tier1_a.token).await;
    let refused = app.post(&format!("{ARTICLES}/{id}/publish"), Some(&o.tier1_a.token), json!({})).await;
    refused.assert_problem(403);
    let published = step(&app, &id, "publish", &o.tier2.token).await;
    assert_eq!((published["status"].as_str(), published["published_version"].as_i64()), (Some("published"), Some(1)));
    let due = chrono::DateTime::parse_from_rfc3339(published["review_due_at"].as_str().unwrap()).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(published["published_at"].as_str().unwrap()).unwrap();
    assert_eq!((due - at).num_days(), 180, "due for review after the configured period");
    assert_eq!(get(&app, &id, &o.reporter_a.token).await.status, 200);

    // Improving it: a published article is edited only as a draft.
    let edit = json!({ "body": "Versi kedua: gunakan menu Lupa Sandi." });
    let direct = app.patch(&format!("{ARTICLES}/{id}"), Some(&o.tier1_a.token), edit.clone(), None).await;
    direct.assert_problem(409);
    step(&app, &id, "revise", &o.tier1_a.token).await;
    let edited = app.patch(&format!("{ARTICLES}/{id}"), Some(&o.tier1_a.token), edit, None).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let second = step(&app, &id, "publish", &o.supervisor.token).await;
    assert_eq!(second["published_version"], 2);

    let versions = app.get(&format!("{ARTICLES}/{id}/versions"), Some(&o.reporter_a.token)).await;
    assert_eq!(versions.status, 200, "{}", versions.text);
    let bodies: Vec<&str> =
        versions.body["items"].as_array().unwrap().iter().map(|v| v["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, [body, "Versi kedua: gunakan menu Lupa Sandi."]);
    let first = app.get(&format!("{ARTICLES}/{id}/versions/1"), Some(&o.reporter_a.token)).await;
    assert_eq!((first.status, first.body["published_by"].as_str()), (200, Some(o.tier2.id.to_string().as_str())));
    assert_eq!(app.get(&format!("{ARTICLES}/{id}/versions/3"), Some(&o.tier1_a.token)).await.status, 404);

    // Every move is in the article's own audit chain, which verifies.
    let audit = app.get(&format!("/api/v1/audit?chain_id={id}"), Some(&o.auditor.token)).await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    let actions: Vec<&str> =
        audit.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in
        ["knowledge.created", "knowledge.submitted", "knowledge.published", "knowledge.revised", "knowledge.updated"]
    {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert!(crate::audit_chain::breaks(&crate::audit_chain::verify(&app, &o).await).is_empty());
}

async fn bad_input_gets_a_clear_4xx_and_changes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let token = o.tier1_a.token.as_str();
    let entries = app.count("audit_log");
    let unknown = app.post(ARTICLES, Some(token), article(Uuid::now_v7(), "Judul", "Isi")).await;
    unknown.assert_problem(422);
    assert!(unknown.text.contains("service_id"), "{}", unknown.text);
    let oversized = app.post(ARTICLES, Some(token), article(o.service, "Judul", &"a".repeat(50_001))).await;
    oversized.assert_problem(422);
    assert!(oversized.text.contains("body"), "{}", oversized.text);
    let dinas_only = json!({ "service_id": o.service, "kind": "faq", "title": "T", "body": "B", "audience": "dinas" });
    app.post(ARTICLES, Some(token), dinas_only).await.assert_problem(422);
    app.post(ARTICLES, Some(&o.reporter_a.token), article(o.service, "Judul", "Isi")).await.assert_problem(403);
    assert_eq!(app.count("knowledge_articles"), 0);
    assert_eq!(app.count("audit_log"), entries, "a refused write leaves no entry");

    // A script in the Markdown is kept as written and never reaches the HTML.
    let id = write(
        &app,
        token,
        article(o.service, "Skrip", "Klik [di sini](javascript:alert(1)) <script>alert(1)</script>"),
    )
    .await;
    let read = get(&app, &id, token).await;
    let html = read.body["body_html"].as_str().unwrap();
    assert!(!html.contains("<script") && !html.contains("javascript:"), "{html}");

    // A stale If-Match: 412, and the draft unchanged.
    let path = format!("{ARTICLES}/{id}");
    let stale = app.patch(&path, Some(token), json!({ "title": "Baru" }), Some("\"7\"")).await;
    stale.assert_problem(412);
    let fresh = app.patch(&path, Some(token), json!({ "title": "Baru" }), Some("\"1\"")).await;
    assert_eq!((fresh.status, fresh.header("etag")), (200, Some("\"2\"")));
    let moved = app
        .send(app.client.post(format!("{}{path}/submit", app.address)).bearer_auth(token).header("If-Match", "\"1\""))
        .await;
    moved.assert_problem(412);
    assert_eq!(get(&app, &id, token).await.body["status"], "draft");
    // A move that does not start here: 409.
    app.post(&format!("{path}/return"), Some(&o.tier2.token), json!({ "reason": "Lengkapi" }))
        .await
        .assert_problem(409);
    // The same Idempotency-Key writes once.
    let again = |body: Value| {
        app.send(
            app.client
                .post(format!("{}{ARTICLES}", app.address))
                .bearer_auth(token)
                .header("Idempotency-Key", "k-1")
                .json(&body),
        )
    };
    let one = again(article(o.service, "Sekali", "Isi")).await;
    let two = again(article(o.service, "Sekali", "Isi")).await;
    assert_eq!((one.status, two.status, &one.body["id"]), (201, 201, &two.body["id"]));
}

on_both_backends!(
    a_technician_writes_the_dinas_publishes_and_every_version_stays_readable,
    bad_input_gets_a_clear_4xx_and_changes_nothing,
);
