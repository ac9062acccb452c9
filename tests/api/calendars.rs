//! Working calendars: hours, holidays (JSON and CSV import), special
//! schedules, versions that running clocks can rely on.

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{spawn_app, Backend};

fn perpres_wita() -> Value {
    let mon_thu = json!([{ "start": "07:30", "end": "12:00" }, { "start": "13:00", "end": "16:00" }]);
    let fri = json!([{ "start": "07:30", "end": "11:30" }, { "start": "13:00", "end": "16:30" }]);
    json!({
        "name": "Perpres 21/2023 WITA",
        "time_zone": "Asia/Makassar",
        "week": { "monday": mon_thu, "tuesday": mon_thu, "wednesday": mon_thu, "thursday": mon_thu, "friday": fri },
        "special_schedules": [{
            "name": "Ramadan 1447 H",
            "from": "2026-02-18",
            "to": "2026-03-19",
            "week": { "monday": [{ "start": "08:00", "end": "12:00" }, { "start": "12:30", "end": "15:00" }] }
        }]
    })
}

async fn a_calendar_is_versioned_with_every_change_and_old_versions_stay_readable(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    let created = app.post("/api/v1/calendars", Some(admin), perpres_wita()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["version"], 1);
    assert_eq!(created.body["week"]["friday"][1]["end"], "16:30");
    let id = created.body["id"].as_str().unwrap().to_owned();

    let holidays = json!([
        { "date": "2026-08-17", "kind": "national_holiday", "name": "Hari Kemerdekaan", "source": "SKB 2025" },
        { "date": "2026-12-24", "kind": "collective_leave", "name": "Cuti bersama Natal" },
    ]);
    let imported = app.post(&format!("/api/v1/calendars/{id}/holidays"), Some(admin), holidays).await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(imported.body["version"], 2);
    assert_eq!(imported.body["holidays"].as_array().unwrap().len(), 2);

    let csv = "date,kind,name,source\n2026-01-01,national_holiday,\"Tahun Baru, 2026\",SKB\n2026-08-17,national_holiday,HUT RI ke-81,SKB\n";
    let url = format!("{}/api/v1/calendars/{id}/holidays", app.address);
    let by_csv = app.send(app.client.post(&url).bearer_auth(admin).header("content-type", "text/csv").body(csv)).await;
    assert_eq!(by_csv.status, 200, "{}", by_csv.text);
    let names: Vec<&str> =
        by_csv.body["holidays"].as_array().unwrap().iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Tahun Baru, 2026", "HUT RI ke-81", "Cuti bersama Natal"], "same date replaced, sorted by date");
    assert_eq!(by_csv.body["version"], 3);

    let old = app.get(&format!("/api/v1/calendars/{id}/versions/2"), Some(&org.tier1_a.token)).await;
    assert_eq!(old.status, 200, "{}", old.text);
    assert_eq!(old.body["holidays"][0]["name"], "Hari Kemerdekaan", "version 2 is kept as it was");
    let removed = app.send(app.client.delete(format!("{url}/2026-12-24")).bearer_auth(admin)).await;
    assert_eq!(removed.body["version"], 4);
    let stale = app
        .send(
            app.client
                .put(format!("{}/api/v1/calendars/{id}", app.address))
                .bearer_auth(admin)
                .header("if-match", "\"3\"")
                .json(&perpres_wita()),
        )
        .await;
    stale.assert_problem(412);
}

async fn bad_calendars_are_refused_naming_the_field(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    let mut overlapping = perpres_wita();
    overlapping["week"]["tuesday"] =
        json!([{ "start": "08:00", "end": "12:00" }, { "start": "11:00", "end": "13:00" }]);
    let mut backwards = perpres_wita();
    backwards["week"]["monday"] = json!([{ "start": "16:00", "end": "07:30" }]);
    let mut bad_zone = perpres_wita();
    bad_zone["time_zone"] = json!("Asia/Bandung");
    let mut daylight_saving = perpres_wita();
    daylight_saving["time_zone"] = json!("Europe/Berlin");
    let mut overlapping_specials = perpres_wita();
    let ramadan = overlapping_specials["special_schedules"][0].clone();
    overlapping_specials["special_schedules"] = json!([ramadan.clone(), ramadan]);
    let mut bad_range = perpres_wita();
    bad_range["special_schedules"][0]["to"] = json!("2026-01-01");
    for (body, field) in [
        (overlapping, "week.tuesday"),
        (backwards, "week.monday"),
        (bad_zone, "time_zone"),
        (bad_range, "special_schedules[0].to"),
        (daylight_saving, "time_zone"),
        (overlapping_specials, "special_schedules[1].from"),
    ] {
        let resp = app.post("/api/v1/calendars", Some(admin), body).await;
        resp.assert_problem(422);
        assert_eq!(resp.body["errors"][0]["field"], field, "{}", resp.text);
    }
    let created = app.post("/api/v1/calendars", Some(admin), perpres_wita()).await;
    let id = created.body["id"].as_str().unwrap();
    let bad_date = json!([{ "date": "2026-02-30", "kind": "local", "name": "Hari jadi" }]);
    let resp = app.post(&format!("/api/v1/calendars/{id}/holidays"), Some(admin), bad_date).await;
    assert_eq!(resp.body["errors"][0]["field"], "[0].date", "{}", resp.text);
    let reporter = app.post("/api/v1/calendars", Some(&org.reporter_a.token), perpres_wita()).await;
    reporter.assert_problem(403);
    let duplicate = app.post("/api/v1/calendars", Some(admin), perpres_wita()).await;
    duplicate.assert_problem(409);
    assert_eq!(app.count("calendars"), 1);
    let deleted =
        app.send(app.client.delete(format!("{}/api/v1/calendars/{id}", app.address)).bearer_auth(admin)).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(app.count("calendars"), 0);
}

async fn a_calendar_in_use_cannot_be_deleted_and_units_name_only_existing_ones(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    let id = app.post("/api/v1/calendars", Some(admin), perpres_wita()).await.body["id"].as_str().unwrap().to_owned();
    let unit = format!("/api/v1/units/{}", org.pd_a);
    let unknown = app.patch(&unit, Some(admin), json!({ "calendar_id": uuid::Uuid::now_v7() }), None).await;
    unknown.assert_problem(422);
    assert_eq!(unknown.body["errors"][0]["field"], "calendar_id");
    let chosen = app.patch(&unit, Some(admin), json!({ "calendar_id": id }), None).await;
    assert_eq!(chosen.body["calendar_id"], id.as_str(), "{}", chosen.text);
    let refused =
        app.send(app.client.delete(format!("{}/api/v1/calendars/{id}", app.address)).bearer_auth(admin)).await;
    refused.assert_problem(409);
    assert!(refused.body["detail"].as_str().unwrap().contains("1 unit"), "{}", refused.text);
    let cleared = app.patch(&unit, Some(admin), json!({ "calendar_id": null }), None).await;
    assert!(cleared.body["calendar_id"].is_null(), "{}", cleared.text);
    let deleted =
        app.send(app.client.delete(format!("{}/api/v1/calendars/{id}", app.address)).bearer_auth(admin)).await;
    assert_eq!(deleted.status, 204);
}

async fn the_due_calculator_skips_the_holiday_monday_and_honours_versions(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    let id = app.post("/api/v1/calendars", Some(admin), perpres_wita()).await.body["id"].as_str().unwrap().to_owned();
    let holiday = json!([{ "date": "2026-08-17", "kind": "national_holiday", "name": "Hari Kemerdekaan" }]);
    app.post(&format!("/api/v1/calendars/{id}/holidays"), Some(admin), holiday).await;
    // Friday 14 Aug 2026, 15:50 WITA; a P2 response of 240 business minutes.
    let due = |query: &str| format!("/api/v1/calendars/{id}/due?start=2026-08-14T07:50:00Z&{query}");
    let now = app.get(&due("unit=business_minutes&value=240"), Some(&org.tier1_a.token)).await;
    assert_eq!(now.status, 200, "{}", now.text);
    assert_eq!(now.body["due_at"], "2026-08-18T02:50:00Z", "Tuesday 10:50 WITA");
    assert_eq!(now.body["due_local"], "2026-08-18 10:50:00 WITA");
    assert_eq!(now.body["business_minutes"], 240);
    let before_holiday = app.get(&due("unit=business_minutes&value=240&version=1"), Some(admin)).await;
    assert_eq!(before_holiday.body["due_at"], "2026-08-17T02:50:00Z", "version 1 had no holiday");
    let two_days = app.get(&due("unit=calendar_hours&value=48"), Some(admin)).await;
    assert_eq!(two_days.body["due_at"], "2026-08-16T07:50:00Z", "2×24 jam ignores working time");
    let working_day = app.get(&due("unit=business_days&value=1"), Some(admin)).await;
    assert_eq!(working_day.body["due_local"], "2026-08-18 15:50:00 WITA");
    app.get(&due("unit=jam&value=2"), Some(admin)).await.assert_problem(422);
    app.get(&due("unit=calendar_hours&value=2000000000"), Some(admin)).await.assert_problem(422);
    let far = format!("/api/v1/calendars/{id}/due?start=9999-01-01T00:00:00Z&unit=business_days&value=5");
    app.get(&far, Some(admin)).await.assert_problem(422);
    app.get(&due("unit=business_minutes&value=-1"), Some(admin)).await.assert_problem(400);
}

async fn due_times_are_exact_for_sub_second_starts_and_whatever_the_unit(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    let id = app.post("/api/v1/calendars", Some(admin), perpres_wita()).await.body["id"].as_str().unwrap().to_owned();
    let holiday = json!([{ "date": "2026-08-21", "kind": "local", "name": "Libur daerah" }]);
    app.post(&format!("/api/v1/calendars/{id}/holidays"), Some(admin), holiday).await;
    // Thursday 20 Aug 15:30:00.000001 WITA, Friday a holiday: 30 min on Thursday and
    // 450 on Monday end at Monday's 16:00 close, not on Tuesday.
    let due = |start: &str, query: &str| format!("/api/v1/calendars/{id}/due?start={start}&{query}");
    let thursday = "2026-08-20T07:30:00.000001Z";
    let resp = app.get(&due(thursday, "unit=business_minutes&value=480"), Some(admin)).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["due_local"], "2026-08-24 16:00:00 WITA");
    // From Saturday 10:00, one working day and 450 business minutes end alike: by the end of Monday.
    let saturday = "2026-08-22T02:00:00Z";
    let by_days = app.get(&due(saturday, "unit=business_days&value=1"), Some(admin)).await;
    let by_minutes = app.get(&due(saturday, "unit=business_minutes&value=450"), Some(admin)).await;
    assert_eq!(by_days.body["due_local"], "2026-08-24 16:00:00 WITA", "{}", by_days.text);
    assert_eq!(by_days.body["due_at"], by_minutes.body["due_at"]);
}

on_both_backends!(
    due_times_are_exact_for_sub_second_starts_and_whatever_the_unit,
    the_due_calculator_skips_the_holiday_monday_and_honours_versions,
    a_calendar_in_use_cannot_be_deleted_and_units_name_only_existing_ones,
    a_calendar_is_versioned_with_every_change_and_old_versions_stay_readable,
    bad_calendars_are_refused_naming_the_field,
);
