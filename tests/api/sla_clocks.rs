//! SLA clocks on tickets: the worked examples of the SLA issue, pauses,
//! the tier-2 clock, priority changes, and the logged recompute.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{Backend, Org, TestApp};
use crate::tickets::file;

/// WITA local time as an instant.
pub fn wita(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Makassar.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

pub fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The Perpres 21/2023 week in WITA with Independence Day and Ramadan hours.
pub fn calendar() -> Value {
    let mon_thu = json!([{ "start": "07:30", "end": "12:00" }, { "start": "13:00", "end": "16:00" }]);
    let fri = json!([{ "start": "07:30", "end": "11:30" }, { "start": "13:00", "end": "16:30" }]);
    let r_mon_thu = json!([{ "start": "08:00", "end": "12:00" }, { "start": "12:30", "end": "15:00" }]);
    let r_fri = json!([{ "start": "08:00", "end": "11:30" }, { "start": "12:30", "end": "15:30" }]);
    json!({
        "name": "Perpres 21/2023 WITA",
        "time_zone": "Asia/Makassar",
        "week": { "monday": mon_thu, "tuesday": mon_thu, "wednesday": mon_thu, "thursday": mon_thu, "friday": fri },
        "special_schedules": [{
            "name": "Ramadan 1447 H", "from": "2026-02-18", "to": "2026-03-19",
            "week": { "monday": r_mon_thu, "tuesday": r_mon_thu, "wednesday": r_mon_thu, "thursday": r_mon_thu, "friday": r_fri }
        }]
    })
}

fn minutes(n: u32) -> Value {
    json!({ "unit": "business_minutes", "value": n })
}

/// Targets of the scenarios: P2 (high) resolves in 240 business minutes;
/// medium tickets get "2×24 jam" at tier 2; critical 24 calendar hours.
pub fn policy(auto_escalate: bool) -> Value {
    let days = |n: u32| json!({ "unit": "business_days", "value": n });
    let hours = |n: u32| json!({ "unit": "calendar_hours", "value": n });
    json!({
        "name": "SLA uji",
        "is_default": true,
        "warning_percent": 75,
        "auto_escalate": auto_escalate,
        "pausing_reasons": ["waiting_for_reporter"],
        "targets": {
            "critical": { "response": minutes(15), "resolution": minutes(120), "tier2_resolution": hours(24) },
            "high": { "response": minutes(30), "resolution": minutes(240), "tier2_resolution": days(1) },
            "medium": { "response": minutes(60), "resolution": days(3), "tier2_resolution": hours(48) },
            "low": { "response": minutes(120), "resolution": days(5), "tier2_resolution": days(5) },
        }
    })
}

/// Puts every unit of the fixture on the WITA calendar and makes the test
/// policy the default; returns the calendar's id.
pub async fn setup(app: &TestApp, org: &Org, auto_escalate: bool) -> String {
    let admin = org.admin.token.as_str();
    let cal = app.post("/api/v1/calendars", Some(admin), calendar()).await;
    assert_eq!(cal.status, 201, "{}", cal.text);
    let id = cal.body["id"].as_str().unwrap().to_owned();
    let holiday = json!([{ "date": "2026-08-17", "kind": "national_holiday", "name": "Hari Kemerdekaan RI" }]);
    let imported = app.post(&format!("/api/v1/calendars/{id}/holidays"), Some(admin), holiday).await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    let created = app.post("/api/v1/sla-policies", Some(admin), policy(auto_escalate)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    for unit in [org.dinas, org.pd_a, org.pd_b] {
        let set = app.patch(&format!("/api/v1/units/{unit}"), Some(admin), json!({ "calendar_id": id }), None).await;
        assert_eq!(set.status, 200, "{}", set.text);
    }
    id
}

/// An incident of `impact` × `urgency` filed by reporter A at `when`.
pub async fn incident_at(app: &TestApp, org: &Org, when: DateTime<Utc>, impact: &str, urgency: &str) -> String {
    app.clock.set(when);
    let body = json!({
        "type": "incident", "title": "Jaringan kantor putus", "description": "Tidak ada koneksi sejak pagi.",
        "service_id": org.service, "impact": impact, "urgency": urgency,
    });
    file(app, &org.reporter_a.token, body).await["id"].as_str().unwrap().to_owned()
}

pub async fn act(app: &TestApp, id: &str, action: &str, token: &str, body: Value) -> Value {
    let r = app.post(&format!("/api/v1/tickets/{id}/{action}"), Some(token), body).await;
    assert_eq!(r.status, 200, "{action}: {}", r.text);
    r.body
}

pub async fn sla(app: &TestApp, id: &str, token: &str) -> Value {
    let r = app.get(&format!("/api/v1/tickets/{id}/sla"), Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

pub fn clock<'a>(sla: &'a Value, kind: &str) -> &'a Value {
    sla["clocks"].as_array().unwrap().iter().find(|c| c["kind"] == kind).unwrap_or(&Value::Null)
}

async fn a_p2_incident_filed_friday_1550_wita_before_the_holiday_is_due_tuesday_1050(backend: Backend) {
    let Some(app) = crate::support::spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    let id = incident_at(&app, &org, wita(2026, 8, 14, 15, 50), "medium", "high").await;
    let view = sla(&app, &id, &org.tier1_a.token).await;
    let resolution = clock(&view, "resolution");
    assert_eq!(resolution["due_at"], at(wita(2026, 8, 18, 10, 50)), "{view}");
    assert_eq!(resolution["target"], json!({ "unit": "business_minutes", "value": 240 }));
    assert_eq!(resolution["holidays_skipped"][0]["date"], "2026-08-17");
    assert_eq!(resolution["calendar"]["version"], 2);
    assert_eq!(resolution["standing"], "running");
    assert!(resolution["explanation"].as_str().unwrap().contains("Due Tue 18 Aug 2026 10:50 WITA"), "{view}");
    let response = clock(&view, "response");
    assert_eq!(response["due_at"], at(wita(2026, 8, 14, 16, 20)));

    // The queue shows the earliest due instant and sorts and filters on it.
    let ticket = app.get(&format!("/api/v1/tickets/{id}"), Some(&org.tier1_a.token)).await;
    assert_eq!(ticket.body["sla_due_at"], at(wita(2026, 8, 14, 16, 20)));
    let other = incident_at(&app, &org, wita(2026, 8, 14, 16, 0), "low", "low").await;
    let due = app.get("/api/v1/tickets?sort=due", Some(&org.supervisor.token)).await;
    let order: Vec<&str> = due.body["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(order, [id.as_str(), other.as_str()]);
    let soon = app.get("/api/v1/tickets?due_before=2026-08-14T08:30:00Z", Some(&org.supervisor.token)).await;
    assert_eq!(soon.body["items"].as_array().unwrap().len(), 1, "{}", soon.text);
    // Started at 16:10: the response is met, the resolution still runs.
    app.clock.set(wita(2026, 8, 14, 16, 10));
    act(&app, &id, "start", &org.tier1_a.token, json!({})).await;
    let view = sla(&app, &id, &org.reporter_a.token).await;
    assert_eq!(clock(&view, "response")["standing"], "met");
    assert_eq!(clock(&view, "response")["elapsed_seconds"], 20 * 60);
    assert_eq!(clock(&view, "response")["remaining_seconds"], 10 * 60);
}

async fn a_pause_over_the_weekend_shifts_the_due_time_by_the_working_time_paused(backend: Backend) {
    let Some(app) = crate::support::spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    let t1 = org.tier1_a.token.as_str();
    // Thursday 6 Aug 10:00 + 240 business minutes -> 15:00 the same day.
    let id = incident_at(&app, &org, wita(2026, 8, 6, 10, 0), "medium", "high").await;
    assert_eq!(clock(&sla(&app, &id, t1).await, "resolution")["due_at"], at(wita(2026, 8, 6, 15, 0)));
    app.clock.set(wita(2026, 8, 6, 10, 5));
    act(&app, &id, "start", t1, json!({})).await;
    app.clock.set(wita(2026, 8, 6, 11, 0));
    let pending = act(&app, &id, "pending", t1, json!({ "reason": "waiting_for_reporter" })).await;
    assert_eq!(pending["sla_due_at"], Value::Null, "a paused clock has no due time");
    let paused = sla(&app, &id, t1).await;
    assert_eq!(clock(&paused, "resolution")["standing"], "paused");
    assert_eq!(clock(&paused, "resolution")["due_at"], Value::Null);
    // Nothing falls due over the weekend while paused.
    app.clock.set(wita(2026, 8, 8, 12, 0));
    assert!(app.sweep().await.steps.is_empty());
    app.clock.set(wita(2026, 8, 10, 8, 30));
    act(&app, &id, "resume", t1, json!({})).await;
    let resumed = sla(&app, &id, t1).await;
    let resolution = clock(&resumed, "resolution");
    // 60 minutes ran before the pause; 180 left from Monday 08:30 -> 11:30.
    assert_eq!(resolution["due_at"], at(wita(2026, 8, 10, 11, 30)), "{resumed}");
    assert_eq!(resolution["pauses"][0]["cause"], "pending");
    assert_eq!(resolution["pauses"][0]["reason"], "waiting_for_reporter");
    assert_eq!(resolution["pauses"][0]["clock_seconds"], (60 + 180 + 240 + 210 + 60) * 60);
    assert_eq!(resolution["elapsed_seconds"], 60 * 60);

    // Waiting for a vendor is not a pausing reason in this policy.
    app.clock.set(wita(2026, 8, 10, 9, 0));
    let vendor = act(&app, &id, "pending", t1, json!({ "reason": "waiting_for_vendor" })).await;
    assert_eq!(vendor["sla_due_at"], at(wita(2026, 8, 10, 11, 30)));
}

async fn an_escalation_starts_the_tier2_clock_and_a_return_pauses_it(backend: Backend) {
    let Some(app) = crate::support::spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    let t1 = org.tier1_a.token.as_str();
    let id = incident_at(&app, &org, wita(2026, 8, 6, 10, 0), "medium", "high").await;
    app.clock.set(wita(2026, 8, 6, 11, 0));
    let escalation = json!({ "reason": "Perlu akses server pusat", "steps_taken": "Restart layanan" });
    act(&app, &id, "escalate", t1, escalation.clone()).await;
    let view = sla(&app, &id, &org.tier2.token).await;
    let tier2 = clock(&view, "tier2_resolution");
    assert_eq!(tier2["started_at"], at(wita(2026, 8, 6, 11, 0)));
    // One working day: Friday 7 Aug at 11:00.
    assert_eq!(tier2["due_at"], at(wita(2026, 8, 7, 11, 0)), "{view}");
    // Returned for an hour of working time, then escalated again.
    app.clock.set(wita(2026, 8, 6, 14, 0));
    act(&app, &id, "return", &org.tier2.token, json!({ "instructions": "Cek kabel" })).await;
    assert_eq!(clock(&sla(&app, &id, t1).await, "tier2_resolution")["standing"], "paused");
    app.clock.set(wita(2026, 8, 6, 15, 0));
    act(&app, &id, "escalate", t1, escalation).await;
    let tier2 = clock(&sla(&app, &id, t1).await, "tier2_resolution").clone();
    assert_eq!(tier2["pauses"][0]["cause"], "returned");
    assert_eq!(tier2["due_at"], at(wita(2026, 8, 7, 13, 30)), "11:00 plus the hour returned, over the lunch break");
    // Resolving at tier 2 meets it; nobody started the ticket at tier 1 and
    // its resolution target passed on Thursday: both breached, recorded now.
    app.clock.set(wita(2026, 8, 7, 9, 0));
    let resolved = act(
        &app,
        &id,
        "resolve",
        &org.tier2.token,
        json!({ "resolution_code": "solved", "resolution": "Switch diganti" }),
    )
    .await;
    assert_eq!(resolved["sla_breached"], json!(["response", "resolution"]), "{resolved}");
    let view = sla(&app, &id, t1).await;
    assert_eq!(clock(&view, "tier2_resolution")["standing"], "met");
    assert_eq!(clock(&view, "resolution")["standing"], "breached");
    // Lowering the priority afterwards does not wipe out what was breached.
    let lowered = app
        .patch(&format!("/api/v1/tickets/{id}"), Some(&org.supervisor.token), json!({ "impact": "low" }), None)
        .await;
    assert_eq!(lowered.body["priority"], "medium", "{}", lowered.text);
    assert_eq!(lowered.body["sla_breached"], json!(["response", "resolution"]));
    assert_eq!(clock(&sla(&app, &id, t1).await, "resolution")["target"]["value"], 240);
}

async fn a_ticket_opened_in_ramadan_runs_on_ramadan_hours(backend: Backend) {
    let Some(app) = crate::support::spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    // Monday 2 Mar 2026 14:00: an hour left of the Ramadan day (until 15:00),
    // then 180 minutes from Tuesday 08:00.
    let id = incident_at(&app, &org, wita(2026, 3, 2, 14, 0), "medium", "high").await;
    let resolution = clock(&sla(&app, &id, &org.tier1_a.token).await, "resolution").clone();
    assert_eq!(resolution["due_at"], at(wita(2026, 3, 3, 11, 0)));
    // The explanation names the special hours it applied, as it names holidays.
    let words = resolution["explanation"].as_str().unwrap_or_default();
    assert!(words.contains("Special hours applied: Ramadan 1447 H (2026-02-18 to 2026-03-19)"), "{resolution}");
}

async fn a_two_times_24_hours_target_runs_through_the_weekend_and_the_holiday(backend: Backend) {
    let Some(app) = crate::support::spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    let id = incident_at(&app, &org, wita(2026, 8, 14, 15, 0), "medium", "medium").await;
    app.clock.set(wita(2026, 8, 14, 15, 50));
    let escalation = json!({ "reason": "Server pusat", "steps_taken": "Cek jaringan" });
    act(&app, &id, "escalate", &org.tier1_a.token, escalation).await;
    let tier2 = clock(&sla(&app, &id, &org.tier2.token).await, "tier2_resolution").clone();
    assert_eq!(tier2["target"], json!({ "unit": "calendar_hours", "value": 48 }));
    assert_eq!(tier2["due_at"], at(wita(2026, 8, 16, 15, 50)), "Sunday, 48 hours later");
    assert_eq!(tier2["holidays_skipped"], json!([]));
}

async fn a_public_reply_from_the_desk_meets_the_response_but_an_internal_note_does_not(backend: Backend) {
    let Some(app) = crate::support::spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    let id = incident_at(&app, &org, wita(2026, 8, 6, 10, 0), "medium", "high").await;
    let comments = format!("/api/v1/tickets/{id}/comments");
    app.clock.set(wita(2026, 8, 6, 10, 5));
    let note = json!({ "body": "Cek log dulu", "internal": true });
    assert_eq!(app.post(&comments, Some(&org.tier1_a.token), note).await.status, 201);
    let own = json!({ "body": "Masih belum bisa" });
    assert_eq!(app.post(&comments, Some(&org.reporter_a.token), own).await.status, 201);
    assert_eq!(clock(&sla(&app, &id, &org.tier1_a.token).await, "response")["standing"], "running");
    app.clock.set(wita(2026, 8, 6, 10, 12));
    let reply = json!({ "body": "Kami sedang memeriksa, mohon tunggu." });
    assert_eq!(app.post(&comments, Some(&org.tier1_a.token), reply).await.status, 201);
    let response = clock(&sla(&app, &id, &org.reporter_a.token).await, "response").clone();
    assert_eq!(
        (response["standing"].as_str(), response["stopped_at"].as_str()),
        (Some("met"), Some(at(wita(2026, 8, 6, 10, 12)).as_str()))
    );
}

async fn a_priority_change_recomputes_the_clocks_from_their_start(backend: Backend) {
    let Some(app) = crate::support::spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    let id = incident_at(&app, &org, wita(2026, 8, 6, 10, 0), "medium", "high").await;
    app.clock.set(wita(2026, 8, 6, 10, 20));
    let patched =
        app.patch(&format!("/api/v1/tickets/{id}"), Some(&org.tier1_a.token), json!({ "impact": "high" }), None).await;
    assert_eq!(patched.body["priority"], "critical", "{}", patched.text);
    let view = sla(&app, &id, &org.tier1_a.token).await;
    // Critical: respond in 15 minutes from the 10:00 start, resolve in 120.
    assert_eq!(clock(&view, "response")["due_at"], at(wita(2026, 8, 6, 10, 15)));
    assert_eq!(clock(&view, "resolution")["due_at"], at(wita(2026, 8, 6, 12, 0)));
    // The response is already overdue: the next sweep records its breach.
    let swept = app.sweep().await;
    assert_eq!((swept.warnings, swept.breaches), (1, 1), "{swept:?}");
    assert_eq!(clock(&sla(&app, &id, &org.tier1_a.token).await, "response")["standing"], "breached");
}

async fn a_calendar_edit_leaves_running_clocks_until_a_logged_recompute(backend: Backend) {
    let Some(app) = crate::support::spawn_app(backend).await else { return };
    let org = app.org().await;
    let calendar = setup(&app, &org, false).await;
    let id = incident_at(&app, &org, wita(2026, 8, 6, 10, 0), "medium", "high").await;
    // The region declares the day itself a local holiday, after the fact.
    let local = json!([{ "date": "2026-08-06", "kind": "local", "name": "HUT Kabupaten" }]);
    let added = app.post(&format!("/api/v1/calendars/{calendar}/holidays"), Some(&org.admin.token), local).await;
    assert_eq!(added.status, 200, "{}", added.text);
    let view = sla(&app, &id, &org.tier1_a.token).await;
    assert_eq!(clock(&view, "resolution")["due_at"], at(wita(2026, 8, 6, 15, 0)), "not silently rewritten");
    assert_eq!(clock(&view, "resolution")["calendar"]["version"], 2);

    let path = format!("/api/v1/tickets/{id}/sla/recompute");
    let reason = json!({ "reason": "Libur daerah ditetapkan mendadak" });
    app.post(&path, Some(&org.tier1_a.token), reason.clone()).await.assert_problem(403);
    app.post(&path, Some(&org.supervisor.token), json!({ "reason": "" })).await.assert_problem(422);
    let events = app.count("ticket_events");
    app.clock.set(wita(2026, 8, 6, 10, 30));
    let recomputed = app.post(&path, Some(&org.supervisor.token), reason).await;
    assert_eq!(recomputed.status, 200, "{}", recomputed.text);
    assert_eq!(app.count("ticket_events"), events + 1);
    let view = sla(&app, &id, &org.tier1_a.token).await;
    let resolution = clock(&view, "resolution");
    assert_eq!(resolution["calendar"]["version"], 3);
    // Thursday is now a holiday: 240 minutes from Friday 07:30 -> 11:30.
    assert_eq!(resolution["due_at"], at(wita(2026, 8, 7, 11, 30)), "{view}");
    let timeline = app.get(&format!("/api/v1/tickets/{id}/events"), Some(&org.supervisor.token)).await;
    let last = timeline.body["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "sla_recomputed");
    assert_eq!(last["data"]["before"][1]["due_at"], at(wita(2026, 8, 6, 15, 0)));
    let hidden = app.get(&format!("/api/v1/tickets/{id}/events"), Some(&org.reporter_a.token)).await;
    assert!(hidden.body["items"].as_array().unwrap().iter().all(|e| e["kind"] != "sla_recomputed"));

    // The calendar cannot go while units use it; once free, its versions stay.
    let delete = format!("/api/v1/calendars/{calendar}");
    app.send(app.client.delete(format!("{}{delete}", app.address)).bearer_auth(&org.admin.token))
        .await
        .assert_problem(409);
    for unit in [org.dinas, org.pd_a, org.pd_b] {
        app.patch(&format!("/api/v1/units/{unit}"), Some(&org.admin.token), json!({ "calendar_id": null }), None).await;
    }
    let gone = app.send(app.client.delete(format!("{}{delete}", app.address)).bearer_auth(&org.admin.token)).await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    let still = sla(&app, &id, &org.tier1_a.token).await;
    assert_eq!(clock(&still, "resolution")["calendar"]["name"], "Perpres 21/2023 WITA");
}

async fn tickets_without_a_calendar_carry_no_clocks_and_say_why(backend: Backend) {
    let Some(app) = crate::support::spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = incident_at(&app, &org, wita(2026, 8, 6, 10, 0), "medium", "high").await;
    let view = sla(&app, &id, &org.tier1_a.token).await;
    assert_eq!(view["clocks"], json!([]));
    assert!(view["note"].as_str().unwrap().contains("calendar"));
    app.get(&format!("/api/v1/tickets/{id}/sla"), Some(&org.reporter_b.token)).await.assert_problem(404);
    let path = format!("/api/v1/tickets/{id}/sla/recompute");
    app.post(&path, Some(&org.supervisor.token), json!({ "reason": "x" })).await.assert_problem(409);
    // A calendar without any working hours could never time a clock.
    let mut idle = crate::sla_clocks::calendar();
    idle["week"] = json!({});
    let refused = app.post("/api/v1/calendars", Some(&org.admin.token), idle).await;
    refused.assert_problem(422);
    assert_eq!(refused.body["errors"][0]["field"], "week");
}

async fn a_service_with_its_own_calendar_and_policy_overrides_the_units(backend: Backend) {
    let Some(app) = crate::support::spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    round_the_clock(&app, &org.admin.token, org.service).await;
    // Saturday 15 Aug 10:00 WITA: no working hours on the unit's calendar,
    // but the service runs around the clock.
    let id = incident_at(&app, &org, wita(2026, 8, 15, 10, 0), "medium", "high").await;
    let resolution = clock(&sla(&app, &id, &org.tier1_a.token).await, "resolution").clone();
    assert_eq!(resolution["calendar"]["name"], "24x7");
    assert_eq!(resolution["policy"]["name"], "Pusat data 24 jam");
    assert_eq!(resolution["due_at"], at(wita(2026, 8, 15, 12, 0)));
}

/// Gives `service` a round-the-clock calendar and a policy resolving high
/// tickets in 120 minutes.
pub async fn round_the_clock(app: &TestApp, admin: &str, service: uuid::Uuid) {
    let day = json!([{ "start": "00:00", "end": "24:00" }]);
    let always = json!({ "name": "24x7", "time_zone": "UTC", "week": {
        "monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day, "saturday": day, "sunday": day } });
    let calendar = app.post("/api/v1/calendars", Some(admin), always).await;
    assert_eq!(calendar.status, 201, "{}", calendar.text);
    let mut own = policy(false);
    own["name"] = json!("Pusat data 24 jam");
    own["is_default"] = json!(false);
    own["targets"]["high"]["resolution"] = minutes(120);
    let created = app.post("/api/v1/sla-policies", Some(admin), own).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let choice = json!({ "calendar_id": calendar.body["id"], "sla_policy_id": created.body["id"] });
    let set = app.patch(&format!("/api/v1/services/{service}"), Some(admin), choice, None).await;
    assert_eq!(set.status, 200, "{}", set.text);
}

on_both_backends!(
    a_service_with_its_own_calendar_and_policy_overrides_the_units,
    a_p2_incident_filed_friday_1550_wita_before_the_holiday_is_due_tuesday_1050,
    a_pause_over_the_weekend_shifts_the_due_time_by_the_working_time_paused,
    an_escalation_starts_the_tier2_clock_and_a_return_pauses_it,
    a_ticket_opened_in_ramadan_runs_on_ramadan_hours,
    a_two_times_24_hours_target_runs_through_the_weekend_and_the_holiday,
    a_public_reply_from_the_desk_meets_the_response_but_an_internal_note_does_not,
    a_priority_change_recomputes_the_clocks_from_their_start,
    a_calendar_edit_leaves_running_clocks_until_a_logged_recompute,
    tickets_without_a_calendar_carry_no_clocks_and_say_why,
);
