//! The access probe of knowledge: for every role, no answer about
//! articles (lists, reads, versions, search, suggestions, a ticket's links,
//! flags, files and their downloads) ever shows the title of an article the caller may not read:
//! drafts stay with their author, their unit's tier 1 and the reviewers,
//! desks-only articles with the desks, Dinas-only ones in the Dinas.

use serde_json::{json, Value};

use crate::knowledge::{step, write, ARTICLES};
use crate::knowledge_attachments::attached;
use crate::on_both_backends;
use crate::support::{spawn_app, Backend, TestApp};
use crate::tickets::{file, incident};

const PUBLIC: &str = "Panduan sandi umum";
const DESKS: &str = "Panduan sandi meja layanan";
const DINAS: &str = "Panduan sandi internal Dinas";
const DRAFT_A: &str = "Panduan sandi draf Bappeda";
const DRAFT_B: &str = "Panduan sandi draf Dinkes";
const ALL: [&str; 5] = [PUBLIC, DESKS, DINAS, DRAFT_A, DRAFT_B];

fn body(service: uuid::Uuid, title: &str, audience: &str) -> Value {
    json!({ "service_id": service, "kind": "faq", "title": title, "audience": audience,
            "body": "Langkah mengatur ulang kata sandi panduan.", "keywords": ["sandi"] })
}

/// Everything a caller can read about articles, as one text.
async fn everything(app: &TestApp, token: &str, ids: &[String], files: &[String], ticket: &str) -> String {
    let mut paths = vec![
        format!("{ARTICLES}?limit=200"),
        format!("{ARTICLES}?status=draft&limit=200"),
        "/api/v1/knowledge/search?q=panduan%20sandi".to_owned(),
        "/api/v1/knowledge/search?q=pandun%20sandi&published=false".to_owned(),
        "/api/v1/knowledge/suggest?text=lupa%20panduan%20sandi".to_owned(),
        format!("/api/v1/tickets/{ticket}/knowledge-links"),
    ];
    for (id, file) in ids.iter().zip(files) {
        for tail in ["", "/versions", "/versions/1", "/flags", "/attachments", &format!("/attachments/{file}")] {
            paths.push(format!("{ARTICLES}/{id}{tail}"));
        }
    }
    let mut seen = String::new();
    for path in paths {
        let answer =
            app.send(app.client.get(format!("{}{path}", app.address)).header(auth(token).0, auth(token).1)).await;
        assert!(answer.status < 500, "{path}: {}", answer.text);
        seen.push_str(&answer.text);
        // A download names its file (after its article's title) in a header.
        seen.push_str(answer.header("content-disposition").unwrap_or_default());
    }
    seen
}

/// A person's bearer token, or a service account's key (`key:` prefix).
fn auth(token: &str) -> (&'static str, String) {
    match token.strip_prefix("key:") {
        Some(key) => ("x-api-key", key.to_owned()),
        None => ("authorization", format!("Bearer {token}")),
    }
}

async fn no_answer_shows_a_title_the_caller_may_not_read(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let service = o.service;
    let written = |token: &str, title: &'static str, audience: &'static str| {
        let (app, token) = (&app, token.to_owned());
        async move {
            let id = write(app, &token, body(service, title, audience)).await;
            let file = attached(app, &token, &id, &format!("{title}.png")).await;
            (id, file)
        }
    };
    // Each article gets a file named after its title.
    let (public, public_file) = written(&o.tier1_a.token, PUBLIC, "everyone").await;
    let (desks, desks_file) = written(&o.tier1_a.token, DESKS, "desks").await;
    let (dinas, dinas_file) = written(&o.tier2.token, DINAS, "dinas").await;
    let (draft_a, draft_a_file) = written(&o.tier1_a.token, DRAFT_A, "everyone").await;
    let (draft_b, draft_b_file) = written(&o.tier1_b.token, DRAFT_B, "everyone").await;
    let files = [public_file, desks_file, dinas_file, draft_a_file, draft_b_file];
    for id in [&public, &desks, &dinas] {
        step(&app, id, "publish", &o.tier2.token).await;
    }
    let ids = [public.clone(), desks.clone(), dinas, draft_a, draft_b];
    // Reporter A's ticket, solved with the desks' article.
    let ticket = file(&app, &o.reporter_a.token, incident(o.service)).await["id"].as_str().unwrap().to_owned();
    let resolution = json!({ "resolution_code": "solved", "resolution": "Sandi diatur ulang.",
                             "knowledge": { "link": [{ "article_id": desks }, { "article_id": public }] } });
    let resolved = app.post(&format!("/api/v1/tickets/{ticket}/resolve"), Some(&o.tier1_a.token), resolution).await;
    assert_eq!(resolved.status, 200, "{}", resolved.text);
    let flagged =
        app.post(&format!("{ARTICLES}/{desks}/flags"), Some(&o.tier1_b.token), json!({ "reason": "Usang" })).await;
    assert_eq!(flagged.status, 201, "{}", flagged.text);

    let key_a = format!("key:{}", app.tier1_api_key(&o.admin.token, o.pd_a).await);
    let readers: [(&str, &str, &[&str]); 9] = [
        ("reporter A", &o.reporter_a.token, &[PUBLIC]),
        ("reporter B", &o.reporter_b.token, &[PUBLIC]),
        ("tier 1 A", &o.tier1_a.token, &[PUBLIC, DESKS, DRAFT_A]),
        ("tier 1 B", &o.tier1_b.token, &[PUBLIC, DESKS, DRAFT_B]),
        ("key of A", &key_a, &[PUBLIC, DESKS, DRAFT_A]),
        ("tier 2", &o.tier2.token, &ALL),
        ("supervisor", &o.supervisor.token, &ALL),
        ("auditor", &o.auditor.token, &ALL),
        ("admin", &o.admin.token, &[PUBLIC, DESKS, DINAS]),
    ];
    let mut leaks = Vec::new();
    for (name, token, readable) in readers {
        let seen = everything(&app, token, &ids, &files, &ticket).await;
        for title in ALL {
            let shown = seen.contains(title);
            if shown != readable.contains(&title) {
                leaks.push(format!("{name}: {title} {}", if shown { "shown" } else { "never shown" }));
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

on_both_backends!(no_answer_shows_a_title_the_caller_may_not_read);
