//! What every answer carries whatever produced it: the usual API security
//! headers, and errors raised outside our handlers (a refused CORS
//! preflight) turned into `application/problem+json` like ours.

use actix_web::body::EitherBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderName};
use actix_web::middleware::DefaultHeaders;
use actix_web::ResponseError as _;

use crate::error::ApiError;

/// `nosniff` (a JSON answer is never read as HTML), no framing, and no
/// referrer leaving with a link to a ticket.
pub fn security() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((HeaderName::from_static("content-security-policy"), "default-src 'none'; frame-ancestors 'none'"))
}

/// An answer some middleware made of an error (a refused CORS preflight
/// renders its own plain-text answer) made again as a problem; answers of
/// our handlers, problems already, pass as they are.
pub fn problem_answer<B>(answer: ServiceResponse<B>) -> ServiceResponse<EitherBody<B>> {
    let foreign = answer.response().error().filter(|e| e.as_error::<ApiError>().is_none()).map(problem_of);
    match foreign {
        Some(problem) => {
            let (request, _) = answer.into_parts();
            ServiceResponse::new(request, problem.error_response()).map_into_right_body()
        }
        None => answer.map_into_left_body(),
    }
}

/// An error a middleware raised, as a problem (`ApiError`s stay as they are).
pub fn as_problem(error: actix_web::Error) -> actix_web::Error {
    if error.as_error::<ApiError>().is_some() {
        return error;
    }
    problem_of(&error).into()
}

/// The problem of another error: its status and message. A 5xx keeps its
/// cause in the log, not in the answer.
fn problem_of(error: &actix_web::Error) -> ApiError {
    let status = error.as_response_error().status_code();
    let message = error.to_string();
    match status.as_u16() {
        400 => ApiError::BadRequest(message),
        401 => ApiError::Unauthenticated(message),
        403 => ApiError::Forbidden(message),
        404 => ApiError::NotFound(message),
        405 => ApiError::MethodNotAllowed(message),
        408 => ApiError::RequestTimeout(message),
        413 => ApiError::PayloadTooLarge(message),
        415 => ApiError::UnsupportedMediaType(message),
        429 => ApiError::TooManyRequests { detail: message, retry_after_seconds: 1 },
        503 => ApiError::Unavailable(message),
        _ if status.is_client_error() => ApiError::BadRequest(message),
        _ => ApiError::Internal(message),
    }
}
