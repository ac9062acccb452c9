//! One slow target holds up no other: with the dispatcher's own loops
//! running (not driven by the test), a webhook receiver or a mail server
//! that takes a request and never answers holds only its own share. These
//! tests count and order, never time: the healthy receiver hears of every
//! event while the slow target's first attempts are still held open (the
//! slow receiver's own record says so), and the slow target is tried again
//! only on its own back-off. How fast the healthy receiver hears is
//! measured by `scripts/isolation_bench.sh` (docs/benchmarks.md).

use chrono::{DateTime, Utc};
use serde_json::json;
use spbe_desk::clock::Clock;
use std::time::Duration;

use crate::on_both_backends;
use crate::support::receivers::{Holds, Receiver, ReceiverKind};
use crate::support::{spawn_app_with, Backend, TestApp};
use crate::tickets::incident;

/// The slow target's time-out. Only a failure guard: the tests wait for
/// counts and end long before it unless the slow target holds the others up.
const GUARD_SECONDS: u32 = 30;
const GUARD: Duration = Duration::from_secs(GUARD_SECONDS as u64);
const FIRST_RETRY_SECONDS: u32 = 10;
/// Tickets filed while the slow target holds its first attempts, twice.
const BATCH: usize = 20;

fn settings(s: &mut spbe_desk::config::Settings) {
    s.notices.webhooks.allow_http = true;
    s.notices.webhooks.allowed_hosts = vec!["127.0.0.1".into()];
    s.notices.webhooks.timeout_seconds = GUARD_SECONDS;
    s.notices.first_retry_seconds = FIRST_RETRY_SECONDS;
    s.notices.hold_until_working_hours = false;
    // The service's own loops, as in production.
    s.notices.dispatch_interval_seconds = 1;
}

async fn subscribe(app: &TestApp, token: &str, hook: &Receiver) -> String {
    let url = format!("http://127.0.0.1:{}/hook", hook.port());
    let created = app.post("/api/v1/webhooks", Some(token), json!({ "url": url, "events": ["ticket.created"] })).await;
    assert_eq!(created.status, 201, "{}", created.text);
    hook.control("secrets", created.body["secret"].as_str().unwrap());
    created.body["webhook"]["id"].as_str().unwrap().to_owned()
}

async fn file_tickets(app: &TestApp, token: &str, service: uuid::Uuid, n: usize) {
    for _ in 0..n {
        let created = app.post("/api/v1/tickets", Some(token), incident(service)).await;
        assert_eq!(created.status, 201, "{}", created.text);
    }
}

/// Polls the database until `sql_count` reaches `n` (or the guard).
async fn wait_for_count(app: &TestApp, sql_count: &str, n: i64) -> i64 {
    let deadline = std::time::Instant::now() + GUARD;
    loop {
        let got = app.count(sql_count);
        if got >= n || std::time::Instant::now() >= deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn held_until(app: &TestApp, token: &str, id: &str) -> DateTime<Utc> {
    let read = app.get(&format!("/api/v1/webhooks/{id}"), Some(token)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    read.body["deliveries_held_until"].as_str().unwrap_or_else(|| panic!("not held: {}", read.text)).parse().unwrap()
}

/// The healthy receiver heard of `n` events while every held attempt of
/// the slow target is still open.
async fn heard_all_while_held(healthy: &Receiver, slow: &Receiver, n: usize, what: &str) {
    let heard = healthy.wait_for(n, GUARD).await.len();
    let holds = slow.holds();
    assert_eq!(heard, n, "the healthy receiver heard of {heard} of {n} events while {what} held {holds:?}");
    assert!(
        holds.started > 0 && holds.ended == 0,
        "{what} let go of an attempt first ({holds:?}): it held up the others"
    );
}

async fn a_receiver_that_never_answers_holds_up_no_other(backend: Backend) {
    let (Some(healthy), Some(silent)) =
        (Receiver::start(ReceiverKind::Webhook), Receiver::start(ReceiverKind::Webhook))
    else {
        return;
    };
    silent.control("mode", "hang 3600");
    let Some(app) = spawn_app_with(backend, settings).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    let silent_id = subscribe(&app, admin, &silent).await;
    subscribe(&app, admin, &healthy).await;
    let share = app.settings.notices.webhooks.per_target_concurrency as usize;
    let sub = app.id_literal(uuid::Uuid::parse_str(&silent_id).unwrap());
    let of_silent = |rest: &str| format!("notices WHERE subscription_id = {sub} {rest}");

    file_tickets(&app, &org.reporter_a.token, org.service, BATCH).await;
    heard_all_while_held(&healthy, &silent, BATCH, "the silent receiver").await;
    // New events keep being fanned out while the silent one still holds.
    file_tickets(&app, &org.reporter_a.token, org.service, BATCH).await;
    heard_all_while_held(&healthy, &silent, 2 * BATCH, "the silent receiver").await;
    let events = 2 * BATCH as i64;
    assert_eq!(app.count(&of_silent("")), events, "every event was fanned out to the silent one too");
    assert_eq!(silent.holds(), Holds { started: share, ended: 0 }, "it holds exactly its share");

    // Its held attempts fail (the connection drops): only they are
    // recorded, and everything it has waits for their retry.
    silent.control("mode", "drop");
    let round = share as i64;
    let tried = format!("notice_attempts a JOIN notices n ON n.id = a.notice_id WHERE n.subscription_id = {sub}");
    assert_eq!(wait_for_count(&app, &tried, round).await, round);
    let first_failed_at = app.clock.now();
    let first_hold = held_until(&app, admin, &silent_id).await;
    let first = chrono::Duration::seconds(i64::from(FIRST_RETRY_SECONDS));
    assert!(first_hold > first_failed_at + first / 2 && first_hold <= first_failed_at + first * 5 / 4, "{first_hold}");
    assert_eq!(app.count(&of_silent("AND status = 'sent'")), 0);
    assert_eq!(app.count(&of_silent("AND status IN ('pending', 'failed')")), events);
    assert_eq!(silent.received().len(), share, "tried once per share, not once per event");

    // Its back-off passes: one more share is tried, and the next wait is longer.
    app.clock.set(first_hold + chrono::Duration::seconds(1));
    assert_eq!(wait_for_count(&app, &tried, 2 * round).await, 2 * round);
    let second_hold = wait_for_hold_after(&app, admin, &silent_id, first_hold).await;
    let retried_at = first_hold + chrono::Duration::seconds(1);
    assert!(second_hold - retried_at > first * 5 / 4, "the back-off doubles: {retried_at} -> {second_hold}");
    let attempts = silent.received();
    assert_eq!(attempts.len(), 2 * share, "one more share per back-off");
    assert_eq!(app.count(&tried), 2 * round);
    // Its queue kept its order: the retries are the first attempts again, under the same ids.
    let ids = |round: &[serde_json::Value]| {
        let mut ids: Vec<String> = round.iter().map(|d| d["webhook_id"].as_str().unwrap().to_owned()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&attempts[..share]), ids(&attempts[share..]));
    assert_eq!(healthy.received().len(), 2 * BATCH, "the healthy receiver got each event once");
}

/// The subscription's hold once a later round has set it.
async fn wait_for_hold_after(app: &TestApp, token: &str, id: &str, before: DateTime<Utc>) -> DateTime<Utc> {
    let deadline = std::time::Instant::now() + GUARD;
    loop {
        let hold = held_until(app, token, id).await;
        if hold > before || std::time::Instant::now() >= deadline {
            return hold;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_mail_server_that_never_answers_holds_up_no_webhook(backend: Backend) {
    let (Some(smtp), Some(healthy)) = (Receiver::start(ReceiverKind::Smtp), Receiver::start(ReceiverKind::Webhook))
    else {
        return;
    };
    smtp.control("hang", "");
    let port = smtp.port();
    let Some(app) = spawn_app_with(backend, move |s| {
        use spbe_desk::notify::settings::{MailTransport, SmtpSecurity};
        settings(s);
        s.notices.mail.transport = MailTransport::Smtp;
        s.notices.mail.smtp_host = "127.0.0.1".into();
        s.notices.mail.smtp_port = port;
        s.notices.mail.smtp_security = SmtpSecurity::None;
        s.notices.mail.smtp_timeout_seconds = GUARD_SECONDS;
        s.notices.mail.from = "Layanan SPBE <servicedesk@desk.go.id>".into();
    })
    .await
    else {
        return;
    };
    let org = app.org().await;
    subscribe(&app, &org.admin.token, &healthy).await;

    // The mail server takes the first mails and never answers.
    file_tickets(&app, &org.reporter_a.token, org.service, 1).await;
    let holding = smtp.wait_for_holds(|h| h.started > 0, GUARD).await;
    assert!(holding.started > 0, "the mail server was never reached: {holding:?}");
    file_tickets(&app, &org.reporter_a.token, org.service, BATCH).await;
    heard_all_while_held(&healthy, &smtp, BATCH + 1, "the mail server").await;
    file_tickets(&app, &org.reporter_a.token, org.service, BATCH).await;
    heard_all_while_held(&healthy, &smtp, 2 * BATCH + 1, "the mail server").await;
    // Each ticket's mails were fanned out meanwhile (reporter, PD desk).
    let tickets = 2 * BATCH as i64 + 1;
    assert_eq!(app.count("(SELECT DISTINCT ticket_id FROM notices WHERE kind = 'mail') t"), tickets);
    let mails = app.count("notices WHERE kind = 'mail'");
    assert!(mails >= 2 * tickets, "{mails} mails for {tickets} tickets");
    assert!(smtp.received().is_empty());

    // It recovers: the held mails are refused (451) and retried on their
    // own back-off, the rest go at once; each mail arrives exactly once.
    smtp.clear_control("hang");
    let released = smtp.wait_for_holds(|h| h.ended == h.started, GUARD).await;
    assert_eq!(released.ended, released.started, "{released:?}");
    let retries = released.started as i64;
    let refused = "notices WHERE kind = 'mail' AND status = 'failed'";
    let sent = "notices WHERE kind = 'mail' AND status = 'sent'";
    assert_eq!(wait_for_count(&app, sent, mails - retries).await, mails - retries);
    assert_eq!(app.count(refused), retries, "the refused ones wait for their retry");
    app.clock.advance(chrono::Duration::seconds(i64::from(2 * FIRST_RETRY_SECONDS)));
    assert_eq!(wait_for_count(&app, sent, mails).await, mails, "every mail was sent after the retry");
    let messages = smtp.received();
    let ids: std::collections::HashSet<&str> = messages.iter().map(|m| m["message_id"].as_str().unwrap()).collect();
    assert_eq!((messages.len(), ids.len()), (mails as usize, mails as usize), "each mail once");
    assert_eq!(healthy.received().len(), 2 * BATCH + 1, "each delivery once");
}

on_both_backends!(
    a_receiver_that_never_answers_holds_up_no_other,
    a_mail_server_that_never_answers_holds_up_no_webhook
);
