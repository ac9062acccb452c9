//! Approvals of a change (signed), their verification, and its conflicts.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::approval_types::{ApprovalList, ApprovalRequest, ApprovalResponse};
use super::conflict_types::ConflictReportResponse;
use super::types::ChangeResponse;
use crate::api::etag::precondition;
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::changes::approvals::{self, CastRequest, Verification};
use crate::db::changes::conflicts;
use crate::db::changes::{self, MoveRequest};
use crate::domain::change::access::{ChangeMove, ChangeVisibility};
use crate::domain::change::approval::Capacity;
use crate::domain::change::schedule::Window;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalDecisionResponse {
    pub change: ChangeResponse,
    pub approval: ApprovalResponse,
}

/// Decide on a change: in its approval round, or (an emergency change after
/// it started) as the board's retrospective review. Signed with the
/// service's key over the content hash (docs/changes.md).
#[utoipa::path(post, path = "/api/v1/changes/{id}/approvals", tag = "change workflow", request_body = ApprovalRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 201, body = ApprovalDecisionResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "not an approver, your own change, a unit you do not represent, or the board seat of a change your unit raised or whose service it owns (segregation of duties)"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "not awaiting approval, or already decided"),
        (status = 412, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn approve_change(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<ApprovalRequest>,
) -> Result<HttpResponse, ApiError> {
    let change_id = id.into_inner();
    super::admit(&state, &auth, change_id, ChangeMove::Decide).await?;
    let body = body.into_inner()?;
    let capacity = Capacity::from_parts(body.capacity, body.unit_id)
        .ok_or_else(|| ApiError::invalid("unit_id", "Give unit_id with the owner_unit capacity, and only with it."))?;
    let comment = body.comment.trim().to_owned();
    if comment.chars().count() > 4000 {
        return Err(ApiError::invalid("comment", "A comment has at most 4000 characters."));
    }
    let cast = CastRequest { capacity, decision: body.decision, comment };
    let precondition = precondition(&req)?;
    let (ctx, principal, rules) =
        (auth.context(state.clock.now()), auth.principal.clone(), state.settings.changes.rules());
    let keys = state.audit_keys.clone();
    let (change, approval) = state
        .db
        .run(move |conn| {
            let request = MoveRequest { principal: &principal, change_id, precondition, rules: &rules };
            let (change, approval) = approvals::cast(conn, &ctx, &request, &keys, &cast)?;
            let change = super::one_change(conn, &rules.policy, ChangeVisibility::of(&principal), change)?;
            Ok::<_, crate::db::StoreError>((change, approval))
        })
        .await?;
    Ok(HttpResponse::Created().json(ApprovalDecisionResponse { change, approval: ApprovalResponse::from(approval) }))
}

/// Every decision on a change (voided ones too), with the public keys that verify them.
#[utoipa::path(get, path = "/api/v1/changes/{id}/approvals", tag = "changes", params(("id" = Uuid, Path)),
    responses((status = 200, body = ApprovalList), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_approvals(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let visibility = ChangeVisibility::of(&auth.principal);
    let id = id.into_inner();
    let rows = state
        .db
        .run(move |conn| {
            changes::find(conn, visibility, id)?;
            approvals::list(conn, id)
        })
        .await?;
    let public_keys =
        state.audit_keys.trusted.iter().map(|(id, key)| (id.clone(), hex::encode(key.as_bytes()))).collect();
    Ok(HttpResponse::Ok().json(ApprovalList { items: rows.into_iter().map(Into::into).collect(), public_keys }))
}

/// Checks every approval's signature and whether the content it approved is the content now.
#[utoipa::path(get, path = "/api/v1/changes/{id}/approvals/verify", tag = "changes", params(("id" = Uuid, Path)),
    responses((status = 200, body = inline(Object), description = "per approval: key_known, signature_valid, content_matches, voided; and valid overall"),
        (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn verify_approvals(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let visibility = ChangeVisibility::of(&auth.principal);
    let id = id.into_inner();
    let trusted = state.audit_keys.trusted.clone();
    let report: Verification = state
        .db
        .run(move |conn| {
            let change = changes::find(conn, visibility, id)?;
            approvals::verify(conn, &change, &trusted)
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConflictQuery {
    /// The start of a window to try: `from` and `to` both or neither (422
    /// otherwise); without them the planned window (422 when the change has
    /// none).
    pub from: Option<DateTime<Utc>>,
    /// The end of the window to try: after `from`, and at most 31 days
    /// after it (422 otherwise).
    pub to: Option<DateTime<Utc>>,
}

/// Other approved, scheduled or running changes whose windows overlap on the
/// same service or shared infrastructure, and the freeze windows it falls
/// into. A change the caller may not read is shown without its id, number,
/// title and status.
#[utoipa::path(get, path = "/api/v1/changes/{id}/conflicts", tag = "changes", params(("id" = Uuid, Path), ConflictQuery),
    responses((status = 200, body = ConflictReportResponse),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn change_conflicts(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
    query: web::Query<ConflictQuery>,
) -> Result<HttpResponse, ApiError> {
    let asked = match (query.from, query.to) {
        (Some(from), Some(to)) => Some(Window::new(from, to).map_err(|e| ApiError::invalid("to", e.to_string()))?),
        (None, None) => None,
        _ => return Err(ApiError::invalid("from", "Give both from and to, or neither.")),
    };
    let visibility = ChangeVisibility::of(&auth.principal);
    let id = id.into_inner();
    let report = state
        .db
        .run(move |conn| {
            let change = changes::find(conn, visibility, id)?;
            let window = asked.or(change.planned).ok_or_else(|| {
                crate::db::StoreError::Invalid(crate::domain::validation::ValidationErrors::single(
                    "from",
                    "The change has no planned window; give from and to.",
                ))
            })?;
            let report = conflicts::find_for(conn, &change, &window)?;
            conflicts::seen_by(conn, visibility, report)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ConflictReportResponse::from(report)))
}
