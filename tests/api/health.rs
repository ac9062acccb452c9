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

/// A database server that goes away (on SQLite the database is in-process):
/// readiness says so within a second, requests in flight or arriving get a
/// fast 503 with `Retry-After`, never a 500 or a time-out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_fast_with_retry_after() {
    use std::time::{Duration, Instant};
    let Some(app) = spawn_app(Backend::Postgres).await else { return };
    let org = app.org().await;
    let token = org.tier1_a.token.as_str();
    assert_eq!(app.get("/api/v1/tickets", Some(token)).await.status, 200);
    app.take_database_down();
    let started = Instant::now();
    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status, 503, "{}", ready.text);
    assert!(started.elapsed() < Duration::from_millis(1500), "readiness took {:?}", started.elapsed());
    for path in ["/api/v1/tickets", "/api/v1/units", "/api/v1/me"] {
        let started = Instant::now();
        let resp = app.get(path, Some(token)).await;
        resp.assert_problem(503);
        assert!(resp.header("retry-after").is_some(), "{path}: no Retry-After");
        assert!(started.elapsed() < Duration::from_secs(4), "{path} took {:?}", started.elapsed());
    }
    assert_eq!(app.get("/health/live", None).await.status, 200, "the process itself is alive");
}

on_both_backends!(liveness_and_readiness_answer_ok, metrics_count_requests_by_route);
