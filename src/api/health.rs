//! Liveness, readiness and metrics endpoints for operators.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::secrets::digest;
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

/// Prometheus metrics (text exposition format). Readable with the
/// configured `server.metrics_token` as a bearer token; without one
/// configured, only from this machine and not through a proxy.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, content_type = "text/plain", body = String, description = "Prometheus text exposition (version 0.0.4)"),
        (status = 401, body = Problem, description = "no or a wrong metrics token"),
        (status = 403, body = Problem, description = "no token is configured and the request came from elsewhere")),
    security((), ("metrics_token" = [])))]
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    may_scrape(&req, state.settings.server.metrics_token.as_ref())?;
    let mut body = state.metrics.render();
    body.push_str(&notice_gauges(&state).await);
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(body))
}

/// Whether the request may read the metrics: they list every route's
/// traffic, which is nobody's business outside operations.
fn may_scrape(req: &HttpRequest, token: Option<&SecretString>) -> Result<(), ApiError> {
    let presented =
        req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    match token {
        // Digests compared, so the time taken says nothing of the token.
        Some(token) => match presented {
            Some(presented) if digest(presented) == digest(token.expose_secret()) => Ok(()),
            _ => Err(ApiError::Unauthenticated("present the metrics token as a bearer token".to_owned())),
        },
        None => {
            let local = req.peer_addr().is_some_and(|peer| peer.ip().is_loopback());
            let forwarded =
                req.headers().contains_key(header::FORWARDED) || req.headers().contains_key("x-forwarded-for");
            match local && !forwarded {
                true => Ok(()),
                false => Err(ApiError::Forbidden(
                    "metrics are read from this machine, or with server.metrics_token configured".to_owned(),
                )),
            }
        }
    }
}

/// The outbox by kind and status, and the events waiting to be fanned out
/// (read at scrape time; nothing when the database does not answer).
async fn notice_gauges(state: &AppState) -> String {
    use crate::db::journal::notice_events as events;
    use crate::db::notices::outbox;
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
