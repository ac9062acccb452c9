//! `/api/v1/audit`: the audit log, for auditors and admins.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::pagination::{Page, PageRequest};
use crate::auth::Authenticated;
use crate::db::journal::{self, AuditFilter, AuditRecord};
use crate::domain::policy::Action;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRecordResponse {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// `user`, `api_key` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    /// What was done, e.g. `user.created`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: Uuid,
    /// The state before, as a JSON object. A personal field of someone
    /// reported on behalf of (`reporter_name`, `reporter_email`,
    /// `reporter_phone`) shows its value while it is held, and
    /// `{"personal": "<commitment, 64 hex>", "erased_at": "<instant>"}` once
    /// erased (`docs/privacy.md`); the export holds the commitment alone.
    pub before: Option<serde_json::Value>,
    /// The state after, personal fields shown as in `before`.
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    /// The chain (the ticket, or the resource) the entry belongs to.
    pub chain_id: Option<Uuid>,
    /// Position in the chain, from 1.
    pub position: Option<i64>,
    /// SHA-256 (hex) of the previous entry of the chain; zeros at position 1.
    pub prev_hash: Option<String>,
    /// SHA-256 (hex) of this entry's canonical encoding (`docs/audit.md`).
    pub hash: Option<String>,
}

impl From<AuditRecord> for AuditRecordResponse {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id,
            occurred_at: r.occurred_at,
            actor_kind: r.actor_kind,
            actor_id: r.actor_id,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            before: r.before,
            after: r.after,
            request_id: r.request_id,
            chain_id: r.chain_id,
            position: r.position,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// e.g. `unit`, `user`, `session`, `api_key`.
    #[param(pattern = "^[a-z_]{0,50}$")]
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    /// The entries of one chain (a ticket with its comments and attachments).
    pub chain_id: Option<Uuid>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Read the audit log in the order it was written.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditRecordResponse>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_audit(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadAudit)?;
    let query = query.into_inner();
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    if query
        .entity_type
        .as_deref()
        .is_some_and(|t| t.len() > 50 || !t.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
    {
        return Err(ApiError::invalid("entity_type", "must be a name such as unit, user, ticket or session"));
    }
    let filter = AuditFilter {
        entity_type: query.entity_type,
        entity_id: query.entity_id,
        chain_id: query.chain_id,
        after_id: page.after_id,
        limit: page.fetch_limit(),
    };
    let rows = state.db.run(move |conn| journal::list_audit(conn, &filter)).await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |r| r.id, AuditRecordResponse::from)))
}
