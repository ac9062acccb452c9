//! Readers rate and flag published articles (one rating per reader and
//! version: a second replaces the first); the article's owners read and
//! close the flags; every step is in the article's journal.

use serde_json::json;

use crate::knowledge::{article, step, write, ARTICLES};
use crate::on_both_backends;
use crate::support::{spawn_app, Backend};

async fn readers_rate_once_per_version_and_owners_close_flags(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let id = write(&app, &o.tier1_a.token, article(o.service, "Gagal masuk SIMPEG", "Atur ulang sandi.")).await;
    let (ratings, flags) = (format!("{ARTICLES}/{id}/ratings"), format!("{ARTICLES}/{id}/flags"));
    let rating = json!({ "helpful": true, "comment": "Membantu" });
    app.post(&ratings, Some(&o.tier1_a.token), rating.clone()).await.assert_problem(409);
    app.post(&ratings, Some(&o.reporter_a.token), rating.clone()).await.assert_problem(404);
    step(&app, &id, "publish", &o.tier2.token).await;

    let first = app.post(&ratings, Some(&o.reporter_a.token), rating).await;
    assert_eq!((first.status, first.body["article_version"].as_i64()), (201, Some(1)), "{}", first.text);
    let second = app.post(&ratings, Some(&o.reporter_a.token), json!({ "helpful": false })).await;
    assert_eq!(
        (second.status, second.body["helpful"].as_bool(), second.body["comment"].as_str()),
        (201, Some(false), None)
    );
    assert_eq!(app.count("knowledge_ratings"), 1, "a second rating of the version replaces the first");
    let long = json!({ "helpful": true, "comment": "a".repeat(2001) });
    app.post(&ratings, Some(&o.reporter_b.token), long).await.assert_problem(422);
    assert_eq!(app.count("knowledge_ratings"), 1);

    app.post(&flags, Some(&o.reporter_b.token), json!({ "reason": " " })).await.assert_problem(422);
    let flagged =
        app.post(&flags, Some(&o.reporter_b.token), json!({ "reason": "Menu profil sudah tidak ada." })).await;
    assert_eq!(flagged.status, 201, "{}", flagged.text);
    let flag = flagged.body["id"].as_str().unwrap().to_owned();
    app.get(&flags, Some(&o.reporter_b.token)).await.assert_problem(403);
    app.get(&flags, Some(&o.tier1_b.token)).await.assert_problem(403);
    let listed = app.get(&flags, Some(&o.tier1_a.token)).await;
    assert_eq!(listed.body["items"][0]["reason"], "Menu profil sudah tidak ada.", "{}", listed.text);
    let close = format!("{flags}/{flag}/close");
    app.post(&close, Some(&o.tier1_b.token), json!({})).await.assert_problem(403);
    let closed = app.post(&close, Some(&o.tier2.token), json!({})).await;
    assert_eq!((closed.status, closed.body["closed_by"].as_str()), (200, Some(o.tier2.id.to_string().as_str())));
    app.post(&close, Some(&o.tier1_a.token), json!({})).await.assert_problem(409);

    let audit = app.get(&format!("/api/v1/audit?chain_id={id}"), Some(&o.auditor.token)).await;
    let actions: Vec<&str> =
        audit.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["knowledge.rated", "knowledge.flagged", "knowledge.flag_closed"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert!(crate::audit_chain::breaks(&crate::audit_chain::verify(&app, &o).await).is_empty());
}

async fn a_reporters_reading_is_counted_once_an_hour_and_the_desks_not(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let id = write(&app, &o.tier1_a.token, article(o.service, "Gagal masuk SIMPEG", "Atur ulang sandi.")).await;
    let path = format!("{ARTICLES}/{id}");
    assert_eq!(app.get(&path, Some(&o.tier1_a.token)).await.status, 200);
    assert_eq!(app.count("knowledge_views"), 0, "a draft is not self-service");
    step(&app, &id, "publish", &o.tier2.token).await;
    let entries = app.count("audit_log");
    for token in [&o.reporter_a.token, &o.reporter_a.token, &o.tier1_b.token, &o.reporter_b.token] {
        assert_eq!(app.get(&path, Some(token)).await.status, 200);
    }
    assert_eq!(app.count("knowledge_views"), 2, "one per reporter and hour; the desks' reading is not counted");
    assert_eq!(app.count("audit_log"), entries, "views are reads: no journal entries");
}

on_both_backends!(
    readers_rate_once_per_version_and_owners_close_flags,
    a_reporters_reading_is_counted_once_an_hour_and_the_desks_not,
);
