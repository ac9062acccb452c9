//! The approval round as its parties see it: the capacities a change still
//! needs and who may give each, who is asked, segregation of duties on the
//! board seat, a round nobody could complete, and how refusals read; on
//! both backends.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use spbe_desk::domain::organisation::UnitKind;
use spbe_desk::domain::role::Role;

use crate::on_both_backends;
use crate::support::changes::{
    approve, assessing, awaiting, board, ok, person, schedule, step, umum_service, window, CHANGES,
};
use crate::support::{insert_unit, spawn_app, spawn_app_with, Backend, Person};

/// `approvals_needed` as (capacity, unit, missing, approver ids).
fn needed(change: &Value) -> Vec<(String, Option<String>, i64, BTreeSet<String>)> {
    let Some(items) = change["approvals_needed"].as_array() else {
        panic!("no approvals_needed in {change}");
    };
    items
        .iter()
        .map(|n| {
            let approvers = n["approvers"].as_array().unwrap().iter();
            (
                n["capacity"].as_str().unwrap().to_owned(),
                n["unit_id"].as_str().map(str::to_owned),
                n["missing"].as_i64().unwrap(),
                approvers.map(|a| a["id"].as_str().unwrap().to_owned()).collect(),
            )
        })
        .collect()
}

fn ids(people: &[&Person]) -> BTreeSet<String> {
    people.iter().map(|p| p.id.to_string()).collect()
}

async fn a_change_shows_the_approvals_it_still_needs_and_asks_exactly_who_may_give_them(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    // PD A asks to change a service PD B owns.
    let simrs = umum_service(&app, &b.org, b.org.pd_b, "SIMRS").await;
    let id = awaiting(&app, &b, &simrs).await;
    let read = app.get(&format!("{CHANGES}/{id}"), Some(&b.org.tier1_a.token)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    let pd_b = b.org.pd_b.to_string();
    assert_eq!(
        needed(&read.body),
        [
            ("board".to_owned(), None, 1, ids(&[&b.dinas_approver])),
            ("owner_unit".to_owned(), Some(pd_b.clone()), 1, ids(&[&b.pd_b_approver])),
        ],
        "the board seat is outside PD A (requesting) and PD B (owning): {}",
        read.text
    );
    let first = &read.body["approvals_needed"][0]["approvers"][0];
    assert!(first["name"].as_str().is_some_and(|n| !n.is_empty()), "{first}");
    // The request goes to exactly those who may give an approval.
    app.dispatch().await;
    let asked = "notices WHERE event = 'change.approval_requested'";
    assert_eq!(app.count(asked), 2, "one mail each to the Dinas and PD B approvers");
    for (who, told) in [(&b.dinas_approver, 1), (&b.pd_b_approver, 1), (&b.pd_a_approver, 0)] {
        assert_eq!(app.count(&format!("{asked} AND recipient = '{}'", who.email)), told, "{}", who.email);
    }
    let after_board = approve(&app, &id, &b.dinas_approver, "board", None).await;
    assert_eq!(needed(&after_board), [("owner_unit".to_owned(), Some(pd_b), 1, ids(&[&b.pd_b_approver]))]);
    let approved = approve(&app, &id, &b.pd_b_approver, "owner_unit", Some(b.org.pd_b)).await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(needed(&approved), []);
}

async fn the_board_seat_goes_to_someone_outside_the_requesting_and_owning_units(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let colleague = person(&app, b.org.pd_a, "cab2.bappeda@desk.go.id", &[Role::ChangeApprover]).await;
    // PD A's change on PD A's own service: two PD A approvers may not approve it alone.
    let id = awaiting(&app, &b, &b.umum).await;
    let board_seat = json!({ "decision": "approve", "capacity": "board", "comment": "Setuju" });
    let path = format!("{CHANGES}/{id}/approvals");
    let inside = app.post(&path, Some(&colleague.token), board_seat.clone()).await;
    inside.assert_problem(403);
    assert!(inside.body["detail"].as_str().unwrap().contains("outside"), "{}", inside.text);
    assert_eq!(
        approve(&app, &id, &b.pd_a_approver, "owner_unit", Some(b.org.pd_a)).await["status"],
        "awaiting_approval"
    );
    let read = app.get(&format!("{CHANGES}/{id}"), Some(&b.org.tier1_a.token)).await.body;
    assert_eq!(needed(&read), [("board".to_owned(), None, 1, ids(&[&b.dinas_approver, &b.pd_b_approver]))]);
    assert_eq!(approve(&app, &id, &b.pd_b_approver, "board", None).await["status"], "approved");
    // The board's review of an emergency change follows the same rule.
    let mut body = crate::support::changes::normal(&b.umum);
    body["change_type"] = json!("emergency");
    let emergency = ok(&app, CHANGES, &b.org.tier1_a.token, body).await["id"].as_str().unwrap().to_owned();
    step(&app, &emergency, "submit", &b.org.tier1_a.token, json!({})).await;
    step(&app, &emergency, "assess", &b.org.tier2.token, json!({})).await;
    step(&app, &emergency, "request-approval", &b.org.tier2.token, json!({})).await;
    let path = format!("{CHANGES}/{emergency}/approvals");
    app.post(&path, Some(&b.pd_a_approver.token), board_seat.clone()).await.assert_problem(403);
    approve(&app, &emergency, &b.dinas_approver, "board", None).await;
    let started = step(&app, &emergency, "start", &b.org.tier1_a.token, json!({})).await;
    assert_eq!(needed(&started), [("board".to_owned(), None, 1, ids(&[&b.dinas_approver, &b.pd_b_approver]))]);
    assert_eq!(started["approvals_needed"][0]["stage"], "retrospective");
    app.post(&path, Some(&colleague.token), board_seat).await.assert_problem(403);
    let reviewed = approve(&app, &emergency, &b.pd_b_approver, "board", None).await;
    assert_eq!((reviewed["board_review_pending"].as_bool(), needed(&reviewed)), (Some(false), vec![]));
}

async fn without_segregation_any_other_approver_may_take_the_board_seat(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.changes.board_segregation = false).await else { return };
    let b = board(&app).await;
    let colleague = person(&app, b.org.pd_a, "cab2.bappeda@desk.go.id", &[Role::ChangeApprover]).await;
    let id = awaiting(&app, &b, &b.umum).await;
    let read = app.get(&format!("{CHANGES}/{id}"), Some(&b.org.tier1_a.token)).await.body;
    let everyone = ids(&[&b.dinas_approver, &b.pd_a_approver, &b.pd_b_approver, &colleague]);
    assert_eq!(needed(&read)[0], ("board".to_owned(), None, 1, everyone));
    assert_eq!(approve(&app, &id, &colleague, "board", None).await["status"], "awaiting_approval");
    assert_eq!(approve(&app, &id, &b.pd_a_approver, "owner_unit", Some(b.org.pd_a)).await["status"], "approved");
}

async fn asking_for_an_approval_nobody_may_give_is_refused_naming_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    // A PD with no change approver of its own owns the service.
    let pd_c = insert_unit(&app.db, UnitKind::PerangkatDaerah, "DISDIK", "Asia/Makassar");
    let dapodik = umum_service(&app, &b.org, pd_c, "DAPODIK").await;
    let id = assessing(&app, &b, &dapodik).await;
    let events = app.count("change_events");
    let refused = app.post(&format!("{CHANGES}/{id}/request-approval"), Some(&b.org.tier2.token), json!({})).await;
    refused.assert_problem(409);
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("Unit DISDIK") && detail.contains("nobody"), "{detail}");
    assert_eq!(app.count("change_events"), events, "nothing moved");
    let read = app.get(&format!("{CHANGES}/{id}"), Some(&b.org.tier2.token)).await;
    assert_eq!(read.body["status"], "assessing");
    // Once someone may give it, the request goes through.
    person(&app, pd_c, "cab.disdik@desk.go.id", &[Role::ChangeApprover]).await;
    let asked = step(&app, &id, "request-approval", &b.org.tier2.token, json!({})).await;
    assert_eq!(asked["status"], "awaiting_approval");
}

async fn refusals_of_change_moves_read_as_sentences(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let id = awaiting(&app, &b, &b.umum).await;
    let early = app.post(&format!("{CHANGES}/{id}/start"), Some(&b.org.tier2.token), json!({})).await;
    early.assert_problem(409);
    assert_eq!(
        early.body["detail"],
        "A change that is awaiting approval cannot be started; the moves allowed now are approvals (approve or reject) and cancel."
    );
    approve(&app, &id, &b.dinas_approver, "board", None).await;
    approve(&app, &id, &b.pd_a_approver, "owner_unit", Some(b.org.pd_a)).await;
    let late = app
        .post(
            &format!("{CHANGES}/{id}/approvals"),
            Some(&b.pd_b_approver.token),
            json!({ "decision": "approve", "capacity": "board", "comment": "Setuju" }),
        )
        .await;
    late.assert_problem(409);
    assert_eq!(
        late.body["detail"],
        "A change that is approved cannot be approved or rejected; the moves allowed now are schedule and cancel."
    );
    schedule(&app, &id, &b.org.tier2.token, window(&app, 30, 1)).await;
    let twice = app.post(&format!("{CHANGES}/{id}/submit"), Some(&b.org.tier2.token), json!({})).await;
    assert_eq!(
        twice.body["detail"],
        "A change that is scheduled cannot be submitted; the moves allowed now are schedule, start and cancel."
    );
    let mine = ok(&app, CHANGES, &b.dinas_approver.token, crate::support::changes::normal(&b.umum)).await;
    let mine = mine["id"].as_str().unwrap();
    for name in ["submit", "assess", "request-approval"] {
        step(&app, mine, name, &b.dinas_approver.token, json!({})).await;
    }
    let own = app
        .post(
            &format!("{CHANGES}/{mine}/approvals"),
            Some(&b.dinas_approver.token),
            json!({ "decision": "approve", "capacity": "board" }),
        )
        .await;
    own.assert_problem(403);
    assert_eq!(own.body["detail"], "Nobody may approve their own change.");
}

on_both_backends!(
    a_change_shows_the_approvals_it_still_needs_and_asks_exactly_who_may_give_them,
    the_board_seat_goes_to_someone_outside_the_requesting_and_owning_units,
    without_segregation_any_other_approver_may_take_the_board_seat,
    asking_for_an_approval_nobody_may_give_is_refused_naming_it,
    refusals_of_change_moves_read_as_sentences,
);
