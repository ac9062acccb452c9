//! Makes actix's own extractor and routing failures answer in
//! problem+json like everything else.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::ApiError;

/// JSON bodies: syntax errors are 400, wrong fields or types 422, a missing
/// or wrong content type 415, an oversized body 413.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(|error, _req| json_error(error).into())
}

fn json_error(error: JsonPayloadError) -> ApiError {
    match error {
        JsonPayloadError::OverflowKnownLength { length, limit } => {
            ApiError::PayloadTooLarge(format!("the body is {length} bytes; the limit is {limit}"))
        }
        JsonPayloadError::Overflow { limit } => {
            ApiError::PayloadTooLarge(format!("the body exceeds the limit of {limit} bytes"))
        }
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("send the body as JSON with Content-Type: application/json".to_owned())
        }
        JsonPayloadError::Deserialize(error) if error.is_data() => ApiError::invalid("body", error.to_string()),
        JsonPayloadError::Deserialize(error) => ApiError::BadRequest(format!("malformed JSON: {error}")),
        other => ApiError::BadRequest(format!("unreadable body: {other}")),
    }
}

/// A path segment that does not parse (e.g. a non-UUID id) names nothing: 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|error: PathError, _req| ApiError::NotFound(format!("no such resource: {error}")).into())
}

/// Query strings with unknown values or wrong types: 400 naming the problem.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error: QueryPayloadError, _req| {
        ApiError::BadRequest(format!("invalid query string: {error}")).into()
    })
}

/// For paths that match no route.
pub async fn no_route(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!("no route for {}", req.path())))
}

/// For a known path called with a method it does not support.
pub async fn wrong_method(req: HttpRequest, allow: &'static str) -> HttpResponse {
    let error = ApiError::MethodNotAllowed(format!("{} is not supported on {}; use {allow}", req.method(), req.path()));
    let mut response = actix_web::ResponseError::error_response(&error);
    response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static(allow));
    response
}
