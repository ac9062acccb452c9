//! Every way a request can be malformed answers in problem+json with the
//! right status, and changes nothing.

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{spawn_app, spawn_app_with, Backend, Resp, TestApp};

/// Asserts a problem of this status and `type` slug.
pub fn assert_problem_kind(resp: &Resp, status: u16, slug: &str) {
    resp.assert_problem(status);
    assert_eq!(resp.body["type"], format!("urn:spbe-desk:problem:{slug}"), "{}", resp.text);
}

/// Asserts a 422 validation problem and returns the fields it names, in order.
pub fn invalid_fields(resp: &Resp) -> Vec<String> {
    assert_problem_kind(resp, 422, "validation");
    resp.body["errors"]
        .as_array()
        .expect("a validation problem lists its errors")
        .iter()
        .map(|error| {
            assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{error}");
            error["field"].as_str().expect("field name").to_owned()
        })
        .collect()
}

/// The row counts that bad input must leave alone.
pub fn counts(app: &TestApp) -> [i64; 3] {
    [app.count("units"), app.count("users"), app.count("audit_log")]
}

fn valid_unit() -> Value {
    json!({
        "kind": "perangkat_daerah",
        "code": "DUKCAPIL",
        "name": "Dinas Kependudukan dan Pencatatan Sipil",
        "time_zone": "Asia/Makassar",
        "mailbox": "dukcapil@desk.go.id",
    })
}

/// Posts `body` verbatim with `content_type` as the admin of a fresh region.
async fn post_raw(app: &TestApp, token: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Resp {
    let request = app
        .client
        .post(format!("{}/api/v1/units", app.address))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(body);
    app.send(request).await
}

async fn an_unknown_route_is_a_404_problem(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    for path in ["/api/v1/nowhere", "/api/v2/units", "/nowhere"] {
        let resp = app.get(path, None).await;
        assert_problem_kind(&resp, 404, "not-found");
    }
}

async fn an_unsupported_method_is_a_405_problem(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    let request = app.client.delete(format!("{}/api/v1/units", app.address)).bearer_auth(&org.admin.token);
    assert_problem_kind(&app.send(request).await, 405, "method-not-allowed");
    let request = app.client.put(format!("{}/api/v1/units/{}", app.address, org.pd_a)).bearer_auth(&org.admin.token);
    assert_problem_kind(&app.send(request).await, 405, "method-not-allowed");
    assert_eq!(counts(&app), before);
}

async fn a_405_names_the_allowed_methods(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    // RFC 9110 section 15.5.6: a 405 response MUST carry an Allow header.
    for (path, allowed) in
        [("/api/v1/units".to_owned(), ["GET", "POST"]), (format!("/api/v1/units/{}", org.pd_a), ["GET", "PATCH"])]
    {
        let request = app.client.delete(format!("{}{path}", app.address)).bearer_auth(&org.admin.token);
        let resp = app.send(request).await;
        assert_problem_kind(&resp, 405, "method-not-allowed");
        let allow = resp.header("allow").unwrap_or_default().to_owned();
        for method in allowed {
            assert!(allow.contains(method), "{path}: Allow should list {method}, got {allow:?}");
        }
    }
}

async fn malformed_json_is_a_400_problem(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    for body in [r#"{"kind": "perangkat_daerah", "code": "#, "not json at all", r#"{"code": "A",}"#] {
        let resp = post_raw(&app, &org.admin.token, "application/json", body).await;
        assert_problem_kind(&resp, 400, "malformed-request");
    }
    assert_eq!(counts(&app), before);
}

async fn anything_after_the_json_value_is_a_400_problem_and_changes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    let unit = valid_unit().to_string();
    for tail in [unit.clone(), "]]]".to_owned(), "\u{0}".to_owned(), "garbage".to_owned(), "{}".to_owned()] {
        let resp = post_raw(&app, &org.admin.token, "application/json", format!("{unit}{tail}")).await;
        assert_problem_kind(&resp, 400, "malformed-request");
    }
    // Whitespace after the value is still one value.
    let resp = post_raw(&app, &org.admin.token, "application/json", format!("{unit}\n  ")).await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    assert_eq!(counts(&app)[0], before[0] + 1);
}

async fn json_sent_as_plain_text_is_a_415_problem(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let resp = post_raw(&app, &org.admin.token, content_type, valid_unit().to_string()).await;
        assert_problem_kind(&resp, 415, "unsupported-media-type");
    }
    let request = app
        .client
        .post(format!("{}/api/v1/units", app.address))
        .bearer_auth(&org.admin.token)
        .body(valid_unit().to_string());
    assert_problem_kind(&app.send(request).await, 415, "unsupported-media-type");
    assert_eq!(counts(&app), before);
    // A charset parameter is still JSON.
    let resp = post_raw(&app, &org.admin.token, "application/json; charset=utf-8", valid_unit().to_string()).await;
    assert_eq!(resp.status, 201, "{}", resp.text);
}

async fn a_body_over_the_limit_is_a_413_problem(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.server.body_limit_bytes = 1024).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    let mut body = valid_unit();
    body["name"] = json!("x".repeat(4096));
    let resp = app.post("/api/v1/units", Some(&org.admin.token), body).await;
    assert_problem_kind(&resp, 413, "payload-too-large");
    let limit = app.settings.server.body_limit_bytes.to_string();
    assert!(resp.body["detail"].as_str().unwrap().contains(&limit), "the detail should state the limit: {}", resp.text);
    assert_eq!(counts(&app), before);
    // A body under the limit is still accepted.
    let resp = app.post("/api/v1/units", Some(&org.admin.token), valid_unit()).await;
    assert_eq!(resp.status, 201, "{}", resp.text);
}

async fn json_of_the_wrong_shape_is_a_422_problem(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    let mut missing = valid_unit();
    missing.as_object_mut().unwrap().remove("code");
    let mut wrong_type = valid_unit();
    wrong_type["mandiri_tik"] = json!("yes");
    let mut unknown_kind = valid_unit();
    unknown_kind["kind"] = json!("kecamatan");
    let mut unknown_field = valid_unit();
    unknown_field["owner"] = json!("someone");
    let cases = [
        (missing, "code", "code"),
        (wrong_type, "mandiri_tik", "expected a boolean"),
        (unknown_kind, "kind", "kecamatan"),
        (unknown_field, "owner", "owner"),
    ];
    for (body, field, culprit) in cases {
        let resp = app.post("/api/v1/units", Some(&org.admin.token), body).await;
        assert_eq!(invalid_fields(&resp), [field], "the problem names the field: {}", resp.text);
        let message = resp.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(culprit), "the message should name `{culprit}`: {message}");
    }
    assert_eq!(counts(&app), before);
}

/// JSON Schema, and so the document, calls `75.0` and `3e1` integers: they
/// are taken as such; `75.5` is no integer and is refused.
async fn a_whole_number_written_with_a_fraction_or_an_exponent_is_an_integer(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    let mut body = crate::if_match::policy("Layanan 24 jam");
    body["warning_percent"] = json!(75.0);
    body["targets"]["critical"]["response"] = json!({ "unit": "business_minutes", "value": 3e1 });
    let created = app.post("/api/v1/sla-policies", Some(admin), body.clone()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["warning_percent"], json!(75));
    assert_eq!(created.body["targets"]["critical"]["response"]["value"], json!(30));

    body["name"] = json!("Layanan pecahan");
    body["warning_percent"] = json!(75.5);
    let before = counts(&app);
    let fraction = app.post("/api/v1/sla-policies", Some(admin), body).await;
    assert_eq!(invalid_fields(&fraction), ["warning_percent"], "{}", fraction.text);
    assert_eq!(counts(&app), before);
}

async fn a_path_id_that_is_not_a_uuid_is_a_404_problem(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    for path in ["/api/v1/units/not-a-uuid", "/api/v1/users/42"] {
        assert_problem_kind(&app.get(path, Some(&org.admin.token)).await, 404, "not-found");
        let resp = app.patch(path, Some(&org.admin.token), json!({ "name": "Baru" }), None).await;
        assert_problem_kind(&resp, 404, "not-found");
    }
    assert_eq!(counts(&app), before);
}

async fn a_page_limit_outside_1_to_200_is_a_422_problem(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    for list in ["/api/v1/units", "/api/v1/users", "/api/v1/audit"] {
        for limit in ["0", "201", "500"] {
            let resp = app.get(&format!("{list}?limit={limit}"), Some(&org.admin.token)).await;
            assert_eq!(invalid_fields(&resp), ["limit"], "{list}?limit={limit}");
        }
        let resp = app.get(&format!("{list}?limit=200"), Some(&org.admin.token)).await;
        assert_eq!(resp.status, 200, "{}", resp.text);
    }
}

async fn a_cursor_this_api_did_not_issue_is_a_422_problem(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    for list in ["/api/v1/units", "/api/v1/users", "/api/v1/audit"] {
        for cursor in ["garbage!", "AAAA", "bm90LWEtdXVpZA"] {
            let resp = app.get(&format!("{list}?cursor={cursor}"), Some(&org.admin.token)).await;
            assert_eq!(invalid_fields(&resp), ["cursor"], "{list}?cursor={cursor}");
        }
    }
}

async fn a_query_value_of_the_wrong_type_is_a_400_problem(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    for query in [
        "/api/v1/units?active=maybe",
        "/api/v1/units?kind=kecamatan",
        "/api/v1/units?limit=-1",
        "/api/v1/users?unit_id=not-a-uuid",
        "/api/v1/users?role=root",
    ] {
        let resp = app.get(query, Some(&org.admin.token)).await;
        assert_problem_kind(&resp, 400, "malformed-request");
    }
}

async fn a_search_text_over_200_characters_is_a_422_problem(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    for list in ["/api/v1/units", "/api/v1/users"] {
        let resp = app.get(&format!("{list}?q={}", "a".repeat(201)), Some(&org.admin.token)).await;
        assert_eq!(invalid_fields(&resp), ["q"]);
    }
}

async fn a_request_without_credentials_is_a_401_problem_with_a_challenge(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    let anonymous = [
        app.get("/api/v1/units", None).await,
        app.get(&format!("/api/v1/users/{}", org.admin.id), None).await,
        app.get("/api/v1/audit", None).await,
        app.post("/api/v1/units", None, valid_unit()).await,
        app.patch(&format!("/api/v1/units/{}", org.pd_a), None, json!({ "name": "Baru" }), None).await,
        app.get("/api/v1/units", Some("not-a-jwt")).await,
    ];
    for resp in anonymous {
        assert_problem_kind(&resp, 401, "unauthenticated");
        assert!(resp.header("www-authenticate").is_some_and(|c| c.starts_with("Bearer")), "{:?}", resp.headers);
    }
    let request = app.client.get(format!("{}/api/v1/units", app.address)).basic_auth("admin@desk.go.id", Some("x"));
    let resp = app.send(request).await;
    assert_problem_kind(&resp, 401, "unauthenticated");
    assert!(resp.header("www-authenticate").is_some());
    assert_eq!(counts(&app), before);
}

on_both_backends!(
    anything_after_the_json_value_is_a_400_problem_and_changes_nothing,
    an_unknown_route_is_a_404_problem,
    an_unsupported_method_is_a_405_problem,
    a_405_names_the_allowed_methods,
    malformed_json_is_a_400_problem,
    json_sent_as_plain_text_is_a_415_problem,
    a_body_over_the_limit_is_a_413_problem,
    json_of_the_wrong_shape_is_a_422_problem,
    a_whole_number_written_with_a_fraction_or_an_exponent_is_an_integer,
    a_path_id_that_is_not_a_uuid_is_a_404_problem,
    a_page_limit_outside_1_to_200_is_a_422_problem,
    a_cursor_this_api_did_not_issue_is_a_422_problem,
    a_query_value_of_the_wrong_type_is_a_400_problem,
    a_search_text_over_200_characters_is_a_422_problem,
    a_request_without_credentials_is_a_401_problem_with_a_challenge,
);
