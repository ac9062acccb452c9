//! Files of articles: images and PDFs only, judged by their bytes; added
//! and removed by those who edit the draft, read by those who read the
//! article (404 for anyone else); a published version keeps its files,
//! and a body shows only files on its article.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::knowledge::{article, step, write, ARTICLES};
use crate::on_both_backends;
use crate::support::{spawn_app, spawn_app_with, Backend, Resp, TestApp};
use crate::ticket_attachments::PNG;

const PDF: &[u8] =
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Sends `bytes` as the file `name` of the article, as `token`.
pub(crate) async fn attach(app: &TestApp, token: &str, article: &str, name: &str, bytes: &[u8]) -> Resp {
    let form = Form::new().part("file", Part::bytes(bytes.to_vec()).file_name(name.to_owned()));
    let url = format!("{}{ARTICLES}/{article}/attachments", app.address);
    app.send(app.client.post(url).bearer_auth(token).multipart(form)).await
}

/// Attaches a PNG, expecting 201; its id.
pub(crate) async fn attached(app: &TestApp, token: &str, article: &str, name: &str) -> String {
    let stored = attach(app, token, article, name, PNG).await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    stored.body["id"].as_str().unwrap().to_owned()
}

async fn remove(app: &TestApp, token: &str, article: &str, file: &str) -> Resp {
    let url = format!("{}{ARTICLES}/{article}/attachments/{file}", app.address);
    app.send(app.client.delete(url).bearer_auth(token)).await
}

fn ids(list: &Resp) -> Vec<&str> {
    list.body["items"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect()
}

async fn an_image_and_a_pdf_are_added_listed_downloaded_and_removed_through_the_journal(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let id = write(&app, &o.tier1_a.token, article(o.service, "Gagal masuk SIMPEG", "Lihat gambar.")).await;
    let png = attach(&app, &o.tier1_a.token, &id, "C:\\layar login.png", PNG).await;
    assert_eq!(png.status, 201, "{}", png.text);
    assert_eq!(
        (png.body["filename"].as_str(), png.body["content_type"].as_str()),
        (Some("layar login.png"), Some("image/png"))
    );
    assert_eq!(png.body["added_in_version"], 1);
    let pdf = attach(&app, &o.tier1_a.token, &id, "panduan.pdf", PDF).await;
    assert_eq!((pdf.status, pdf.body["content_type"].as_str()), (201, Some("application/pdf")), "{}", pdf.text);
    let (png, pdf) = (png.body["id"].as_str().unwrap().to_owned(), pdf.body["id"].as_str().unwrap().to_owned());
    let list = app.get(&format!("{ARTICLES}/{id}/attachments"), Some(&o.tier1_a.token)).await;
    assert_eq!(ids(&list), [png.as_str(), pdf.as_str()]);

    let url = format!("{}{ARTICLES}/{id}/attachments/{png}", app.address);
    let download = app.client.get(&url).bearer_auth(&o.tier2.token).send().await.unwrap();
    assert_eq!(download.status(), 200);
    let header = |name: &str| download.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "image/png");
    assert_eq!(header("etag"), format!("\"{}\"", hex::encode(Sha256::digest(PNG))));
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(header("content-disposition").starts_with("attachment; filename=\"layar login.png\""));
    assert_eq!(download.bytes().await.unwrap().as_ref(), PNG);

    let removed = remove(&app, &o.tier1_a.token, &id, &pdf).await;
    assert_eq!((removed.status, removed.body["removed_in_version"].as_i64()), (200, Some(1)), "{}", removed.text);
    remove(&app, &o.tier1_a.token, &id, &pdf).await.assert_problem(409);
    remove(&app, &o.tier1_a.token, &id, &Uuid::now_v7().to_string()).await.assert_problem(404);
    let list = app.get(&format!("{ARTICLES}/{id}/attachments"), Some(&o.tier1_a.token)).await;
    assert_eq!(ids(&list), [png.as_str()]);
    let audit = app.get(&format!("/api/v1/audit?chain_id={id}"), Some(&o.auditor.token)).await;
    let actions: Vec<&str> =
        audit.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["knowledge.attachment_added", "knowledge.attachment_removed"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    // Only a draft changes its files.
    step(&app, &id, "publish", &o.tier2.token).await;
    attach(&app, &o.tier1_a.token, &id, "lagi.png", PNG).await.assert_problem(409);
}

async fn pages_programs_and_oversized_files_are_refused_and_nothing_is_stored(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.tickets.max_attachment_bytes = 1024).await else { return };
    let o = app.org().await;
    let id = write(&app, &o.tier1_a.token, article(o.service, "Gagal masuk SIMPEG", "Isi.")).await;
    let entries = app.count("audit_log");
    let page = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>";
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";
    for (name, bytes) in [("foto.png", &page[..]), ("setup.pdf", &exe[..]), ("catatan.png", b"#!/bin/sh\nrm -rf /\n")] {
        attach(&app, &o.tier1_a.token, &id, name, bytes).await.assert_problem(415);
    }
    let mut oversized = PNG.to_vec();
    oversized.resize(2048, 0);
    attach(&app, &o.tier1_a.token, &id, "besar.png", &oversized).await.assert_problem(413);
    attach(&app, &o.tier1_a.token, &id, "kosong.png", b"").await.assert_problem(422);
    let not_multipart = app.post(&format!("{ARTICLES}/{id}/attachments"), Some(&o.tier1_a.token), json!({})).await;
    not_multipart.assert_problem(415);
    assert_eq!((app.count("knowledge_attachments"), app.count("audit_log")), (0, entries));
    let folder = app.settings.data.dir.join("attachments");
    assert!(!folder.exists() || walk(&folder) == 0, "no stray files");
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}

async fn a_reporter_never_reaches_the_files_of_a_draft_or_a_desks_article(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let draft = write(&app, &o.tier1_a.token, article(o.service, "Draf", "Isi.")).await;
    let mut desks = article(o.service, "Meja layanan", "Isi.");
    desks["audience"] = json!("desks");
    let desks = write(&app, &o.tier1_a.token, desks).await;
    let public = write(&app, &o.tier1_a.token, article(o.service, "Umum", "Isi.")).await;
    let files = [
        (draft.clone(), attached(&app, &o.tier1_a.token, &draft, "a.png").await),
        (desks.clone(), attached(&app, &o.tier1_a.token, &desks, "b.png").await),
        (public.clone(), attached(&app, &o.tier1_a.token, &public, "c.png").await),
    ];
    step(&app, &desks, "publish", &o.tier2.token).await;
    step(&app, &public, "publish", &o.tier2.token).await;
    for (article, file) in &files[..2] {
        for token in [&o.reporter_a.token, &o.reporter_b.token] {
            app.get(&format!("{ARTICLES}/{article}/attachments"), Some(token)).await.assert_problem(404);
            app.get(&format!("{ARTICLES}/{article}/attachments/{file}"), Some(token)).await.assert_problem(404);
        }
    }
    // Another desk's draft is not theirs to read or to change.
    let (draft_file, other) = (&files[0].1, &o.tier1_b.token);
    app.get(&format!("{ARTICLES}/{draft}/attachments/{draft_file}"), Some(other)).await.assert_problem(404);
    attach(&app, other, &draft, "x.png", PNG).await.assert_problem(404);
    remove(&app, other, &draft, draft_file).await.assert_problem(404);
    // A reader of the article reads its files, and changes none.
    let (article, file) = &files[2];
    let readable = app.get(&format!("{ARTICLES}/{article}/attachments/{file}"), Some(&o.reporter_b.token)).await;
    assert_eq!(readable.status, 200, "{}", readable.text);
    // A file of one article is not reached through another.
    app.get(&format!("{ARTICLES}/{public}/attachments/{draft_file}"), Some(&o.tier1_a.token)).await.assert_problem(404);
    attach(&app, &o.reporter_a.token, &draft, "x.png", PNG).await.assert_problem(404);
    remove(&app, &o.reporter_a.token, article, file).await.assert_problem(403);
}

fn shown(version: &Value) -> Vec<&str> {
    version["attachments"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect()
}

async fn a_published_version_keeps_its_file_after_a_later_draft_removes_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let (t1, path) = (o.tier1_a.token.as_str(), |id: &str| format!("{ARTICLES}/{id}"));
    let id = write(&app, t1, article(o.service, "Gagal masuk SIMPEG", "Isi.")).await;
    let file = attached(&app, t1, &id, "layar.png").await;
    let url = format!("/api/v1/knowledge/articles/{id}/attachments/{file}");
    let body = format!("Tampilan galat:\n\n![layar](attachment:{file})");
    let edited = app.patch(&path(&id), Some(t1), json!({ "body": body }), None).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert!(edited.body["body_html"].as_str().unwrap().contains(&format!("src=\"{url}\"")), "{}", edited.text);
    step(&app, &id, "publish", &o.tier2.token).await;

    step(&app, &id, "revise", t1).await;
    let shown_still = remove(&app, t1, &id, &file).await;
    shown_still.assert_problem(409);
    let edited = app.patch(&path(&id), Some(t1), json!({ "body": "Versi kedua tanpa gambar." }), None).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let removed = remove(&app, t1, &id, &file).await;
    assert_eq!((removed.status, removed.body["removed_in_version"].as_i64()), (200, Some(2)), "{}", removed.text);
    step(&app, &id, "publish", &o.tier2.token).await;

    let reporter = o.reporter_a.token.as_str();
    let versions = app.get(&format!("{}/versions", path(&id)), Some(reporter)).await;
    let items = versions.body["items"].as_array().unwrap();
    assert_eq!((shown(&items[0]), shown(&items[1]).len()), (vec![file.as_str()], 0), "{}", versions.text);
    let first = app.get(&format!("{}/versions/1", path(&id)), Some(reporter)).await;
    assert_eq!(shown(&first.body), [file.as_str()]);
    assert!(first.body["body_html"].as_str().unwrap().contains(&url), "{}", first.text);
    let listed = app.get(&format!("{}/attachments", path(&id)), Some(reporter)).await;
    assert!(ids(&listed).is_empty(), "the article as it stands has none: {}", listed.text);
    let download = app.get(&url, Some(reporter)).await;
    assert_eq!(download.status, 200, "version 1 still shows it: {}", download.text);
}

async fn a_body_showing_a_file_not_on_its_article_is_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let t1 = o.tier1_a.token.as_str();
    let stray = Uuid::now_v7();
    let created = app.post(ARTICLES, Some(t1), article(o.service, "Judul", &format!("![x](attachment:{stray})"))).await;
    created.assert_problem(422);
    assert!(created.text.contains("body"), "{}", created.text);
    let id = write(&app, t1, article(o.service, "Judul", "Isi.")).await;
    let other = write(&app, t1, article(o.service, "Lain", "Isi.")).await;
    let elsewhere = attached(&app, t1, &other, "lain.png").await;
    let before = app.get(&format!("{ARTICLES}/{id}"), Some(t1)).await;
    for body in
        [format!("![x](attachment:{stray})"), format!("[x](attachment:{elsewhere})"), "[x](attachment:x)".into()]
    {
        let refused = app.patch(&format!("{ARTICLES}/{id}"), Some(t1), json!({ "body": body }), None).await;
        refused.assert_problem(422);
        assert!(refused.text.contains("body"), "{}", refused.text);
    }
    let after = app.get(&format!("{ARTICLES}/{id}"), Some(t1)).await;
    assert_eq!(
        (after.body["body"].clone(), after.header("etag")),
        (before.body["body"].clone(), before.header("etag"))
    );
}

on_both_backends!(
    an_image_and_a_pdf_are_added_listed_downloaded_and_removed_through_the_journal,
    pages_programs_and_oversized_files_are_refused_and_nothing_is_stored,
    a_reporter_never_reaches_the_files_of_a_draft_or_a_desks_article,
    a_published_version_keeps_its_file_after_a_later_draft_removes_it,
    a_body_showing_a_file_not_on_its_article_is_refused,
);
