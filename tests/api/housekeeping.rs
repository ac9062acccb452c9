//! Housekeeping: idempotency keys expire, attachment files a crash left
//! without a record are swept after their grace period, and a ticket moved
//! to another service takes that service's calendar and policy at once.

use std::time::{Duration, SystemTime};

use chrono::Duration as Span;
use serde_json::{json, Value};
use spbe_desk::clock::Clock;

use crate::on_both_backends;
use crate::sla_clocks::{at, clock, incident_at, round_the_clock, setup, sla, wita};
use crate::support::{spawn_app, spawn_app_with, Backend, TestApp};
use crate::ticket_attachments::upload;
use crate::tickets::incident;

async fn file_with_key(app: &TestApp, token: &str, key: &str, body: &Value) -> (u16, String) {
    let request = app.client.post(format!("{}/api/v1/tickets", app.address)).bearer_auth(token);
    let answer = app.send(request.header("Idempotency-Key", key).json(body)).await;
    (answer.status, answer.body["id"].as_str().unwrap_or_default().to_owned())
}

async fn an_idempotency_key_is_remembered_for_its_lifetime_then_files_anew(backend: Backend) {
    // Tokens that outlive the day the test's clock moves on.
    let long_tokens = |s: &mut spbe_desk::config::Settings| s.auth.access_token_seconds = 3 * 24 * 3600;
    let Some(app) = spawn_app_with(backend, long_tokens).await else { return };
    let org = app.org().await;
    let token = org.reporter_a.token.as_str();
    let (first, other) = (
        incident(org.service),
        json!({ "type": "incident", "title": "Printer macet",
        "description": "Kertas tersangkut.", "service_id": org.service, "impact": "low", "urgency": "low" }),
    );
    let (status, original) = file_with_key(&app, token, "kunci-1", &first).await;
    assert_eq!(status, 201);
    let (status, _) = file_with_key(&app, token, "kunci-2", &first).await;
    assert_eq!(status, 201);
    // Within the day: the same key and body replay, another body is refused.
    app.clock.set(app.clock.now() + Span::hours(23));
    let (_, replayed) = file_with_key(&app, token, "kunci-1", &first).await;
    assert_eq!(replayed, original);
    let (status, _) = file_with_key(&app, token, "kunci-1", &other).await;
    assert_eq!(status, 422);
    assert_eq!(app.count("idempotency_keys"), 2);

    // A day and more later the key is forgotten, even before housekeeping ran.
    app.clock.set(app.clock.now() + Span::hours(2));
    let (status, again) = file_with_key(&app, token, "kunci-1", &other).await;
    assert_eq!(status, 201);
    assert_ne!(again, original);
    // Housekeeping removes the other expired key and keeps the fresh one.
    let done = app.housekeep().await;
    assert_eq!(done.expired_keys, 1, "{done:?}");
    assert_eq!(app.count("idempotency_keys"), 1);
    let (_, replayed) = file_with_key(&app, token, "kunci-1", &other).await;
    assert_eq!(replayed, again, "the fresh key still replays");
}

/// Writes a file as an attachment of `id` would be stored, last modified
/// `age` ago.
fn stray_file(app: &TestApp, id: uuid::Uuid, age: Duration) -> std::path::PathBuf {
    let path = spbe_desk::files::attachment_path(&app.settings.data.dir, id);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"sisa unggahan").unwrap();
    age_file(&path, age);
    path
}

fn age_file(path: &std::path::Path, age: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

async fn attachment_files_without_a_record_are_swept_after_the_grace_period(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let ticket = crate::tickets::file(&app, &org.reporter_a.token, incident(org.service)).await;
    let ticket = ticket["id"].as_str().unwrap();
    let stored = upload(&app, &org.reporter_a.token, ticket, "catatan.txt", b"catatan".to_vec(), None).await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    let kept: uuid::Uuid = stored.body["id"].as_str().unwrap().parse().unwrap();
    let hour = Duration::from_secs(3600);
    // The recorded files are old too, a ticket's and an article's: only the record decides.
    age_file(&spbe_desk::files::attachment_path(&app.settings.data.dir, kept), 2 * hour);
    let article = crate::knowledge::article(org.service, "Gagal masuk", "Lihat layar.");
    let article = crate::knowledge::write(&app, &org.tier1_a.token, article).await;
    let figure: uuid::Uuid =
        crate::knowledge_attachments::attached(&app, &org.tier1_a.token, &article, "layar.png").await.parse().unwrap();
    let figure = spbe_desk::files::attachment_path(&app.settings.data.dir, figure);
    age_file(&figure, 2 * hour);
    let crashed = stray_file(&app, uuid::Uuid::now_v7(), 2 * hour);
    let uploading = stray_file(&app, uuid::Uuid::now_v7(), Duration::from_secs(60));
    let foreign = crashed.with_file_name("README.txt");
    std::fs::write(&foreign, b"not ours").unwrap();
    age_file(&foreign, 2 * hour);

    let done = app.housekeep().await;
    assert_eq!(done.orphan_files, 1, "{done:?}");
    assert!(!crashed.exists(), "the orphan past its grace period is gone");
    assert!(uploading.exists(), "a file within its grace period may still be committing");
    assert!(foreign.exists(), "a file not named by an id is not ours to remove");
    assert!(figure.exists(), "an article's file is recorded too");
    let download = format!("/api/v1/tickets/{ticket}/attachments/{kept}");
    let read = app.get(&download, Some(&org.reporter_a.token)).await;
    assert_eq!((read.status, read.text.as_str()), (200, "catatan"));
    assert_eq!(app.housekeep().await.orphan_files, 0, "a second round finds nothing");
}

async fn a_ticket_moved_to_another_service_takes_its_calendar_and_policy_at_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    round_the_clock(&app, &org.admin.token, org.infra_service).await;
    // Thursday 10:00 WITA, high: 240 working minutes on the unit's calendar.
    let id = incident_at(&app, &org, wita(2026, 8, 6, 10, 0), "medium", "high").await;
    let desk = org.tier1_a.token.as_str();
    assert_eq!(clock(&sla(&app, &id, desk).await, "resolution")["due_at"], at(wita(2026, 8, 6, 15, 0)));

    app.clock.set(wita(2026, 8, 6, 10, 30));
    let path = format!("/api/v1/tickets/{id}");
    let moved = app.patch(&path, Some(desk), json!({ "service_id": org.infra_service }), None).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    let view = sla(&app, &id, desk).await;
    let resolution = clock(&view, "resolution");
    assert_eq!(resolution["calendar"]["name"], "24x7", "{view}");
    assert_eq!(resolution["policy"]["name"], "Pusat data 24 jam");
    // 120 minutes from the clock's start, round the clock.
    assert_eq!(resolution["due_at"], at(wita(2026, 8, 6, 12, 0)));
    let timeline = app.get(&format!("/api/v1/tickets/{id}/events"), Some(&org.supervisor.token)).await;
    let last = timeline.body["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "sla_recomputed", "{last}");
    assert_eq!(last["data"]["reason"], "the ticket moved to another service");
    // The old clocks are in the record: the unit's calendar, due 15:00.
    assert!(last["data"]["before"].to_string().contains(&at(wita(2026, 8, 6, 15, 0))), "{last}");
    assert_eq!(app.get("/api/v1/audit/verify", Some(&org.auditor.token)).await.body["intact"], true);
}

async fn a_move_to_a_service_on_the_same_calendar_and_policy_leaves_the_clocks(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    let id = incident_at(&app, &org, wita(2026, 8, 6, 10, 0), "medium", "high").await;
    let same = json!({ "code": "SIMDA", "name": "Keuangan Daerah", "category": "administrasi_pemerintahan",
        "owner_unit_id": org.pd_a, "platform": "aplikasi_umum", "application_name": "SIMDA" });
    let same = app.post("/api/v1/services", Some(&org.admin.token), same).await;
    assert_eq!(same.status, 201, "{}", same.text);
    let events = app.count("ticket_events");
    let moved = app
        .patch(
            &format!("/api/v1/tickets/{id}"),
            Some(&org.tier1_a.token),
            json!({ "service_id": same.body["id"] }),
            None,
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(app.count("ticket_events"), events + 1, "the edit alone, no recompute");
    let resolution = clock(&sla(&app, &id, &org.tier1_a.token).await, "resolution").clone();
    assert_eq!(resolution["due_at"], at(wita(2026, 8, 6, 15, 0)));
}

on_both_backends!(
    an_idempotency_key_is_remembered_for_its_lifetime_then_files_anew,
    attachment_files_without_a_record_are_swept_after_the_grace_period,
    a_ticket_moved_to_another_service_takes_its_calendar_and_policy_at_once,
    a_move_to_a_service_on_the_same_calendar_and_policy_leaves_the_clocks,
);
