//! Writes that lose a race to a concurrent write: 409 without `If-Match`,
//! 412 with one, through the one version-guarded update (`db::versioned`).

use std::time::Duration;

use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::{json, Value};
use spbe_desk::db::versioned::{self, Versioned};
use spbe_desk::db::StoreError;
use spbe_desk::domain::version::{EntityTag, Precondition};
use uuid::Uuid;

use crate::if_match::{calendar, policy, Write};
use crate::on_both_backends;
use crate::support::{spawn_app, Backend, Resp, TestApp};
use crate::tickets::{file, incident};

/// For each versioned resource at version `v`: a write that read `v` while
/// another write moved the row to `v + 1` is 409 without `If-Match` (and
/// with `*`), 412 when it named `"v"`, and changes nothing.
async fn a_write_that_lost_a_race_is_409_without_if_match_and_412_with_one(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let ticket = Uuid::parse_str(ticket["id"].as_str().unwrap()).unwrap();
    let made = app.post("/api/v1/calendars", Some(&org.admin.token), calendar("Balapan")).await;
    let calendar = Uuid::parse_str(made.body["id"].as_str().unwrap()).unwrap();
    let made = app.post("/api/v1/sla-policies", Some(&org.admin.token), policy("Balapan")).await;
    let policy = Uuid::parse_str(made.body["id"].as_str().unwrap()).unwrap();
    let resources = [
        (Versioned::Unit, org.pd_a, "units"),
        (Versioned::Service, org.service, "services"),
        (Versioned::User, org.tier1_a.id, "users"),
        (Versioned::Calendar, calendar, "calendars"),
        (Versioned::SlaPolicy, policy, "sla_policies"),
        (Versioned::Ticket, ticket, "tickets"),
    ];
    let now = chrono::Utc::now();
    let mut conn = app.db.conn().unwrap();
    for (resource, id, table) in resources {
        let winner = versioned::check(resource, id, 1, &Precondition::None).unwrap();
        assert_eq!(winner.bump(&mut conn, now).unwrap(), 2, "{resource:?}: the first write wins");
        let read_one = Precondition::OneOf(vec![EntityTag::strong("1")]);
        for (precondition, expected) in [(Precondition::None, 409), (Precondition::Any, 409), (read_one, 412)] {
            let loser = versioned::check(resource, id, 1, &precondition).unwrap();
            let status = match loser.bump(&mut conn, now) {
                Err(StoreError::Conflict(message)) => {
                    assert!(message.contains("changed at the same moment"), "{message}");
                    409
                }
                Err(StoreError::StaleVersion) => 412,
                other => panic!("{resource:?} with {precondition:?}: {other:?}"),
            };
            assert_eq!(status, expected, "{resource:?} with {precondition:?}");
        }
        let stale = versioned::check(resource, id, 2, &Precondition::OneOf(vec![EntityTag::strong("1")]));
        assert!(matches!(stale, Err(StoreError::StaleVersion)), "{resource:?}: {stale:?}");
        let key = app.id_literal(id);
        assert_eq!(app.count(&format!("{table} WHERE id = {key} AND version = 2")), 1, "{resource:?}");
    }
}

/// Sends `write` without `If-Match` while another transaction has already
/// run `concurrent` on the row and not committed, and commits it once the
/// request waits for it. On SQLite the request waits before it even reads
/// (one writer, which takes the lock first), so it applies on top instead.
async fn race(app: &TestApp, token: &str, write: &Write, concurrent: &str) -> Resp {
    let backend = app.db.backend();
    let mut conn = app.db.conn().unwrap();
    let begin = match backend {
        spbe_desk::db::Backend::Postgres => "BEGIN",
        spbe_desk::db::Backend::Sqlite => "BEGIN IMMEDIATE",
    };
    conn.batch_execute(&format!("{begin}; {concurrent}")).unwrap();
    let url = format!("{}{}", app.address, write.path);
    let request = app.client.request(write.method.clone(), url).bearer_auth(token).json(&write.body);
    let pending = tokio::spawn(request.send());
    match backend {
        spbe_desk::db::Backend::Postgres => {
            let waiting = "pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()";
            let mut polls = 0;
            while app.count(waiting) == 0 {
                polls += 1;
                assert!(polls < 1000, "the request never waited for the row");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        // Nothing to observe: give the request a moment to queue.
        spbe_desk::db::Backend::Sqlite => tokio::time::sleep(Duration::from_millis(200)).await,
    }
    conn.batch_execute("COMMIT").unwrap();
    let response = pending.await.unwrap().unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    let text = response.text().await.unwrap();
    Resp { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
}

/// Asserts what a PATCH without `If-Match` racing a concurrent write gets:
/// 409 and nothing of its own on PostgreSQL; on SQLite it applies on top.
async fn assert_lost_race(app: &TestApp, read: &str, token: &str, write: &Write, concurrent: &str, field: &str) {
    let audit = app.count("audit_log");
    let resp = race(app, token, write, concurrent).await;
    let now = app.get(read, Some(token)).await;
    match app.db.backend() {
        spbe_desk::db::Backend::Postgres => {
            resp.assert_problem(409);
            assert!(resp.body["detail"].as_str().unwrap().contains("changed at the same moment"), "{}", resp.text);
            assert_eq!((now.body["version"].as_i64(), &now.body[field]), (Some(2), &json!("Ditulis bersamaan")));
            assert_eq!(app.count("audit_log"), audit, "the loser journals nothing");
        }
        spbe_desk::db::Backend::Sqlite => {
            assert_eq!((resp.status, resp.header("etag")), (200, Some("\"3\"")), "{}", resp.text);
            assert_eq!(now.body[field], write.body[field]);
        }
    }
}

async fn a_ticket_patch_that_loses_a_race_without_if_match_is_409(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let id = Uuid::parse_str(ticket["id"].as_str().unwrap()).unwrap();
    let path = format!("/api/v1/tickets/{id}");
    let write = Write::new(Method::PATCH, &path, json!({ "title": "Judul yang kalah" }));
    let concurrent = format!(
        "UPDATE tickets SET version = version + 1, title = 'Ditulis bersamaan' WHERE id = {}",
        app.id_literal(id)
    );
    assert_lost_race(&app, &path, &org.tier1_a.token, &write, &concurrent, "title").await;
}

async fn a_unit_patch_that_loses_a_race_without_if_match_is_409(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let path = format!("/api/v1/units/{}", org.pd_b);
    let write = Write::new(Method::PATCH, &path, json!({ "name": "Nama yang kalah" }));
    let concurrent = format!(
        "UPDATE units SET version = version + 1, name = 'Ditulis bersamaan' WHERE id = {}",
        app.id_literal(org.pd_b)
    );
    assert_lost_race(&app, &path, &org.admin.token, &write, &concurrent, "name").await;
}

on_both_backends!(
    a_write_that_lost_a_race_is_409_without_if_match_and_412_with_one,
    a_ticket_patch_that_loses_a_race_without_if_match_is_409,
    a_unit_patch_that_loses_a_race_without_if_match_is_409,
);
