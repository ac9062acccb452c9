//! OpenAPI links from each creating operation to the operations that use
//! the id it answers with (`POST /tickets` -> `GET /tickets/{id}`,
//! `POST /tickets/{id}/start`, …), so that a generic client or fuzzer can
//! follow a resource's life cycle from the document alone.

use serde_json::{json, Map, Value};

/// The document with its links. Added to the JSON form: utoipa's `Link`
/// writes `operation_id`, where OpenAPI spells `operationId`.
pub fn with_links(openapi: &utoipa::openapi::OpenApi) -> Value {
    let mut document = serde_json::to_value(openapi).unwrap_or_default();
    add_links(&mut document);
    document
}

/// Where the created resource's id is in an answer of `schema`: `/id`, or
/// `/<field>/id` when the answer wraps it (`{"user": {…}, …}`).
fn id_pointer(document: &Value, schema: &Value) -> Option<String> {
    let component = |schema: &Value| {
        let name = schema["$ref"].as_str()?.strip_prefix("#/components/schemas/")?;
        document["components"]["schemas"].get(name).cloned()
    };
    let resolved = component(schema)?;
    let properties = resolved["properties"].as_object()?;
    if properties.contains_key("id") {
        return Some("/id".to_owned());
    }
    properties.iter().find_map(|(field, inner)| {
        let inner = component(inner)?;
        inner["properties"].get("id").map(|_| format!("/{field}/id"))
    })
}

/// Adds a link to each creating operation's 201 answer for every
/// operation on its members' paths.
fn add_links(document: &mut Value) {
    let Some(paths) = document["paths"].as_object().cloned() else { return };
    for (collection, item) in &paths {
        let Some(created) = item["post"]["responses"]["201"]["content"]["application/json"]["schema"].as_object()
        else {
            continue;
        };
        let Some(pointer) = id_pointer(document, &Value::Object(created.clone())) else { continue };
        let member = format!("{collection}/{{id}}");
        let mut links = Map::new();
        for (path, item) in &paths {
            let one_param = path.matches('{').count() == 1;
            if !(one_param && (path == &member || path.starts_with(&format!("{member}/")))) {
                continue;
            }
            for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
                let Some(operation_id) = operation["operationId"].as_str() else { continue };
                links.insert(
                    operation_id.to_owned(),
                    json!({
                        "operationId": operation_id,
                        "parameters": { "id": format!("$response.body#{pointer}") },
                        "description": format!("The created resource's `id` as `{{id}}` of {path}."),
                    }),
                );
            }
        }
        if !links.is_empty() {
            document["paths"][collection]["post"]["responses"]["201"]["links"] = Value::Object(links);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_resource_links_to_what_takes_its_id() {
        let mut document = json!({
            "paths": {
                "/t": { "post": { "responses": { "201": { "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Wrapped" } } } } } } },
                "/t/{id}": { "get": { "operationId": "get_t" } },
                "/t/{id}/start": { "post": { "operationId": "start_t" } },
                "/t/{id}/files/{file}": { "get": { "operationId": "get_file" } },
                "/other/{id}": { "get": { "operationId": "get_other" } },
            },
            "components": { "schemas": {
                "Wrapped": { "properties": { "t": { "$ref": "#/components/schemas/T" }, "secret": {} } },
                "T": { "properties": { "id": {} } },
            } },
        });
        add_links(&mut document);
        let links =
            document["paths"]["/t"]["post"]["responses"]["201"]["links"].as_object().cloned().unwrap_or_default();
        let mut names: Vec<&String> = links.keys().collect();
        names.sort();
        assert_eq!(names, ["get_t", "start_t"]);
        assert_eq!(links["start_t"]["parameters"]["id"], "$response.body#/t/id");
    }
}
