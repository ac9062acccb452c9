//! A database written before ids were native (PostgreSQL's BYTEA; SQLite
//! keeps its 16-byte BLOBs) upgrades with every id intact: rows written as
//! bytes, and rows the service wrote, resolve through the API afterwards.

use serde_json::Value;
use uuid::Uuid;

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, TestApp};
use crate::tickets::incident;

const AT: &str = "'2026-11-02 08:00:00'";

/// Writes a unit, a reporter in it and a ticket of theirs as the schema
/// before native ids held them (ids as 16-byte literals).
fn write_as_bytes(app: &TestApp, service: Uuid, unit: Uuid, user: Uuid, ticket: Uuid) {
    let id = |id: Uuid| app.bytes_literal(id.as_bytes());
    app.execute(&format!(
        "INSERT INTO units (id, kind, code, name, mandiri_tik, time_zone, mailbox, active, version, created_at, \
         updated_at) VALUES ({}, 'perangkat_daerah', 'LAMA', 'Dinas Lama', false, 'Asia/Makassar', \
         'lama@desk.go.id', true, 1, {AT}, {AT})",
        id(unit)
    ));
    app.execute(&format!(
        "INSERT INTO users (id, unit_id, name, email, roles, active, version, created_at, updated_at) \
         VALUES ({}, {}, 'Pelapor Lama', 'pelapor.lama@desk.go.id', 'reporter', true, 1, {AT}, {AT})",
        id(user),
        id(unit)
    ));
    app.execute(&format!(
        "INSERT INTO tickets (id, number, ticket_type, title, description, service_id, unit_id, reporter_id, \
         channel, impact, urgency, priority, priority_rank, status, tier, created_by_kind, created_by, created_at, \
         updated_at) VALUES ({}, 'TKT-2026-900001', 'incident', 'Tiket lama', 'Ditulis sebelum id asli', {}, {}, {}, \
         'web', 'high', 'medium', 'high', 1, 'new', 1, 'user', {}, {AT}, {AT})",
        id(ticket),
        id(service),
        id(unit),
        id(user),
        id(user)
    ));
}

async fn get_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let resp = app.get(path, Some(token)).await;
    assert_eq!(resp.status, 200, "{path}: {}", resp.text);
    resp.body
}

async fn ids_stored_as_bytes_resolve_after_the_upgrade(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let filed = app.post("/api/v1/tickets", Some(&org.reporter_a.token), incident(org.service)).await;
    assert_eq!(filed.status, 201, "{}", filed.text);
    let filed = filed.body["id"].as_str().unwrap().to_owned();
    let (unit, user, ticket) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    {
        let mut conn = app.db.conn().unwrap();
        assert_eq!(spbe_desk::db::migrate::revert_last(&mut conn).unwrap(), "20261207000015");
        write_as_bytes(&app, org.service, unit, user, ticket);
        assert_eq!(spbe_desk::db::migrate::run_pending(&mut conn).unwrap(), ["20261207000015"]);
    }
    let (admin, supervisor) = (&org.admin.token, &org.supervisor.token);

    let stored = get_ok(&app, &format!("/api/v1/units/{unit}"), admin).await;
    assert_eq!((stored["id"].as_str(), stored["name"].as_str()), (Some(unit.to_string().as_str()), Some("Dinas Lama")));
    let stored = get_ok(&app, &format!("/api/v1/users/{user}"), admin).await;
    assert_eq!(stored["unit_id"].as_str(), Some(unit.to_string().as_str()));
    let stored = get_ok(&app, &format!("/api/v1/tickets/{ticket}"), supervisor).await;
    let links = ["id", "service_id", "unit_id", "reporter_id"].map(|field| stored[field].as_str().unwrap().to_owned());
    assert_eq!(links, [ticket, org.service, unit, user].map(|id| id.to_string()));
    let queue = get_ok(&app, &format!("/api/v1/tickets?unit_id={unit}"), supervisor).await;
    let ids: Vec<&str> = queue["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [ticket.to_string()]);

    // What the service wrote before the upgrade: the ticket, its timeline
    // and its audit chain, whose hashes cover the ids.
    let stored = get_ok(&app, &format!("/api/v1/tickets/{filed}"), supervisor).await;
    assert_eq!(stored["reporter_id"].as_str(), Some(org.reporter_a.id.to_string().as_str()));
    let events = get_ok(&app, &format!("/api/v1/tickets/{filed}/events"), supervisor).await;
    assert!(!events["items"].as_array().unwrap().is_empty(), "{events}");
    let verified = get_ok(&app, "/api/v1/audit/verify", &org.auditor.token).await;
    assert_eq!(verified["intact"], true, "{verified}");
}

on_both_backends!(ids_stored_as_bytes_resolve_after_the_upgrade);
