//! One error type for the API, rendered as RFC 7807 `application/problem+json`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::StoreError;
use crate::domain::validation::{FieldError, ValidationErrors};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Everything a request can fail with, each mapped to one status.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Validation(ValidationErrors),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The body did not arrive in time (`server.body_read_timeout_seconds`).
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after_seconds: i64 },
    #[error("{0}")]
    Unavailable(String),
    /// The cause is logged once; the client gets a generic detail.
    #[error("{0}")]
    Internal(String),
}

/// The RFC 7807 body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem, e.g. `urn:spbe-desk:problem:validation`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Field errors, for validation problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<FieldErrorDoc>>)]
    pub errors: Option<Vec<FieldError>>,
}

/// One rejected field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorDoc {
    pub field: String,
    pub message: String,
}

impl ApiError {
    pub fn not_found() -> Self {
        ApiError::NotFound("no such resource, or it is not visible to you".to_owned())
    }

    pub fn forbidden() -> Self {
        ApiError::Forbidden("your roles do not allow this".to_owned())
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(ValidationErrors::single(field, message))
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("malformed-request", "Malformed request"),
            ApiError::Validation(_) => ("validation", "Invalid input"),
            ApiError::Unauthenticated(_) => ("unauthenticated", "Authentication required"),
            ApiError::Forbidden(_) => ("forbidden", "Forbidden"),
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::PreconditionFailed(_) => ("stale-version", "Precondition failed"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            ApiError::RequestTimeout(_) => ("request-timeout", "Request timeout"),
            ApiError::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            ApiError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable(_) => ("unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    /// The problem body for this error.
    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let detail = match self {
            ApiError::Internal(_) => "an unexpected error occurred; it has been logged".to_owned(),
            ApiError::Validation(_) => "one or more fields are invalid".to_owned(),
            other => other.to_string(),
        };
        Problem {
            kind: format!("urn:spbe-desk:problem:{slug}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail,
            errors: match self {
                ApiError::Validation(errors) => Some(errors.clone().into_vec()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            ApiError::TooManyRequests { retry_after_seconds, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.max(&1).to_string()));
            }
            ApiError::Unauthenticated(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            // The pool reconnects by itself; a client may retry shortly.
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Conflict(message) => ApiError::Conflict(message),
            StoreError::StaleVersion => ApiError::PreconditionFailed(
                "If-Match names no current version of the resource; fetch it again and send its ETag".to_owned(),
            ),
            StoreError::Invalid(errors) => ApiError::Validation(errors),
            StoreError::Forbidden(message) => ApiError::Forbidden(message),
            StoreError::Unavailable(message) => {
                tracing::warn!(%message, "database unavailable");
                ApiError::Unavailable("the database is unavailable; try again shortly".to_owned())
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::Validation(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn render(error: ApiError) -> (u16, serde_json::Value, Option<String>) {
        let response = error.error_response();
        let status = response.status().as_u16();
        let retry = response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = response.into_body().try_into_bytes().unwrap_or_default();
        (status, serde_json::from_slice(&bytes).unwrap_or_default(), retry)
    }

    #[test]
    fn every_variant_has_its_status_and_a_problem_body() {
        let cases: Vec<(ApiError, u16, &str)> = vec![
            (ApiError::BadRequest("x".into()), 400, "malformed-request"),
            (ApiError::invalid("email", "bad"), 422, "validation"),
            (ApiError::Unauthenticated("x".into()), 401, "unauthenticated"),
            (ApiError::forbidden(), 403, "forbidden"),
            (ApiError::not_found(), 404, "not-found"),
            (ApiError::MethodNotAllowed("x".into()), 405, "method-not-allowed"),
            (ApiError::Conflict("x".into()), 409, "conflict"),
            (ApiError::PreconditionFailed("x".into()), 412, "stale-version"),
            (ApiError::PayloadTooLarge("x".into()), 413, "payload-too-large"),
            (ApiError::RequestTimeout("x".into()), 408, "request-timeout"),
            (ApiError::UnsupportedMediaType("x".into()), 415, "unsupported-media-type"),
            (ApiError::TooManyRequests { detail: "x".into(), retry_after_seconds: 30 }, 429, "too-many-requests"),
            (ApiError::Unavailable("x".into()), 503, "unavailable"),
            (ApiError::Internal("secret cause".into()), 500, "internal"),
        ];
        for (error, status, slug) in cases {
            let (got_status, body, _) = render(error);
            assert_eq!(got_status, status);
            assert_eq!(body["status"], status);
            assert_eq!(body["type"], format!("urn:spbe-desk:problem:{slug}"));
            assert!(body["title"].is_string() && body["detail"].is_string());
            assert!(!body["detail"].as_str().unwrap_or_default().contains("secret cause"));
        }
    }

    #[test]
    fn validation_lists_fields_and_429_says_when_to_retry() {
        let (_, body, _) = render(ApiError::invalid("email", "must be an e-mail address"));
        assert_eq!(body["errors"][0]["field"], "email");
        let (_, _, retry) = render(ApiError::TooManyRequests { detail: "x".into(), retry_after_seconds: 30 });
        assert_eq!(retry.as_deref(), Some("30"));
    }
}
