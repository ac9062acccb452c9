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

/// Requests the server is working on when the database goes away (writes
/// and reads, many at once) end in 503 with `Retry-After` like those that
/// arrive later: none in a 500, none hanging.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_when_the_database_goes_away_get_503() {
    use futures_util::future::join_all;
    use std::time::Duration;
    let Some(app) = spawn_app(Backend::Postgres).await else { return };
    let org = app.org().await;
    let (reporter, tier1) = (org.reporter_a.token.as_str(), org.tier1_a.token.as_str());
    let stop_at = std::time::Instant::now() + Duration::from_millis(1500);
    let client = |n: usize| {
        let app = &app;
        async move {
            let mut statuses = Vec::new();
            while std::time::Instant::now() < stop_at {
                let request = async {
                    if n % 2 == 0 {
                        app.post("/api/v1/tickets", Some(reporter), crate::tickets::incident(org.service)).await
                    } else {
                        app.get("/api/v1/tickets?sort=due&limit=50", Some(tier1)).await
                    }
                };
                let resp = tokio::time::timeout(Duration::from_secs(10), request).await.expect("a request hung");
                if resp.status == 503 {
                    resp.assert_problem(503);
                    assert!(resp.header("retry-after").is_some(), "503 without Retry-After");
                }
                statuses.push(resp.status);
            }
            statuses
        }
    };
    let outage = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        app.take_database_down();
    };
    let (runs, ()) = tokio::join!(join_all((0..12).map(client)), outage);
    let statuses: Vec<u16> = runs.into_iter().flatten().collect();
    let unexpected: Vec<_> = statuses.iter().filter(|s| ![200, 201, 503].contains(*s)).collect();
    assert!(unexpected.is_empty(), "statuses other than 200, 201 and 503: {unexpected:?}");
    assert!(statuses.contains(&201) && statuses.contains(&503), "the run spans the outage: {statuses:?}");
}
