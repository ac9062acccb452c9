//! Attachments: stored with a checksum, typed by content, limited in size,
//! and downloaded only by those who may see them.

use reqwest::multipart::{Form, Part};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::on_both_backends;
use crate::support::{spawn_app, spawn_app_with, Backend, Resp, TestApp};
use crate::tickets::{file, incident};

pub(crate) const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8,
    6, 0, 0, 0,
];

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    ticket: &str,
    name: &str,
    bytes: Vec<u8>,
    comment_id: Option<&str>,
) -> Resp {
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    if let Some(comment) = comment_id {
        form = form.text("comment_id", comment.to_owned());
    }
    let url = format!("{}/api/v1/tickets/{ticket}/attachments", app.address);
    app.send(app.client.post(url).bearer_auth(token).multipart(form)).await
}

async fn a_screenshot_is_stored_with_its_checksum_and_downloaded_intact(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let id = ticket["id"].as_str().unwrap();
    let stored = upload(&app, &org.reporter_a.token, id, "C:\\Users\\fitri\\layar.png", PNG.to_vec(), None).await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    assert_eq!(stored.body["filename"], "layar.png");
    assert_eq!(stored.body["content_type"], "image/png");
    assert_eq!(stored.body["sha256"], hex::encode(Sha256::digest(PNG)));
    let attachment = stored.body["id"].as_str().unwrap();
    let url = format!("{}/api/v1/tickets/{id}/attachments/{attachment}", app.address);
    let download = app.client.get(&url).bearer_auth(&org.tier1_a.token).send().await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "image/png");
    assert!(download.headers()["content-disposition"].to_str().unwrap().contains("layar.png"));
    assert_eq!(download.bytes().await.unwrap().as_ref(), PNG);
    let outsider = app.send(app.client.get(&url).bearer_auth(&org.tier1_b.token)).await;
    outsider.assert_problem(404);
    let events = app.get(&format!("/api/v1/tickets/{id}/events"), Some(&org.reporter_a.token)).await;
    assert!(events.text.contains("attachment_added"));
}

async fn refused_types_and_oversized_files_store_nothing(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.tickets.max_attachment_bytes = 1024).await else { return };
    let org = app.org().await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let id = ticket["id"].as_str().unwrap();
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    upload(&app, &org.reporter_a.token, id, "foto.png", exe, None).await.assert_problem(415);
    upload(&app, &org.reporter_a.token, id, "besar.txt", vec![b'a'; 2048], None).await.assert_problem(413);
    upload(&app, &org.reporter_a.token, id, "kosong.txt", Vec::new(), None).await.assert_problem(422);
    let not_multipart =
        app.post(&format!("/api/v1/tickets/{id}/attachments"), Some(&org.reporter_a.token), json!({})).await;
    not_multipart.assert_problem(415);
    assert_eq!(app.count("attachments"), 0);
    let folder = app.settings.data.dir.join("attachments");
    let files = walk(&folder);
    assert_eq!(files, 0, "no stray files");
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}

async fn attachments_on_internal_comments_are_hidden_from_reporters(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let id = ticket["id"].as_str().unwrap();
    let note = app
        .post(
            &format!("/api/v1/tickets/{id}/comments"),
            Some(&org.tier1_a.token),
            json!({ "body": "Log server", "internal": true }),
        )
        .await;
    let comment = note.body["id"].as_str().unwrap();
    let stored = upload(&app, &org.tier1_a.token, id, "server.log", b"ERROR koneksi\n".to_vec(), Some(comment)).await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    let attachment = stored.body["id"].as_str().unwrap();
    let staff = app.get(&format!("/api/v1/tickets/{id}/attachments"), Some(&org.tier1_a.token)).await;
    assert_eq!(staff.body["items"].as_array().unwrap().len(), 1);
    let reporter = app.get(&format!("/api/v1/tickets/{id}/attachments"), Some(&org.reporter_a.token)).await;
    assert!(reporter.body["items"].as_array().unwrap().is_empty());
    let direct = app.get(&format!("/api/v1/tickets/{id}/attachments/{attachment}"), Some(&org.reporter_a.token)).await;
    direct.assert_problem(404);
    let forged = upload(&app, &org.reporter_a.token, id, "x.txt", b"x".to_vec(), Some(comment)).await;
    forged.assert_problem(404);
}

on_both_backends!(
    a_screenshot_is_stored_with_its_checksum_and_downloaded_intact,
    refused_types_and_oversized_files_store_nothing,
    attachments_on_internal_comments_are_hidden_from_reporters,
);
