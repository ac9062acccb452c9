//! The dashboard summary read from the counters the database keeps agrees
//! with one read from the tickets themselves, for every kind of caller,
//! after moves, and before and after the deltas are folded.

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, TestApp};
use crate::tickets::{file, incident};

/// The summary as `token` sees it, from the counters (no filter) and from
/// the tickets (a filter the counters do not hold forces the reading).
async fn both_ways(app: &TestApp, token: &str, filter: &str) -> (Value, Value) {
    let counted = app.get(&format!("/api/v1/tickets/summary?{filter}"), Some(token)).await;
    assert_eq!(counted.status, 200, "{}", counted.text);
    let sep = if filter.is_empty() { "" } else { "&" };
    let read =
        app.get(&format!("/api/v1/tickets/summary?{filter}{sep}created_from=2000-01-01T00:00:00Z"), Some(token)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    let strip = |mut v: Value| {
        v.as_object_mut()
            .unwrap()
            .retain(|k, _| ["total", "by_status", "by_tier", "by_priority", "unassigned_open"].contains(&k.as_str()));
        v
    };
    (strip(counted.body), strip(read.body))
}

async fn counted_summaries_agree_with_the_tickets(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let mut ids = Vec::new();
    // PD A files 5 incidents on the application and 2 on Dinas-run
    // infrastructure (straight to tier 2); PD B files 3.
    for (token, service, n) in [
        (&org.reporter_a.token, org.service, 5),
        (&org.reporter_b.token, org.service, 3),
        (&org.reporter_a.token, org.infra_service, 2),
    ] {
        for _ in 0..n {
            ids.push(file(&app, token, incident(service)).await["id"].as_str().unwrap().to_owned());
        }
    }
    let t1 = org.tier1_a.token.as_str();
    let path = |id: &str, action: &str| format!("/api/v1/tickets/{id}/{action}");
    // Moves of PD A's tickets: assigned, started, escalated, resolved, closed.
    assert_eq!(
        app.post(&path(&ids[0], "assign"), Some(t1), json!({ "assignee_id": org.tier1_a.id })).await.status,
        200
    );
    assert_eq!(app.post(&path(&ids[1], "start"), Some(t1), json!({})).await.status, 200);
    app.post(&path(&ids[2], "start"), Some(t1), json!({})).await;
    let escalated = app
        .post(
            &path(&ids[2], "escalate"),
            Some(t1),
            json!({ "reason": "Butuh akses server", "steps_taken": "Cek akun" }),
        )
        .await;
    assert_eq!(escalated.status, 200, "{}", escalated.text);
    app.post(&path(&ids[3], "start"), Some(t1), json!({})).await;
    let resolved = app
        .post(&path(&ids[3], "resolve"), Some(t1), json!({ "resolution_code": "solved", "resolution": "Diperbaiki" }))
        .await;
    assert_eq!(resolved.status, 200, "{}", resolved.text);
    let patched = app
        .patch(&format!("/api/v1/tickets/{}", ids[4]), Some(t1), json!({ "impact": "low", "urgency": "low" }), None)
        .await;
    assert!(patched.status == 200, "{}", patched.text);

    for fold in [false, true] {
        if fold {
            let mut conn = app.db.conn().unwrap();
            spbe_desk::db::tickets::fold_counts(&mut conn).unwrap();
            assert_eq!(app.count("ticket_count_deltas"), 0);
        }
        for (who, token) in [
            ("supervisor", &org.supervisor.token),
            ("tier-1 of PD A", &org.tier1_a.token),
            ("tier-1 of PD B", &org.tier1_b.token),
            ("tier 2", &org.tier2.token),
            ("reporter of PD A", &org.reporter_a.token),
        ] {
            for filter in
                ["", "status=new", "tier=2", "priority=high", "unassigned=true", &format!("unit_id={}", org.pd_a)]
            {
                let (counted, read) = both_ways(&app, token, filter).await;
                assert_eq!(counted, read, "{who}, ?{filter}, folded: {fold}");
            }
        }
    }
    let (all, _) = both_ways(&app, &org.supervisor.token, "").await;
    assert_eq!(all["total"], 10);
    assert_eq!(all["by_status"]["resolved"], 1);
    assert_eq!(all["by_tier"]["2"], 3);
}

on_both_backends!(counted_summaries_agree_with_the_tickets);
