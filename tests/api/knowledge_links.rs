//! Knowledge from tickets: a resolution links the articles it used and
//! proposes a draft in one call, journaled on both; a problem's known
//! error becomes a draft; a refused article undoes the whole call.

use serde_json::{json, Value};

use crate::knowledge::{article, step, write, ARTICLES};
use crate::on_both_backends;
use crate::support::{spawn_app, Backend, Org, TestApp};
use crate::tickets::{file, incident};

/// A published article by tier 1 of A, for everyone; its id.
async fn published(app: &TestApp, o: &Org, title: &str) -> String {
    let id = write(app, &o.tier1_a.token, article(o.service, title, "Atur ulang kata sandi di menu profil.")).await;
    step(app, &id, "publish", &o.tier2.token).await;
    id
}

/// A ticket of reporter A that tier 1 of A is working on; its id.
async fn working(app: &TestApp, o: &Org) -> String {
    let ticket = file(app, &o.reporter_a.token, incident(o.service)).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let started = app.post(&format!("/api/v1/tickets/{id}/start"), Some(&o.tier1_a.token), json!({})).await;
    assert_eq!(started.status, 200, "{}", started.text);
    id
}

fn resolution(knowledge: Value) -> Value {
    json!({ "resolution_code": "solved", "resolution": "Kata sandi diatur ulang lewat menu profil.", "knowledge": knowledge })
}

async fn a_resolution_links_what_it_used_and_proposes_a_draft_in_one_call(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let used = published(&app, &o, "Gagal masuk SIMPEG").await;
    let ticket = working(&app, &o).await;
    let knowledge = json!({ "link": [{ "article_id": used }, { "article_id": used }], "propose_draft": true });
    let resolved =
        app.post(&format!("/api/v1/tickets/{ticket}/resolve"), Some(&o.tier1_a.token), resolution(knowledge)).await;
    assert_eq!((resolved.status, resolved.body["status"].as_str()), (200, Some("resolved")), "{}", resolved.text);
    let link = resolved.header("link").unwrap_or_default().to_owned();
    let draft = link.split(['<', '>']).nth(1).unwrap_or_default().to_owned();
    assert!(link.ends_with("rel=\"knowledge-draft\"") && draft.starts_with(ARTICLES), "{link}");

    let read = app.get(&draft, Some(&o.tier1_a.token)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    let d = &read.body;
    assert_eq!(
        (d["status"].as_str(), d["kind"].as_str(), d["audience"].as_str()),
        (Some("draft"), Some("solution"), Some("desks"))
    );
    assert_eq!(
        (d["title"].as_str(), d["service_id"].as_str()),
        (Some("SIMPEG tidak bisa login"), Some(o.service.to_string().as_str()))
    );
    assert_eq!(d["owner_unit_id"], o.pd_a.to_string());
    let body = d["body"].as_str().unwrap();
    assert!(
        body.starts_with("## Gejala\n\nSejak pagi") && body.contains("## Penyelesaian\n\nKata sandi diatur ulang"),
        "{body}"
    );
    assert!(!body.contains("Penyebab"), "the ticket names no cause");

    // One link (the repeated id counts once), at the version read then.
    assert_eq!(app.count("knowledge_links"), 1);
    let links = app.get(&format!("/api/v1/tickets/{ticket}/knowledge-links"), Some(&o.tier1_a.token)).await;
    let first = &links.body["items"][0];
    assert_eq!((first["article_id"].as_str(), first["article_version"].as_i64()), (Some(used.as_str()), Some(1)));
    assert_eq!(first["title"], "Gagal masuk SIMPEG");
    let counted = app.get(&format!("{ARTICLES}/{used}"), Some(&o.tier2.token)).await;
    assert_eq!(counted.body["link_count"], 1, "{}", counted.text);
    let listed = app.get(&format!("{ARTICLES}?status=published"), Some(&o.tier1_b.token)).await;
    assert_eq!(listed.body["items"][0]["link_count"], 1, "{}", listed.text);
    let reporter = app.get(&format!("{ARTICLES}/{used}"), Some(&o.reporter_a.token)).await;
    assert_eq!((reporter.status, reporter.body.get("link_count")), (200, None), "reporters see no counts");

    // Both journals: the ticket's timeline (for the desk) and the article's chain.
    let events = app.get(&format!("/api/v1/tickets/{ticket}/events"), Some(&o.tier1_a.token)).await;
    let kinds: Vec<&str> =
        events.body["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.ends_with(&["resolved", "knowledge_linked", "knowledge_proposed"]), "{kinds:?}");
    let public = app.get(&format!("/api/v1/tickets/{ticket}/events"), Some(&o.reporter_a.token)).await;
    assert!(!public.text.contains("knowledge_"), "the desk's matter: {}", public.text);
    let audit = app.get(&format!("/api/v1/audit?chain_id={used}"), Some(&o.auditor.token)).await;
    let actions: Vec<&str> =
        audit.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"knowledge.linked"), "{actions:?}");
    assert!(crate::audit_chain::breaks(&crate::audit_chain::verify(&app, &o).await).is_empty());
}

async fn a_refused_article_undoes_the_resolution_and_links_come_later_too(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let used = published(&app, &o, "Gagal masuk SIMPEG").await;
    let draft = write(&app, &o.tier1_a.token, article(o.service, "Belum terbit", "Isi")).await;
    let ticket = working(&app, &o).await;
    let resolve = format!("/api/v1/tickets/{ticket}/resolve");
    let (entries, articles) = (app.count("audit_log"), app.count("knowledge_articles"));
    for refused in [draft.clone(), uuid::Uuid::now_v7().to_string()] {
        let knowledge = json!({ "link": [{ "article_id": used }, { "article_id": refused }], "propose_draft": true });
        let answer = app.post(&resolve, Some(&o.tier1_a.token), resolution(knowledge)).await;
        answer.assert_problem(422);
        assert_eq!(answer.body["errors"][0]["field"], "knowledge.link[1].article_id", "{}", answer.text);
    }
    let still = app.get(&format!("/api/v1/tickets/{ticket}"), Some(&o.tier1_a.token)).await;
    assert_eq!(still.body["status"], "in_progress", "nothing changed");
    assert_eq!((app.count("knowledge_links"), app.count("knowledge_articles")), (0, articles));
    assert_eq!(app.count("audit_log"), entries);

    let resolved = app.post(&resolve, Some(&o.tier1_a.token), resolution(json!({}))).await;
    assert_eq!((resolved.status, resolved.header("link")), (200, None), "{}", resolved.text);
    let links = format!("/api/v1/tickets/{ticket}/knowledge-links");
    let body = json!({ "link": [{ "article_id": used }] });
    app.post(&links, Some(&o.reporter_a.token), body.clone()).await.assert_problem(403);
    app.post(&links, Some(&o.tier1_b.token), body.clone()).await.assert_problem(404);
    app.post(&links, Some(&o.tier1_a.token), json!({ "link": [] })).await.assert_problem(422);
    for _ in 0..2 {
        let linked = app.post(&links, Some(&o.tier1_a.token), body.clone()).await;
        assert_eq!((linked.status, linked.body["items"].as_array().map(Vec::len)), (200, Some(1)), "{}", linked.text);
    }
    assert_eq!(app.count("knowledge_links"), 1, "linking again changes nothing");
}

async fn a_problems_known_error_becomes_a_draft(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let mut problem = incident(o.service);
    problem["type"] = json!("problem");
    let problem = file(&app, &o.tier1_a.token, problem).await;
    let path = |id: &Value| format!("/api/v1/tickets/{}/known-error-article", id.as_str().unwrap());
    app.post(&path(&problem["id"]), Some(&o.reporter_a.token), json!({})).await.assert_problem(404);
    let written = app.post(&path(&problem["id"]), Some(&o.tier1_a.token), json!({})).await;
    assert_eq!(written.status, 201, "{}", written.text);
    assert_eq!((written.body["kind"].as_str(), written.body["status"].as_str()), (Some("known_error"), Some("draft")));
    assert!(written.header("location").is_some_and(|l| l.starts_with(ARTICLES)));
    let incident = file(&app, &o.reporter_a.token, incident(o.service)).await;
    app.post(&path(&incident["id"]), Some(&o.tier1_a.token), json!({})).await.assert_problem(422);
}

on_both_backends!(
    a_resolution_links_what_it_used_and_proposes_a_draft_in_one_call,
    a_refused_article_undoes_the_resolution_and_links_come_later_too,
    a_problems_known_error_becomes_a_draft,
);
