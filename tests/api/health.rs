//! Health, readiness and metrics.

use crate::on_both_backends;
use crate::support::{spawn_app, Backend};

async fn liveness_and_readiness_answer_ok(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let live = app.get("/health/live", None).await;
    assert_eq!(live.status, 200);
    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body["status"], "ready");
    assert!(ready.header("x-request-id").is_some_and(|id| !id.is_empty()));
}

async fn metrics_count_requests_by_route(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    app.get("/health/live", None).await;
    let metrics = app.get("/metrics", None).await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.text.contains("http_requests_total{method=\"GET\",route=\"/health/live\",status=\"200\"} 1"),
        "{}",
        metrics.text
    );
    assert!(metrics.text.contains("http_request_duration_seconds_bucket"));
}

on_both_backends!(liveness_and_readiness_answer_ok, metrics_count_requests_by_route);
