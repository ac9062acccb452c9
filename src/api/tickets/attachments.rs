//! `/api/v1/tickets/{id}/attachments`: screenshots and documents.

use actix_multipart::Multipart;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType, HeaderMap};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::admit::admit;
use super::resolve;
use crate::auth::Authenticated;
use crate::db::attachments::{self, Attachment, NewAttachment};
use crate::db::tickets::rights::TicketRight;
use crate::domain::ticket::access::TicketScope;
use crate::domain::ticket::attachment::{check_type, clean_filename, AttachmentError};
use crate::domain::version::Precondition;
use crate::error::{ApiError, Problem};
use crate::files;
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

struct Upload {
    filename: Option<String>,
    content: Vec<u8>,
    comment_id: Option<Uuid>,
}

fn malformed(error: actix_multipart::MultipartError) -> ApiError {
    match &error {
        actix_multipart::MultipartError::Payload(payload) => crate::api::extract::payload_error(payload),
        _ => ApiError::BadRequest(format!("malformed multipart body: {error}")),
    }
}

/// Reads the form, stopping as soon as the file passes `limit` bytes.
async fn read_form(headers: &HeaderMap, payload: web::Payload, limit: usize) -> Result<Upload, ApiError> {
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::UnsupportedMediaType(
            "send the file as multipart/form-data with a `file` field".to_owned(),
        ));
    }
    let mut form = Multipart::new(headers, payload);
    let mut upload = Upload { filename: None, content: Vec::new(), comment_id: None };
    let mut has_file = false;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        let cap = if name == "file" { limit } else { 100 };
        while let Some(chunk) = field.next().await {
            bytes.extend_from_slice(&chunk.map_err(malformed)?);
            if bytes.len() > cap {
                return Err(match name.as_str() {
                    "file" => ApiError::PayloadTooLarge(format!("the file exceeds the limit of {limit} bytes")),
                    other => ApiError::invalid(other, "too long"),
                });
            }
        }
        match name.as_str() {
            "file" => {
                upload.filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_owned);
                upload.content = bytes;
                has_file = true;
            }
            "comment_id" => {
                let text = String::from_utf8(bytes).map_err(|_| ApiError::invalid("comment_id", "must be a UUID"))?;
                let id = Uuid::parse_str(text.trim()).map_err(|_| ApiError::invalid("comment_id", "must be a UUID"))?;
                upload.comment_id = Some(id);
            }
            other => {
                return Err(ApiError::invalid(other, "unknown form field; send `file` and optionally `comment_id`"))
            }
        }
    }
    if !has_file {
        return Err(ApiError::invalid("file", "the form has no `file` field"));
    }
    Ok(upload)
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
    let upload = read_form(req.headers(), payload, state.settings.tickets.max_attachment_bytes).await?;
    let content_type = check_type(&upload.content, &state.settings.tickets.attachment_types).map_err(|e| match e {
        AttachmentError::Empty => ApiError::invalid("file", e.to_string()),
        AttachmentError::RefusedType(..) => ApiError::UnsupportedMediaType(e.to_string()),
    })?;
    let attachment_id = Uuid::now_v7();
    let new = NewAttachment {
        id: attachment_id,
        ticket_id: Uuid::nil(),
        comment_id: upload.comment_id,
        filename: clean_filename(upload.filename.as_deref()),
        content_type,
        size_bytes: upload.content.len() as i64,
        sha256: hex::encode(Sha256::digest(&upload.content)),
    };
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let data_dir = state.settings.data.dir.clone();
    let attachment = state
        .db
        .run(move |conn| {
            attachments::check_may_attach(conn, &principal, ticket_id, new.comment_id)?;
            files::write_attachment(&data_dir, attachment_id, &upload.content)
                .map_err(|e| ApiError::Internal(format!("cannot store attachment: {e}")))?;
            let stored = attachments::add(conn, &ctx, &principal, NewAttachment { ticket_id, ..new });
            if stored.is_err() {
                files::remove_attachment(&data_dir, attachment_id);
            }
            stored.map_err(ApiError::from)
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
            let content = files::read_attachment(&data_dir, attachment.id)
                .map_err(|e| ApiError::Internal(format!("attachment {} unreadable: {e}", attachment.id)))?;
            Ok::<_, ApiError>((attachment, content))
        })
        .await?;
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(attachment.filename.clone())],
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, attachment.content_type.clone()))
        .insert_header(disposition)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(("Digest", format!("sha-256={}", attachment.sha256)))
        .body(content))
}
