//! Who is told of what, and when: SLA alerts and auto-escalations to
//! supervision (breaches whatever the opt-outs), and mails held for the
//! recipient's working hours unless critical. Checked in the outbox, with
//! the default `.eml` file transport.

use serde_json::json;
use spbe_desk::db::notices::outbox::{self, Notice, NoticeFilter};

use crate::on_both_backends;
use crate::sla_clocks::{act, incident_at, setup, wita};
use crate::support::{spawn_app, Backend, TestApp};

fn mails(app: &TestApp) -> Vec<Notice> {
    let mut conn = app.db.conn().unwrap();
    outbox::list(&mut conn, &NoticeFilter { limit: 500, ..NoticeFilter::default() }).unwrap()
}

fn told(app: &TestApp, recipient: &str, template: &str) -> usize {
    mails(app).iter().filter(|n| n.recipient == recipient && n.template.as_deref() == Some(template)).count()
}

async fn sla_alerts_reach_supervision_and_breaches_cannot_be_turned_off(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, true).await;
    let head = json!({ "head_name": "Ir. Siti Rahma", "head_email": "kepala.bappeda@desk.go.id" });
    let set = app.patch(&format!("/api/v1/units/{}", org.pd_a), Some(&org.admin.token), head, None).await;
    assert_eq!(set.status, 200, "{}", set.text);
    let bad = json!({ "head_email": "not-an-address" });
    app.patch(&format!("/api/v1/units/{}", org.pd_a), Some(&org.admin.token), bad, None).await.assert_problem(422);
    let prefs = app
        .send(
            app.client
                .put(format!("{}/api/v1/me/notice-preferences", app.address))
                .bearer_auth(&org.supervisor.token)
                .json(&json!({ "opted_out": ["ticket.sla_warning"] })),
        )
        .await;
    assert_eq!(prefs.status, 200, "{}", prefs.text);

    // High: respond by 10:30 (warning 10:22:30), resolve by 15:00.
    let id = incident_at(&app, &org, wita(2026, 8, 6, 10, 0), "medium", "high").await;
    app.clock.set(wita(2026, 8, 6, 10, 40));
    act(&app, &id, "start", &org.tier1_a.token, json!({})).await;
    app.clock.set(wita(2026, 8, 6, 15, 1));
    let swept = app.sweep().await;
    assert_eq!(swept.escalations, 1, "{swept:?}");
    app.dispatch().await;

    let (supervisor, head) = (org.supervisor.email.as_str(), "kepala.bappeda@desk.go.id");
    assert_eq!(told(&app, supervisor, "sla_warning"), 0, "the supervisor turned warnings off");
    let (warnings, breaches) = (
        app.count("ticket_events WHERE kind = 'sla_warning'") as usize,
        app.count("ticket_events WHERE kind = 'sla_breached'") as usize,
    );
    assert!(warnings >= 1 && breaches == 2, "{warnings} warnings, {breaches} breaches");
    assert_eq!(told(&app, head, "sla_warning"), warnings, "one mail per warning");
    assert_eq!(told(&app, supervisor, "sla_breached"), 2, "breaches go out whatever the opt-outs");
    assert_eq!(told(&app, head, "sla_breached"), 2);
    assert_eq!(told(&app, supervisor, "ticket_auto_escalated"), 1);
    assert_eq!(told(&app, head, "ticket_auto_escalated"), 1);
    assert_eq!(told(&app, "diskominfo@desk.go.id", "ticket_escalated"), 1);
    let breach = mails(&app).into_iter().find(|n| n.template.as_deref() == Some("sla_breached")).unwrap();
    assert!(breach.critical);
    assert!(breach.body_text.starts_with("Yth. "), "{}", breach.body_text);
    assert!(breach.body_text.contains("pukul"), "{}", breach.body_text);
    // Written as files by the default transport, named by the notice.
    let eml = app.settings.data.dir.join("mail").join(format!("{}.eml", breach.id));
    let file = std::fs::read_to_string(&eml).unwrap();
    assert!(file.contains(&format!("Message-ID: <{}@", breach.id)), "{file}");
}

async fn mails_wait_for_working_hours_unless_they_are_critical(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    // Saturday 8 August 2026, 10:00 WITA: the desks open Monday 07:30.
    let saturday = wita(2026, 8, 8, 10, 0);
    let routine = incident_at(&app, &org, saturday, "medium", "medium").await;
    let critical = incident_at(&app, &org, saturday, "high", "high").await;
    app.dispatch().await;
    let all = mails(&app);
    let of = |ticket: &str| -> Vec<&Notice> {
        all.iter().filter(|n| n.ticket_id.map(|t| t.to_string()) == Some(ticket.to_owned())).collect()
    };
    assert_eq!(of(&routine).len(), 2);
    assert!(
        of(&routine).iter().all(|n| !n.critical && n.next_attempt_at == wita(2026, 8, 10, 7, 30)),
        "{:#?}",
        of(&routine)
    );
    assert!(of(&routine).iter().all(|n| n.attempts == 0), "nothing is sent on Saturday");
    assert_eq!(of(&critical).len(), 2);
    assert!(of(&critical).iter().all(|n| n.critical && n.attempts == 1 && n.sent_at.is_some()), "{:#?}", of(&critical));
    // On Monday morning the routine ones go.
    app.clock.set(wita(2026, 8, 10, 7, 31));
    assert_eq!(app.dispatch().await.sent, 2);
}

on_both_backends!(
    sla_alerts_reach_supervision_and_breaches_cannot_be_turned_off,
    mails_wait_for_working_hours_unless_they_are_critical,
);
