//! The OpenAPI document: well-formed, complete, and every operation routed.

use serde_json::Value;

use crate::on_both_backends;
use crate::support::{spawn_app, Backend};

fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                refs.push(r.clone());
            }
            map.values().for_each(|v| collect_refs(v, refs));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

const METHODS: [&str; 5] = ["get", "post", "patch", "put", "delete"];

async fn the_document_is_openapi_3_with_resolvable_references(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let response = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(response.status, 200);
    let doc = response.body;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 15, "only {} paths documented", paths.len());
    for (path, item) in paths {
        let operations: Vec<&str> = METHODS.into_iter().filter(|m| item.get(*m).is_some()).collect();
        assert!(!operations.is_empty(), "{path} has no operation");
        for method in operations {
            let responses = item[method]["responses"].as_object();
            assert!(responses.is_some_and(|r| !r.is_empty()), "{method} {path} documents no response");
        }
    }
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    for reference in refs {
        assert!(resolve(&doc, &reference).is_some(), "dangling $ref {reference}");
    }
    // Kept for the external validator that .ci/run applies.
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("openapi.json");
    std::fs::write(out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

async fn every_documented_operation_is_routed(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    let paths = doc["paths"].as_object().expect("paths");
    for (path, item) in paths {
        let concrete = path.replace("{id}", &uuid::Uuid::now_v7().to_string());
        for method in METHODS.into_iter().filter(|m| item.get(*m).is_some()) {
            let url = format!("{}{concrete}", app.address);
            let request = app
                .client
                .request(method.to_uppercase().parse().unwrap(), url)
                .header("content-type", "application/json")
                .body("{}");
            let response = app.send(request).await;
            let unrouted = response.status == 405
                || (response.status == 404
                    && response.body["detail"].as_str().is_some_and(|d| d.starts_with("no route")));
            assert!(!unrouted, "{method} {path} is documented but not routed: {}", response.text);
        }
    }
}

async fn documented_errors_use_the_problem_schema(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    // Typed SLA targets and pages that reference their items, for generated clients.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert!(schemas["PriorityTargets"]["properties"]["response"]["$ref"].is_string(), "{}", schemas["PriorityTargets"]);
    assert!(schemas["ClockView"]["properties"]["target"]["$ref"].is_string(), "{}", schemas["ClockView"]);
    for (name, schema) in schemas.iter().filter(|(name, _)| name.starts_with("Page_")) {
        let item = name.trim_start_matches("Page_");
        assert_eq!(schema["properties"]["items"]["items"]["$ref"], format!("#/components/schemas/{item}"), "{name}");
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS.into_iter().filter(|m| item.get(*m).is_some()) {
            let responses = item[method]["responses"].as_object().unwrap();
            for (status, response) in responses {
                assert!(response["description"].as_str().is_some_and(|d| !d.is_empty()), "{method} {path} {status}");
                if status.starts_with('4') || status.starts_with('5') {
                    // As the server sends them (RFC 7807), not as plain JSON.
                    let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/Problem", "{method} {path} {status}");
                }
            }
            for parameter in item[method]["parameters"].as_array().into_iter().flatten() {
                if parameter["name"] == "limit" && parameter["in"] == "query" {
                    let schema = &parameter["schema"];
                    assert_eq!(
                        (schema["minimum"].as_u64(), schema["maximum"].as_u64()),
                        (Some(1), Some(200)),
                        "{method} {path}"
                    );
                }
            }
            if item[method].get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} takes a body but does not document {status}"
                    );
                }
            }
            if path.starts_with("/api/v1/") && path != "/api/v1/openapi.json" {
                assert!(responses.contains_key("503"), "{method} {path} does not document 503");
            }
        }
    }
}

async fn created_resources_link_to_the_operations_that_take_their_id(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    let ids = |path: &str| doc["paths"][path]["post"]["responses"]["201"]["links"].clone();
    let tickets = ids("/api/v1/tickets");
    for operation in ["get_ticket", "start_ticket", "escalate_ticket", "resolve_ticket", "list_comments"] {
        let link = &tickets[operation];
        assert_eq!(link["operationId"], operation, "{tickets}");
        assert_eq!(link["parameters"]["id"], "$response.body#/id");
    }
    assert_eq!(ids("/api/v1/changes")["submit_change"]["parameters"]["id"], "$response.body#/id");
    // An answer that wraps the created resource names where its id is.
    assert_eq!(ids("/api/v1/users")["get_user"]["parameters"]["id"], "$response.body#/user/id");
    // Every link names an operation of the document.
    let operations: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    for links in doc["paths"].as_object().unwrap().keys().map(|p| ids(p)) {
        for link in links.as_object().into_iter().flat_map(|l| l.values()) {
            assert!(operations.contains(&link["operationId"].as_str().unwrap()), "{link}");
        }
    }
}

/// A request header is absent or a string, so none is nullable (a client
/// following the document would send `If-Match: null`), and the
/// conditional and idempotent ones state their syntax.
async fn request_headers_are_strings_with_their_syntax(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
            for header in parameters.iter().filter(|p| p["in"] == "header") {
                let name = header["name"].as_str().unwrap();
                assert_eq!(header["schema"]["type"], "string", "{method} {path} {name}: {header}");
                if matches!(name, "If-Match" | "Idempotency-Key") {
                    assert!(header["schema"]["pattern"].is_string(), "{method} {path} {name}: {header}");
                }
            }
        }
    }
}

on_both_backends!(
    request_headers_are_strings_with_their_syntax,
    created_resources_link_to_the_operations_that_take_their_id,
    the_document_is_openapi_3_with_resolvable_references,
    every_documented_operation_is_routed,
    documented_errors_use_the_problem_schema,
);
