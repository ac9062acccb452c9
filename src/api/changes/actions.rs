//! Moves of a change: submit, assess, request-approval, schedule,
//! dinas-test, start, complete, review, cancel; follow-ups and ticket links;
//! raising a change from a `change_request` ticket.

use actix_web::{web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::admit;
use super::types::{
    CancelChangeRequest, ChangeResponse, CompleteChangeRequest, DinasTestRequest, FollowUpUpdateRequest,
    LinkTicketRequest, ReviewChangeRequest, ScheduleChangeRequest,
};
use crate::api::etag::{created_with_etag, ok_with_etag, precondition};
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::changes::{self, Change, FollowUpDraft, MoveRequest, ScheduleRequest};
use crate::db::{DbConnection, StoreError};
use crate::domain::change::access::{ChangeMove, ChangeVisibility};
use crate::domain::journal::Context;
use crate::domain::ticket::intake::{parse_long_text, parse_title};
use crate::domain::validation::ValidationErrors;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

type Move = Box<dyn FnOnce(&mut DbConnection, &Context, &MoveRequest<'_>) -> Result<Change, StoreError> + Send>;

/// Runs one move in the store and answers with the change and its ETag.
async fn run(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    change_id: Uuid,
    work: Move,
) -> Result<HttpResponse, ApiError> {
    let precondition = precondition(&req)?;
    let (ctx, principal, rules) =
        (auth.context(state.clock.now()), auth.principal.clone(), state.settings.changes.rules());
    let change = state
        .db
        .run(move |conn| {
            let request = MoveRequest { principal: &principal, change_id, precondition, rules: &rules };
            let change = work(conn, &ctx, &request)?;
            super::one_change(conn, &rules.policy, ChangeVisibility::of(&principal), change)
        })
        .await?;
    Ok(ok_with_etag(change.version, &change))
}

/// Free text that must not be blank.
fn text(field: &str, raw: &str) -> Result<String, ApiError> {
    parse_long_text(raw).map_err(|e| ApiError::Validation(ValidationErrors::single(field, e.to_string())))
}

/// What every move answers.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code, clippy::large_enum_variant, reason = "documents the responses; never built")]
pub enum MoveResponses {
    #[response(status = 200, description = "the change after the move, with its ETag")]
    Moved(ChangeResponse),
    #[response(status = 400, description = "malformed JSON or If-Match")]
    BadRequest(Problem),
    #[response(status = 401, description = "not authenticated")]
    Unauthorized(Problem),
    #[response(status = 403, description = "your roles do not allow this move")]
    Forbidden(Problem),
    #[response(status = 404, description = "no such change, or not yours to see")]
    NotFound(Problem),
    #[response(status = 409, description = "not allowed in this status (names the allowed moves), or a conflict")]
    Conflict(Problem),
    #[response(status = 412, description = "If-Match names another version")]
    Stale(Problem),
    #[response(status = 415, description = "the body is not JSON")]
    NotJson(Problem),
    #[response(status = 422, description = "invalid fields")]
    Invalid(Problem),
}

/// An empty JSON object: the body of moves that carry nothing.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

/// `draft -> submitted`.
#[utoipa::path(post, path = "/api/v1/changes/{id}/submit", tag = "change workflow", request_body = EmptyBody,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), responses(MoveResponses), security(("bearer" = [])))]
pub async fn submit_change(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<EmptyBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    admit(&state, &auth, id, ChangeMove::Submit).await?;
    body.into_inner()?;
    run(state, auth, req, id, Box::new(changes::submit)).await
}

/// `submitted -> assessing`: analysis begins (tier 2, supervisors, the board).
#[utoipa::path(post, path = "/api/v1/changes/{id}/assess", tag = "change workflow", request_body = EmptyBody,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), responses(MoveResponses), security(("bearer" = [])))]
pub async fn assess_change(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<EmptyBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    admit(&state, &auth, id, ChangeMove::Assess).await?;
    body.into_inner()?;
    run(state, auth, req, id, Box::new(changes::start_assessment)).await
}

/// `assessing -> awaiting_approval` (a standard change: `-> approved`); needs the risk assessment and the plans
/// (422), and someone able to give each approval the change needs (409 naming the one nobody may give).
#[utoipa::path(post, path = "/api/v1/changes/{id}/request-approval", tag = "change workflow", request_body = EmptyBody,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), responses(MoveResponses), security(("bearer" = [])))]
pub async fn request_approval(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<EmptyBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    admit(&state, &auth, id, ChangeMove::RequestApproval).await?;
    body.into_inner()?;
    run(state, auth, req, id, Box::new(changes::request_approval)).await
}

/// `approved | scheduled -> scheduled`: plan or move the window; conflicts need `override_reason`.
#[utoipa::path(post, path = "/api/v1/changes/{id}/schedule", tag = "change workflow", request_body = ScheduleChangeRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), responses(MoveResponses), security(("bearer" = [])))]
pub async fn schedule_change(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<ScheduleChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    admit(&state, &auth, id, ChangeMove::Schedule).await?;
    let body = body.into_inner()?;
    let override_reason = body.override_reason.map(|r| text("override_reason", &r)).transpose()?;
    let window = ScheduleRequest { start: body.planned_start, end: body.planned_end, override_reason };
    run(state, auth, req, id, Box::new(move |conn, ctx, r| changes::schedule(conn, ctx, r, &window))).await
}

/// Record the test with the Dinas that a change touching an aplikasi khusus or the network needs before it starts.
#[utoipa::path(post, path = "/api/v1/changes/{id}/dinas-test", tag = "change workflow", request_body = DinasTestRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), responses(MoveResponses), security(("bearer" = [])))]
pub async fn record_dinas_test(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<DinasTestRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    admit(&state, &auth, id, ChangeMove::RecordDinasTest).await?;
    let body = body.into_inner()?;
    let notes = text("notes", &body.notes)?;
    run(
        state,
        auth,
        req,
        id,
        Box::new(move |conn, ctx, r| changes::record_dinas_test(conn, ctx, r, body.passed, notes)),
    )
    .await
}

/// `scheduled -> implementing` (an approved emergency change may start unscheduled).
#[utoipa::path(post, path = "/api/v1/changes/{id}/start", tag = "change workflow", request_body = EmptyBody,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), responses(MoveResponses), security(("bearer" = [])))]
pub async fn start_change(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<EmptyBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    admit(&state, &auth, id, ChangeMove::Start).await?;
    body.into_inner()?;
    run(state, auth, req, id, Box::new(changes::start)).await
}

/// `implementing -> reviewing`, with the outcome; the review falls due.
#[utoipa::path(post, path = "/api/v1/changes/{id}/complete", tag = "change workflow", request_body = CompleteChangeRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), responses(MoveResponses), security(("bearer" = [])))]
pub async fn complete_change(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<CompleteChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    admit(&state, &auth, id, ChangeMove::Complete).await?;
    let body = body.into_inner()?;
    let notes = body.notes.map(|n| text("notes", &n)).transpose()?;
    run(state, auth, req, id, Box::new(move |conn, ctx, r| changes::complete(conn, ctx, r, body.outcome, notes))).await
}

/// `reviewing -> completed`: the post-implementation review and its follow-up actions.
#[utoipa::path(post, path = "/api/v1/changes/{id}/review", tag = "change workflow", request_body = ReviewChangeRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), responses(MoveResponses), security(("bearer" = [])))]
pub async fn review_change(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<ReviewChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    admit(&state, &auth, id, ChangeMove::Review).await?;
    let body = body.into_inner()?;
    let mut errors = ValidationErrors::new();
    let findings = errors.check("findings", parse_long_text(&body.findings));
    let follow_ups: Vec<FollowUpDraft> = body
        .follow_ups
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let action = errors.check(&format!("follow_ups[{i}].action"), parse_title(&f.action))?;
            Some(FollowUpDraft { action, owner_id: f.owner_id, due_on: f.due_on })
        })
        .collect();
    if follow_ups.len() > 50 {
        errors.add("follow_ups", "A review lists at most 50 follow-up actions.");
    }
    errors.finish()?;
    let findings = findings.unwrap_or_default();
    run(state, auth, req, id, Box::new(move |conn, ctx, r| changes::review(conn, ctx, r, findings, &follow_ups))).await
}

/// Cancel a change before implementation.
#[utoipa::path(post, path = "/api/v1/changes/{id}/cancel", tag = "change workflow", request_body = CancelChangeRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), responses(MoveResponses), security(("bearer" = [])))]
pub async fn cancel_change(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<CancelChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    admit(&state, &auth, id, ChangeMove::Cancel).await?;
    let body = body.into_inner()?;
    let reason = text("reason", &body.reason)?;
    run(state, auth, req, id, Box::new(move |conn, ctx, r| changes::cancel(conn, ctx, r, reason))).await
}

/// Link a ticket that asked for the change (`origin`) or an incident it caused (`caused`).
#[utoipa::path(post, path = "/api/v1/changes/{id}/tickets", tag = "change workflow", request_body = LinkTicketRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), responses(MoveResponses), security(("bearer" = [])))]
pub async fn link_change_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<LinkTicketRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    admit(&state, &auth, id, ChangeMove::LinkTicket).await?;
    let body = body.into_inner()?;
    if !super::types::RELATIONS.contains(&body.relation.as_str()) {
        return Err(ApiError::invalid("relation", "Give origin or caused."));
    }
    run(
        state,
        auth,
        req,
        id,
        Box::new(move |conn, ctx, r| changes::link_ticket(conn, ctx, r, body.ticket_id, &body.relation)),
    )
    .await
}

/// Mark a follow-up action of the review done (or open again).
#[utoipa::path(patch, path = "/api/v1/changes/{id}/follow-ups/{position}", tag = "change workflow", request_body = FollowUpUpdateRequest,
    params(("id" = Uuid, Path), ("position" = i32, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = ChangeResponse), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "changed at the same moment"),
        (status = 412, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_follow_up(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(Uuid, i32)>,
    body: Json<FollowUpUpdateRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, position) = path.into_inner();
    admit(&state, &auth, id, ChangeMove::UpdateFollowUp).await?;
    let body = body.into_inner()?;
    let done = body.done;
    run(state, auth, req, id, Box::new(move |conn, ctx, r| changes::update_follow_up(conn, ctx, r, position, done)))
        .await
}

/// Raise a change from a `change_request` ticket: prefilled from it and linked both ways. The
/// ticket's service and unit must still be active (422 otherwise).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/raise-change", tag = "changes", request_body = RaiseChangeRequest,
    params(("id" = String, Path, description = "the ticket's id or number")),
    responses((status = 201, body = ChangeResponse), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "not a change_request ticket"), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn raise_change(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Json<RaiseChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    use crate::domain::change::access::{may, mover, ChangeAction};
    if !may(&auth.principal, ChangeAction::Create, None) {
        return Err(ApiError::forbidden());
    }
    mover(&auth.principal).map_err(|e| ApiError::Forbidden(e.to_string()))?;
    let body = body.into_inner()?;
    let reason = body.reason.map(|r| text("reason", &r)).transpose()?;
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let policy = state.settings.changes.policy();
    let raw_id = id.into_inner();
    let change = state
        .db
        .run(move |conn| {
            let scope = crate::domain::ticket::access::TicketScope::of(&principal);
            let ticket_id = crate::api::tickets::resolve(conn, &scope, &raw_id)?;
            let ticket = crate::db::tickets::find(conn, &scope, ticket_id)?;
            if ticket.ticket_type != crate::domain::ticket::TicketType::ChangeRequest {
                return Err(StoreError::Conflict("Only a change_request ticket can raise a change.".into()));
            }
            let new = changes::NewChange {
                change_type: body.change_type.unwrap_or(crate::domain::change::ChangeType::Normal),
                scope: Some(body.scope),
                title: Some(ticket.title.clone()),
                description: Some(ticket.description.clone()),
                reason: reason.unwrap_or_else(|| format!("Diminta melalui tiket {}", ticket.number)),
                owner_unit_id: ticket.unit_id,
                service_ids: vec![ticket.service_id],
                ticket_ids: vec![ticket.id],
                template_id: None,
                risk: None,
                impact_analysis: String::new(),
                implementation_plan: String::new(),
                test_plan: String::new(),
                rollback_plan: String::new(),
            };
            let (change, _) = changes::create(conn, &ctx, &scope, &new, None)?;
            super::one_change(conn, &policy, ChangeVisibility::of(&principal), change)
        })
        .await?;
    Ok(created_with_etag(format!("/api/v1/changes/{}", change.id), change.version, &change))
}

crate::api::openapi_values::string_enum!(
    /// The kinds of change a ticket raises.
    RaisedChangeType = [crate::domain::change::ChangeType::Normal, crate::domain::change::ChangeType::Emergency]
        .map(|kind| kind.as_str())
);

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseChangeRequest {
    pub scope: crate::domain::change::ChangeScope,
    /// `normal` (the default) or `emergency`: a standard change comes from
    /// a template, not a ticket.
    #[schema(value_type = Option<RaisedChangeType>)]
    pub change_type: Option<crate::domain::change::ChangeType>,
    /// Why; the ticket's number when absent.
    pub reason: Option<String>,
}
