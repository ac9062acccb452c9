//! What every answer carries and what no client may do: security headers,
//! uncached tokens, problems for refused preflights, a bound on the time
//! to send a body, rights checked before a body's rules are told, tier-1
//! coverage for those who supervise it, and metrics for operators only.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::on_both_backends;
use crate::support::{spawn_app, spawn_app_with, Backend};

async fn a_caller_without_the_right_learns_nothing_of_a_body(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    for (path, token) in [
        ("/api/v1/units", &org.reporter_a.token),
        ("/api/v1/sla-policies", &org.tier1_a.token),
        ("/api/v1/services", &org.tier1_a.token),
        ("/api/v1/calendars", &org.reporter_a.token),
        ("/api/v1/users", &org.tier2.token),
    ] {
        for body in [json!({}), json!({ "name": 7, "code": [] })] {
            let refused = app.post(path, Some(token), body).await;
            refused.assert_problem(403);
            assert!(refused.body.get("errors").is_none(), "{path}: {}", refused.text);
        }
    }
    // Those who may still hear what is wrong with the body.
    let invalid = app.post("/api/v1/units", Some(&org.admin.token), json!({})).await;
    invalid.assert_problem(422);
}

async fn every_answer_carries_the_security_headers(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    for answer in [
        app.get("/health/live", None).await,
        app.get("/api/v1/me", Some(&org.reporter_a.token)).await,
        app.get("/api/v1/no-such-thing", None).await,
        app.get("/api/v1/tickets", None).await,
    ] {
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"), "{:?}", answer.headers);
        assert_eq!(answer.header("x-frame-options"), Some("DENY"));
        assert_eq!(answer.header("referrer-policy"), Some("no-referrer"));
    }
}

async fn tokens_are_never_kept_by_caches(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({ "email": org.reporter_a.email, "password": crate::support::PASSWORD }),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    assert_eq!(login.header("cache-control"), Some("no-store"));
    let refresh = app.post("/api/v1/auth/refresh", None, json!({ "refresh_token": login.body["refresh_token"] })).await;
    assert_eq!(refresh.status, 200, "{}", refresh.text);
    assert_eq!(refresh.header("cache-control"), Some("no-store"));
}

async fn a_refused_cors_preflight_answers_a_problem(backend: Backend) {
    let Some(app) =
        spawn_app_with(backend, |s| s.server.cors_origins = vec!["https://desk.majenekab.go.id".into()]).await
    else {
        return;
    };
    let preflight = |origin: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/api/v1/tickets", app.address))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
    };
    let refused = app.send(preflight("https://elsewhere.example")).await;
    refused.assert_problem(400);
    let allowed = app.send(preflight("https://desk.majenekab.go.id")).await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
}

async fn tier1_coverage_is_shown_only_to_admins_and_supervisors(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let pd = format!("/api/v1/units/{}", org.pd_b);
    for token in [&org.admin.token, &org.supervisor.token] {
        let read = app.get(&pd, Some(token)).await;
        assert!(read.body["tier1_coverage"].is_boolean(), "{}", read.text);
        let listed = app.get("/api/v1/units?kind=perangkat_daerah", Some(token)).await;
        assert!(listed.body["items"].as_array().unwrap().iter().all(|u| u["tier1_coverage"].is_boolean()));
    }
    let key = app.tier1_api_key(&org.admin.token, org.pd_b).await;
    for token in [&org.reporter_a.token, &org.tier1_a.token, &org.tier2.token, &org.auditor.token, &key] {
        let read = app.get(&pd, Some(token)).await;
        assert_eq!(read.status, 200, "{}", read.text);
        assert!(read.body.get("tier1_coverage").is_none(), "omitted, not null: {}", read.text);
        let listed = app.get("/api/v1/units", Some(token)).await;
        assert!(listed.body["items"].as_array().unwrap().iter().all(|u| u.get("tier1_coverage").is_none()));
    }
    // The document tells integrators who sees it.
    let document = app.get("/api/v1/openapi.json", None).await;
    let described = &document.body["components"]["schemas"]["UnitResponse"]["properties"]["tier1_coverage"];
    let text = described["description"].as_str().unwrap_or_default();
    assert!(text.contains("admins and supervisors only") && text.contains("omitted"), "{described}");
}

async fn a_body_shorter_than_its_length_is_answered_408_in_time(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.server.body_read_timeout_seconds = 1).await else { return };
    let org = app.org().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let token = org.reporter_a.token.clone();
    let (status, text, waited) = tokio::task::spawn_blocking(move || {
        let mut socket = std::net::TcpStream::connect(&address).unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let started = Instant::now();
        write!(
            socket,
            "POST /api/v1/tickets HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 400\r\n\r\n{{\"title\": \"Printer"
        )
        .unwrap();
        socket.flush().unwrap();
        let mut answer = vec![0; 4096];
        let n = socket.read(&mut answer).unwrap_or(0);
        let text = String::from_utf8_lossy(&answer[..n]).into_owned();
        let status = text.split(' ').nth(1).unwrap_or("").to_owned();
        (status, text, started.elapsed())
    })
    .await
    .unwrap();
    assert_eq!(status, "408", "{text}");
    assert!(text.to_ascii_lowercase().contains("content-type: application/problem+json"), "{text}");
    assert!(waited < Duration::from_secs(5), "answered after {waited:?}");
    assert_eq!(app.count("tickets"), 0);
}

async fn metrics_are_read_with_the_token_or_from_this_machine(backend: Backend) {
    let Some(open) = spawn_app(backend).await else { return };
    assert_eq!(open.get("/metrics", None).await.status, 200, "loopback, no proxy");
    let forwarded = open.client.get(format!("{}/metrics", open.address)).header("X-Forwarded-For", "203.0.113.9");
    open.send(forwarded).await.assert_problem(403);

    let Some(app) =
        spawn_app_with(backend, |s| s.server.metrics_token = Some("prometheus-scrape-token".to_owned().into())).await
    else {
        return;
    };
    app.get("/metrics", None).await.assert_problem(401);
    app.get("/metrics", Some("a-wrong-token")).await.assert_problem(401);
    let read = app.get("/metrics", Some("prometheus-scrape-token")).await;
    assert_eq!(read.status, 200);
    assert!(read.text.contains("spbe_notice_events_waiting"));
}

async fn an_altered_cursor_is_refused_and_an_empty_one_is_the_first_page(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    for path in ["/api/v1/users?limit=1", "/api/v1/tickets?limit=1&sort=-created"] {
        if path.contains("tickets") {
            for _ in 0..2 {
                let filed = app
                    .post("/api/v1/tickets", Some(&org.reporter_a.token), crate::tickets::incident(org.service))
                    .await;
                assert_eq!(filed.status, 201, "{}", filed.text);
            }
        }
        let first = app.get(path, Some(&org.admin.token)).await;
        let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
        let next = app.get(&format!("{path}&cursor={cursor}"), Some(&org.admin.token)).await;
        assert_eq!(next.status, 200, "{}", next.text);
        // One bit changed in any byte makes it another cursor, refused.
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&cursor).unwrap();
        for at in [0, bytes.len() / 2, bytes.len() - 1] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x01;
            let altered = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&flipped);
            let refused = app.get(&format!("{path}&cursor={altered}"), Some(&org.admin.token)).await;
            refused.assert_problem(422);
        }
        let empty = app.get(&format!("{path}&cursor="), Some(&org.admin.token)).await;
        assert_eq!(empty.status, 200, "{}", empty.text);
        assert_eq!(empty.body["items"], first.body["items"]);
    }
}

on_both_backends!(
    an_altered_cursor_is_refused_and_an_empty_one_is_the_first_page,
    a_caller_without_the_right_learns_nothing_of_a_body,
    every_answer_carries_the_security_headers,
    tokens_are_never_kept_by_caches,
    a_refused_cors_preflight_answers_a_problem,
    tier1_coverage_is_shown_only_to_admins_and_supervisors,
    a_body_shorter_than_its_length_is_answered_408_in_time,
    metrics_are_read_with_the_token_or_from_this_machine,
);
