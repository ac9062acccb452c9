//! `/api/v1/knowledge`: articles (Manajemen Pengetahuan SPBE), their
//! lifecycle and versions ([`moves`]), their files ([`attachments`]), and
//! search and suggestions at intake ([`search`]).

pub mod attachments;
pub mod feedback;
pub mod moves;
pub mod report;
mod report_figures;
pub mod search;
pub mod types;

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};

use self::types::{ArticlePage, ArticleQuery, ArticleResponse, CreateArticleRequest, UpdateArticleRequest};
use super::etag::{created_with_etag, ok_with_etag, precondition};
use super::pagination::PageRequest;
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::knowledge::write::{self, ArticleEdit, ArticleRequest, NewArticle};
use crate::db::knowledge::{self as store, links, views, ArticleFilter};
use crate::domain::knowledge::access::{may, may_place, ArticleVisibility, KnowledgeAction};
use crate::domain::knowledge::article::{parse_body, parse_keywords};
use crate::domain::knowledge::attachments::check_references;
use crate::domain::knowledge::self_service::counts_views;
use crate::domain::knowledge::ArticleAudience;
use crate::domain::ticket::intake::parse_title;
use crate::domain::validation::ValidationErrors;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

fn parse_new(r: &CreateArticleRequest, auth: &Authenticated) -> Result<NewArticle, ApiError> {
    let mut errors = ValidationErrors::new();
    let title = errors.check("title", parse_title(&r.title));
    // A new article has no files yet: a body shows them once uploaded.
    let body = errors.check(
        "body",
        parse_body(&r.body).map_err(|e| e.to_string()).and_then(|b| {
            check_references(&b, &[])?;
            Ok(b)
        }),
    );
    let keywords = errors.check("keywords", parse_keywords(&r.keywords));
    let audience = r.audience.unwrap_or(ArticleAudience::Everyone);
    let owner_unit_id = r.owner_unit_id.unwrap_or(auth.principal.unit_id);
    if let Err(message) = may_place(&auth.principal, audience, owner_unit_id) {
        errors.add(if r.owner_unit_id.is_some() { "owner_unit_id" } else { "audience" }, message);
    }
    errors.finish()?;
    Ok(NewArticle {
        service_id: r.service_id,
        owner_unit_id,
        kind: r.kind,
        audience,
        title: title.unwrap_or_default(),
        body: body.unwrap_or_default(),
        keywords: keywords.unwrap_or_default(),
    })
}

/// Write a new article (a draft). Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/knowledge/articles", tag = "knowledge", request_body = CreateArticleRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "same key and body: the same article; same key, other body: 422")),
    responses((status = 201, body = ArticleResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_article(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: Json<CreateArticleRequest>,
) -> Result<HttpResponse, ApiError> {
    if !may(&auth.principal, KnowledgeAction::Write, None, state.settings.knowledge.publishers) {
        return Err(ApiError::forbidden());
    }
    let body = body.into_inner()?;
    let key = crate::api::idempotency::key(&state, &req, &auth.principal, "article:", &body)?;
    let new = parse_new(&body, &auth)?;
    let (ctx, author) = (auth.context(state.clock.now()), auth.principal.actor.id());
    let article = state.db.run(move |conn| write::create(conn, &ctx, author, &new, key.as_ref())).await?;
    let response = ArticleResponse::from(article);
    Ok(created_with_etag(format!("/api/v1/knowledge/articles/{}", response.id), response.version, &response))
}

/// The articles the caller may read, oldest first.
#[utoipa::path(get, path = "/api/v1/knowledge/articles", tag = "knowledge", params(ArticleQuery),
    responses((status = 200, body = ArticlePage), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_articles(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<ArticleQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    let filter = ArticleFilter {
        status: query.status,
        kind: query.kind,
        service_id: query.service_id,
        owner_unit_id: query.owner_unit_id,
        review_due_before: query.review_due_before,
        after: page.after_id,
        limit: page.fetch_limit(),
    };
    let visibility = ArticleVisibility::of(&auth.principal);
    let counted = visibility.reads_link_counts();
    let (rows, counts) = state
        .db
        .run(move |conn| {
            let rows = store::list(conn, &visibility, &filter)?;
            let ids: Vec<uuid::Uuid> = rows.iter().map(|a| a.id).collect();
            let counts = if counted { links::counts(conn, &ids)? } else { Default::default() };
            Ok::<_, crate::db::StoreError>((rows, counts))
        })
        .await?;
    let respond = |a| with_count(ArticleResponse::from(a), counted, &counts);
    let page = page.page(rows, |a| a.id, respond);
    Ok(HttpResponse::Ok().json(ArticlePage { items: page.items, next_cursor: page.next_cursor }))
}

/// Read an article the caller may read (404 otherwise), its body also as
/// sanitised HTML. A reporter's reading of a published article is counted
/// for self-service (once an hour).
#[utoipa::path(get, path = "/api/v1/knowledge/articles/{id}", tag = "knowledge", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ArticleResponse), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_article(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (visibility, id) = (ArticleVisibility::of(&auth.principal), id.into_inner());
    let counted = visibility.reads_link_counts();
    let viewer = counts_views(&auth.principal).then(|| auth.principal.actor.id());
    let now = state.clock.now();
    let (article, counts) = state
        .db
        .run(move |conn| {
            let article = store::find(conn, &visibility, id)?;
            if let Some(viewer) = viewer {
                views::record(conn, &article, viewer, now)?;
            }
            let counts = if counted { links::counts(conn, &[id])? } else { Default::default() };
            Ok::<_, crate::db::StoreError>((article, counts))
        })
        .await?;
    Ok(ok_with_etag(article.version, &with_count(ArticleResponse::from(article), counted, &counts)))
}

fn with_count(response: ArticleResponse, counted: bool, counts: &HashMap<uuid::Uuid, i64>) -> ArticleResponse {
    if counted {
        response.counted(counts)
    } else {
        response
    }
}

fn parse_edit(r: UpdateArticleRequest) -> Result<ArticleEdit, ApiError> {
    let mut errors = ValidationErrors::new();
    let edit = ArticleEdit {
        service_id: r.service_id,
        kind: r.kind,
        audience: r.audience,
        title: r.title.and_then(|t| errors.check("title", parse_title(&t))),
        body: r.body.and_then(|b| errors.check("body", parse_body(&b))),
        keywords: r.keywords.and_then(|k| errors.check("keywords", parse_keywords(&k))),
    };
    errors.finish()?;
    Ok(edit)
}

/// The request of a write on one article, as the store takes it.
pub(crate) fn article_request(
    state: &AppState,
    principal: &crate::domain::policy::Principal,
    article_id: uuid::Uuid,
    precondition: crate::domain::version::Precondition,
) -> ArticleRequest {
    ArticleRequest {
        principal: principal.clone(),
        article_id,
        precondition,
        publishers: state.settings.knowledge.publishers,
        review_period_days: state.settings.knowledge.review_period_days,
    }
}

/// Checks the caller may do `action` on the article before a handler
/// reads its body (404 when it may not read it, 403 without the right).
pub(crate) async fn admit(
    state: &web::Data<AppState>,
    auth: &Authenticated,
    article_id: uuid::Uuid,
    action: KnowledgeAction,
) -> Result<(), ApiError> {
    let (principal, publishers) = (auth.principal.clone(), state.settings.knowledge.publishers);
    Ok(state.db.run(move |conn| write::admit(conn, &principal, article_id, action, publishers).map(drop)).await?)
}

/// Edit a draft (`If-Match` recommended). A published article is revised
/// into a draft first (409 otherwise).
#[utoipa::path(patch, path = "/api/v1/knowledge/articles/{id}", tag = "knowledge", request_body = UpdateArticleRequest,
    params(("id" = uuid::Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = ArticleResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "not a draft"),
        (status = 412, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_article(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<uuid::Uuid>,
    body: Json<UpdateArticleRequest>,
) -> Result<HttpResponse, ApiError> {
    let article_id = id.into_inner();
    admit(&state, &auth, article_id, KnowledgeAction::Edit).await?;
    let edit = parse_edit(body.into_inner()?)?;
    let request = article_request(&state, &auth.principal, article_id, precondition(&req)?);
    let ctx = auth.context(state.clock.now());
    let article = state.db.run(move |conn| write::edit(conn, &ctx, &request, &edit)).await?;
    Ok(ok_with_etag(article.version, &ArticleResponse::from(article)))
}
