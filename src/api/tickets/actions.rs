//! Workflow moves on a ticket (`/tickets/{id}/assign`, `…/escalate`, …),
//! ratings and problem links.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::admit::{admit, admit_move};
use super::knowledge::{resolve_with_knowledge, ResolveKnowledge};
use super::resolve;
use super::types::{TicketPage, TicketResponse};
use crate::api::etag::{ok_with_etag, precondition};
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::tickets::rights::TicketRight;
use crate::db::tickets::{self, TicketFilter, TransitionRequest};
use crate::db::StoreError;
use crate::domain::policy::Actor;
use crate::domain::ticket::access::TicketScope;
use crate::domain::ticket::escalation::{parse_escalation, EscalationError};
use crate::domain::ticket::intake::parse_long_text;
use crate::domain::ticket::problem_link::check_unlink;
use crate::domain::ticket::rating::{RateError, TicketRating};
use crate::domain::ticket::workflow::CommandKind;
use crate::domain::ticket::{Command, PendingReason, ResolutionCode};
use crate::domain::validation::ValidationErrors;
use crate::domain::version::Precondition;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// An active tier-1 technician of the ticket's unit (tier 1) or tier-2
    /// engineer (tier 2) (422 otherwise).
    pub assignee_id: Uuid,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PendingRequest {
    pub reason: PendingReason,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateRequest {
    /// Why tier 1 cannot solve it.
    pub reason: String,
    /// What tier 1 already tried.
    pub steps_taken: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// What tier 1 should do now.
    pub instructions: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    pub resolution_code: ResolutionCode,
    pub resolution: String,
    /// For a problem: also resolve the open tickets linked to it.
    #[serde(default)]
    pub resolve_linked: bool,
    /// Link the articles used and/or propose a draft, in the same
    /// transaction (a refused article undoes the resolution: 422).
    pub knowledge: Option<ResolveKnowledge>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenRequest {
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateRequest {
    /// 1 (very dissatisfied) to 5 (very satisfied).
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i16,
    pub remark: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// The incident or complaint to link to this problem (422 for another
    /// type; the ticket in the path must be a problem, 422 otherwise).
    pub ticket_id: Uuid,
}

fn text(field: &str, raw: &str) -> Result<String, ApiError> {
    parse_long_text(raw).map_err(|e| ApiError::Validation(ValidationErrors::single(field, e.to_string())))
}

fn escalation_errors(e: EscalationError) -> ValidationErrors {
    let mut errors = ValidationErrors::new();
    for (field, error) in [("reason", e.reason), ("steps_taken", e.steps_taken)] {
        if let Some(error) = error {
            errors.add(field, error.to_string());
        }
    }
    errors
}

/// Runs one workflow command on the ticket [`admit_move`] found, and
/// answers with the ticket and its ETag.
async fn run(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: Uuid,
    command: Command,
    resolve_linked: bool,
) -> Result<HttpResponse, ApiError> {
    let request = TransitionRequest { command, precondition: precondition(&req)?, resolve_linked };
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let window = Duration::days(i64::from(state.settings.tickets.reopen_window_days));
    let ticket = state.db.run(move |conn| tickets::transition(conn, &ctx, &principal, id, &request, window)).await?;
    Ok(ok_with_etag(ticket.version, &TicketResponse::new(ticket, &auth.principal)))
}

fn actor_user(auth: &Authenticated) -> Uuid {
    match auth.principal.actor {
        Actor::User(id) | Actor::ApiKey(id) => id,
    }
}

/// Assign to a technician of the ticket's current tier.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/assign", tag = "ticket workflow", request_body = AssignRequest,
    params(("id" = String, Path, description = "id or number"), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = TicketResponse), (status = 400, body = Problem, description = "malformed If-Match"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "not allowed in this status; names the allowed actions"), (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn assign_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<AssignRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = admit_move(&state, &auth, &req, id.into_inner(), CommandKind::Assign).await?;
    let command = Command::Assign { assignee: body.into_inner()?.assignee_id };
    run(state, auth, req, id, command, false).await
}

/// Start work (from `new`, the caller takes the ticket).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/start", tag = "ticket workflow",
    params(("id" = String, Path, description = "id or number"), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = TicketResponse), (status = 400, body = Problem, description = "malformed If-Match"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem),
        (status = 422, body = Problem, description = "the caller cannot hold the ticket it would take")),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn start_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = admit_move(&state, &auth, &req, id.into_inner(), CommandKind::Start).await?;
    let command = Command::Start { actor: actor_user(&auth) };
    run(state, auth, req, id, command, false).await
}

/// Wait for the reporter or a vendor.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/pending", tag = "ticket workflow", request_body = PendingRequest,
    params(("id" = String, Path, description = "id or number"), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = TicketResponse), (status = 400, body = Problem, description = "malformed If-Match"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn pend_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<PendingRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = admit_move(&state, &auth, &req, id.into_inner(), CommandKind::Pend).await?;
    let command = Command::Pend { reason: body.into_inner()?.reason };
    run(state, auth, req, id, command, false).await
}

/// Resume work after waiting.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/resume", tag = "ticket workflow",
    params(("id" = String, Path, description = "id or number"), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = TicketResponse), (status = 400, body = Problem, description = "malformed If-Match"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn resume_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = admit_move(&state, &auth, &req, id.into_inner(), CommandKind::Resume).await?;
    run(state, auth, req, id, Command::Resume, false).await
}

/// Escalate from tier 1 to the Dinas tier 2, with a reason and what was tried.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/escalate", tag = "ticket workflow", request_body = EscalateRequest,
    params(("id" = String, Path, description = "id or number"), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = TicketResponse), (status = 400, body = Problem, description = "malformed If-Match"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "e.g. already at tier 2"), (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn escalate_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<EscalateRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = admit_move(&state, &auth, &req, id.into_inner(), CommandKind::Escalate).await?;
    let body = body.into_inner()?;
    let command = parse_escalation(&body.reason, &body.steps_taken).map_err(escalation_errors)?;
    run(state, auth, req, id, command, false).await
}

/// Return from tier 2 to the unit's tier 1, with instructions.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/return", tag = "ticket workflow", request_body = ReturnRequest,
    params(("id" = String, Path, description = "id or number"), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = TicketResponse), (status = 400, body = Problem, description = "malformed If-Match"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn return_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<ReturnRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = admit_move(&state, &auth, &req, id.into_inner(), CommandKind::Return).await?;
    let instructions = text("instructions", &body.into_inner()?.instructions)?;
    run(state, auth, req, id, Command::Return { instructions }, false).await
}

/// Resolve, with a resolution code and text (a problem may resolve its
/// linked tickets too), linking the articles used or proposing a draft.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/resolve", tag = "ticket workflow", request_body = ResolveRequest,
    params(("id" = String, Path, description = "id or number"), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = TicketResponse, headers(("Link" = String, description = "with `knowledge.propose_draft`: `</api/v1/knowledge/articles/{id}>; rel=\"knowledge-draft\"`"))), (status = 400, body = Problem, description = "malformed If-Match"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn resolve_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<ResolveRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = admit_move(&state, &auth, &req, id.into_inner(), CommandKind::Resolve).await?;
    let body = body.into_inner()?;
    let resolution = text("resolution", &body.resolution)?;
    let command = Command::Resolve { code: body.resolution_code, resolution };
    match body.knowledge {
        None => run(state, auth, req, id, command, body.resolve_linked).await,
        Some(knowledge) => {
            let request =
                TransitionRequest { command, precondition: precondition(&req)?, resolve_linked: body.resolve_linked };
            resolve_with_knowledge(state, auth, id, request, knowledge).await
        }
    }
}

/// Close a resolved ticket (the reporter confirming, or the desk).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/close", tag = "ticket workflow",
    params(("id" = String, Path, description = "id or number"), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = TicketResponse), (status = 400, body = Problem, description = "malformed If-Match"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn close_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = admit_move(&state, &auth, &req, id.into_inner(), CommandKind::Close).await?;
    run(state, auth, req, id, Command::Close, false).await
}

/// Reopen a resolved ticket (the reporter, within the reopen window).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/reopen", tag = "ticket workflow", request_body = ReopenRequest,
    params(("id" = String, Path, description = "id or number"), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = TicketResponse), (status = 400, body = Problem, description = "malformed If-Match"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "not resolved, or the window has passed"), (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn reopen_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<ReopenRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = admit_move(&state, &auth, &req, id.into_inner(), CommandKind::Reopen).await?;
    let reason = text("reason", &body.into_inner()?.reason)?;
    run(state, auth, req, id, Command::Reopen { reason }, false).await
}

/// Rate the service received (the reporter, once, after resolution).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/rating", tag = "ticket workflow", request_body = RateRequest,
    params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = TicketResponse), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn rate_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Json<RateRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = admit(&state, &auth, id.into_inner(), Precondition::None, TicketRight::Rate).await?;
    let body = body.into_inner()?;
    let rating = TicketRating::parse(body.rating, body.remark.as_deref()).map_err(|e| match e {
        RateError::Rating(_) => ApiError::invalid("rating", e.to_string()),
        RateError::Remark(_) => ApiError::invalid("remark", e.to_string()),
    })?;
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let ticket = state.db.run(move |conn| tickets::rate(conn, &ctx, &principal, id, rating)).await?;
    Ok(ok_with_etag(ticket.version, &TicketResponse::new(ticket, &auth.principal)))
}

/// Link an incident or complaint to this problem.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/linked-tickets", tag = "problems", request_body = LinkRequest,
    params(("id" = String, Path, description = "the problem's id or number")),
    responses((status = 200, body = TicketResponse, description = "the linked ticket"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn link_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Json<LinkRequest>,
) -> Result<HttpResponse, ApiError> {
    let problem = admit(&state, &auth, id.into_inner(), Precondition::None, TicketRight::LinkToProblem).await?;
    let ticket_id = body.into_inner()?.ticket_id;
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let ticket =
        state.db.run(move |conn| tickets::set_problem(conn, &ctx, &principal, ticket_id, Some(problem))).await?;
    Ok(ok_with_etag(ticket.version, &TicketResponse::new(ticket, &auth.principal)))
}

/// Unlink a ticket from this problem.
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/linked-tickets/{ticket_id}", tag = "problems",
    params(("id" = String, Path, description = "the problem's id or number"), ("ticket_id" = Uuid, Path)),
    responses((status = 200, body = TicketResponse, description = "the unlinked ticket"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn unlink_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (raw, ticket_id) = path.into_inner();
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let ticket = state
        .db
        .run(move |conn| {
            let scope = TicketScope::of(&principal);
            let problem = resolve(conn, &scope, &raw)?;
            let linked = tickets::find(conn, &scope, ticket_id)?;
            check_unlink(problem, linked.problem_id).map_err(|_| StoreError::NotFound)?;
            tickets::set_problem(conn, &ctx, &principal, ticket_id, None)
        })
        .await?;
    Ok(ok_with_etag(ticket.version, &TicketResponse::new(ticket, &auth.principal)))
}

/// The tickets linked to this problem.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/linked-tickets", tag = "problems",
    params(("id" = String, Path, description = "the problem's id or number")),
    responses((status = 200, body = TicketPage), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_linked_tickets(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (principal, raw) = (auth.principal.clone(), id.into_inner());
    let rows = state
        .db
        .run(move |conn| {
            let scope = TicketScope::of(&principal);
            let problem = resolve(conn, &scope, &raw)?;
            let filter = TicketFilter { problem_id: Some(problem), limit: 1000, ..TicketFilter::default() };
            tickets::list(conn, &scope, &filter)
        })
        .await?;
    let items = rows.into_iter().map(|t| TicketResponse::new(t, &auth.principal)).collect();
    Ok(HttpResponse::Ok().json(TicketPage { items, next_cursor: None }))
}
