//! The approval round as its parties see it: how refusals read; on both
//! backends.

use serde_json::json;

use crate::on_both_backends;
use crate::support::changes::{approve, awaiting, board, ok, schedule, step, window, CHANGES};
use crate::support::{spawn_app, Backend};

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

on_both_backends!(refusals_of_change_moves_read_as_sentences);
