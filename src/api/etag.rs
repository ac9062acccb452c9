//! Optimistic concurrency over HTTP: `ETag` out, `If-Match` in.

use actix_web::http::header::{ETAG, IF_MATCH};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

/// The entity tag of a resource at `version`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version the client expects, from `If-Match`. `None` when absent or
/// `*`. A tag that is not one of ours can never match, so it becomes an
/// impossible version and the update answers 412.
pub fn expected_version(req: &HttpRequest) -> Option<i64> {
    let value = req.headers().get(IF_MATCH)?.to_str().ok().unwrap_or("").trim();
    if value == "*" {
        return None;
    }
    let tag = value.strip_prefix("W/").unwrap_or(value);
    Some(tag.trim_matches('"').parse::<i64>().unwrap_or(-1))
}

/// 200 with the body and its `ETag`.
pub fn ok_with_etag<T: Serialize>(version: i64, body: &T) -> HttpResponse {
    HttpResponse::Ok().insert_header((ETAG, etag(version))).json(body)
}

/// 201 with the body, its `ETag` and `Location`.
pub fn created_with_etag<T: Serialize>(location: String, version: i64, body: &T) -> HttpResponse {
    HttpResponse::Created().insert_header((ETAG, etag(version))).insert_header(("Location", location)).json(body)
}
