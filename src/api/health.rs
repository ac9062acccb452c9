//! Liveness, readiness and metrics endpoints for operators.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    pub status: String,
}

/// The process is up.
#[utoipa::path(get, path = "/health/live", tag = "health", responses((status = 200, body = HealthResponse)))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse { status: "ok".to_owned() })
}

/// The service can reach its database.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses((status = 200, body = HealthResponse), (status = 503, body = Problem)))]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    // Within a second, whatever the pool's timeout: probes time out early.
    state.db.run_within(Some(std::time::Duration::from_millis(900)), db::ping).await?;
    Ok(HttpResponse::Ok().json(HealthResponse { status: "ready".to_owned() }))
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, content_type = "text/plain", body = String, description = "Prometheus text exposition (version 0.0.4)")))]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let mut body = state.metrics.render();
    body.push_str(&notice_gauges(&state).await);
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(body)
}

/// The outbox by kind and status, and the events waiting to be fanned out
/// (read at scrape time; nothing when the database does not answer).
async fn notice_gauges(state: &AppState) -> String {
    use crate::db::notices::{events, outbox};
    let read =
        state.db.run(|conn| Ok::<_, crate::db::StoreError>((outbox::counts(conn)?, events::waiting(conn)?))).await;
    let Ok((counts, waiting)) = read else { return String::new() };
    let mut text =
        String::from("# HELP spbe_notices Notices in the outbox by kind and status.\n# TYPE spbe_notices gauge\n");
    for (kind, status, n) in counts {
        text.push_str(&format!("spbe_notices{{kind=\"{kind}\",status=\"{status}\"}} {n}\n"));
    }
    text.push_str("# HELP spbe_notice_events_waiting Ticket events not yet fanned out into notices.\n");
    text.push_str(&format!("# TYPE spbe_notice_events_waiting gauge\nspbe_notice_events_waiting {waiting}\n"));
    text
}
