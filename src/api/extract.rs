//! Makes actix's own extractor and routing failures answer in
//! problem+json like everything else.

use actix_web::error::{PathError, PayloadError, QueryPayloadError};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize as _;

use crate::error::ApiError;

/// A JSON request body. Unlike `web::Json`, a body of the wrong shape is
/// answered with the path of the offending field (`roles[1]`,
/// `reporter.email`), found with `serde_path_to_error`. Syntax errors are
/// 400, a missing or wrong content type 415, an oversized body 413 (the
/// limit is the `PayloadConfig`'s, set from `server.body_limit_bytes`).
///
/// What is wrong with a body is told only when the handler asks for it
/// ([`Json::into_inner`]), after it checked the caller's right: a caller
/// who may not use an operation learns nothing of its body's rules.
#[derive(Debug)]
pub struct Json<T>(Result<T, ApiError>);

impl<T> Json<T> {
    /// The parsed body, or why it could not be parsed.
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        let essence = v.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
    })
}

/// The field a serde error is about: its path, or the field named in a
/// "missing field `x`" / "unknown field `x`" message at the top level.
fn field_of(path: &str, message: &str) -> String {
    let named = message
        .split('`')
        .nth(1)
        .filter(|_| message.starts_with("missing field") || message.starts_with("unknown field"));
    match (path, named) {
        ("." | "", Some(name)) => name.to_owned(),
        ("." | "", None) => "body".to_owned(),
        (path, Some(name)) if message.starts_with("missing field") => format!("{path}.{name}"),
        (path, _) => path.to_owned(),
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Json<T> {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let parsed = parse_body(req, payload);
        Box::pin(async move { Ok(Json(parsed.await)) })
    }
}

/// A body of any type, read whole (up to `server.body_limit_bytes`); like
/// [`Json`], what went wrong is told only when the handler asks.
#[derive(Debug)]
pub struct RawBody(Result<web::Bytes, ApiError>);

impl RawBody {
    pub fn into_inner(self) -> Result<web::Bytes, ApiError> {
        self.0
    }
}

impl actix_web::FromRequest for RawBody {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let limit = req.app_data::<web::Data<crate::state::AppState>>().map(|s| s.settings.server.body_limit_bytes);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move { Ok(RawBody(body.await.map_err(|e| body_error(&e, limit)))) })
    }
}

/// Why a body could not be read: too large (413), not in time (408), or
/// broken (400).
fn body_error(e: &actix_web::Error, limit: Option<usize>) -> ApiError {
    match e.as_response_error().status_code().as_u16() {
        413 => ApiError::PayloadTooLarge(match limit {
            Some(limit) => format!("the body exceeds the limit of {limit} bytes"),
            None => format!("the body exceeds the size limit: {e}"),
        }),
        _ => match e.as_error::<PayloadError>() {
            Some(payload) => payload_error(payload),
            None => ApiError::BadRequest(format!("unreadable body: {e}")),
        },
    }
}

/// Reads and parses a JSON body.
fn parse_body<T: serde::de::DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut actix_web::dev::Payload,
) -> futures_util::future::LocalBoxFuture<'static, Result<T, ApiError>> {
    {
        use actix_web::FromRequest as _;
        let json = is_json(req);
        let limit = req.app_data::<web::Data<crate::state::AppState>>().map(|s| s.settings.server.body_limit_bytes);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                return Err(ApiError::UnsupportedMediaType(
                    "send the body as JSON with Content-Type: application/json".to_owned(),
                ));
            }
            let bytes = body.await.map_err(|e| body_error(&e, limit))?;
            let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
            let mut json = serde_json::Value::deserialize(&mut deserializer)
                .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
            // One JSON value and nothing after it (a second object, `]]]`,
            // bytes): a body is not half-read.
            deserializer.end().map_err(|e| {
                ApiError::BadRequest(format!(
                    "malformed JSON: the body must hold one JSON value and nothing after it ({e})"
                ))
            })?;
            whole_numbers_as_integers(&mut json);
            serde_path_to_error::deserialize(json).map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                ApiError::invalid(&field_of(&path, &message), message)
            })
        })
    }
}

/// Writes every whole number of a JSON value as an integer: JSON Schema
/// (and so the document) calls `341864.0` and `1e3` integers, where serde
/// would refuse them for an integer field. Numbers beyond 64 bits stay as
/// they are, and are refused as out of range.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) => {
            let Some(float) = number.as_f64().filter(|f| !number.is_i64() && !number.is_u64() && f.fract() == 0.0)
            else {
                return;
            };
            // A whole float in these ranges converts exactly.
            const TWO_TO_64: f64 = 18_446_744_073_709_551_616.0;
            const TWO_TO_63: f64 = 9_223_372_036_854_775_808.0;
            if (0.0..TWO_TO_64).contains(&float) {
                *number = (float as u64).into();
            } else if (-TWO_TO_63..0.0).contains(&float) {
                *number = (float as i64).into();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        Value::Null | Value::Bool(_) | Value::String(_) => {}
    }
}

/// What a body that could not be read is answered with: 408 when it did
/// not arrive in time, else 400.
pub fn payload_error(error: &PayloadError) -> ApiError {
    if super::body_deadline::is_timeout(error) {
        ApiError::RequestTimeout(error.to_string())
    } else {
        ApiError::BadRequest(format!("unreadable body: {error}"))
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

#[cfg(test)]
mod tests {
    use super::{field_of, whole_numbers_as_integers};

    #[test]
    fn whole_numbers_are_integers_as_json_schema_says() {
        let mut json = serde_json::json!({"a": 341864.0, "b": [1e3, -2.0, 2.5, -0.0], "c": 1e300, "d": "1.0", "e": 18446744073709551616.0});
        whole_numbers_as_integers(&mut json);
        let expected = serde_json::json!({"a": 341864, "b": [1000, -2, 2.5, 0], "c": 1e300, "d": "1.0", "e": 18446744073709551616.0});
        assert_eq!(json, expected);
        assert!(json["a"].is_u64() && json["b"][1].is_i64());
    }

    #[test]
    fn serde_errors_name_their_field() {
        assert_eq!(field_of(".", "missing field `email` at line 1 column 2"), "email");
        assert_eq!(field_of(".", "unknown field `kind`, expected one of `code`"), "kind");
        assert_eq!(field_of("roles[1]", "unknown variant `root`, expected one of `reporter`"), "roles[1]");
        assert_eq!(field_of("reporter", "missing field `name`"), "reporter.name");
        assert_eq!(field_of(".", "invalid type: integer `1`, expected a map"), "body");
    }
}
