//! The restore drill: under a steady load of ticket creations, moves and
//! attachments, a backup is taken and the load goes on; the backup is
//! restored elsewhere and served: every ticket acknowledged before the
//! backup began is there with its history and its files, and the audit
//! log verifies. The latency of the requests served during the backup is
//! printed; the target is checked by `scripts/backup_drill.sh`, never by a
//! timed assertion.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::backup::{fresh_place, printed, take_backup, Place};
use crate::support::{Backend, Org, TestApp, PASSWORD};
use crate::ticket_attachments::upload;
use crate::tickets::incident;

/// A step the service acknowledged: when, on which ticket, and the
/// attachment it stored (its id and bytes), if any.
struct Ack {
    at: Instant,
    ticket: String,
    attachment: Option<(String, Vec<u8>)>,
}

/// What one load client saw: each acknowledged step, and each request's
/// start and time.
#[derive(Default)]
struct Seen {
    acks: Vec<Ack>,
    requests: Vec<(Instant, Duration)>,
}

impl Seen {
    /// Sends a request, times it, and records its acknowledgement.
    async fn step(&mut self, app: &TestApp, ticket: Option<&str>, path: &str, token: &str, body: Value) -> Value {
        let sent = Instant::now();
        let answer = app.post(path, Some(token), body).await;
        self.requests.push((sent, sent.elapsed()));
        assert!(answer.status == 200 || answer.status == 201, "{path}: {}", answer.text);
        let id = ticket.map_or_else(|| answer.body["id"].as_str().unwrap().to_owned(), str::to_owned);
        self.acks.push(Ack { at: Instant::now(), ticket: id, attachment: None });
        answer.body
    }
}

/// Files tickets and moves them (start, pending, resume), attaching a file
/// to every other one, until `stop`.
async fn client(app: Arc<TestApp>, org: Arc<Org>, number: usize, stop: Arc<AtomicBool>) -> Seen {
    let mut seen = Seen::default();
    let (reporter, tier1) = (org.reporter_a.token.as_str(), org.tier1_a.token.as_str());
    for n in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let ticket = seen.step(&app, None, "/api/v1/tickets", reporter, incident(org.service)).await;
        let id = ticket["id"].as_str().unwrap().to_owned();
        let at = |action: &str| format!("/api/v1/tickets/{id}/{action}");
        seen.step(&app, Some(&id), &at("start"), tier1, json!({})).await;
        if n % 2 == 0 {
            let bytes = format!("catatan klien {number} tiket {n}").into_bytes();
            let sent = Instant::now();
            let stored = upload(&app, reporter, &id, "catatan.txt", bytes.clone(), None).await;
            seen.requests.push((sent, sent.elapsed()));
            assert_eq!(stored.status, 201, "{}", stored.text);
            let attachment = stored.body["id"].as_str().unwrap().to_owned();
            seen.acks.push(Ack { at: Instant::now(), ticket: id.clone(), attachment: Some((attachment, bytes)) });
        }
        seen.step(&app, Some(&id), &at("pending"), tier1, json!({ "reason": "waiting_for_reporter" })).await;
        seen.step(&app, Some(&id), &at("resume"), tier1, json!({})).await;
    }
    seen
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

async fn events(app: &TestApp, token: &str, ticket: &str) -> Vec<Value> {
    let answer = app.get(&format!("/api/v1/tickets/{ticket}/events"), Some(token)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["items"].as_array().unwrap().clone()
}

async fn the_restore_drill_brings_back_every_ticket_acknowledged_before_the_backup(backend: Backend) {
    let Some(app) = crate::support::spawn_app(backend).await else { return };
    let org = Arc::new(app.org().await);
    let app = Arc::new(app);
    let work = tempfile::tempdir().unwrap();
    let place = Place::of(&app, work.path());
    let keys = spbe_desk::auth::audit_key::load(&app.settings.audit, &app.settings.data.dir).unwrap();
    let public = hex::encode(keys.signing.verifying_key().as_bytes());

    // An article's file, stored before the load: restored like a ticket's.
    let article = crate::knowledge::article(org.service, "Gagal masuk", "Lihat layar.");
    let article = crate::knowledge::write(&app, &org.tier1_a.token, article).await;
    let figure = crate::knowledge_attachments::attached(&app, &org.tier1_a.token, &article, "layar.png").await;

    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> =
        (0..3).map(|n| tokio::spawn(client(Arc::clone(&app), Arc::clone(&org), n, Arc::clone(&stop)))).collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let backup = work.path().join("backup");
    let began = Instant::now();
    let (dir, source) = (backup.clone(), place.clone());
    let taken = tokio::task::spawn_blocking(move || take_backup(backend, &source, &dir)).await.unwrap();
    let ended = Instant::now();
    assert!(taken.status.success(), "{}", printed(&taken));
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut seen = Seen::default();
    for c in clients {
        let s = c.await.unwrap();
        seen.acks.extend(s.acks);
        seen.requests.extend(s.requests);
    }
    let mut during: Vec<Duration> =
        seen.requests.iter().filter(|(at, took)| *at < ended && *at + *took > began).map(|(_, took)| *took).collect();
    during.sort_unstable();
    let mut all: Vec<Duration> = seen.requests.iter().map(|(_, took)| *took).collect();
    all.sort_unstable();
    println!(
        "backup drill ({backend:?}): backup took {} ms; {} requests overlapped it, p99 {:.1} ms; all {} requests p99 {:.1} ms",
        (ended - began).as_millis(),
        during.len(),
        percentile(&during, 99.0),
        all.len(),
        percentile(&all, 99.0),
    );

    // Acknowledged before the backup began: steps per ticket, and attachments.
    let mut steps: HashMap<String, usize> = HashMap::new();
    let mut files = Vec::new();
    for ack in seen.acks.iter().filter(|ack| ack.at < began) {
        *steps.entry(ack.ticket.clone()).or_default() += 1;
        if let Some(file) = &ack.attachment {
            files.push((ack.ticket.clone(), file.clone()));
        }
    }
    assert!(steps.len() >= 3 && !files.is_empty(), "the load ran before the backup: {} tickets", steps.len());
    assert!(seen.acks.iter().any(|ack| ack.at > ended), "the load went on after the backup");

    let fresh = fresh_place(backend, &backup, true);
    let restored = fresh.place.run(&["restore", "--from", backup.to_str().unwrap(), "--public-key", &public]);
    let said = printed(&restored);
    assert!(restored.status.success(), "{said}");
    assert!(said.contains("attachments: all") && said.ends_with("intact\n"), "{said}");
    let restored = fresh.serve().await;
    let (supervisor, _) = restored.login(&org.supervisor.email, PASSWORD).await;
    let (admin, _) = restored.login(&org.admin.email, PASSWORD).await;
    for (ticket, acknowledged) in &steps {
        let before = events(&restored, &supervisor, ticket).await;
        let now = events(&app, &org.supervisor.token, ticket).await;
        assert!(before.len() >= *acknowledged, "ticket {ticket}: {} events, {acknowledged} acknowledged", before.len());
        assert_eq!(
            before[..],
            now[..before.len()],
            "ticket {ticket}: the restored history is the start of the live one"
        );
    }
    for (ticket, (attachment, bytes)) in &files {
        let url = format!("{}/api/v1/tickets/{ticket}/attachments/{attachment}", restored.address);
        let download = restored.client.get(url).bearer_auth(&supervisor).send().await.unwrap();
        assert_eq!(download.status(), 200);
        assert_eq!(download.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }
    let url = format!("{}/api/v1/knowledge/articles/{article}/attachments/{figure}", restored.address);
    let download = restored.client.get(url).bearer_auth(&supervisor).send().await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), crate::ticket_attachments::PNG);
    // The text search's index (SQLite's is keyed by the tickets' row ids)
    // still finds the restored tickets by number.
    for ticket in steps.keys().take(3) {
        let read = restored.get(&format!("/api/v1/tickets/{ticket}"), Some(&supervisor)).await;
        let number = read.body["number"].as_str().unwrap().replace('/', "%2F");
        let found = restored.get(&format!("/api/v1/tickets?q={number}"), Some(&supervisor)).await;
        let ids: Vec<&str> = found.body["items"].as_array().unwrap().iter().filter_map(|t| t["id"].as_str()).collect();
        assert_eq!(ids, [ticket.as_str()], "q={number} after the restore: {}", found.text);
    }
    let audit = restored.get("/api/v1/audit/verify", Some(&admin)).await;
    assert_eq!(audit.body["intact"], true, "{}", audit.text);
}

on_both_backends!(the_restore_drill_brings_back_every_ticket_acknowledged_before_the_backup);
