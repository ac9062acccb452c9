//! Knowledge from tickets: the articles a resolution used and the draft it
//! proposes (in the resolve call itself, `knowledge`), links made after
//! (`/tickets/{id}/knowledge-links`) and a problem's known error as a
//! draft (`/tickets/{id}/known-error-article`).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::resolve_ticket;
use super::types::TicketResponse;
use crate::api::etag::{created_with_etag, ok_with_etag};
use crate::api::extract::Json;
use crate::api::knowledge::types::ArticleResponse;
use crate::auth::Authenticated;
use crate::db::knowledge::links::{self, TicketKnowledge, TicketLink};
use crate::db::tickets::TransitionRequest;
use crate::domain::knowledge::access::ArticleVisibility;
use crate::domain::knowledge::from_ticket::{may_link, MAX_LINKS};
use crate::domain::ticket::access::TicketScope;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleRef {
    /// A published article the caller may read (422 otherwise).
    pub article_id: Uuid,
}

/// What a resolution gives the knowledge base, in the same call.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveKnowledge {
    /// The published articles that solved the ticket (each link keeps the
    /// version read now), at most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub link: Vec<ArticleRef>,
    /// Write a draft article from the ticket: its subject as title, and
    /// *Gejala*, *Penyebab* and *Penyelesaian* from its description and
    /// resolution. Its URL comes back in `Link: <…>; rel="knowledge-draft"`.
    #[serde(default)]
    pub propose_draft: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkArticlesRequest {
    /// At least 1, at most 20 published articles the caller may read.
    #[schema(min_items = 1, max_items = 20)]
    pub link: Vec<ArticleRef>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketLinkResponse {
    pub article_id: Uuid,
    /// The published version the ticket used.
    pub article_version: i32,
    pub title: String,
    pub linked_by: Uuid,
    pub linked_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketLinkList {
    /// The linked articles the caller may read.
    pub items: Vec<TicketLinkResponse>,
}

impl From<TicketLink> for TicketLinkResponse {
    fn from(l: TicketLink) -> Self {
        Self {
            article_id: l.article_id,
            article_version: l.article_version,
            title: l.title,
            linked_by: l.linked_by,
            linked_at: l.linked_at,
        }
    }
}

fn wanted(link: &[ArticleRef]) -> Result<Vec<Uuid>, ApiError> {
    if link.len() > MAX_LINKS {
        return Err(ApiError::invalid("knowledge.link", format!("at most {MAX_LINKS} articles")));
    }
    Ok(link.iter().map(|a| a.article_id).collect())
}

/// Resolves the ticket and gives `knowledge` in one transaction.
pub(super) async fn resolve_with_knowledge(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: Uuid,
    request: TransitionRequest,
    knowledge: ResolveKnowledge,
) -> Result<HttpResponse, ApiError> {
    let knowledge = TicketKnowledge { link: wanted(&knowledge.link)?, propose_draft: knowledge.propose_draft };
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let window = Duration::days(i64::from(state.settings.tickets.reopen_window_days));
    let publishers = state.settings.knowledge.publishers;
    let (ticket, draft) = state
        .db
        .run(move |conn| links::resolve(conn, &ctx, &principal, id, &request, window, &knowledge, publishers))
        .await?;
    let mut response = ok_with_etag(ticket.version, &TicketResponse::new(ticket, &auth.principal));
    if let Some(draft) = draft {
        let link = format!("</api/v1/knowledge/articles/{}>; rel=\"knowledge-draft\"", draft.id);
        let value =
            actix_web::http::header::HeaderValue::from_str(&link).map_err(|e| ApiError::Internal(e.to_string()))?;
        response.headers_mut().insert(actix_web::http::header::LINK, value);
    }
    Ok(response)
}

/// Checks, before the body is read, that the caller links on this ticket.
async fn admit_linker(state: &web::Data<AppState>, auth: &Authenticated, raw: String) -> Result<Uuid, ApiError> {
    let principal = auth.principal.clone();
    let found = state.db.run(move |conn| resolve_ticket(conn, &TicketScope::of(&principal), &raw)).await?;
    if !may_link(&auth.principal, &found.facts()) {
        return Err(ApiError::Forbidden("Articles are linked by a person of the desk that works the ticket.".into()));
    }
    Ok(found.id)
}

/// Link published articles that solved the ticket (after its resolution,
/// say); a link made before stays as it was. Answers with all the links.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/knowledge-links", tag = "knowledge", request_body = LinkArticlesRequest,
    params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = TicketLinkList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "an article that is not published or that the caller may not read; nothing is linked")),
    security(("bearer" = [])))]
pub async fn link_articles(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Json<LinkArticlesRequest>,
) -> Result<HttpResponse, ApiError> {
    let ticket_id = admit_linker(&state, &auth, id.into_inner()).await?;
    let articles = wanted(&body.into_inner()?.link)?;
    if articles.is_empty() {
        return Err(ApiError::invalid("link", "name at least one article"));
    }
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let found = state.db.run(move |conn| links::link(conn, &ctx, &principal, ticket_id, &articles)).await?;
    Ok(HttpResponse::Ok().json(TicketLinkList { items: found.into_iter().map(TicketLinkResponse::from).collect() }))
}

/// The articles that solved the ticket, those the caller may read.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/knowledge-links", tag = "knowledge",
    params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = TicketLinkList), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_article_links(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (principal, raw) = (auth.principal.clone(), id.into_inner());
    let found = state
        .db
        .run(move |conn| {
            let ticket = resolve_ticket(conn, &TicketScope::of(&principal), &raw)?;
            links::of_ticket(conn, &ArticleVisibility::of(&principal), ticket.id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(TicketLinkList { items: found.into_iter().map(TicketLinkResponse::from).collect() }))
}

/// Write a problem's known error up as a draft article (kind
/// `known_error`: its symptom, and its workaround from the resolution).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/known-error-article", tag = "knowledge",
    params(("id" = String, Path, description = "the problem's id or number")),
    responses((status = 201, body = ArticleResponse), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem, description = "not a problem, or its service is inactive")),
    security(("bearer" = [])))]
pub async fn known_error_article(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let raw = id.into_inner();
    let key = crate::api::idempotency::key(&state, &req, &auth.principal, "known-error:", &raw)?;
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let publishers = state.settings.knowledge.publishers;
    let article = state
        .db
        .run(move |conn| {
            let ticket = resolve_ticket(conn, &TicketScope::of(&principal), &raw)?;
            links::known_error(conn, &ctx, &principal, ticket.id, publishers, key.as_ref())
        })
        .await?;
    let response = ArticleResponse::from(article);
    Ok(created_with_etag(format!("/api/v1/knowledge/articles/{}", response.id), response.version, &response))
}
