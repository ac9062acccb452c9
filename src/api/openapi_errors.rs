//! One place that makes the document say what the server does with errors,
//! rather than every handler's annotation: problem responses are
//! `application/problem+json`; every operation with a body documents 400
//! (malformed JSON), 413 and 415, every operation with a query 400, every
//! operation taking `If-Match` 412, every database-backed operation 503;
//! every response has a description; every
//! page `limit` says the 1–200 the server accepts (`domain::page`); pages
//! reference their item schema rather than copying it (utoipa inlines a
//! generic's argument, juhaku/utoipa#1586), so a generated client has one
//! class per resource.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ArrayItems, Ref, Schema};
use utoipa::openapi::{Content, OpenApi, RefOr, Response};
use utoipa::Modify;

pub const PROBLEM_JSON: &str = "application/problem+json";

pub struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                complete(path, operation);
            }
        }
        if let Some(components) = openapi.components.as_mut() {
            let names: Vec<String> = components.schemas.keys().cloned().collect();
            for (name, schema) in components.schemas.iter_mut() {
                let Some(item) = name.strip_prefix("Page_").filter(|item| names.iter().any(|n| n == item)) else {
                    continue;
                };
                if let RefOr::T(Schema::Object(page)) = schema {
                    if let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items") {
                        items.items = ArrayItems::RefOrSchema(Box::new(RefOr::Ref(Ref::from_schema_name(item))));
                    }
                }
            }
        }
    }
}

fn problem(description: &str) -> RefOr<Response> {
    let mut response = Response::new(description);
    response.content.insert(PROBLEM_JSON.to_owned(), Content::new(Some(Ref::from_schema_name("Problem"))));
    RefOr::T(response)
}

fn is_problem(content: &Content) -> bool {
    matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"))
}

/// The reason phrase of a status, for responses documented without words.
fn reason(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "204" => "No content",
        "400" => "Malformed request (JSON body, query string or header)",
        "401" => "Not authenticated",
        "403" => "Your roles do not allow this",
        "404" => "No such resource, or not yours to see",
        "405" => "Method not allowed",
        "409" => "Conflicts with the resource's state",
        "412" => "If-Match names another version",
        "413" => "The body is too large",
        "415" => "The body is not JSON",
        "422" => "Invalid fields (listed in `errors`)",
        "429" => "Too many attempts",
        "503" => "The database is unavailable; retry after Retry-After",
        _ => "See the status code",
    }
}

/// Page sizes, as `PageLimit` checks them.
fn bound_limits(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        if parameter.parameter_in != ParameterIn::Query || parameter.name != "limit" {
            continue;
        }
        if let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut() {
            object.minimum = Some(utoipa::Number::UInt(1));
            object.maximum = Some(utoipa::Number::UInt(crate::domain::page::PageLimit::MAX as usize));
        }
    }
}

fn complete(path: &str, operation: &mut Operation) {
    bound_limits(operation);
    let responses = &mut operation.responses.responses;
    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        if response.description.trim().is_empty() {
            response.description = reason(status).to_owned();
        }
        let problem_as_json = response.content.get("application/json").is_some_and(is_problem);
        if problem_as_json {
            if let Some(content) = response.content.shift_remove("application/json") {
                response.content.insert(PROBLEM_JSON.to_owned(), content);
            }
        }
    }
    let has_body = operation.request_body.is_some();
    let conditional = operation.parameters.iter().flatten().any(|p| p.name == "If-Match");
    if conditional {
        responses.entry("412".to_owned()).or_insert_with(|| problem(reason("412")));
    }
    let has_query = operation.parameters.iter().flatten().any(|p| p.parameter_in == ParameterIn::Query);
    if has_body {
        responses.entry("413".to_owned()).or_insert_with(|| problem(reason("413")));
        responses.entry("415".to_owned()).or_insert_with(|| problem(reason("415")));
    }
    if has_body || has_query {
        responses.entry("400".to_owned()).or_insert_with(|| problem(reason("400")));
    }
    // Liveness and the document itself answer without the database.
    if !matches!(path, "/health/live" | "/api/v1/openapi.json") {
        responses.entry("503".to_owned()).or_insert_with(|| problem(reason("503")));
    }
}
