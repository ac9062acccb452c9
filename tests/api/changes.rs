//! Change management end to end: the regulation's phases with signed
//! approvals, emergency and standard changes, rejection, the Dinas test,
//! voided approvals and tampering, conflicts and freezes, the iCalendar
//! schedule, notices and bad input, on both backends.

use chrono::{Duration, Utc};
use serde_json::{json, Value};
use spbe_desk::clock::Clock;
use spbe_desk::domain::role::Role;

use crate::on_both_backends;
use crate::support::changes::{
    approve, awaiting, board, kinds, normal, ok, person, python, schedule, step, urlencode, window, CHANGES,
};
use crate::support::{spawn_app, Backend, PASSWORD};

async fn a_normal_change_walks_every_phase_with_board_and_owner_approvals(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let id = awaiting(&app, &b, &b.umum).await;
    // The approvers were asked (a notice per approver, through the outbox).
    app.dispatch().await;
    assert!(app.count("notices WHERE event = 'change.approval_requested'") >= 2);
    let after_board = approve(&app, &id, &b.dinas_approver, "board", None).await;
    assert_eq!(after_board["status"], "awaiting_approval", "the owner PD has not decided yet");
    let approved = approve(&app, &id, &b.pd_a_approver, "owner_unit", Some(b.org.pd_a)).await;
    assert_eq!(approved["status"], "approved");
    let verify = app.get(&format!("{CHANGES}/{id}/approvals/verify"), Some(&b.org.auditor.token)).await;
    assert_eq!(verify.body["valid"], true, "{}", verify.text);
    assert_eq!(verify.body["approvals"].as_array().unwrap().len(), 2);
    let scheduled = schedule(&app, &id, &b.org.tier1_a.token, window(&app, 48, 2)).await;
    assert_eq!((scheduled["status"].as_str(), scheduled["phase"].as_str()), (Some("scheduled"), Some("pengembangan")));
    let t1 = b.org.tier1_a.token.as_str();
    assert_eq!(step(&app, &id, "start", t1, json!({})).await["status"], "implementing");
    let done = step(&app, &id, "complete", t1, json!({ "outcome": "successful" })).await;
    assert_eq!(done["status"], "reviewing");
    let reviewed = step(&app, &id, "review", t1, json!({ "findings": "Berjalan sesuai rencana" })).await;
    assert_eq!(
        (reviewed["status"].as_str(), reviewed["phase"].as_str()),
        (Some("completed"), Some("monitoring_evaluasi"))
    );
    let timeline = kinds(&app, &id, t1).await;
    for kind in [
        "created",
        "submitted",
        "assessment_started",
        "approval_requested",
        "approval_recorded",
        "approved",
        "scheduled",
        "started",
        "implemented",
        "reviewed",
    ] {
        assert!(timeline.iter().any(|k| k == kind), "{kind} missing from {timeline:?}");
    }
    assert!(app.count("audit_log WHERE action LIKE 'change.%'") >= timeline.len() as i64);
    let report = app.get("/api/v1/reports/changes", Some(&b.org.supervisor.token)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(report.body["completed_without_skipped_phase"], 1);
    assert_eq!(report.body["success_rate"], 1.0);
    let csv = app
        .send(
            app.client
                .get(format!("{}/api/v1/reports/changes", app.address))
                .bearer_auth(&b.org.supervisor.token)
                .header("Accept", "text/csv"),
        )
        .await;
    assert!(csv.text.contains("completed_without_skipped_phase,,1"), "{}", csv.text);
    // Another PD sees nothing of it.
    assert_eq!(app.get(&format!("{CHANGES}/{id}"), Some(&b.org.tier1_b.token)).await.status, 404);
}

async fn an_emergency_change_starts_on_one_approval_and_gets_the_boards_review_afterwards(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let mut body = normal(&b.umum);
    body["change_type"] = json!("emergency");
    let id = ok(&app, CHANGES, &b.org.tier2.token, body).await["id"].as_str().unwrap().to_owned();
    let t2 = b.org.tier2.token.as_str();
    step(&app, &id, "submit", t2, json!({})).await;
    step(&app, &id, "assess", t2, json!({})).await;
    step(&app, &id, "request-approval", t2, json!({})).await;
    // Raised by the Dinas on PD A's service: the board seat is PD B's.
    assert_eq!(approve(&app, &id, &b.pd_b_approver, "board", None).await["status"], "approved");
    let started = step(&app, &id, "start", t2, json!({})).await;
    assert_eq!(started["board_review_pending"], true);
    let reviewed = approve(&app, &id, &b.pd_b_approver, "board", None).await;
    assert_eq!(reviewed["board_review_pending"], false);
    step(&app, &id, "complete", t2, json!({ "outcome": "successful" })).await;
    step(&app, &id, "review", t2, json!({ "findings": "Tambalan darurat berhasil" })).await;
    assert!(kinds(&app, &id, t2).await.contains(&"retrospective_recorded".to_owned()));
    let report = app.get("/api/v1/reports/changes?type=emergency", Some(&b.org.supervisor.token)).await;
    assert_eq!(report.body["emergency_share"], 1.0);
    assert_eq!(report.body["completed_without_skipped_phase"], 0, "it skipped scheduling");
}

async fn a_standard_change_from_a_template_skips_the_approval_round(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let body = json!({
        "service_id": b.umum, "name": "Perpanjang sertifikat TLS", "scope": "keamanan", "title": "Perpanjangan sertifikat",
        "description": "Sertifikat tahunan", "implementation_plan": "Pasang sertifikat baru", "test_plan": "Periksa HTTPS",
        "rollback_plan": "Pasang sertifikat lama",
    });
    let template = ok(&app, "/api/v1/change-templates", &b.org.admin.token, body.clone()).await;
    let tier1 = b.org.tier1_a.token.as_str();
    app.post("/api/v1/change-templates", Some(tier1), body).await.assert_problem(403);
    let body = json!({ "change_type": "standard", "template_id": template["id"], "reason": "Sertifikat habis bulan depan",
        "risk": { "users_affected": 0, "outage_needed": false, "rollback_possible": true, "tested": true, "touches_special": false },
        "impact_analysis": "Tidak ada gangguan" });
    let change = ok(&app, CHANGES, tier1, body).await;
    assert_eq!(change["implementation_plan"], "Pasang sertifikat baru");
    assert_eq!(change["scope"], "keamanan");
    let id = change["id"].as_str().unwrap();
    step(&app, id, "submit", tier1, json!({})).await;
    step(&app, id, "assess", &b.org.tier2.token, json!({})).await;
    assert_eq!(step(&app, id, "request-approval", &b.org.tier2.token, json!({})).await["status"], "approved");
    let edit = app.patch(&format!("{CHANGES}/{id}"), Some(tier1), json!({ "implementation_plan": "lain" }), None).await;
    edit.assert_problem(422);
    let retitled =
        app.patch(&format!("{CHANGES}/{id}"), Some(tier1), json!({ "title": "Sertifikat 2027" }), None).await;
    assert_eq!((retitled.status, retitled.body["status"].as_str()), (200, Some("approved")), "{}", retitled.text);
}

async fn any_rejection_rejects_and_says_why(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let id = awaiting(&app, &b, &b.umum).await;
    let path = format!("{CHANGES}/{id}/approvals");
    let silent =
        app.post(&path, Some(&b.dinas_approver.token), json!({ "decision": "reject", "capacity": "board" })).await;
    silent.assert_problem(422);
    let body = json!({ "decision": "reject", "capacity": "board", "comment": "Rencana pemulihan belum diuji" });
    let rejected = ok(&app, &path, &b.dinas_approver.token, body).await;
    assert_eq!(rejected["change"]["status"], "rejected");
    let late = app
        .post(
            &format!("{CHANGES}/{id}/schedule"),
            Some(&b.org.tier1_a.token),
            json!({ "planned_start": window(&app, 5, 1).0, "planned_end": window(&app, 5, 1).1 }),
        )
        .await;
    late.assert_problem(409);
    app.dispatch().await;
    assert!(app.count("notices WHERE event = 'change.rejected'") >= 1, "the requester is told");
}

async fn a_special_change_needs_the_dinas_and_its_test_before_it_starts(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let special = b.org.service.to_string();
    let id = awaiting(&app, &b, &special).await;
    approve(&app, &id, &b.pd_a_approver, "owner_unit", Some(b.org.pd_a)).await;
    let dinas_capacity = json!({ "decision": "approve", "capacity": "dinas", "comment": "" });
    let wrong =
        app.post(&format!("{CHANGES}/{id}/approvals"), Some(&b.pd_a_approver.token), dinas_capacity.clone()).await;
    wrong.assert_problem(403);
    let second = person(&app, b.org.dinas, "cab2.dinas@desk.go.id", &[Role::ChangeApprover]).await;
    assert_eq!(approve(&app, &id, &b.dinas_approver, "board", None).await["status"], "awaiting_approval");
    assert_eq!(approve(&app, &id, &second, "dinas", None).await["status"], "approved");
    schedule(&app, &id, &b.org.tier2.token, window(&app, 30, 1)).await;
    let early = app.post(&format!("{CHANGES}/{id}/start"), Some(&b.org.tier2.token), json!({})).await;
    early.assert_problem(409);
    assert!(early.text.contains("Dinas"), "{}", early.text);
    let by_pd = app
        .post(
            &format!("{CHANGES}/{id}/dinas-test"),
            Some(&b.org.tier1_a.token),
            json!({ "passed": true, "notes": "x" }),
        )
        .await;
    by_pd.assert_problem(403);
    step(
        &app,
        &id,
        "dinas-test",
        &b.org.tier2.token,
        json!({ "passed": true, "notes": "Uji bersama di server uji Diskominfo" }),
    )
    .await;
    assert_eq!(step(&app, &id, "start", &b.org.tier2.token, json!({})).await["status"], "implementing");
    let frozen =
        app.patch(&format!("{CHANGES}/{id}"), Some(&b.org.tier2.token), json!({ "test_plan": "lain" }), None).await;
    frozen.assert_problem(409);
}

async fn editing_approved_content_voids_the_approvals_and_tampering_is_detected(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let id = awaiting(&app, &b, &b.umum).await;
    approve(&app, &id, &b.dinas_approver, "board", None).await;
    approve(&app, &id, &b.pd_a_approver, "owner_unit", Some(b.org.pd_a)).await;
    // The independent verifier accepts the approvals as they are.
    let change = app.get(&format!("{CHANGES}/{id}"), Some(&b.org.auditor.token)).await.body;
    let approvals = app.get(&format!("{CHANGES}/{id}/approvals"), Some(&b.org.auditor.token)).await.body;
    let dir = tempfile::tempdir().unwrap();
    let (change_file, approvals_file) = (dir.path().join("change.json"), dir.path().join("approvals.json"));
    std::fs::write(&change_file, change.to_string()).unwrap();
    std::fs::write(&approvals_file, approvals.to_string()).unwrap();
    let args = [change_file.to_str().unwrap(), approvals_file.to_str().unwrap()];
    if let Some((code, out)) = python("cryptography", "tests/verifier/verify_change_approvals.py", &args, "") {
        assert_eq!(code, 0, "the independent verifier refused intact approvals: {out}");
    }
    // Editing the plan voids both and asks again.
    let edited = app
        .patch(&format!("{CHANGES}/{id}"), Some(&b.org.tier1_a.token), json!({ "rollback_plan": "Rencana baru" }), None)
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(edited.body["status"], "awaiting_approval");
    let verify = app.get(&format!("{CHANGES}/{id}/approvals/verify"), Some(&b.org.auditor.token)).await.body;
    let checks = verify["approvals"].as_array().unwrap();
    assert!(checks
        .iter()
        .all(|c| c["voided"] == true && c["content_matches"] == false && c["signature_valid"] == true));
    // The independent verifier sees the mismatch on the edited change too (voided approvals are allowed to).
    approve(&app, &id, &b.dinas_approver, "board", None).await;
    let bad = app.bytes_literal(&[0u8; 64]);
    app.execute(&format!("UPDATE change_approvals SET signature = {bad} WHERE voided_at IS NULL"));
    let verify = app.get(&format!("{CHANGES}/{id}/approvals/verify"), Some(&b.org.auditor.token)).await.body;
    assert_eq!(verify["valid"], false);
    assert!(verify["approvals"].as_array().unwrap().iter().any(|c| c["signature_valid"] == false));
    let change = app.get(&format!("{CHANGES}/{id}"), Some(&b.org.auditor.token)).await.body;
    let approvals = app.get(&format!("{CHANGES}/{id}/approvals"), Some(&b.org.auditor.token)).await.body;
    std::fs::write(&change_file, change.to_string()).unwrap();
    std::fs::write(&approvals_file, approvals.to_string()).unwrap();
    if let Some((code, out)) = python("cryptography", "tests/verifier/verify_change_approvals.py", &args, "") {
        assert_eq!(code, 1, "the independent verifier accepted a forged signature: {out}");
    }
}

async fn approvals_are_refused_for_ones_own_change_twice_or_for_another_unit(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    // The approver raises a change: they cannot approve it.
    let mine = ok(&app, CHANGES, &b.dinas_approver.token, normal(&b.umum)).await["id"].as_str().unwrap().to_owned();
    step(&app, &mine, "submit", &b.dinas_approver.token, json!({})).await;
    step(&app, &mine, "assess", &b.dinas_approver.token, json!({})).await;
    step(&app, &mine, "request-approval", &b.dinas_approver.token, json!({})).await;
    let own = app
        .post(
            &format!("{CHANGES}/{mine}/approvals"),
            Some(&b.dinas_approver.token),
            json!({ "decision": "approve", "capacity": "board" }),
        )
        .await;
    own.assert_problem(403);
    let id = awaiting(&app, &b, &b.umum).await;
    let path = format!("{CHANGES}/{id}/approvals");
    let foreign = app
        .post(
            &path,
            Some(&b.dinas_approver.token),
            json!({ "decision": "approve", "capacity": "owner_unit", "unit_id": b.org.pd_a }),
        )
        .await;
    foreign.assert_problem(403);
    approve(&app, &id, &b.dinas_approver, "board", None).await;
    let twice =
        app.post(&path, Some(&b.dinas_approver.token), json!({ "decision": "approve", "capacity": "board" })).await;
    twice.assert_problem(409);
    let not_approver =
        app.post(&path, Some(&b.org.tier2.token), json!({ "decision": "approve", "capacity": "board" })).await;
    not_approver.assert_problem(403);
    let before = app.count("change_approvals");
    let unknown =
        app.post(&path, Some(&b.pd_a_approver.token), json!({ "decision": "maybe", "capacity": "board" })).await;
    unknown.assert_problem(422);
    assert_eq!(app.count("change_approvals"), before, "bad input changed nothing");
}

async fn conflicts_on_a_service_on_shared_infrastructure_and_in_freezes_need_an_override(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let t2 = b.org.tier2.token.as_str();
    let approved = |id: String| {
        let app = &app;
        let b = &b;
        async move {
            approve(app, &id, &b.dinas_approver, "board", None).await;
            approve(app, &id, &b.pd_a_approver, "owner_unit", Some(b.org.pd_a)).await;
            id
        }
    };
    let first = approved(awaiting(&app, &b, &b.umum).await).await;
    let at = window(&app, 72, 3);
    schedule(&app, &first, t2, at.clone()).await;
    // Same service, overlapping window.
    let second = approved(awaiting(&app, &b, &b.umum).await).await;
    let overlap = window(&app, 73, 1);
    let refused = app
        .post(
            &format!("{CHANGES}/{second}/schedule"),
            Some(t2),
            json!({ "planned_start": overlap.0, "planned_end": overlap.1 }),
        )
        .await;
    refused.assert_problem(409);
    let conflicts = app
        .get(
            &format!("{CHANGES}/{second}/conflicts?from={}&to={}", urlencode(&overlap.0), urlencode(&overlap.1)),
            Some(t2),
        )
        .await;
    assert_eq!(conflicts.status, 200, "{}", conflicts.text);
    assert_eq!(conflicts.body["changes"][0]["change_id"].as_str(), Some(first.as_str()));
    let overridden = step(
        &app,
        &second,
        "schedule",
        t2,
        json!({ "planned_start": overlap.0, "planned_end": overlap.1,
        "override_reason": "Dikoordinasikan dengan tim yang sama" }),
    )
    .await;
    assert_eq!(overridden["conflict_override"]["reason"], "Dikoordinasikan dengan tim yang sama");
    // A different service on the same data centre (pusat_data) conflicts too.
    let other = ok(
        &app,
        "/api/v1/services",
        &b.org.admin.token,
        json!({ "code": "SIMDA", "name": "Keuangan Daerah",
        "category": "administrasi_pemerintahan", "owner_unit_id": b.org.pd_a, "platform": "aplikasi_umum",
        "application_name": "SIMDA", "depends_on": ["pusat_data"] }),
    )
    .await;
    let third = approved(awaiting(&app, &b, other["id"].as_str().unwrap()).await).await;
    let shared = app
        .get(&format!("{CHANGES}/{third}/conflicts?from={}&to={}", urlencode(&at.0), urlencode(&at.1)), Some(t2))
        .await;
    assert_eq!(shared.body["changes"][0]["shared_infrastructure"][0], "pusat_data", "{}", shared.text);
    // A freeze window on those days.
    let day = (app.clock.now() + Duration::hours(200)).date_naive();
    ok(
        &app,
        "/api/v1/freeze-windows",
        &b.org.admin.token,
        json!({ "name": "Tutup buku", "reason": "Akhir tahun anggaran",
        "from_date": day.to_string(), "to_date": day.to_string(), "time_zone": "UTC" }),
    )
    .await;
    let frozen_at = (day.and_hms_opt(10, 0, 0).unwrap().and_utc(), day.and_hms_opt(11, 0, 0).unwrap().and_utc());
    let in_freeze = app
        .post(
            &format!("{CHANGES}/{third}/schedule"),
            Some(t2),
            json!({ "planned_start": frozen_at.0, "planned_end": frozen_at.1 }),
        )
        .await;
    in_freeze.assert_problem(409);
    assert!(in_freeze.text.contains("Tutup buku"), "{}", in_freeze.text);
    let no_reason = app
        .post(
            &format!("{CHANGES}/{third}/schedule"),
            Some(t2),
            json!({ "planned_start": frozen_at.0, "planned_end": frozen_at.1, "override_reason": "  " }),
        )
        .await;
    no_reason.assert_problem(422);
}

async fn the_schedule_is_icalendar_with_stable_uids_and_rising_sequences(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let id = awaiting(&app, &b, &b.umum).await;
    approve(&app, &id, &b.dinas_approver, "board", None).await;
    approve(&app, &id, &b.pd_a_approver, "owner_unit", Some(b.org.pd_a)).await;
    let t2 = b.org.tier2.token.as_str();
    schedule(&app, &id, t2, window(&app, 24, 2)).await;
    let feed = || {
        app.client.get(format!("{}{CHANGES}/schedule", app.address)).bearer_auth(t2).header("Accept", "text/calendar")
    };
    let first = app.send(feed()).await;
    assert_eq!(first.status, 200);
    assert!(first.header("content-type").unwrap_or("").starts_with("text/calendar"));
    let moved = schedule(&app, &id, t2, window(&app, 50, 2)).await;
    assert_eq!(moved["schedule_sequence"], 1);
    let second = app.send(feed()).await;
    let json = app.get(&format!("{CHANGES}/schedule"), Some(t2)).await;
    assert_eq!(json.body.as_array().unwrap().len(), 1);
    let Some((code, one)) = python("icalendar", "tests/verifier/parse_schedule.py", &[], &first.text) else { return };
    assert_eq!(code, 0, "{one}");
    let (code, two) = python("icalendar", "tests/verifier/parse_schedule.py", &[], &second.text).unwrap();
    assert_eq!(code, 0, "{two}");
    let (one, two): (Value, Value) = (serde_json::from_str(&one).unwrap(), serde_json::from_str(&two).unwrap());
    assert_eq!(one["events"].as_array().unwrap().len(), 1);
    assert_eq!(one["events"][0]["uid"], two["events"][0]["uid"], "the same event, replaced");
    assert!(two["events"][0]["sequence"].as_i64() > one["events"][0]["sequence"].as_i64());
    assert_ne!(one["events"][0]["dtstart"], two["events"][0]["dtstart"]);
}

async fn bad_input_is_refused_precisely_and_changes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let t1 = b.org.tier1_a.token.as_str();
    let before = app.count("changes");
    let mut unknown = normal(&b.umum);
    unknown["service_ids"] = json!([uuid::Uuid::now_v7()]);
    let resp = app.post(CHANGES, Some(t1), unknown).await;
    resp.assert_problem(422);
    assert!(resp.text.contains("service_ids[0]"), "{}", resp.text);
    let mut foreign = normal(&b.umum);
    foreign["ticket_ids"] = json!([uuid::Uuid::now_v7()]);
    app.post(CHANGES, Some(t1), foreign).await.assert_problem(422);
    let mut other_unit = normal(&b.umum);
    other_unit["owner_unit_id"] = json!(b.org.pd_b);
    app.post(CHANGES, Some(t1), other_unit).await.assert_problem(422);
    app.post(CHANGES, Some(&b.org.reporter_a.token), normal(&b.umum)).await.assert_problem(403);
    assert_eq!(app.count("changes"), before);
    let id = awaiting(&app, &b, &b.umum).await;
    approve(&app, &id, &b.dinas_approver, "board", None).await;
    approve(&app, &id, &b.pd_a_approver, "owner_unit", Some(b.org.pd_a)).await;
    let path = format!("{CHANGES}/{id}/schedule");
    let (start, end) = window(&app, 10, 1);
    let backwards = app.post(&path, Some(t1), json!({ "planned_start": end, "planned_end": start })).await;
    backwards.assert_problem(422);
    let (past_start, past_end) = window(&app, -10, 1);
    app.post(&path, Some(t1), json!({ "planned_start": past_start, "planned_end": past_end }))
        .await
        .assert_problem(422);
    let out_of_order =
        app.post(&format!("{CHANGES}/{id}/complete"), Some(t1), json!({ "outcome": "successful" })).await;
    out_of_order.assert_problem(409);
    assert!(out_of_order.text.contains("allowed now"), "{}", out_of_order.text);
    let events = app.count("change_events");
    let junk = app.post(&format!("{CHANGES}/{id}/submit"), Some(t1), json!({ "extra": 1 })).await;
    junk.assert_problem(422);
    assert_eq!(app.count("change_events"), events);
    let stale = app
        .send(
            app.client
                .post(format!("{}{path}", app.address))
                .bearer_auth(t1)
                .header("If-Match", "\"999\"")
                .json(&json!({ "planned_start": start, "planned_end": end })),
        )
        .await;
    stale.assert_problem(412);
    // A failed change needs a follow-up in its review.
    schedule(&app, &id, t1, (start, end)).await;
    step(&app, &id, "start", t1, json!({})).await;
    step(&app, &id, "complete", t1, json!({ "outcome": "rolled_back", "notes": "Gagal migrasi data" })).await;
    let bare = app.post(&format!("{CHANGES}/{id}/review"), Some(t1), json!({ "findings": "Migrasi gagal" })).await;
    bare.assert_problem(422);
    let due = (Utc::now() + Duration::days(7)).date_naive();
    let reviewed = step(
        &app,
        &id,
        "review",
        t1,
        json!({ "findings": "Migrasi gagal",
        "follow_ups": [{ "action": "Uji migrasi di server uji", "owner_id": b.org.tier1_a.id, "due_on": due }] }),
    )
    .await;
    assert_eq!(reviewed["follow_ups"][0]["done"], false);
    let done = app.patch(&format!("{CHANGES}/{id}/follow-ups/1"), Some(t1), json!({ "done": true }), None).await;
    assert_eq!(done.body["follow_ups"][0]["done"], true, "{}", done.text);
    let report = app.get("/api/v1/reports/changes", Some(&b.org.auditor.token)).await;
    assert_eq!(report.body["follow_ups_done"], 1);
    app.get("/api/v1/reports/changes", Some(t1)).await.assert_problem(403);
}

async fn a_change_request_ticket_raises_a_change_by_its_number_or_id_linked_both_ways(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let ticket = ok(
        &app,
        "/api/v1/tickets",
        &b.org.reporter_a.token,
        json!({ "type": "change_request",
        "title": "Tambah menu laporan", "description": "Mohon menu laporan bulanan", "service_id": b.umum,
        "impact": "low", "urgency": "low" }),
    )
    .await;
    let (tid, number) = (ticket["id"].as_str().unwrap(), ticket["number"].as_str().unwrap());
    // By its number, as every ticket path takes it (the incident below goes by id).
    let raised = ok(
        &app,
        &format!("/api/v1/tickets/{number}/raise-change"),
        &b.org.tier1_a.token,
        json!({ "scope": "aplikasi" }),
    )
    .await;
    assert_eq!(raised["title"], "Tambah menu laporan");
    assert_eq!(raised["tickets"][0]["ticket_id"].as_str(), Some(tid));
    assert_eq!(raised["tickets"][0]["number"].as_str(), Some(number));
    let outsider = app
        .post(
            &format!("/api/v1/tickets/{number}/raise-change"),
            Some(&b.org.tier1_b.token),
            json!({ "scope": "aplikasi" }),
        )
        .await;
    outsider.assert_problem(404);
    let events = app.get(&format!("/api/v1/tickets/{tid}/events"), Some(&b.org.tier1_a.token)).await;
    assert!(events.text.contains("linked_to_change"), "{}", events.text);
    let incident = ok(&app, "/api/v1/tickets", &b.org.reporter_a.token, json!({ "type": "incident",
        "title": "Aplikasi error", "description": "Error 500", "service_id": b.umum, "impact": "low", "urgency": "low" })).await;
    let iid = incident["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/tickets/{iid}/raise-change"),
        Some(&b.org.tier1_a.token),
        json!({ "scope": "aplikasi" }),
    )
    .await
    .assert_problem(409);
    let cid = raised["id"].as_str().unwrap();
    let linked =
        step(&app, cid, "tickets", &b.org.tier1_a.token, json!({ "ticket_id": iid, "relation": "caused" })).await;
    assert_eq!(linked["tickets"].as_array().unwrap().len(), 2);
}

async fn window_and_overdue_review_notices_are_told_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let id = awaiting(&app, &b, &b.umum).await;
    approve(&app, &id, &b.dinas_approver, "board", None).await;
    approve(&app, &id, &b.pd_a_approver, "owner_unit", Some(b.org.pd_a)).await;
    schedule(&app, &id, &b.org.tier2.token, window(&app, 3, 2)).await;
    assert_eq!(app.sweep_changes().await.windows_starting, 0, "three hours ahead: not yet");
    app.clock.advance(Duration::hours(2) + Duration::minutes(30));
    assert_eq!(app.sweep_changes().await.windows_starting, 1);
    assert_eq!(app.sweep_changes().await.windows_starting, 0, "told once");
    let (t2, _) = app.login(&b.org.tier2.email, PASSWORD).await;
    let t2 = t2.as_str();
    step(&app, &id, "start", t2, json!({})).await;
    step(&app, &id, "complete", t2, json!({ "outcome": "successful" })).await;
    app.clock.advance(Duration::days(6));
    assert_eq!(app.sweep_changes().await.reviews_overdue, 1);
    assert_eq!(app.sweep_changes().await.reviews_overdue, 0);
    app.dispatch().await;
    assert!(app.count("notices WHERE event = 'change.window_starting'") >= 1);
    assert!(app.count("notices WHERE event = 'change.review_overdue'") >= 1);
}

async fn concurrent_approvals_and_moves_one_wins_and_the_timeline_stays_whole(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let id = awaiting(&app, &b, &b.umum).await;
    let second = person(&app, b.org.dinas, "cab2.dinas@desk.go.id", &[Role::ChangeApprover]).await;
    let path = format!("{CHANGES}/{id}/approvals");
    let body = json!({ "decision": "approve", "capacity": "board", "comment": "Setuju" });
    // One board approval is needed: two approvers at once, one wins.
    let (one, two) = tokio::join!(
        app.post(&path, Some(&b.dinas_approver.token), body.clone()),
        app.post(&path, Some(&second.token), body.clone())
    );
    let mut statuses = [one.status, two.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{} / {}", one.text, two.text);
    assert_eq!(app.count("change_approvals"), 1);
    approve(&app, &id, &b.pd_a_approver, "owner_unit", Some(b.org.pd_a)).await;
    schedule(&app, &id, &b.org.tier2.token, window(&app, 20, 1)).await;
    let start = format!("{CHANGES}/{id}/start");
    let (a, c, d) = tokio::join!(
        app.post(&start, Some(&b.org.tier2.token), json!({})),
        app.post(&start, Some(&b.org.tier1_a.token), json!({})),
        app.post(&start, Some(&b.org.tier2.token), json!({}))
    );
    let mut statuses = [a.status, c.status, d.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409], "{} / {} / {}", a.text, c.text, d.text);
    let timeline = app.get(&format!("{CHANGES}/{id}/events"), Some(&b.org.tier2.token)).await.body;
    let items = timeline["items"].as_array().unwrap();
    assert_eq!(items.iter().filter(|e| e["kind"] == "started").count(), 1);
    assert_eq!(items.iter().filter(|e| e["kind"] == "approval_recorded").count(), 1);
    let seqs: Vec<i64> = items.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "no gap, no duplicate");
}

on_both_backends!(
    concurrent_approvals_and_moves_one_wins_and_the_timeline_stays_whole,
    a_normal_change_walks_every_phase_with_board_and_owner_approvals,
    an_emergency_change_starts_on_one_approval_and_gets_the_boards_review_afterwards,
    a_standard_change_from_a_template_skips_the_approval_round,
    any_rejection_rejects_and_says_why,
    a_special_change_needs_the_dinas_and_its_test_before_it_starts,
    editing_approved_content_voids_the_approvals_and_tampering_is_detected,
    approvals_are_refused_for_ones_own_change_twice_or_for_another_unit,
    conflicts_on_a_service_on_shared_infrastructure_and_in_freezes_need_an_override,
    the_schedule_is_icalendar_with_stable_uids_and_rising_sequences,
    bad_input_is_refused_precisely_and_changes_nothing,
    a_change_request_ticket_raises_a_change_by_its_number_or_id_linked_both_ways,
    window_and_overdue_review_notices_are_told_once,
);
