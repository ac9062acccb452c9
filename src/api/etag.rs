//! Optimistic concurrency over HTTP: `ETag` out, `If-Match` in.
//!
//! `If-Match` is parsed with actix-web's typed header and becomes a domain
//! [`Precondition`]; what it admits is decided in `domain::version`.

use actix_web::http::header::{self, Header, IfMatch, ETAG, IF_MATCH};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::domain::version::{opaque_tag, EntityTag, Precondition};
use crate::error::ApiError;

/// The entity tag of a resource at `version`: strong, `"3"`.
pub fn etag(version: i64) -> String {
    header::EntityTag::new_strong(opaque_tag(version)).to_string()
}

/// The request's `If-Match` as a precondition.
///
/// A header that holds something but no entity-tag (`If-Match: 3`, without
/// the quotes) is 400, not 412: the client sent something it did not mean,
/// and a 412 would send it to fetch the resource and retry the same mistake
/// forever. It is never taken as absent, which would let the write through
/// unconditionally. An empty list (`If-Match:`, or only commas) is what RFC
/// 9110's `#entity-tag` allows, and it names no version: 412. Members of a
/// list that are not entity-tags are dropped by actix-web's parser; any
/// member may match, so that only narrows it.
pub fn precondition(req: &HttpRequest) -> Result<Precondition, ApiError> {
    // actix-web parses a missing header as an empty list; tell them apart.
    if !req.headers().contains_key(IF_MATCH) {
        return Ok(Precondition::None);
    }
    let empty_list = req
        .headers()
        .get_all(IF_MATCH)
        .all(|line| line.to_str().is_ok_and(|line| line.split(',').all(|member| member.trim().is_empty())));
    if empty_list {
        return Ok(Precondition::OneOf(Vec::new()));
    }
    match IfMatch::parse(req) {
        Ok(IfMatch::Any) => Ok(Precondition::Any),
        Ok(IfMatch::Items(tags)) if !tags.is_empty() => Ok(Precondition::OneOf(
            tags.into_iter()
                .map(|tag| if tag.weak { EntityTag::weak(tag.tag()) } else { EntityTag::strong(tag.tag()) })
                .collect(),
        )),
        _ => Err(ApiError::BadRequest(
            "If-Match must be * or a list of quoted entity-tags, such as \"3\" from the ETag you read".to_owned(),
        )),
    }
}

/// 200 with the body and its `ETag`.
pub fn ok_with_etag<T: Serialize>(version: i64, body: &T) -> HttpResponse {
    HttpResponse::Ok().insert_header((ETAG, etag(version))).json(body)
}

/// 201 with the body, its `ETag` and `Location`.
pub fn created_with_etag<T: Serialize>(location: String, version: i64, body: &T) -> HttpResponse {
    HttpResponse::Created().insert_header((ETAG, etag(version))).insert_header(("Location", location)).json(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn parse(values: &[&str]) -> Result<Precondition, ApiError> {
        let mut request = TestRequest::default();
        for value in values {
            request = request.append_header((IF_MATCH, *value));
        }
        precondition(&request.to_http_request())
    }

    fn admits(values: &[&str], version: i64) -> bool {
        parse(values).map(|p| p.admits(version)).unwrap_or(false)
    }

    #[test]
    fn our_etag_is_the_version_as_a_strong_tag() {
        assert_eq!(etag(3), "\"3\"");
    }

    #[test]
    fn no_header_is_no_precondition_and_a_star_is_any() {
        assert_eq!(parse(&[]).ok(), Some(Precondition::None));
        assert_eq!(parse(&["*"]).ok(), Some(Precondition::Any));
        assert_eq!(parse(&[" * "]).ok(), Some(Precondition::Any));
    }

    #[test]
    fn a_list_over_one_or_several_lines_admits_any_of_its_strong_tags() {
        assert!(admits(&["\"7\", \"1\""], 1));
        assert!(admits(&["\"7\"", "\"1\""], 1));
        assert!(!admits(&["\"7\", \"1\""], 2));
    }

    #[test]
    fn weak_and_foreign_tags_parse_but_never_match() {
        assert!(parse(&["W/\"3\""]).is_ok());
        assert!(!admits(&["W/\"3\""], 3));
        assert!(!admits(&["\"bukan-versi\""], 3));
        assert!(!admits(&["\"03\""], 3));
    }

    #[test]
    fn an_empty_list_parses_and_admits_no_version() {
        for empty in ["", " ", ",", " , ,"] {
            assert_eq!(parse(&[empty]).ok(), Some(Precondition::OneOf(Vec::new())), "{empty:?}");
            assert!(!admits(&[empty], 1), "{empty:?}");
        }
    }

    #[test]
    fn a_header_without_any_entity_tag_is_a_bad_request() {
        for malformed in ["3", "not-a-tag", "W/3", "\"3", "3, ,"] {
            assert!(matches!(parse(&[malformed]), Err(ApiError::BadRequest(_))), "{malformed:?}");
        }
    }

    #[test]
    fn the_domain_comparison_agrees_with_actix_strong_eq() {
        for version in [1, 3, 10] {
            let ours = header::EntityTag::new_strong(opaque_tag(version));
            for value in ["\"3\"", "W/\"3\"", "\"03\"", "\"10\"", "W/\"10\"", "\"1\"", "\"x\""] {
                let sent: header::EntityTag = value.parse().unwrap();
                assert_eq!(admits(&[value], version), sent.strong_eq(&ours), "{value} against {version}");
            }
        }
    }
}
