//! The tables checked against the journal: a ticket's or a change's row
//! edited, deleted or inserted behind the service's back is found by record
//! and field, where the chain check alone says "intact".

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::backup::{printed, Place};
use crate::support::changes::{assessing, board, step};
use crate::support::{spawn_app, Backend, Org, TestApp};
use crate::tickets::{file, incident};

const STATE: &str = "/api/v1/audit/verify/state";
const RESOLUTION: &str = "Sertifikat server diperbarui";

/// A ticket filed by PD A's reporter, taken and resolved by PD A's tier 1.
async fn resolved_ticket(app: &TestApp, org: &Org) -> String {
    let id = file(app, &org.reporter_a.token, incident(org.service)).await["id"].as_str().unwrap().to_owned();
    let t1 = org.tier1_a.token.as_str();
    for (action, body) in
        [("start", json!({})), ("resolve", json!({ "resolution_code": "solved", "resolution": RESOLUTION }))]
    {
        let r = app.post(&format!("/api/v1/tickets/{id}/{action}"), Some(t1), body).await;
        assert_eq!(r.status, 200, "{action}: {}", r.text);
    }
    id
}

/// A ticket through both tiers, edited, commented, rated and closed.
async fn lived_ticket(app: &TestApp, org: &Org) {
    let id = file(app, &org.reporter_a.token, incident(org.service)).await["id"].as_str().unwrap().to_owned();
    let path = |action: &str| format!("/api/v1/tickets/{id}/{action}");
    let (t1, t2, r) = (org.tier1_a.token.as_str(), org.tier2.token.as_str(), org.reporter_a.token.as_str());
    let edited = app.patch(&format!("/api/v1/tickets/{id}"), Some(t1), json!({ "urgency": "low" }), None).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    for (action, token, body) in [
        ("start", t1, json!({})),
        ("comments", t1, json!({ "body": "Sedang dicek", "internal": false })),
        ("pending", t1, json!({ "reason": "waiting_for_reporter" })),
        ("resume", t1, json!({})),
        ("escalate", t1, json!({ "reason": "Sertifikat ditolak", "steps_taken": "Reset kata sandi" })),
        ("assign", t2, json!({ "assignee_id": org.tier2.id })),
        ("start", t2, json!({})),
        ("resolve", t2, json!({ "resolution_code": "solved", "resolution": RESOLUTION })),
        ("rating", r, json!({ "rating": 5, "remark": "Cepat" })),
        ("close", r, json!({})),
    ] {
        let done = app.post(&path(action), Some(token), body).await;
        assert!(done.status < 300, "{action}: {}", done.text);
    }
}

async fn state(app: &TestApp, org: &Org) -> Value {
    let r = app.get(STATE, Some(&org.auditor.token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// Whether the chain check (`GET /audit/verify`) finds the log intact.
async fn intact(app: &TestApp, org: &Org) -> bool {
    app.get("/api/v1/audit/verify", Some(&org.auditor.token)).await.body["intact"] == true
}

/// The differences as (kind, id, field, journal, table), sorted.
fn differences(report: &Value) -> Vec<(String, String, Value, Value, Value)> {
    let mut found: Vec<_> = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let text = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
            (text("kind"), text("id"), d["field"].clone(), d["journal"].clone(), d["table"].clone())
        })
        .collect();
    found.sort_by_key(|d| (d.1.clone(), d.0.clone()));
    found
}

async fn a_clean_database_reports_nothing_and_pages_by_cursor(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let org = &b.org;
    lived_ticket(&app, org).await;
    resolved_ticket(&app, org).await;
    let change = assessing(&app, &b, &b.umum).await;
    step(&app, &change, "request-approval", &org.tier2.token, json!({})).await;

    let report = state(&app, org).await;
    assert_eq!(report["consistent"], true, "{report}");
    assert_eq!((report["tickets_checked"].as_i64(), report["changes_checked"].as_i64()), (Some(2), Some(1)));
    assert!(report["entries_read"].as_i64().unwrap() >= 15, "{report}");
    assert!(report["records_per_second"].as_f64().unwrap() > 0.0 && report["next_after"].is_null());

    // A page ends at a batch's end: the tickets, then the changes.
    let first = app.get(&format!("{STATE}?records=1"), Some(&org.admin.token)).await.body;
    assert_eq!((first["tickets_checked"].as_i64(), first["next_after"].as_str()), (Some(2), Some("change")));
    let second = app.get(&format!("{STATE}?records=1&after=change"), Some(&org.admin.token)).await.body;
    assert_eq!((second["changes_checked"].as_i64(), second["tickets_checked"].as_i64()), (Some(1), Some(0)));
    assert!(second["next_after"].is_null(), "{second}");

    // For auditors and admins only; a bad position or record count is refused.
    assert_eq!(app.get(STATE, Some(&org.supervisor.token)).await.status, 403);
    app.get(&format!("{STATE}?after=nope"), Some(&org.auditor.token)).await.assert_problem(422);
    app.get(&format!("{STATE}?records=0"), Some(&org.auditor.token)).await.assert_problem(422);
}

async fn direct_edits_of_a_tickets_fields_are_each_found_with_both_values(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let mut tickets = Vec::new();
    for _ in 0..5 {
        tickets.push(resolved_ticket(&app, &org).await);
    }
    let lit = |id: &str| app.id_literal(uuid::Uuid::parse_str(id).unwrap());
    let edits = [
        ("resolution", "'Tidak ada masalah'".to_owned(), json!(RESOLUTION), json!("Tidak ada masalah")),
        ("status", "'closed'".to_owned(), json!("resolved"), json!("closed")),
        ("tier", "2".to_owned(), json!(1), json!(2)),
        ("unit_id", app.id_literal(org.pd_b), json!(org.pd_a), json!(org.pd_b)),
        ("assignee_id", app.id_literal(org.tier1_b.id), json!(org.tier1_a.id), json!(org.tier1_b.id)),
    ];
    let mut expected = Vec::new();
    for ((field, value, journal, table), id) in edits.into_iter().zip(&tickets) {
        app.execute(&format!("UPDATE tickets SET {field} = {value} WHERE id = {}", lit(id)));
        expected.push(("field".to_owned(), id.clone(), json!(field), journal, table));
    }
    // The chain check cannot see it: only the log is hashed.
    assert!(intact(&app, &org).await);
    let report = state(&app, &org).await;
    assert_eq!(report["consistent"], false);
    assert_eq!(differences(&report), expected, "{report}");
    assert_eq!(report["differences"][0]["record"], "ticket");
}

async fn an_edit_the_next_move_carried_into_the_journal_is_found_between_entries(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = resolved_ticket(&app, &org).await;
    let lit = app.id_literal(uuid::Uuid::parse_str(&id).unwrap());
    app.execute(&format!("UPDATE tickets SET resolution = 'Tidak ada masalah' WHERE id = {lit}"));
    // Closing snapshots the edited row: the row and the last entry agree.
    let closed = app.post(&format!("/api/v1/tickets/{id}/close"), Some(&org.reporter_a.token), json!({})).await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    let report = state(&app, &org).await;
    assert_eq!(
        differences(&report),
        [(
            "changed_between_entries".to_owned(),
            id,
            json!("resolution"),
            json!(RESOLUTION),
            json!("Tidak ada masalah")
        )],
        "{report}"
    );
    assert_eq!(report["differences"][0]["position"], 4);
}

async fn a_changes_status_edited_is_found(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let change = assessing(&app, &b, &b.umum).await;
    let lit = app.id_literal(uuid::Uuid::parse_str(&change).unwrap());
    app.execute(&format!("UPDATE changes SET status = 'approved' WHERE id = {lit}"));
    assert!(intact(&app, &b.org).await);
    let report = state(&app, &b.org).await;
    assert_eq!(
        differences(&report),
        [("field".to_owned(), change, json!("status"), json!("assessing"), json!("approved"))],
        "{report}"
    );
    assert_eq!(report["differences"][0]["record"], "change");
}

const TICKET_COLUMNS: &str = "number, ticket_type, title, description, service_id, unit_id, reporter_id, \
    reporter_name, reporter_email, reporter_phone, channel, impact, urgency, priority, priority_rank, status, tier, \
    assignee_id, tier2_involved, escalation_count, last_escalated_at, pending_reason, external_source, external_ref, \
    complaint_ref, problem_id, resolution_code, resolution, resolved_at, closed_at, reopen_count, rating, \
    rating_remark, created_by_kind, created_by, event_seq, public_event_seq, version, created_at, updated_at, \
    sla_due_at, sla_check_at, response_breached, resolution_breached, tier2_breached";

async fn a_deleted_row_and_a_row_without_journal_are_found(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let gone = resolved_ticket(&app, &org).await;
    let kept = resolved_ticket(&app, &org).await;
    let (gone_lit, kept_lit) =
        (app.id_literal(uuid::Uuid::parse_str(&gone).unwrap()), app.id_literal(uuid::Uuid::parse_str(&kept).unwrap()));
    for table in ["ticket_events", "sla_clocks"] {
        app.execute(&format!("DELETE FROM {table} WHERE ticket_id = {gone_lit}"));
    }
    app.execute(&format!("DELETE FROM tickets WHERE id = {gone_lit}"));
    // A copy of a ticket's row under a new id and number, never journalled.
    let forged = uuid::Uuid::now_v7();
    let copied = TICKET_COLUMNS.replacen("number", "'TKT-2099-000001'", 1);
    app.execute(&format!(
        "INSERT INTO tickets (id, {TICKET_COLUMNS}) SELECT {}, {copied} FROM tickets WHERE id = {kept_lit}",
        app.id_literal(forged)
    ));
    assert!(intact(&app, &org).await);
    let report = state(&app, &org).await;
    let found: Vec<(String, String)> = differences(&report).into_iter().map(|d| (d.0, d.1)).collect();
    let mut expected = vec![("row_gone".to_owned(), gone), ("no_journal".to_owned(), forged.to_string())];
    expected.sort_by_key(|d| (d.1.clone(), d.0.clone()));
    assert_eq!(found, expected, "{report}");
}

async fn the_command_line_prints_each_difference_and_exits_non_zero(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = resolved_ticket(&app, &org).await;
    let work = tempfile::tempdir().unwrap();
    let place = Place::of(&app, work.path());
    let clean = place.run(&["audit", "verify", "--state"]);
    assert!(clean.status.success(), "{}", printed(&clean));
    assert!(printed(&clean).contains("checked 1 tickets and 0 changes"), "{}", printed(&clean));
    assert!(printed(&clean).contains("records/s"), "{}", printed(&clean));

    let lit = app.id_literal(uuid::Uuid::parse_str(&id).unwrap());
    app.execute(&format!("UPDATE tickets SET resolution = 'Tidak ada masalah' WHERE id = {lit}"));
    assert!(place.run(&["audit", "verify"]).status.success(), "the chain alone is intact");
    let edited = place.run(&["audit", "verify", "--state"]);
    assert_eq!(edited.status.code(), Some(1), "{}", printed(&edited));
    let line = format!("ticket {id} resolution: journal \"{RESOLUTION}\", table \"Tidak ada masalah\"");
    assert!(printed(&edited).contains(&line), "{}", printed(&edited));
    assert!(printed(&edited).contains("1 difference(s)"), "{}", printed(&edited));
}

on_both_backends!(
    a_clean_database_reports_nothing_and_pages_by_cursor,
    direct_edits_of_a_tickets_fields_are_each_found_with_both_values,
    an_edit_the_next_move_carried_into_the_journal_is_found_between_entries,
    a_changes_status_edited_is_found,
    a_deleted_row_and_a_row_without_journal_are_found,
    the_command_line_prints_each_difference_and_exits_non_zero,
);
