//! The SLA sweeper, driven by the test clock: each warning and breach once,
//! warnings only in working time unless critical, auto-escalation, catching
//! up after downtime in order, and two sweepers at once.

use serde_json::json;
use spbe_desk::db::sla_sweep::{SweepReport, Swept};
use spbe_desk::domain::sla::alerts::Alert;
use spbe_desk::domain::sla::clock::ClockKind;

use crate::on_both_backends;
use crate::sla_clocks::{act, clock, incident_at, setup, sla, wita};
use crate::support::{spawn_app, Backend, TestApp};

fn steps_of<'a>(report: &'a SweepReport, ticket: &str, kind: ClockKind) -> Vec<&'a Swept> {
    report.steps.iter().filter(|s| s.ticket_id.to_string() == ticket && s.clock == Some(kind)).collect()
}

fn alerts(steps: &[&Swept]) -> Vec<Alert> {
    steps.iter().filter_map(|s| s.alert).collect()
}

fn count_events(app: &TestApp, kind: &str) -> i64 {
    app.count(&format!("ticket_events WHERE kind = '{kind}'"))
}

async fn the_sweeper_records_each_warning_and_breach_once_and_auto_escalates(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, true).await;
    // High: respond by 10:30 (warning 10:22:30), resolve by 15:00 (warning 14:00).
    let id = incident_at(&app, &org, wita(2026, 8, 6, 10, 0), "medium", "high").await;
    app.clock.set(wita(2026, 8, 6, 10, 25));
    let first = app.sweep().await;
    assert_eq!((first.warnings, first.breaches), (1, 0), "{first:?}");
    assert!(app.sweep().await.steps.is_empty(), "a warning is recorded once");

    app.clock.set(wita(2026, 8, 6, 10, 31));
    let second = app.sweep().await;
    assert_eq!(alerts(&steps_of(&second, &id, ClockKind::Response)), [Alert::Breach]);
    let breached = app.get("/api/v1/tickets?breached=response", Some(&org.supervisor.token)).await;
    assert_eq!(breached.body["items"][0]["id"], id.as_str(), "{}", breached.text);
    assert_eq!(breached.body["items"][0]["sla_breached"], json!(["response"]));
    let none = app.get("/api/v1/tickets?breached=resolution", Some(&org.supervisor.token)).await;
    assert_eq!(none.body["items"], json!([]));
    app.clock.set(wita(2026, 8, 6, 10, 40));
    act(&app, &id, "start", &org.tier1_a.token, json!({})).await;

    // The resolution target passes at 15:00: warning, breach, then tier 2.
    app.clock.set(wita(2026, 8, 6, 15, 1));
    let third = app.sweep().await;
    assert_eq!(alerts(&steps_of(&third, &id, ClockKind::Resolution)), [Alert::Warning, Alert::Breach]);
    assert_eq!(third.escalations, 1);
    let ticket = app.get(&format!("/api/v1/tickets/{id}"), Some(&org.supervisor.token)).await;
    assert_eq!((ticket.body["tier"].as_i64(), ticket.body["status"].as_str()), (Some(2), Some("new")));
    assert_eq!(ticket.body["sla_breached"], json!(["response", "resolution"]));
    let tier2 = clock(&sla(&app, &id, &org.tier2.token).await, "tier2_resolution").clone();
    assert_eq!(tier2["started_at"], crate::sla_clocks::at(wita(2026, 8, 6, 15, 1)));
    assert!(app.sweep().await.steps.is_empty(), "nothing is recorded twice");
    assert_eq!((count_events(&app, "sla_warning"), count_events(&app, "sla_breached")), (2, 2));
    let timeline = app.get(&format!("/api/v1/tickets/{id}/events"), Some(&org.supervisor.token)).await;
    let escalated =
        timeline.body["items"].as_array().unwrap().iter().find(|e| e["kind"] == "escalated").unwrap().clone();
    assert_eq!(escalated["actor_kind"], "system");
    assert_eq!(app.count("audit_log WHERE action = 'ticket.sla_breached'"), 2);
}

async fn warnings_wait_for_working_hours_unless_the_ticket_is_critical(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    let t1 = org.tier1_a.token.as_str();
    let escalation = json!({ "reason": "Perlu tier 2", "steps_taken": "Restart" });
    let mut ids = Vec::new();
    // Medium: tier 2 has 48 calendar hours (warning at 36 h, Saturday 22:00);
    // critical: 24 calendar hours (warning at 18 h, Saturday 04:00).
    for urgency in ["medium", "high"] {
        let impact = if urgency == "high" { "high" } else { "medium" };
        let id = incident_at(&app, &org, wita(2026, 8, 14, 9, 0), impact, urgency).await;
        app.clock.set(wita(2026, 8, 14, 9, 5));
        act(&app, &id, "start", t1, json!({})).await;
        app.clock.set(wita(2026, 8, 14, 10, 0));
        act(&app, &id, "escalate", t1, escalation.clone()).await;
        ids.push(id);
    }
    let (medium, critical) = (&ids[0], &ids[1]);
    app.clock.set(wita(2026, 8, 15, 5, 0));
    let early = app.sweep().await;
    assert_eq!(alerts(&steps_of(&early, critical, ClockKind::Tier2Resolution)), [Alert::Warning]);
    app.clock.set(wita(2026, 8, 15, 23, 0));
    let night = app.sweep().await;
    assert_eq!(alerts(&steps_of(&night, medium, ClockKind::Tier2Resolution)), [], "held back at night");
    assert_eq!(alerts(&steps_of(&night, critical, ClockKind::Tier2Resolution)), [Alert::Breach]);
    // Due on Sunday 10:00: the breach notice supersedes the warning still held.
    app.clock.set(wita(2026, 8, 16, 10, 30));
    let sunday = app.sweep().await;
    assert_eq!(alerts(&steps_of(&sunday, medium, ClockKind::Tier2Resolution)), [Alert::Breach]);
    app.clock.set(wita(2026, 8, 18, 8, 0));
    assert!(steps_of(&app.sweep().await, medium, ClockKind::Tier2Resolution).is_empty(), "and it is not sent later");
}

async fn after_a_day_of_downtime_the_sweeper_catches_up_every_alert_in_order(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    for hour in [13, 8, 10, 9] {
        incident_at(&app, &org, wita(2026, 8, 6, hour, 0), "medium", "high").await;
    }
    // Nothing swept on Thursday; the sweeper comes back Friday 10:00.
    app.clock.set(wita(2026, 8, 7, 10, 0));
    let caught_up = app.sweep().await;
    assert_eq!((caught_up.warnings, caught_up.breaches), (8, 8), "{caught_up:?}");
    let instants: Vec<_> = caught_up.steps.iter().map(|s| s.fell_due_at.unwrap()).collect();
    assert!(instants.windows(2).all(|w| w[0] <= w[1]), "recorded in the order they fell due: {instants:?}");
    assert_eq!(instants.first(), Some(&(wita(2026, 8, 6, 8, 22) + chrono::Duration::seconds(30))));
    assert_eq!(instants.last(), Some(&wita(2026, 8, 7, 8, 30)), "13:00 + 240 min runs into Friday");
    assert!(app.sweep().await.steps.is_empty());
    assert_eq!((count_events(&app, "sla_warning"), count_events(&app, "sla_breached")), (8, 8));
}

async fn two_sweepers_at_once_record_each_breach_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    for minute in 0..12 {
        incident_at(&app, &org, wita(2026, 8, 6, 10, minute), "medium", "high").await;
    }
    app.clock.set(wita(2026, 8, 7, 10, 0));
    let (a, b) = tokio::join!(app.sweep(), app.sweep());
    assert_eq!(a.breaches + b.breaches, 24, "{a:?} {b:?}");
    assert_eq!(a.warnings + b.warnings, 24);
    let mut seen: Vec<_> = a.steps.iter().chain(&b.steps).map(|s| (s.ticket_id, s.clock, s.alert)).collect();
    seen.sort_by_key(|k| format!("{k:?}"));
    let total = seen.len();
    seen.dedup();
    assert_eq!(seen.len(), total, "no alert recorded by both");
    assert_eq!((count_events(&app, "sla_warning"), count_events(&app, "sla_breached")), (24, 24));
}

async fn a_ticket_that_cannot_be_swept_is_parked_and_the_rest_are_swept(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    let broken = incident_at(&app, &org, wita(2026, 8, 6, 10, 0), "medium", "high").await;
    let sound = incident_at(&app, &org, wita(2026, 8, 6, 10, 1), "medium", "high").await;
    // A clock whose stored pauses cannot be read.
    let key = app.id_literal(broken.parse().unwrap());
    app.execute(&format!("UPDATE sla_clocks SET pauses_json = 'not json' WHERE ticket_id = {key}"));
    app.clock.set(wita(2026, 8, 6, 10, 40));
    let report = app.sweep().await;
    assert_eq!(report.failures, 1, "{report:?}");
    assert_eq!(alerts(&steps_of(&report, &sound, ClockKind::Response)), [Alert::Warning, Alert::Breach]);
    assert!(steps_of(&report, &broken, ClockKind::Response).is_empty());
    assert!(app.sweep().await.steps.is_empty(), "the broken ticket is parked, not retried at once");

    app.execute(&format!("UPDATE sla_clocks SET pauses_json = '[]' WHERE ticket_id = {key}"));
    app.clock.set(wita(2026, 8, 6, 10, 51));
    let retried = app.sweep().await;
    assert_eq!(alerts(&steps_of(&retried, &broken, ClockKind::Response)), [Alert::Warning, Alert::Breach]);
    assert_eq!((count_events(&app, "sla_warning"), count_events(&app, "sla_breached")), (2, 2));
    let verified = app.get("/api/v1/audit/verify", Some(&org.auditor.token)).await;
    assert_eq!(verified.body["intact"], true, "{}", verified.text);
}

on_both_backends!(
    a_ticket_that_cannot_be_swept_is_parked_and_the_rest_are_swept,
    the_sweeper_records_each_warning_and_breach_once_and_auto_escalates,
    warnings_wait_for_working_hours_unless_the_ticket_is_critical,
    after_a_day_of_downtime_the_sweeper_catches_up_every_alert_in_order,
    two_sweepers_at_once_record_each_breach_once,
);
