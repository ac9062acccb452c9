//! One slow webhook receiver holds up no other: with the dispatcher's own
//! loops running (not driven by the test), a receiver that never answers
//! and a healthy one subscribe to every new ticket, tickets are filed at
//! ten a second for a minute, and the healthy receiver hears of each within
//! two seconds (p99) while the silent one is tried only on its own back-off.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::receivers::{Receiver, ReceiverKind};
use crate::support::{spawn_app_with, Backend, TestApp};
use crate::tickets::incident;

const RATE_PER_SECOND: u64 = 10;
const RUN: Duration = Duration::from_secs(60);
const TIMEOUT_SECONDS: u32 = 2;
const FIRST_RETRY_SECONDS: u32 = 5;

async fn subscribe(app: &TestApp, token: &str, hook: &Receiver) -> String {
    let url = format!("http://127.0.0.1:{}/hook", hook.port());
    let created = app.post("/api/v1/webhooks", Some(token), json!({ "url": url, "events": ["ticket.created"] })).await;
    assert_eq!(created.status, 201, "{}", created.text);
    hook.control("secrets", created.body["secret"].as_str().unwrap());
    created.body["webhook"]["id"].as_str().unwrap().to_owned()
}

fn wall_seconds() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
}

async fn a_receiver_that_never_answers_holds_up_no_other(backend: Backend) {
    let (Some(healthy), Some(silent)) =
        (Receiver::start(ReceiverKind::Webhook), Receiver::start(ReceiverKind::Webhook))
    else {
        return;
    };
    silent.control("mode", "hang 3600");
    let Some(app) = spawn_app_with(backend, |s| {
        s.notices.webhooks.allow_http = true;
        s.notices.webhooks.allowed_hosts = vec!["127.0.0.1".into()];
        s.notices.webhooks.timeout_seconds = TIMEOUT_SECONDS;
        s.notices.first_retry_seconds = FIRST_RETRY_SECONDS;
        // The service's own loops, as in production.
        s.notices.dispatch_interval_seconds = 1;
    })
    .await
    else {
        return;
    };
    let org = app.org().await;
    let silent_id = subscribe(&app, &org.admin.token, &silent).await;
    subscribe(&app, &org.admin.token, &healthy).await;

    // The loops read the app's clock: keep it on the wall clock.
    let clock = app.clock.clone();
    let follower = tokio::spawn(async move {
        loop {
            clock.set(chrono::Utc::now());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });

    let mut filed: HashMap<String, f64> = HashMap::new();
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(1000 / RATE_PER_SECOND));
    while started.elapsed() < RUN {
        tick.tick().await;
        let created = app.post("/api/v1/tickets", Some(&org.reporter_a.token), incident(org.service)).await;
        assert_eq!(created.status, 201, "{}", created.text);
        filed.insert(created.body["id"].as_str().unwrap().to_owned(), wall_seconds());
    }
    let expected = filed.len();
    assert!(expected as u64 >= RATE_PER_SECOND * RUN.as_secs() * 9 / 10, "filed only {expected}");

    // Every event was fanned out and delivered to the healthy receiver.
    let deliveries = healthy.wait_for(expected, Duration::from_secs(15)).await;
    follower.abort();
    assert_eq!(deliveries.len(), expected, "the healthy receiver missed deliveries");
    let mut latencies: Vec<f64> = deliveries
        .iter()
        .map(|d: &Value| {
            let id = d["data"]["ticket"]["id"].as_str().unwrap();
            d["received_at"].as_f64().unwrap() - filed[id]
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let p99 = latencies[latencies.len() * 99 / 100];
    eprintln!(
        "{backend:?}: {expected} events; healthy receiver p50 {:.3} s, p99 {p99:.3} s, max {:.3} s",
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
    assert!(p99 < 2.0, "healthy receiver p99 {p99:.2} s (max {:.2} s)", latencies[latencies.len() - 1]);

    // The silent receiver was tried only within its share and back-off:
    // a few attempts per retry, far fewer than the events it missed.
    let attempts = silent.received().len();
    assert!(attempts > 0, "the silent receiver was never tried");
    eprintln!("{backend:?}: the receiver that never answers was tried {attempts} times");
    let per_target = app.settings.notices.webhooks.per_target_concurrency as usize;
    let rounds = RUN.as_secs() as usize / FIRST_RETRY_SECONDS as usize + 2;
    assert!(attempts <= per_target * rounds, "{attempts} attempts to a receiver that never answers");
    let sub = app.id_literal(uuid::Uuid::parse_str(&silent_id).unwrap());
    assert_eq!(app.count(&format!("notices WHERE subscription_id = {sub} AND status = 'sent'")), 0);
    let waiting = app.count(&format!("notices WHERE subscription_id = {sub} AND status IN ('pending', 'failed')"));
    assert_eq!(waiting as usize, expected, "each of its deliveries waits for its own retry");
    assert!(app.count(&format!("notices WHERE subscription_id = {sub} AND status = 'failed'")) > 0);
}

on_both_backends!(a_receiver_that_never_answers_holds_up_no_other);
