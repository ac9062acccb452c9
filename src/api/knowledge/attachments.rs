//! `/api/v1/knowledge/articles/{id}/attachments`: the images and PDFs of
//! an article. Added to and removed from a draft by whoever edits it; read
//! by whoever reads the article (404 otherwise, as for the article).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::article_request;
use crate::api::etag::precondition;
use crate::api::upload::{download, read_form, read_stored, refused, store_then_record};
use crate::auth::Authenticated;
use crate::db::knowledge::attachments::{self as store, ArticleAttachment, NewArticleAttachment};
use crate::domain::knowledge::access::ArticleVisibility;
use crate::domain::knowledge::attachments::check_article_file;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Where a file of an article is downloaded (a body's `attachment:<id>`
/// becomes this address).
pub fn attachment_url(article_id: Uuid) -> impl Fn(Uuid) -> String {
    move |id| format!("/api/v1/knowledge/articles/{article_id}/attachments/{id}")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleAttachmentResponse {
    pub id: Uuid,
    pub article_id: Uuid,
    pub filename: String,
    /// Judged from the content: an image (PNG, JPEG, GIF, WebP) or a PDF.
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, hex (also the download's ETag).
    pub sha256: String,
    pub uploaded_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// The first published version that shows the file.
    pub added_in_version: i32,
    /// The first published version that no longer shows it (removed from
    /// a draft); the versions before keep showing it.
    pub removed_in_version: Option<i32>,
    /// Where it is downloaded; a body shows it as `![alt](attachment:<id>)`.
    pub url: String,
}

impl From<ArticleAttachment> for ArticleAttachmentResponse {
    fn from(a: ArticleAttachment) -> Self {
        Self {
            url: attachment_url(a.article_id)(a.id),
            id: a.id,
            article_id: a.article_id,
            filename: a.filename,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            uploaded_by: a.uploaded_by,
            created_at: a.created_at,
            added_in_version: a.added_in_version,
            removed_in_version: a.removed_in_version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleAttachmentList {
    pub items: Vec<ArticleAttachmentResponse>,
}

/// The multipart form: `file`, and no other field (422).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "documents the multipart form for OpenAPI only")]
pub struct ArticleUploadForm {
    /// Not empty, and an image (PNG, JPEG, GIF, WebP) or a PDF, judged from
    /// its bytes, never from its name or claimed type: 415 otherwise. At
    /// most `tickets.max_attachment_bytes` (413 otherwise).
    #[schema(value_type = String, format = Binary, min_length = 1)]
    file: Vec<u8>,
}

/// Add an image or a PDF to an article's draft (multipart form; those who
/// edit the draft). Its version (ETag) moves on; `If-Match` optional.
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/attachments", tag = "knowledge",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "the article's ETag")),
    request_body(content = ArticleUploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = ArticleAttachmentResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "not a draft"),
        (status = 412, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem, description = "not multipart, or neither an image nor a PDF"), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn upload_article_attachment(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let request = article_request(&state, &auth.principal, id.into_inner(), precondition(&req)?);
    let (principal, article_id, publishers) = (auth.principal.clone(), request.article_id, request.publishers);
    state.db.run(move |conn| store::admit_writer(conn, &principal, article_id, publishers).map(drop)).await?;
    let upload = read_form(req.headers(), payload, state.settings.tickets.max_attachment_bytes, &[]).await?;
    let content_type = check_article_file(&upload.content).map_err(refused)?;
    let new = NewArticleAttachment {
        id: Uuid::now_v7(),
        filename: upload.name(),
        content_type,
        size_bytes: upload.size_bytes(),
        sha256: upload.sha256(),
    };
    let (ctx, data_dir) = (auth.context(state.clock.now()), state.settings.data.dir.clone());
    let attachment = state
        .db
        .run(move |conn| {
            store_then_record(&data_dir, new.id, &upload.content, || {
                store::add(conn, &ctx, &request, new).map_err(ApiError::from)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(ArticleAttachmentResponse::from(attachment)))
}

/// The files of an article as it stands (its draft, or the version
/// readers read now); a published version lists its own.
#[utoipa::path(get, path = "/api/v1/knowledge/articles/{id}/attachments", tag = "knowledge", params(("id" = Uuid, Path)),
    responses((status = 200, body = ArticleAttachmentList), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_article_attachments(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (visibility, id) = (ArticleVisibility::of(&auth.principal), id.into_inner());
    let all = state.db.run(move |conn| store::list(conn, &visibility, id)).await?;
    let items = all.into_iter().filter(|a| a.span().in_draft()).map(ArticleAttachmentResponse::from).collect();
    Ok(HttpResponse::Ok().json(ArticleAttachmentList { items }))
}

/// Download a file of an article the caller may read (404 otherwise),
/// also one a later draft removed: the versions published with it show it.
#[utoipa::path(get, path = "/api/v1/knowledge/articles/{id}/attachments/{attachment_id}", tag = "knowledge",
    params(("id" = Uuid, Path), ("attachment_id" = Uuid, Path)),
    responses((status = 200, description = "the file, with the type sniffed from its bytes at upload (an image or a PDF); its ETag is its SHA-256",
            content_type = "*/*", body = Vec<u8>),
        (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn download_article_attachment(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let ((article_id, attachment_id), visibility) = (path.into_inner(), ArticleVisibility::of(&auth.principal));
    let data_dir = state.settings.data.dir.clone();
    let (attachment, content) = state
        .db
        .run(move |conn| {
            let attachment = store::find_one(conn, &visibility, article_id, attachment_id)?;
            let content = read_stored(&data_dir, attachment.id)?;
            Ok::<_, ApiError>((attachment, content))
        })
        .await?;
    Ok(download(&attachment.content_type, &attachment.filename, &attachment.sha256, content))
}

/// Remove a file from an article's draft (those who edit the draft): the
/// versions published with it keep showing it. 409 while the draft's body
/// still shows it. Its version (ETag) moves on; `If-Match` optional.
#[utoipa::path(delete, path = "/api/v1/knowledge/articles/{id}/attachments/{attachment_id}", tag = "knowledge",
    params(("id" = Uuid, Path), ("attachment_id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "the article's ETag")),
    responses((status = 200, body = ArticleAttachmentResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "not a draft, removed already, or the body still shows it"), (status = 412, body = Problem)),
    security(("bearer" = [])))]
pub async fn remove_article_attachment(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (article_id, attachment_id) = path.into_inner();
    let request = article_request(&state, &auth.principal, article_id, precondition(&req)?);
    let ctx = auth.context(state.clock.now());
    let removed = state.db.run(move |conn| store::remove(conn, &ctx, &request, attachment_id)).await?;
    Ok(HttpResponse::Ok().json(ArticleAttachmentResponse::from(removed)))
}
