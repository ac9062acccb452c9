//! Readers rate a published article and flag it as wrong; its owners read
//! and close the flags.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::knowledge::feedback::{self as store, FlagRow, RatingRow};
use crate::domain::knowledge::feedback::{parse_comment, parse_feedback};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateArticleRequest {
    pub helpful: bool,
    /// At most 2 000 characters; blank is none.
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagArticleRequest {
    /// What is wrong: 1 to 2 000 characters, not blank (422 otherwise).
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatingResponse {
    pub id: Uuid,
    pub article_id: Uuid,
    /// The published version rated.
    pub article_version: i32,
    pub helpful: bool,
    pub comment: Option<String>,
    pub rated_by: Uuid,
    pub rated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FlagResponse {
    pub id: Uuid,
    pub article_id: Uuid,
    /// The published version flagged.
    pub article_version: i32,
    pub reason: String,
    pub flagged_by: Uuid,
    pub flagged_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FlagList {
    /// Open flags first, then newest first.
    pub items: Vec<FlagResponse>,
}

impl From<RatingRow> for RatingResponse {
    fn from(r: RatingRow) -> Self {
        Self {
            id: r.id,
            article_id: r.article_id,
            article_version: r.article_version,
            helpful: r.helpful,
            comment: r.comment,
            rated_by: r.rated_by,
            rated_at: r.rated_at.and_utc(),
        }
    }
}

impl From<FlagRow> for FlagResponse {
    fn from(f: FlagRow) -> Self {
        Self {
            id: f.id,
            article_id: f.article_id,
            article_version: f.article_version,
            reason: f.reason,
            flagged_by: f.flagged_by,
            flagged_at: f.flagged_at.and_utc(),
            closed_at: f.closed_at.map(|t| t.and_utc()),
            closed_by: f.closed_by,
        }
    }
}

/// Refuses, before the body is read, a caller who may not rate or flag.
async fn admit_reader(state: &web::Data<AppState>, auth: &Authenticated, id: Uuid) -> Result<(), ApiError> {
    let principal = auth.principal.clone();
    Ok(state.db.run(move |conn| store::admit_reader(conn, &principal, id).map(drop)).await?)
}

/// Rate the published version you read (anyone who may read it, in
/// person). A second rating of the same version replaces the first.
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/ratings", tag = "knowledge", request_body = RateArticleRequest,
    params(("id" = Uuid, Path)),
    responses((status = 201, body = RatingResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "not published"),
        (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn rate_article(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
    body: Json<RateArticleRequest>,
) -> Result<HttpResponse, ApiError> {
    let article_id = id.into_inner();
    admit_reader(&state, &auth, article_id).await?;
    let body = body.into_inner()?;
    let comment = parse_comment(body.comment.as_deref()).map_err(|e| ApiError::invalid("comment", e.to_string()))?;
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let rating =
        state.db.run(move |conn| store::rate(conn, &ctx, &principal, article_id, body.helpful, comment)).await?;
    Ok(HttpResponse::Created().json(RatingResponse::from(rating)))
}

/// Flag the published version you read as wrong; its owners (its author,
/// its unit's tier 1 and its reviewers) are told. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/flags", tag = "knowledge", request_body = FlagArticleRequest,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "same key and body: the same flag")),
    responses((status = 201, body = FlagResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "not published"),
        (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn flag_article(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<FlagArticleRequest>,
) -> Result<HttpResponse, ApiError> {
    let article_id = id.into_inner();
    admit_reader(&state, &auth, article_id).await?;
    let body = body.into_inner()?;
    let key = crate::api::idempotency::key(&state, &req, &auth.principal, "flag:", &(article_id, &body))?;
    let reason = parse_feedback(&body.reason).map_err(|e| ApiError::invalid("reason", e.to_string()))?;
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let flag = state.db.run(move |conn| store::flag(conn, &ctx, &principal, article_id, &reason, key.as_ref())).await?;
    Ok(HttpResponse::Created().json(FlagResponse::from(flag)))
}

/// The flags of an article (its owners).
#[utoipa::path(get, path = "/api/v1/knowledge/articles/{id}/flags", tag = "knowledge", params(("id" = Uuid, Path)),
    responses((status = 200, body = FlagList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_flags(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (principal, article_id) = (auth.principal.clone(), id.into_inner());
    let publishers = state.settings.knowledge.publishers;
    let rows = state.db.run(move |conn| store::flags(conn, &principal, article_id, publishers)).await?;
    Ok(HttpResponse::Ok().json(FlagList { items: rows.into_iter().map(FlagResponse::from).collect() }))
}

/// Close a flag once it is dealt with (its owners; 409 when closed already).
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/flags/{flag_id}/close", tag = "knowledge",
    params(("id" = Uuid, Path), ("flag_id" = Uuid, Path)),
    responses((status = 200, body = FlagResponse), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn close_flag(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let ((article_id, flag_id), principal) = (path.into_inner(), auth.principal.clone());
    let (ctx, publishers) = (auth.context(state.clock.now()), state.settings.knowledge.publishers);
    let flag =
        state.db.run(move |conn| store::close_flag(conn, &ctx, &principal, article_id, flag_id, publishers)).await?;
    Ok(HttpResponse::Ok().json(FlagResponse::from(flag)))
}
