//! Files sent and served, for tickets and articles alike: the multipart
//! form read within the size limit, the refusal of a type, the bytes
//! stored before their record, and a download's headers.

use std::path::Path;

use actix_multipart::Multipart;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue, HeaderMap,
};
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::ticket::attachment::{clean_filename, AttachmentError};
use crate::error::ApiError;
use crate::files;

/// A multipart form read: the `file` field and the other fields allowed.
pub struct Upload {
    pub filename: Option<String>,
    pub content: Vec<u8>,
    /// The other fields, by name (each at most 100 bytes).
    pub fields: Vec<(String, Vec<u8>)>,
}

impl Upload {
    /// The file's name as shown and served (`clean_filename`).
    pub fn name(&self) -> String {
        clean_filename(self.filename.as_deref())
    }

    pub fn size_bytes(&self) -> i64 {
        i64::try_from(self.content.len()).unwrap_or(i64::MAX)
    }

    /// SHA-256 of the content, hex.
    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.content))
    }
}

fn malformed(error: actix_multipart::MultipartError) -> ApiError {
    match &error {
        actix_multipart::MultipartError::Payload(payload) => crate::api::extract::payload_error(payload),
        _ => ApiError::BadRequest(format!("malformed multipart body: {error}")),
    }
}

/// Reads the form, stopping as soon as the file passes `limit` bytes:
/// `file` (required) and the fields named in `others` (422 for any other).
pub async fn read_form(
    headers: &HeaderMap,
    payload: web::Payload,
    limit: usize,
    others: &[&str],
) -> Result<Upload, ApiError> {
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
    let mut upload = Upload { filename: None, content: Vec::new(), fields: Vec::new() };
    let mut has_file = false;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        if name != "file" && !others.contains(&name.as_str()) {
            let allowed: String = others.iter().map(|o| format!(" and optionally `{o}`")).collect();
            return Err(ApiError::invalid(&name, format!("unknown form field; send `file`{allowed}")));
        }
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
        if name == "file" {
            upload.filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_owned);
            upload.content = bytes;
            has_file = true;
        } else {
            upload.fields.push((name, bytes));
        }
    }
    if !has_file {
        return Err(ApiError::invalid("file", "the form has no `file` field"));
    }
    Ok(upload)
}

/// An empty file is invalid (422); a type not accepted is 415.
pub fn refused(error: AttachmentError) -> ApiError {
    match error {
        AttachmentError::Empty => ApiError::invalid("file", error.to_string()),
        AttachmentError::RefusedType(..) => ApiError::UnsupportedMediaType(error.to_string()),
    }
}

/// Writes the bytes of file `id` durably, then `record`s it; when the
/// record fails, the bytes go again (the housekeeper sweeps what a crash
/// leaves between the two).
pub fn store_then_record<T>(
    data_dir: &Path,
    id: Uuid,
    content: &[u8],
    record: impl FnOnce() -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    files::write_attachment(data_dir, id, content)
        .map_err(|e| ApiError::Internal(format!("cannot store attachment: {e}")))?;
    let recorded = record();
    if recorded.is_err() {
        files::remove_attachment(data_dir, id);
    }
    recorded
}

/// Reads the bytes of file `id`.
pub fn read_stored(data_dir: &Path, id: Uuid) -> Result<Vec<u8>, ApiError> {
    files::read_attachment(data_dir, id).map_err(|e| ApiError::Internal(format!("attachment {id} unreadable: {e}")))
}

/// A stored file as a download: its sniffed type, never run by a browser
/// (`nosniff`, always an attachment), its name in plain ASCII and, when it
/// has other characters, in UTF-8 too (RFC 6266), and its hash as ETag and
/// digest.
pub fn download(content_type: &str, filename: &str, sha256: &str, content: Vec<u8>) -> HttpResponse {
    let ascii: String = filename.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let mut parameters = vec![DispositionParam::Filename(ascii.clone())];
    if ascii != filename {
        parameters.push(DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".to_owned()),
            language_tag: None,
            value: filename.as_bytes().to_vec(),
        }));
    }
    let disposition = ContentDisposition { disposition: DispositionType::Attachment, parameters };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type.to_owned()))
        .insert_header(disposition)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::ETAG, format!("\"{sha256}\"")))
        .insert_header(("Digest", format!("sha-256={sha256}")))
        .body(content)
}
