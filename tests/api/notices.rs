//! Notices end to end: mails to a real SMTP server (aiosmtpd) and webhook
//! deliveries verified by the Standard Webhooks reference library, through
//! the outbox, on both backends.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::receivers::{Receiver, ReceiverKind};
use crate::support::{spawn_app_with, Backend, Org, TestApp};
use crate::tickets::{file, incident};

pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// An app mailing to `smtp` and allowed to deliver to the loopback receiver.
pub(crate) async fn app_with(
    backend: Backend,
    smtp: &Receiver,
    adjust: impl FnOnce(&mut spbe_desk::config::Settings),
) -> Option<TestApp> {
    let port = smtp.port();
    spawn_app_with(backend, move |s| {
        use spbe_desk::notify::settings::{MailTransport, SmtpSecurity};
        s.notices.mail.transport = MailTransport::Smtp;
        s.notices.mail.smtp_host = "127.0.0.1".into();
        s.notices.mail.smtp_port = port;
        s.notices.mail.smtp_security = SmtpSecurity::None;
        s.notices.mail.smtp_timeout_seconds = 3;
        s.notices.mail.from = "Layanan SPBE <servicedesk@desk.go.id>".into();
        s.notices.webhooks.allow_http = true;
        s.notices.webhooks.allowed_hosts = vec!["127.0.0.1".into()];
        s.notices.webhooks.timeout_seconds = 2;
        s.notices.ticket_url = "https://helpdesk.desk.go.id/tiket/{number}".into();
        adjust(s);
    })
    .await
}

pub(crate) fn receivers() -> Option<(Receiver, Receiver)> {
    Some((Receiver::start(ReceiverKind::Smtp)?, Receiver::start(ReceiverKind::Webhook)?))
}

/// Subscribes `hook` (as `token`) and tells the receiver the secret.
pub(crate) async fn subscribe(app: &TestApp, token: &str, hook: &Receiver, body: Value) -> Value {
    let mut body = body;
    body["url"] = json!(format!("http://127.0.0.1:{}/hook", hook.port()));
    let created = app.post("/api/v1/webhooks", Some(token), body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let mut secrets = std::fs::read_to_string(hook.dir().join("secrets")).unwrap_or_default();
    secrets.push_str(&secret);
    secrets.push('\n');
    hook.control("secrets", &secrets);
    created.body["webhook"].clone()
}

async fn escalate(app: &TestApp, org: &Org, token: &str, reason: &str) -> String {
    let ticket = file(app, token, incident(org.service)).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let t1 = org.tier1_a.token.as_str();
    assert_eq!(app.post(&format!("/api/v1/tickets/{id}/start"), Some(t1), json!({})).await.status, 200);
    let escalated = app
        .post(
            &format!("/api/v1/tickets/{id}/escalate"),
            Some(t1),
            json!({ "reason": reason, "steps_taken": "Reset kata sandi, hapus cache peramban" }),
        )
        .await;
    assert_eq!(escalated.status, 200, "{}", escalated.text);
    id
}

fn to(messages: &[Value], address: &str) -> Vec<Value> {
    messages.iter().filter(|m| m["rcpt_tos"].as_array().unwrap().iter().any(|r| r == address)).cloned().collect()
}

async fn an_escalation_mails_tier_two_once_and_delivers_one_verified_webhook(backend: Backend) {
    let Some((smtp, hook)) = receivers() else { return };
    let Some(app) = app_with(backend, &smtp, |_| {}).await else { return };
    let org = app.org().await;
    subscribe(&app, &org.admin.token, &hook, json!({ "events": ["ticket.escalated"], "unit_id": org.pd_a })).await;
    let id = escalate(&app, &org, &org.reporter_a.token, "Server aplikasi tidak merespons").await;
    let report = app.dispatch().await;
    assert_eq!(report.dead, 0, "{report:?}");

    let messages = smtp.wait_for(4, WAIT).await;
    let tier2 = to(&messages, "diskominfo@desk.go.id");
    assert_eq!(tier2.len(), 1, "{tier2:#?}");
    let mail = &tier2[0];
    assert!(mail["subject"].as_str().unwrap().contains("Eskalasi ke tingkat 2"), "{}", mail["subject"]);
    let text = mail["text"].as_str().unwrap();
    assert!(text.starts_with("Yth. Tim Layanan Unit DISKOMINFO,"), "{text}");
    assert!(text.contains("Server aplikasi tidak merespons") && text.contains("Reset kata sandi"), "{text}");
    assert!(text.contains("https://helpdesk.desk.go.id/tiket/TKT-"), "{text}");
    assert!(text.contains(" WITA"), "times are written in the recipient's zone: {text}");
    assert!(mail["html"].as_str().unwrap().contains("<p>Yth. Tim Layanan Unit DISKOMINFO,</p>"));
    assert_eq!(mail["headers"]["auto-submitted"], "auto-generated");
    // The reporter heard their ticket was received; the PD's desk of a new ticket.
    let received = to(&messages, &org.reporter_a.email);
    assert_eq!(received.len(), 1);
    assert!(received[0]["subject"].as_str().unwrap().contains("telah kami terima"));
    // PD A's desk: the new ticket, and (as owner of the service) the incident at tier 2.
    let desk = to(&messages, "bappeda@desk.go.id");
    assert_eq!(desk.len(), 2, "{desk:#?}");
    assert!(desk.iter().any(|m| m["subject"].as_str().unwrap().contains("Gangguan pada layanan")));

    let deliveries = hook.wait_for(1, WAIT).await;
    assert_eq!(deliveries.len(), 1, "{deliveries:#?}");
    let delivery = &deliveries[0];
    assert_eq!(delivery["verified"], true, "{delivery}");
    assert_eq!(delivery["type"], "ticket.escalated");
    assert_eq!(delivery["data"]["ticket"]["id"], id);
    assert_eq!(delivery["data"]["ticket"]["tier"], 2);
    assert_eq!(delivery["data"]["details"]["reason"], "Server aplikasi tidak merespons");
    assert!(delivery["data"]["details"].get("sla").is_none());

    // The outbox names the same ids: Message-ID and webhook-id.
    let listed = app.get("/api/v1/notifications?status=sent&kind=mail", Some(&org.admin.token)).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let ids: HashSet<String> =
        listed.body["items"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect();
    let message_id = mail["message_id"].as_str().unwrap();
    let notice_id = message_id.trim_start_matches('<').split('@').next().unwrap();
    assert!(ids.contains(notice_id), "{message_id} not in {ids:?}");
    let webhook_id = delivery["webhook_id"].as_str().unwrap();
    assert!(webhook_id.starts_with("msg_"));
    // Nothing more goes out on the next run.
    assert!(app.dispatch().await.is_empty());
    assert_eq!(smtp.received().len(), messages.len());
    assert_eq!(hook.received().len(), 1);
}

async fn after_an_outage_every_mail_and_delivery_arrives_exactly_once(backend: Backend) {
    let Some((mut smtp, mut hook)) = receivers() else { return };
    let Some(app) = app_with(backend, &smtp, |_| {}).await else { return };
    let org = app.org().await;
    subscribe(&app, &org.admin.token, &hook, json!({ "events": ["ticket.escalated"] })).await;
    smtp.stop();
    hook.stop();
    for n in 0..5 {
        escalate(&app, &org, &org.reporter_a.token, &format!("Gangguan ke-{n}")).await;
    }
    let down = app.dispatch().await;
    assert_eq!((down.sent, down.dead), (0, 0), "{down:?}");
    // Each target was tried only within its share (one attempt per pooled
    // mail connection, the receiver's share of the webhook lane); the
    // rest wait for those attempts' retries.
    let settings = &app.settings.notices;
    let shares = (settings.mail.smtp_pool_size + settings.webhooks.per_target_concurrency) as usize;
    assert_eq!(down.retried, shares, "{down:?}");
    let failed = app.get("/api/v1/notifications?status=failed", Some(&org.admin.token)).await;
    assert!(failed.body["items"][0]["last_error"].is_string(), "{}", failed.text);

    smtp.restart();
    hook.restart();
    app.clock.advance(chrono::Duration::hours(1));
    let up = app.dispatch().await;
    let errors: Vec<Option<String>> = {
        let mut conn = app.db.conn().unwrap();
        let filter = spbe_desk::db::notices::outbox::NoticeFilter { limit: 50, ..Default::default() };
        spbe_desk::db::notices::outbox::list(&mut conn, &filter).unwrap().into_iter().map(|n| n.last_error).collect()
    };
    assert_eq!(up.retried + up.dead, 0, "{up:?}: {errors:?}");
    // 5 × (reporter, PD desk twice, Dinas desk) mails and 5 deliveries.
    let messages = smtp.wait_for(20, WAIT).await;
    let deliveries = hook.wait_for(5, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.dispatch().await.is_empty());
    let ids: HashSet<&str> = messages.iter().map(|m| m["message_id"].as_str().unwrap()).collect();
    assert_eq!((messages.len(), ids.len()), (20, 20));
    let hooks: HashSet<&str> = deliveries.iter().map(|d| d["webhook_id"].as_str().unwrap()).collect();
    assert_eq!((deliveries.len(), hooks.len()), (5, 5));
    assert!(deliveries.iter().all(|d| d["verified"] == true));
}

async fn a_unit_scoped_subscription_never_receives_another_units_tickets(backend: Backend) {
    let Some((smtp, hook)) = receivers() else { return };
    let Some(app) = app_with(backend, &smtp, |_| {}).await else { return };
    let org = app.org().await;
    // A front end of PD A, with its own key.
    let key = app
        .post(
            "/api/v1/api-keys",
            Some(&org.admin.token),
            json!({ "name": "Helpdesk PD A", "unit_id": org.pd_a, "roles": ["tier1_technician"] }),
        )
        .await;
    assert_eq!(key.status, 201, "{}", key.text);
    let key = key.body["key"].as_str().unwrap().to_owned();
    let url = format!("http://127.0.0.1:{}/hook", hook.port());
    let other_unit = app
        .send(
            app.client
                .post(format!("{}/api/v1/webhooks", app.address))
                .header("X-Api-Key", &key)
                .json(&json!({ "url": url, "events": ["*"], "unit_id": org.pd_b })),
        )
        .await;
    other_unit.assert_problem(422);
    let created = app
        .send(
            app.client
                .post(format!("{}/api/v1/webhooks", app.address))
                .header("X-Api-Key", &key)
                .json(&json!({ "url": url, "events": ["*"] })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["webhook"]["unit_id"], org.pd_a.to_string());
    hook.control("secrets", created.body["secret"].as_str().unwrap());

    let b = file(&app, &org.reporter_b.token, incident(org.service)).await;
    app.post(
        &format!("/api/v1/tickets/{}/comments", b["id"].as_str().unwrap()),
        Some(&org.tier1_b.token),
        json!({ "body": "Catatan PD B", "internal": true }),
    )
    .await;
    let a = file(&app, &org.reporter_a.token, incident(org.service)).await;
    app.dispatch().await;
    let deliveries = hook.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let deliveries = if deliveries.len() == 1 { hook.received() } else { deliveries };
    assert_eq!(deliveries.len(), 1, "{deliveries:#?}");
    assert_eq!(deliveries[0]["data"]["ticket"]["id"], a["id"]);
    assert_eq!(deliveries[0]["type"], "ticket.created");
    assert!(deliveries.iter().all(|d| d["verified"] == true));

    // Another key cannot read or change this subscription.
    let id = created.body["webhook"]["id"].as_str().unwrap();
    let foreign = app.get(&format!("/api/v1/webhooks/{id}"), Some(&org.tier1_b.token)).await;
    foreign.assert_problem(403);
}

async fn a_rolled_back_change_leaves_no_notice(backend: Backend) {
    use spbe_desk::db::{journal, write_tx, StoreError};
    use spbe_desk::domain::journal::{Context, Entry, Event, Subject};
    let Some((smtp, _hook)) = receivers() else { return };
    let Some(app) = app_with(backend, &smtp, |_| {}).await else { return };
    let org = app.org().await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let id: uuid::Uuid = ticket["id"].as_str().unwrap().parse().unwrap();
    let before = app.count("notice_events");
    let mut conn = app.db.conn().unwrap();
    let failed: Result<(), StoreError> = write_tx(&mut conn, |conn| {
        let entry = Entry::new(Subject::Ticket(id), Event::TicketRated { rating: 5, remark: None });
        journal::record(conn, &Context::system(chrono::Utc::now()), entry)?;
        Err(StoreError::Conflict("the change failed after its notice was written".into()))
    });
    assert!(failed.is_err());
    drop(conn);
    assert_eq!(app.count("notice_events"), before);
    app.dispatch().await;
    assert_eq!(app.count("notices WHERE event = 'ticket.rated'"), 0);
}

async fn one_refusing_recipient_does_not_hold_up_the_others(backend: Backend) {
    let Some((smtp, _hook)) = receivers() else { return };
    let Some(app) = app_with(backend, &smtp, |_| {}).await else { return };
    let org = app.org().await;
    smtp.control("reject", &org.reporter_a.email);
    smtp.control("tempfail", "bappeda@desk.go.id");
    file(&app, &org.reporter_a.token, incident(org.service)).await;
    let report = app.dispatch().await;
    assert_eq!((report.sent, report.retried, report.dead), (0, 1, 1), "{report:?}");
    let dead = app.get("/api/v1/notifications?status=dead", Some(&org.admin.token)).await;
    let dead = &dead.body["items"][0];
    assert_eq!(dead["recipient"], org.reporter_a.email);
    assert_eq!(dead["last_status_code"], 550, "{dead}");
    // The desk's server recovers: its mail goes on the next try.
    smtp.clear_control("tempfail");
    app.clock.advance(chrono::Duration::minutes(5));
    assert_eq!(app.dispatch().await.sent, 1);
    assert_eq!(to(&smtp.wait_for(1, WAIT).await, "bappeda@desk.go.id").len(), 1);
    // An admin retries the dead one once the address is fixed.
    smtp.clear_control("reject");
    let id = dead["id"].as_str().unwrap();
    let retried = app.post(&format!("/api/v1/notifications/{id}/retry"), Some(&org.admin.token), json!({})).await;
    assert_eq!(retried.status, 202, "{}", retried.text);
    assert_eq!(app.dispatch().await.sent, 1);
    let detail = app.get(&format!("/api/v1/notifications/{id}"), Some(&org.admin.token)).await;
    let outcomes: Vec<&str> =
        detail.body["attempts"].as_array().unwrap().iter().map(|a| a["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["dead", "sent"]);
    assert_eq!(to(&smtp.wait_for(2, WAIT).await, &org.reporter_a.email).len(), 1);
}

/// A batch's tickets are read together; tickets that cannot be read (a
/// broken record) hold up their own notices only, even more of them than
/// one fan-out transaction takes, and go once repaired.
async fn tickets_that_cannot_be_read_hold_up_only_their_own_notices(backend: Backend) {
    let Some((smtp, _hook)) = receivers() else { return };
    let Some(app) = app_with(backend, &smtp, |_| {}).await else { return };
    let org = app.org().await;
    // More than a fan-out transaction's worth (100 on PostgreSQL), queued first.
    for _ in 0..101 {
        file(&app, &org.reporter_a.token, incident(org.service)).await;
    }
    let sound = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let id: uuid::Uuid = sound["id"].as_str().unwrap().parse().unwrap();
    let sound_key = app.id_literal(id);
    let broken = format!("tickets WHERE id <> {sound_key}");
    app.execute(&format!("UPDATE tickets SET resolution_code = 'not_a_code' WHERE id <> {sound_key}"));
    app.dispatch().await;
    assert_eq!(app.count(&format!("notices WHERE ticket_id = {sound_key}")), 2, "reporter and desk mailbox");
    assert_eq!(app.count(&format!("notices WHERE ticket_id IN (SELECT id FROM {broken})")), 0);
    assert_eq!(app.count("notice_events"), 101, "left for later");

    app.execute(&format!("UPDATE tickets SET resolution_code = NULL WHERE id <> {sound_key}"));
    app.dispatch().await;
    assert_eq!(app.count(&format!("notices WHERE ticket_id IN (SELECT id FROM {broken})")), 202);
    assert_eq!(app.count("notice_events"), 0);
    assert_eq!(app.count(&format!("notices WHERE ticket_id = {sound_key}")), 2, "not fanned out twice");
}

async fn subscription_targets_are_checked_precisely(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |_| {}).await else { return };
    let org = app.org().await;
    let admin = Some(org.admin.token.as_str());
    for (url, words) in [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://169.254.169.254/latest", "link-local"),
        ("https://10.0.0.8/hook", "private"),
        ("https://[::1]/hook", "loopback"),
        // The deprecated IPv6 forms that embed an IPv4 address.
        ("https://[::127.0.0.1]/hook", "loopback"),
        ("https://[::ffff:0:7f00:1]/hook", "loopback"),
        ("https://[::ffff:0:a00:8]/hook", "private"),
        ("https://[::203.0.113.7]/hook", "deprecated"),
        ("http://example.go.id/hook", "https"),
        ("ftp://example.go.id/x", "http(s)"),
        ("https://user:pw@example.go.id/x", "credentials"),
        ("not a url", "http(s)"),
    ] {
        let refused = app.post("/api/v1/webhooks", admin, json!({ "url": url, "events": ["*"] })).await;
        refused.assert_problem(422);
        assert!(refused.text.contains(words), "{url}: {}", refused.text);
        assert!(refused.text.contains("url"), "{}", refused.text);
    }
    let unknown = app
        .post("/api/v1/webhooks", admin, json!({ "url": "https://example.go.id/h", "events": ["ticket.exploded"] }))
        .await;
    unknown.assert_problem(422);
    let reporter = app
        .post(
            "/api/v1/webhooks",
            Some(&org.reporter_a.token),
            json!({ "url": "https://example.go.id/h", "events": ["*"] }),
        )
        .await;
    reporter.assert_problem(403);
    assert_eq!(app.count("webhook_subscriptions"), 0);
}

async fn opted_out_users_get_no_optional_mail_but_breaches_cannot_be_turned_off(backend: Backend) {
    let Some((smtp, _hook)) = receivers() else { return };
    let Some(app) = app_with(backend, &smtp, |_| {}).await else { return };
    let org = app.org().await;
    let path = "/api/v1/me/notice-preferences";
    let me = Some(org.reporter_a.token.as_str());
    let essential = app
        .send(
            app.client
                .put(format!("{}{path}", app.address))
                .bearer_auth(&org.supervisor.token)
                .json(&json!({ "opted_out": ["ticket.sla_breached"] })),
        )
        .await;
    essential.assert_problem(422);
    let set = app
        .send(
            app.client
                .put(format!("{}{path}", app.address))
                .bearer_auth(&org.reporter_a.token)
                .json(&json!({ "opted_out": ["ticket.created"] })),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(app.get(path, me).await.body["opted_out"], json!(["ticket.created"]));
    file(&app, &org.reporter_a.token, incident(org.service)).await;
    app.dispatch().await;
    let messages = smtp.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(to(&smtp.received(), &org.reporter_a.email).len(), 0, "{messages:#?}");
    assert_eq!(to(&smtp.received(), "bappeda@desk.go.id").len(), 1);
}

async fn deliveries_are_listed_redelivered_pinged_and_signed_with_both_secrets_after_rotation(backend: Backend) {
    let Some((smtp, hook)) = receivers() else { return };
    let Some(app) = app_with(backend, &smtp, |_| {}).await else { return };
    let org = app.org().await;
    let admin = Some(org.admin.token.as_str());
    let sub = subscribe(&app, &org.admin.token, &hook, json!({ "events": ["ticket.created"] })).await;
    let id = sub["id"].as_str().unwrap();
    let ping = app.post(&format!("/api/v1/webhooks/{id}/ping"), admin, json!({})).await;
    assert_eq!(ping.status, 202, "{}", ping.text);
    app.dispatch().await;
    let got = hook.wait_for(1, WAIT).await;
    assert_eq!((got[0]["type"].as_str(), got[0]["verified"].as_bool()), (Some("webhook.ping"), Some(true)));

    // Rotate: the receiver still knows only the old secret, and verifies.
    let old = std::fs::read_to_string(hook.dir().join("secrets")).unwrap();
    let rotated = app.post(&format!("/api/v1/webhooks/{id}/rotate-secret"), admin, json!({})).await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    assert!(rotated.body["webhook"]["previous_secret_valid_until"].is_string());
    file(&app, &org.reporter_a.token, incident(org.service)).await;
    app.dispatch().await;
    let got = hook.wait_for(2, WAIT).await;
    assert_eq!(got[1]["verified"], true);
    assert_eq!(got[1]["signature"].as_str().unwrap().split(' ').count(), 2);
    // With only the new secret it verifies too.
    hook.control("secrets", &new);
    let deliveries = app.get(&format!("/api/v1/webhooks/{id}/deliveries"), admin).await;
    assert_eq!(deliveries.status, 200, "{}", deliveries.text);
    let items = deliveries.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|d| d["status"] == "sent" && d["last_status_code"] == 204 && d["attempts"] == 1));
    let delivery = items[1]["id"].as_str().unwrap();
    let again = app.post(&format!("/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver"), admin, json!({})).await;
    assert_eq!(again.status, 202, "{}", again.text);
    app.dispatch().await;
    let got = hook.wait_for(3, WAIT).await;
    assert_eq!(got[2]["verified"], true);
    assert_eq!(got[2]["webhook_id"], got[1]["webhook_id"], "a redelivery keeps its webhook-id");
    assert_ne!(old.trim(), new);
}

async fn a_dead_receiver_disables_its_subscription_and_tells_the_owner(backend: Backend) {
    let Some((smtp, hook)) = receivers() else { return };
    let Some(app) = app_with(backend, &smtp, |s| {
        s.notices.give_up_after_seconds = 60;
        s.notices.webhooks.disable_after_dead = 2;
    })
    .await
    else {
        return;
    };
    let org = app.org().await;
    let sub = subscribe(&app, &org.admin.token, &hook, json!({ "events": ["ticket.created"] })).await;
    hook.control("mode", "status 503");
    file(&app, &org.reporter_a.token, incident(org.service)).await;
    file(&app, &org.reporter_a.token, incident(org.service)).await;
    assert_eq!(app.dispatch().await.retried, 2, "the mails went, the deliveries wait");
    app.clock.advance(chrono::Duration::minutes(2));
    let report = app.dispatch().await;
    assert_eq!(report.dead, 2, "{report:?}");
    let id = sub["id"].as_str().unwrap();
    let read = app.get(&format!("/api/v1/webhooks/{id}"), Some(&org.admin.token)).await;
    assert_eq!(read.body["active"], false, "{}", read.text);
    assert!(read.body["disabled_reason"].as_str().unwrap().contains("2 dead deliveries"));
    app.dispatch().await;
    let owner = to(&smtp.wait_for(5, WAIT).await, &org.admin.email);
    assert_eq!(owner.len(), 1);
    assert!(owner[0]["subject"].as_str().unwrap().contains("dinonaktifkan"));
    // Re-enabled, it receives again.
    hook.control("mode", "ok");
    let etag = read.header("etag").unwrap().to_owned();
    let enabled = app
        .patch(&format!("/api/v1/webhooks/{id}"), Some(&org.admin.token), json!({ "active": true }), Some(&etag))
        .await;
    assert_eq!(enabled.status, 200, "{}", enabled.text);
    assert_eq!(enabled.body["consecutive_dead"], 0);
}

async fn a_template_preview_renders_without_sending(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |_| {}).await else { return };
    let org = app.org().await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let id = ticket["id"].as_str().unwrap();
    let path = format!("/api/v1/notifications/preview?template=ticket_new&ticket_id={id}&time_zone=Asia/Jayapura");
    let preview = app.get(&path, Some(&org.admin.token)).await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert!(preview.body["subject"].as_str().unwrap().contains(ticket["number"].as_str().unwrap()));
    assert!(preview.body["text"].as_str().unwrap().contains(" WIT"), "{}", preview.body["text"]);
    let unknown =
        app.get(&format!("/api/v1/notifications/preview?template=nope&ticket_id={id}"), Some(&org.admin.token)).await;
    unknown.assert_problem(422);
    app.get(&path, Some(&org.reporter_a.token)).await.assert_problem(403);
    assert_eq!(app.count("notices WHERE status = 'sent'"), 0);
}

async fn a_receiver_that_drops_the_connection_or_hangs_is_tried_again_under_the_same_id(backend: Backend) {
    let Some((smtp, hook)) = receivers() else { return };
    let Some(app) = app_with(backend, &smtp, |_| {}).await else { return };
    let org = app.org().await;
    subscribe(&app, &org.admin.token, &hook, json!({ "events": ["ticket.created"] })).await;
    file(&app, &org.reporter_a.token, incident(org.service)).await;
    hook.control("mode", "drop");
    let dropped = app.dispatch().await;
    assert_eq!(dropped.retried, 1, "{dropped:?}");
    hook.control("mode", "hang 5");
    app.clock.advance(chrono::Duration::minutes(5));
    let started = std::time::Instant::now();
    assert_eq!(app.dispatch().await.retried, 1);
    assert!(started.elapsed() < Duration::from_secs(5), "the 2 s time limit cut the wait");
    hook.control("mode", "ok");
    app.clock.advance(chrono::Duration::minutes(5));
    assert_eq!(app.dispatch().await.sent, 1);
    let attempts = {
        let mut conn = app.db.conn().unwrap();
        let filter = spbe_desk::db::notices::outbox::NoticeFilter {
            kind: Some(spbe_desk::db::notices::outbox::NoticeKind::Webhook),
            limit: 10,
            ..Default::default()
        };
        let delivery = spbe_desk::db::notices::outbox::list(&mut conn, &filter).unwrap().remove(0);
        spbe_desk::db::notices::outbox::attempts(&mut conn, delivery.id).unwrap()
    };
    let outcomes: Vec<&str> = attempts.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes, ["retry", "retry", "sent"]);
    assert!(attempts[1].error.as_deref().unwrap_or_default().contains("timed out"), "{:?}", attempts[1].error);
    let got = hook.wait_for(3, WAIT).await;
    let ids: HashSet<&str> = got.iter().map(|d| d["webhook_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1, "every try carries the same webhook-id");
}

async fn a_comment_notice_shows_the_ticket_as_the_comment_found_it_and_names_the_reporter(backend: Backend) {
    let Some((smtp, hook)) = receivers() else { return };
    let Some(app) = app_with(backend, &smtp, |s| s.notices.hold_until_working_hours = false).await else { return };
    let org = app.org().await;
    subscribe(&app, &org.admin.token, &hook, json!({ "events": ["comment.created"] })).await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let id = ticket["id"].as_str().unwrap();
    let comment = json!({ "body": "Masih belum bisa masuk", "internal": false });
    let commented = app.post(&format!("/api/v1/tickets/{id}/comments"), Some(&org.reporter_a.token), comment).await;
    assert_eq!(commented.status, 201, "{}", commented.text);
    // The ticket moves on before the comment is fanned out.
    let t1 = Some(org.tier1_a.token.as_str());
    assert_eq!(app.post(&format!("/api/v1/tickets/{id}/start"), t1, json!({})).await.status, 200);
    let steps = json!({ "reason": "Perlu akses server", "steps_taken": "Reset kata sandi" });
    assert_eq!(app.post(&format!("/api/v1/tickets/{id}/escalate"), t1, steps).await.status, 200);
    app.dispatch().await;
    let delivered = hook.wait_for(1, WAIT).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0]["data"]["ticket"]["status"], "new", "{}", delivered[0]["body"]);
    assert_eq!(delivered[0]["data"]["ticket"]["tier"], 1);

    // The desk's mail names the reporter, who has an account.
    let me = app.get("/api/v1/me", Some(&org.reporter_a.token)).await;
    let name = me.body["name"].as_str().unwrap();
    let desk = to(&smtp.wait_for(2, WAIT).await, "bappeda@desk.go.id");
    let text = desk.iter().map(|m| m["text"].as_str().unwrap()).find(|t| t.contains("Pelapor:")).unwrap();
    assert!(text.contains(&format!("Pelapor: {name}")), "{text}");
}

async fn a_failing_receiver_is_backed_off_with_its_new_deliveries_until_its_target_changes(backend: Backend) {
    let Some((smtp, hook)) = receivers() else { return };
    let Some(healthy) = Receiver::start(ReceiverKind::Webhook) else { return };
    let Some(app) = app_with(backend, &smtp, |_| {}).await else { return };
    let org = app.org().await;
    let sub = subscribe(&app, &org.admin.token, &hook, json!({ "events": ["ticket.created"] })).await;
    hook.control("mode", "status 503");
    file(&app, &org.reporter_a.token, incident(org.service)).await;
    assert_eq!(app.dispatch().await.retried, 1);
    let id = sub["id"].as_str().unwrap();
    let read = app.get(&format!("/api/v1/webhooks/{id}"), Some(&org.admin.token)).await;
    assert!(read.body["deliveries_held_until"].is_string(), "{}", read.text);
    // Filed while it is backed off: the new delivery waits with the first.
    file(&app, &org.reporter_a.token, incident(org.service)).await;
    let report = app.dispatch().await;
    assert_eq!((report.retried, report.dead), (0, 0), "only the new ticket's mails went: {report:?}");
    assert_eq!(hook.received().len(), 1, "tried once, not once per event");
    // A new target is tried at once, with everything that waited.
    healthy.control("secrets", &std::fs::read_to_string(hook.dir().join("secrets")).unwrap());
    let url = format!("http://127.0.0.1:{}/hook", healthy.port());
    let moved = app.patch(&format!("/api/v1/webhooks/{id}"), Some(&org.admin.token), json!({ "url": url }), None).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert!(moved.body["deliveries_held_until"].is_null(), "{}", moved.text);
    assert_eq!(app.dispatch().await.sent, 2);
    assert_eq!(healthy.wait_for(2, WAIT).await.len(), 2);
}

on_both_backends!(
    a_failing_receiver_is_backed_off_with_its_new_deliveries_until_its_target_changes,
    a_comment_notice_shows_the_ticket_as_the_comment_found_it_and_names_the_reporter,
    a_receiver_that_drops_the_connection_or_hangs_is_tried_again_under_the_same_id,
    an_escalation_mails_tier_two_once_and_delivers_one_verified_webhook,
    after_an_outage_every_mail_and_delivery_arrives_exactly_once,
    a_unit_scoped_subscription_never_receives_another_units_tickets,
    a_rolled_back_change_leaves_no_notice,
    one_refusing_recipient_does_not_hold_up_the_others,
    tickets_that_cannot_be_read_hold_up_only_their_own_notices,
    subscription_targets_are_checked_precisely,
    opted_out_users_get_no_optional_mail_but_breaches_cannot_be_turned_off,
    deliveries_are_listed_redelivered_pinged_and_signed_with_both_secrets_after_rotation,
    a_dead_receiver_disables_its_subscription_and_tells_the_owner,
    a_template_preview_renders_without_sending,
);
