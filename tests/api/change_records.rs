//! What the change report makes of change records: approval lead times
//! averaged exactly; on both backends.

use chrono::Duration;

use crate::on_both_backends;
use crate::support::changes::{approve, awaiting, board};
use crate::support::{spawn_app, Backend};

async fn the_approval_lead_time_is_averaged_from_exact_durations(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    // 6 s (0.1 min) and 7.8 s (0.13 min): 0.115 min on average, not 0 from whole minutes.
    for seconds in [6_000, 7_800] {
        let id = awaiting(&app, &b, &b.umum).await;
        app.clock.advance(Duration::milliseconds(seconds));
        approve(&app, &id, &b.dinas_approver, "board", None).await;
        let decided = approve(&app, &id, &b.pd_a_approver, "owner_unit", Some(b.org.pd_a)).await;
        assert_eq!(decided["status"], "approved");
    }
    let report = app.get("/api/v1/reports/changes", Some(&b.org.supervisor.token)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    let average = report.body["approval_lead_time_avg_minutes"].as_f64().unwrap();
    assert!((average - 0.115).abs() < 1e-9, "{}", report.text);
    assert_eq!(report.body["approval_lead_time_max_minutes"], 0, "whole minutes, rounded down");
}

on_both_backends!(the_approval_lead_time_is_averaged_from_exact_durations);
