//! The lifecycle moves of an article and its published versions.

use actix_web::{web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::types::{ArticleResponse, ArticleVersionList, ArticleVersionResponse, ReturnArticleRequest};
use super::{admit, article_request};
use crate::api::etag::{ok_with_etag, precondition};
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::knowledge::{attachments, reviews, versions, write};
use crate::domain::knowledge::access::{right_of, ArticleVisibility};
use crate::domain::knowledge::ArticleMove;
use crate::domain::ticket::intake::parse_long_text;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Makes `article_move`, with the reviewer's `reason` when it returns a draft.
async fn run(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    article_id: Uuid,
    article_move: ArticleMove,
    reason: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let request = article_request(&state, &auth.principal, article_id, precondition(&req)?);
    let ctx = auth.context(state.clock.now());
    let article =
        state.db.run(move |conn| write::move_article(conn, &ctx, &request, article_move, reason.as_deref())).await?;
    Ok(ok_with_etag(article.version, &ArticleResponse::from(article)))
}

macro_rules! bodiless_move {
    ($name:ident, $move:expr, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "knowledge", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
            responses((status = 200, body = ArticleResponse), (status = 400, body = Problem), (status = 401, body = Problem),
                (status = 403, body = Problem), (status = 404, body = Problem),
                (status = 409, body = Problem, description = "not where the move starts"), (status = 412, body = Problem)),
            security(("bearer" = [])))]
        pub async fn $name(
            state: web::Data<AppState>,
            auth: Authenticated,
            req: HttpRequest,
            id: web::Path<Uuid>,
        ) -> Result<HttpResponse, ApiError> {
            run(state, auth, req, id.into_inner(), $move, None).await
        }
    };
}

bodiless_move!(
    submit_article,
    ArticleMove::Submit,
    "/api/v1/knowledge/articles/{id}/submit",
    "Hand a draft to review (its writer, its unit's tier 1, the Dinas)."
);
bodiless_move!(publish_article, ArticleMove::Publish, "/api/v1/knowledge/articles/{id}/publish",
    "Publish a draft or an article in review as its next version; its review falls due `knowledge.review_period_days` later (reviewers).");
bodiless_move!(
    revise_article,
    ArticleMove::Revise,
    "/api/v1/knowledge/articles/{id}/revise",
    "Take a published article back into a draft to improve it; its versions stay readable."
);
bodiless_move!(
    retire_article,
    ArticleMove::Retire,
    "/api/v1/knowledge/articles/{id}/retire",
    "Retire an article: it leaves search and suggestions (reviewers)."
);

/// Return an article in review to its writer, saying why (reviewers).
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/return", tag = "knowledge", request_body = ReturnArticleRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = ArticleResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "not in review"),
        (status = 412, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn return_article(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<ReturnArticleRequest>,
) -> Result<HttpResponse, ApiError> {
    let article_id = id.into_inner();
    admit(&state, &auth, article_id, right_of(ArticleMove::Return)).await?;
    let reason = parse_long_text(&body.into_inner()?.reason).map_err(|e| ApiError::invalid("reason", e.to_string()))?;
    run(state, auth, req, article_id, ArticleMove::Return, Some(reason)).await
}

/// Confirm a published article still holds (its owners: its author, its
/// unit's tier 1, its reviewers): its review falls due
/// `knowledge.review_period_days` from now.
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/reviewed", tag = "knowledge", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = ArticleResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "not published"), (status = 412, body = Problem)),
    security(("bearer" = [])))]
pub async fn confirm_review(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let request = article_request(&state, &auth.principal, id.into_inner(), precondition(&req)?);
    let ctx = auth.context(state.clock.now());
    let article = state.db.run(move |conn| reviews::confirm(conn, &ctx, &request)).await?;
    Ok(ok_with_etag(article.version, &ArticleResponse::from(article)))
}

/// The published versions of an article the caller may read, first first.
#[utoipa::path(get, path = "/api/v1/knowledge/articles/{id}/versions", tag = "knowledge", params(("id" = Uuid, Path)),
    responses((status = 200, body = ArticleVersionList), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_article_versions(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (visibility, id) = (ArticleVisibility::of(&auth.principal), id.into_inner());
    let (found, files) = state
        .db
        .run(move |conn| {
            let files = attachments::list(conn, &visibility, id)?;
            Ok::<_, crate::db::StoreError>((versions::list(conn, id)?, files))
        })
        .await?;
    let items = found.into_iter().map(|v| ArticleVersionResponse::with_files(v, &files)).collect();
    Ok(HttpResponse::Ok().json(ArticleVersionList { items }))
}

/// One published version of an article the caller may read.
#[utoipa::path(get, path = "/api/v1/knowledge/articles/{id}/versions/{number}", tag = "knowledge",
    params(("id" = Uuid, Path), ("number" = i32, Path, minimum = 1)),
    responses((status = 200, body = ArticleVersionResponse), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_article_version(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, i32)>,
) -> Result<HttpResponse, ApiError> {
    let visibility = ArticleVisibility::of(&auth.principal);
    let (id, number) = path.into_inner();
    let (version, files) = state
        .db
        .run(move |conn| {
            let files = attachments::list(conn, &visibility, id)?;
            Ok::<_, crate::db::StoreError>((versions::find(conn, id, number)?, files))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ArticleVersionResponse::with_files(version, &files)))
}
