//! Several dispatchers on one database, and one killed mid-dispatch: every
//! notice arrives, none twice under two ids.

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use spbe_desk::db::{Db, DbUrl};
use spbe_desk::notify::{dispatch, Notifier};

use crate::on_both_backends;
use crate::support::receivers::{Receiver, ReceiverKind};
use crate::support::{spawn_app_with, Backend, TestApp};
use crate::tickets::incident;

fn smtp_settings(s: &mut spbe_desk::config::Settings, port: u16) {
    use spbe_desk::notify::settings::{MailTransport, SmtpSecurity};
    s.notices.mail.transport = MailTransport::Smtp;
    s.notices.mail.smtp_host = "127.0.0.1".into();
    s.notices.mail.smtp_port = port;
    s.notices.mail.smtp_security = SmtpSecurity::None;
    s.notices.mail.from = "Layanan SPBE <servicedesk@desk.go.id>".into();
    s.notices.webhooks.allow_http = true;
    s.notices.webhooks.allowed_hosts = vec!["127.0.0.1".into()];
}

/// Files `n` tickets concurrently (each makes two mails: reporter, PD desk).
async fn file_many(app: &TestApp, token: &str, service: uuid::Uuid, n: usize) {
    let mut pending = Vec::new();
    for _ in 0..n {
        let request =
            app.client.post(format!("{}/api/v1/tickets", app.address)).bearer_auth(token).json(&incident(service));
        pending.push(request.send());
        if pending.len() == 16 {
            for response in futures_join(std::mem::take(&mut pending)).await {
                assert_eq!(response.status(), 201);
            }
        }
    }
    for response in futures_join(pending).await {
        assert_eq!(response.status(), 201);
    }
}

async fn futures_join<F: std::future::Future<Output = reqwest::Result<reqwest::Response>>>(
    futures: Vec<F>,
) -> Vec<reqwest::Response> {
    let mut out = Vec::new();
    for f in futures {
        out.push(f.await.expect("request sent"));
    }
    out
}

fn by_id(records: &[Value], key: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for record in records {
        *counts.entry(record[key].as_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    counts
}

async fn two_dispatchers_share_the_outbox_and_send_each_notice_once(backend: Backend) {
    let (Some(smtp), Some(hook)) = (Receiver::start(ReceiverKind::Smtp), Receiver::start(ReceiverKind::Webhook)) else {
        return;
    };
    let port = smtp.port();
    let Some(app) = spawn_app_with(backend, move |s| {
        smtp_settings(s, port);
        s.notices.batch = 40;
    })
    .await
    else {
        return;
    };
    let org = app.org().await;
    let created = app
        .post(
            "/api/v1/webhooks",
            Some(&org.admin.token),
            json!({ "url": format!("http://127.0.0.1:{}/h", hook.port()), "events": ["ticket.created"] }),
        )
        .await;
    hook.control("secrets", created.body["secret"].as_str().unwrap());
    file_many(&app, &org.reporter_a.token, org.service, 200).await;

    // A second instance: its own pool and dispatcher on the same database.
    let other_db = Db::connect(&DbUrl::parse(&app.settings.database.url).unwrap(), 4).unwrap();
    let other = Arc::new(
        Notifier::new(&app.settings.notices, app.settings.changes.policy(), app.settings.data.dir.as_path()).unwrap(),
    );
    let now = spbe_desk::clock::Clock::now(&app.clock);
    let drain = |db: Db, notifier: Arc<Notifier>| async move {
        let mut sent = 0;
        loop {
            let report = dispatch::run_once(&db, &notifier, now).await.unwrap();
            if report.is_empty() {
                return sent;
            }
            assert_eq!(report.retried + report.dead, 0, "{report:?}");
            sent += report.sent;
        }
    };
    let (a, b) = tokio::join!(
        tokio::spawn(drain(app.db.clone(), Arc::clone(&app.notifier))),
        tokio::spawn(drain(other_db, other))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a + b, 600, "both took part: {a} + {b}");
    assert!(a > 0 && b > 0, "both dispatchers sent some: {a} + {b}");
    let messages = smtp.wait_for(400, Duration::from_secs(20)).await;
    let deliveries = hook.wait_for(200, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!((smtp.received().len(), by_id(&messages, "message_id").len()), (400, 400));
    assert_eq!((hook.received().len(), by_id(&deliveries, "webhook_id").len()), (200, 200));
    assert!(deliveries.iter().all(|d| d["verified"] == true));
}

/// The binary, serving and dispatching on the test app's database.
fn serve(app: &TestApp, data: &std::path::Path, smtp_port: u16, http_port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_spbe-desk"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("APP_ENV")
        .env("APP__DATABASE__URL", &app.settings.database.url)
        .env("APP__DATA__DIR", data)
        .env("APP__SERVER__LISTEN", format!("127.0.0.1:{http_port}"))
        .env("APP__LOG__LEVEL", "warn")
        .env("APP__SLA__SWEEP_INTERVAL_SECONDS", "0")
        .env("APP__NOTICES__DISPATCH_INTERVAL_SECONDS", "1")
        .env("APP__NOTICES__LEASE_SECONDS", "3")
        .env("APP__NOTICES__BATCH", "20")
        .env("APP__NOTICES__MAIL__TRANSPORT", "smtp")
        .env("APP__NOTICES__MAIL__SMTP_HOST", "127.0.0.1")
        .env("APP__NOTICES__MAIL__SMTP_PORT", smtp_port.to_string())
        .env("APP__NOTICES__MAIL__SMTP_SECURITY", "none")
        .env("APP__NOTICES__MAIL__FROM", "Layanan SPBE <servicedesk@desk.go.id>")
        .stdout(Stdio::null())
        .spawn()
        .expect("start spbe-desk")
}

async fn a_dispatcher_killed_mid_dispatch_loses_nothing_and_resends_under_the_same_id(backend: Backend) {
    let Some(smtp) = Receiver::start(ReceiverKind::Smtp) else { return };
    let Some(app) = spawn_app_with(backend, |_| {}).await else { return };
    let org = app.org().await;
    file_many(&app, &org.reporter_a.token, org.service, 100).await;
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();

    let mut first = serve(&app, data.path(), smtp.port(), port);
    let started = Instant::now();
    while smtp.received().len() < 10 && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Command::new("kill").args(["-KILL", &first.id().to_string()]).status().unwrap();
    first.wait().unwrap();
    let at_kill = smtp.received().len();
    assert!((10..200).contains(&at_kill), "killed mid-dispatch: {at_kill} of 200 sent");

    let mut second = serve(&app, data.path(), smtp.port(), port);
    let messages = smtp.wait_for(200, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    Command::new("kill").args(["-TERM", &second.id().to_string()]).status().unwrap();
    second.wait().unwrap();
    let messages = if messages.len() < smtp.received().len() { smtp.received() } else { messages };
    let ids: HashSet<String> = by_id(&messages, "message_id").into_keys().collect();
    assert_eq!(ids.len(), 200, "every notice arrived ({} mails)", messages.len());
    assert_eq!(app.count("notices WHERE status <> 'sent'"), 0);
    // At most the chunk in flight at the kill (4 per pooled connection) went
    // twice, each time under the same Message-ID.
    let chunk = 4 * app.settings.notices.mail.smtp_pool_size as usize;
    assert!(messages.len() - 200 <= chunk, "{} resends", messages.len() - 200);
}

on_both_backends!(
    two_dispatchers_share_the_outbox_and_send_each_notice_once,
    a_dispatcher_killed_mid_dispatch_loses_nothing_and_resends_under_the_same_id,
);
