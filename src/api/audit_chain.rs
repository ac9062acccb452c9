//! `/api/v1/audit/verify`, `/audit/checkpoints` and `/audit/export`: the
//! tamper-evidence of the audit log, for auditors and admins.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use futures_util::stream;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::pagination::{Page, PageRequest};
use crate::auth::Authenticated;
use crate::db::journal::checkpoints::{self, Checkpoint};
use crate::db::journal::export::{self, Period};
use crate::db::journal::verify;
use crate::db::StoreError;
use crate::domain::policy::Action;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// One break in the audit record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditBreakResponse {
    /// `altered`, `deleted`, `inserted`, `reordered`, `truncated` or `bad_signature`.
    pub kind: String,
    pub chain: Option<Uuid>,
    pub position: Option<i64>,
    pub checkpoint: Option<i64>,
    pub detail: String,
}

/// What a verification checked, and every break it found (the first 1 000).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerifyResponse {
    pub intact: bool,
    pub rows_checked: u64,
    pub chains_checked: u64,
    pub checkpoints_checked: u64,
    pub breaks_found: u64,
    pub breaks: Vec<AuditBreakResponse>,
}

impl From<verify::VerifyReport> for AuditVerifyResponse {
    fn from(r: verify::VerifyReport) -> Self {
        let breaks = r
            .breaks
            .into_iter()
            .map(|b| AuditBreakResponse {
                kind: serde_json::to_value(b.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
                chain: b.chain,
                position: b.position,
                checkpoint: b.checkpoint,
                detail: b.detail,
            })
            .collect();
        Self {
            intact: r.intact,
            rows_checked: r.rows_checked,
            chains_checked: r.chains_checked,
            checkpoints_checked: r.checkpoints_checked,
            breaks_found: r.breaks_found,
            breaks,
        }
    }
}

/// A signed checkpoint of the chain heads (hashes and signature in hex).
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointResponse {
    pub seq: i64,
    pub taken_at: DateTime<Utc>,
    /// Id of the Ed25519 key that signed it (see `docs/audit.md`).
    pub key_id: String,
    pub prev_hash: String,
    pub head_count: i64,
    pub heads_digest: String,
    pub hash: String,
    pub signature: String,
}

impl From<Checkpoint> for CheckpointResponse {
    fn from(c: Checkpoint) -> Self {
        Self {
            seq: c.seq,
            taken_at: c.taken_at,
            key_id: c.key_id,
            prev_hash: c.prev_hash,
            head_count: c.head_count,
            heads_digest: c.heads_digest,
            hash: c.hash,
            signature: c.signature,
        }
    }
}

/// Check every audit chain and every checkpoint.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = AuditVerifyResponse), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn verify_audit(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadAudit)?;
    let keys = state.audit_keys.trusted.clone();
    let report = state.db.run(move |conn| verify::verify(conn, &keys)).await?;
    Ok(HttpResponse::Ok().json(AuditVerifyResponse::from(report)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckpointQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The signed checkpoints, oldest first.
#[utoipa::path(get, path = "/api/v1/audit/checkpoints", tag = "audit", params(CheckpointQuery),
    responses((status = 200, body = Page<CheckpointResponse>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_checkpoints(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<CheckpointQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadAudit)?;
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    // The cursor carries the last sequence number seen.
    let after = page.after_id.map(|id| i64::try_from(id.as_u128()).unwrap_or(i64::MAX));
    let limit = i64::from(page.fetch_limit());
    let rows = state.db.run(move |conn| checkpoints::list(conn, after, limit)).await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |c| Uuid::from_u128(c.seq as u128), CheckpointResponse::from)))
}

/// Sign the chain heads that moved since the last checkpoint, now, in as
/// many checkpoints as it takes (each signs a bounded number of heads);
/// answers the last one, which names those before it.
#[utoipa::path(post, path = "/api/v1/audit/checkpoints", tag = "audit",
    responses((status = 201, body = CheckpointResponse), (status = 204, description = "no chain moved since the last checkpoint"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_checkpoint(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    auth.require(Action::SignAuditCheckpoint)?;
    let taken = crate::jobs::audit_checkpointer::checkpoint_now(
        &state.db,
        state.clock.as_ref(),
        &state.audit_keys,
        &state.settings.audit,
    )
    .await?;
    Ok(match taken.into_iter().last() {
        Some(c) => HttpResponse::Created().json(CheckpointResponse::from(c)),
        None => HttpResponse::NoContent().finish(),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Entries and checkpoints at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Entries and checkpoints before this instant (RFC 3339): after `from`
    /// when both are given (422 otherwise).
    pub to: Option<DateTime<Utc>>,
}

/// The audit log of a period as JSON Lines, with its checkpoints and the
/// public keys, for offline verification (`docs/audit.md`).
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", params(ExportQuery),
    responses((status = 200, content_type = "application/x-ndjson", body = String, description = "one JSON object per line"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn export_audit(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadAudit)?;
    let period = Period { from: query.from, to: query.to };
    if let (Some(from), Some(to)) = (period.from, period.to) {
        if from >= to {
            return Err(ApiError::invalid("to", "must be after from"));
        }
    }
    // Lines go out as they are read: the export never sits whole in memory.
    let (lines, received) = tokio::sync::mpsc::channel::<String>(64);
    let (db, keys) = (state.db.clone(), state.audit_keys.trusted.clone());
    tokio::spawn(async move {
        let written = db
            .run(move |conn| {
                export::export(conn, &keys, period, |line| {
                    lines.blocking_send(line).map_err(|_| StoreError::Unavailable("the client went away".into()))
                })
            })
            .await;
        if let Err(e) = written {
            tracing::warn!(error = %e, "audit export stopped");
        }
    });
    let body = stream::unfold(received, |mut received| async move {
        let line = received.recv().await?;
        Some((Ok::<_, actix_web::Error>(web::Bytes::from(line + "\n")), received))
    });
    Ok(HttpResponse::Ok().content_type("application/x-ndjson").streaming(body))
}
