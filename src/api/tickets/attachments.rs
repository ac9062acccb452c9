//! `/api/v1/tickets/{id}/attachments`: screenshots and documents.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::admit::admit;
use super::resolve;
use crate::api::upload::{download, read_form, read_stored, refused, store_then_record, Upload};
use crate::auth::Authenticated;
use crate::db::attachments::{self, Attachment, NewAttachment};
use crate::db::tickets::rights::TicketRight;
use crate::domain::ticket::access::TicketScope;
use crate::domain::ticket::attachment::check_type;
use crate::domain::version::Precondition;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentResponse {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub comment_id: Option<Uuid>,
    pub filename: String,
    /// Judged from the content, not from what the client claimed.
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub uploaded_by_kind: String,
    pub uploaded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl From<Attachment> for AttachmentResponse {
    fn from(a: Attachment) -> Self {
        Self {
            id: a.id,
            ticket_id: a.ticket_id,
            comment_id: a.comment_id,
            filename: a.filename,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            uploaded_by_kind: a.uploaded_by_kind,
            uploaded_by: a.uploaded_by,
            created_at: a.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentList {
    pub items: Vec<AttachmentResponse>,
}

/// The multipart form: `file` (required) and `comment_id` (optional), and
/// no other field (422).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "documents the multipart form for OpenAPI only")]
pub struct UploadForm {
    /// Not empty, and of a type the service accepts (`tickets.attachment_types`;
    /// by default PNG, JPEG, GIF, WebP, PDF, ZIP and UTF-8 text), judged from
    /// its bytes, never from its name or claimed type: 415 otherwise.
    #[schema(value_type = String, format = Binary, min_length = 1)]
    file: Vec<u8>,
    /// The comment the file belongs to (a form field has no `null`: leave it
    /// out for none).
    #[schema(nullable = false)]
    comment_id: Option<Uuid>,
}

/// The comment a form's `comment_id` names.
fn comment_of(upload: &Upload) -> Result<Option<Uuid>, ApiError> {
    let Some((_, bytes)) = upload.fields.iter().find(|(name, _)| name == "comment_id") else { return Ok(None) };
    let text = std::str::from_utf8(bytes).map_err(|_| ApiError::invalid("comment_id", "must be a UUID"))?;
    Uuid::parse_str(text.trim()).map(Some).map_err(|_| ApiError::invalid("comment_id", "must be a UUID"))
}

/// Attach a file to a ticket, or to one of its comments (multipart form).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/attachments", tag = "tickets",
    params(("id" = String, Path, description = "id or number")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "the ticket is closed"), (status = 413, body = Problem),
        (status = 415, body = Problem, description = "not multipart, or a file type that is not accepted"), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn upload_attachment(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let ticket_id = admit(&state, &auth, id.into_inner(), Precondition::None, TicketRight::Comment).await?;
    let upload =
        read_form(req.headers(), payload, state.settings.tickets.max_attachment_bytes, &["comment_id"]).await?;
    let comment_id = comment_of(&upload)?;
    let content_type = check_type(&upload.content, &state.settings.tickets.attachment_types).map_err(refused)?;
    let attachment_id = Uuid::now_v7();
    let new = NewAttachment {
        id: attachment_id,
        ticket_id,
        comment_id,
        filename: upload.name(),
        content_type,
        size_bytes: upload.size_bytes(),
        sha256: upload.sha256(),
    };
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let data_dir = state.settings.data.dir.clone();
    let attachment = state
        .db
        .run(move |conn| {
            attachments::check_may_attach(conn, &principal, ticket_id, new.comment_id)?;
            store_then_record(&data_dir, attachment_id, &upload.content, || {
                attachments::add(conn, &ctx, &principal, new).map_err(ApiError::from)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(AttachmentResponse::from(attachment)))
}

/// The attachments the caller may see.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments", tag = "tickets",
    params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = AttachmentList), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_attachments(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (principal, raw) = (auth.principal.clone(), id.into_inner());
    let rows = state
        .db
        .run(move |conn| {
            let ticket_id = resolve(conn, &TicketScope::of(&principal), &raw)?;
            attachments::list(conn, &principal, ticket_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AttachmentList { items: rows.into_iter().map(AttachmentResponse::from).collect() }))
}

/// Download an attachment (only by those who may see it).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments/{attachment_id}", tag = "tickets",
    params(("id" = String, Path, description = "id or number"), ("attachment_id" = Uuid, Path)),
    responses((status = 200, description = "the file, with the type sniffed from its bytes at upload (one of `tickets.attachment_types`)", content_type = "*/*", body = Vec<u8>),
        (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn download_attachment(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (raw, attachment_id) = path.into_inner();
    let (principal, data_dir) = (auth.principal.clone(), state.settings.data.dir.clone());
    let (attachment, content) = state
        .db
        .run(move |conn| {
            let ticket_id = resolve(conn, &TicketScope::of(&principal), &raw)?;
            let attachment = attachments::find(conn, &principal, ticket_id, attachment_id)?;
            let content = read_stored(&data_dir, attachment.id)?;
            Ok::<_, ApiError>((attachment, content))
        })
        .await?;
    Ok(download(&attachment.content_type, &attachment.filename, &attachment.sha256, content))
}
