//! `/api/v1/tickets/{id}/comments` and `/events`: the conversation and the timeline.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::admit::admit;
use super::resolve;
use super::types::TicketEventResponse;
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::comments::{self, Comment};
use crate::db::tickets;
use crate::db::tickets::rights::TicketRight;
use crate::domain::ticket::access::{self, TicketScope};
use crate::domain::ticket::intake::parse_long_text;
use crate::domain::version::Precondition;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCommentRequest {
    /// 1–10 000 characters.
    pub body: String,
    /// Internal comments are for the desks only; reporters never see them.
    #[serde(default)]
    pub internal: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentResponse {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author_kind: String,
    pub author_id: Uuid,
    pub body: String,
    pub internal: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Comment> for CommentResponse {
    fn from(c: Comment) -> Self {
        Self {
            id: c.id,
            ticket_id: c.ticket_id,
            author_kind: c.author_kind,
            author_id: c.author_id,
            body: c.body,
            internal: c.internal,
            created_at: c.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentList {
    pub items: Vec<CommentResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    pub items: Vec<TicketEventResponse>,
}

/// Comment on a ticket (public, or internal for staff).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/comments", tag = "tickets", request_body = CreateCommentRequest,
    params(("id" = String, Path, description = "id or number")),
    responses((status = 201, body = CommentResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "the ticket is closed"),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn create_comment(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Json<CreateCommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let ticket_id = admit(&state, &auth, id.into_inner(), Precondition::None, TicketRight::Comment).await?;
    let body = body.into_inner()?;
    let text = parse_long_text(&body.body).map_err(|e| ApiError::invalid("body", e.to_string()))?;
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let comment =
        state.db.run(move |conn| comments::add(conn, &ctx, &principal, ticket_id, &text, body.internal)).await?;
    Ok(HttpResponse::Created().json(CommentResponse::from(comment)))
}

/// The comments the caller may read, oldest first.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/comments", tag = "tickets",
    params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = CommentList), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_comments(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (principal, raw) = (auth.principal.clone(), id.into_inner());
    let rows = state
        .db
        .run(move |conn| {
            let ticket_id = resolve(conn, &TicketScope::of(&principal), &raw)?;
            comments::list(conn, &principal, ticket_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CommentList { items: rows.into_iter().map(CommentResponse::from).collect() }))
}

/// The timeline: every change, who made it, when, from → to.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/events", tag = "tickets",
    params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = EventList), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_events(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (principal, raw) = (auth.principal.clone(), id.into_inner());
    let rows = state.db.run(move |conn| events_of(conn, &principal, &raw)).await?;
    Ok(HttpResponse::Ok().json(EventList { items: rows.into_iter().map(TicketEventResponse::from).collect() }))
}

/// What the timeline reads: a ticket's events (id or number), the desk's
/// internal ones for staff only.
pub fn events_of(
    conn: &mut crate::db::DbConnection,
    principal: &crate::domain::policy::Principal,
    raw: &str,
) -> Result<Vec<crate::db::journal::timeline::TicketEvent>, crate::db::StoreError> {
    let scope = TicketScope::of(principal);
    let ticket_id = resolve(conn, &scope, raw)?;
    let ticket = tickets::find(conn, &scope, ticket_id)?;
    crate::db::journal::timeline::list(conn, ticket_id, access::is_staff(principal, &ticket.facts()))
}
