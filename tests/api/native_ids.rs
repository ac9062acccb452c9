//! A database written before ids were native (PostgreSQL's BYTEA; SQLite
//! keeps its 16-byte BLOBs) upgrades with every id intact: rows written as
//! bytes, and rows the service wrote, resolve through the API afterwards.

use chrono::{TimeZone as _, Utc};
use serde_json::Value;
use spbe_desk::domain::journal::chain::{Link, GENESIS};
use uuid::Uuid;

use crate::on_both_backends;
use crate::support::changes::{normal, ok, CHANGES};
use crate::support::{spawn_app, Backend, TestApp};
use crate::ticket_attachments::upload;
use crate::tickets::incident;

const AT: &str = "'2026-11-02 08:00:00'";

/// The rows written as bytes: a unit, a reporter in it, a ticket of theirs
/// with an attachment and its first audit entry, and a change they asked
/// for on a service of the region.
struct Written {
    service: Uuid,
    unit: Uuid,
    user: Uuid,
    ticket: Uuid,
    attachment: Uuid,
    audit: Uuid,
    change: Uuid,
}

impl Written {
    fn new(service: Uuid) -> Self {
        let id = Uuid::now_v7;
        Self { service, unit: id(), user: id(), ticket: id(), attachment: id(), audit: id(), change: id() }
    }
}

/// Writes `w` as the schema before native ids held it (ids as 16-byte
/// literals).
fn write_as_bytes(app: &TestApp, w: &Written) {
    let id = |id: Uuid| app.bytes_literal(id.as_bytes());
    let (unit, user, ticket) = (id(w.unit), id(w.user), id(w.ticket));
    app.execute(&format!(
        "INSERT INTO units (id, kind, code, name, mandiri_tik, time_zone, mailbox, active, version, created_at, \
         updated_at) VALUES ({unit}, 'perangkat_daerah', 'LAMA', 'Dinas Lama', false, 'Asia/Makassar', \
         'lama@desk.go.id', true, 1, {AT}, {AT})"
    ));
    app.execute(&format!(
        "INSERT INTO users (id, unit_id, name, email, roles, active, version, created_at, updated_at) \
         VALUES ({user}, {unit}, 'Pelapor Lama', 'pelapor.lama@desk.go.id', 'reporter', true, 1, {AT}, {AT})"
    ));
    app.execute(&format!(
        "INSERT INTO tickets (id, number, ticket_type, title, description, service_id, unit_id, reporter_id, \
         channel, impact, urgency, priority, priority_rank, status, tier, created_by_kind, created_by, created_at, \
         updated_at) VALUES ({ticket}, 'TKT-2026-900001', 'incident', 'Tiket lama', 'Ditulis sebelum id asli', {}, \
         {unit}, {user}, 'web', 'high', 'medium', 'high', 1, 'new', 1, 'user', {user}, {AT}, {AT})",
        id(w.service)
    ));
    app.execute(&format!(
        "INSERT INTO attachments (id, ticket_id, comment_id, filename, content_type, size_bytes, sha256, \
         uploaded_by_kind, uploaded_by, created_at) VALUES ({}, {ticket}, NULL, 'lama.txt', 'text/plain', 4, \
         'bbbb', 'user', {user}, {AT})",
        id(w.attachment)
    ));
    write_change(app, w);
    write_audit_entry(app, w);
}

fn write_change(app: &TestApp, w: &Written) {
    let id = |id: Uuid| app.bytes_literal(id.as_bytes());
    app.execute(&format!(
        "INSERT INTO changes (id, number, change_type, scope, status, title, description, reason, owner_unit_id, \
         requester_id, impact_analysis, implementation_plan, test_plan, rollback_plan, special, schedule_sequence, \
         board_review_pending, statuses_visited, review_overdue_told, event_seq, version, created_at, updated_at) \
         VALUES ({}, 'CHG-2026-900001', 'normal', 'aplikasi', 'draft', 'Perubahan lama', 'Sebelum id asli', \
         'Uji', {}, {}, '-', '-', '-', '-', false, 0, false, 'draft', false, 0, 1, {AT}, {AT})",
        id(w.change),
        id(w.unit),
        id(w.user)
    ));
    app.execute(&format!(
        "INSERT INTO change_services (change_id, service_id) VALUES ({}, {})",
        id(w.change),
        id(w.service)
    ));
}

/// The ticket's first audit entry, chained and hashed over its ids as the
/// service would have written it: the verifier recomputes the hash from
/// the ids it reads back after the upgrade.
fn write_audit_entry(app: &TestApp, w: &Written) {
    let id = |id: Uuid| app.bytes_literal(id.as_bytes());
    let link = Link {
        chain: w.ticket,
        position: 1,
        occurred_at: Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap(),
        actor_kind: "user".to_owned(),
        actor_id: Some(w.user),
        action: "ticket.created".to_owned(),
        entity_type: "ticket".to_owned(),
        entity_id: w.ticket,
        before_json: None,
        after_json: Some("{}".to_owned()),
        request_id: None,
        prev_hash: GENESIS,
    };
    let hash = app.bytes_literal(&link.hash());
    app.execute(&format!(
        "INSERT INTO audit_log (id, occurred_at, actor_kind, actor_id, action, entity_type, entity_id, \
         before_json, after_json, request_id, chain_id, position, prev_hash, hash) VALUES ({}, {AT}, 'user', {}, \
         'ticket.created', 'ticket', {}, NULL, '{{}}', NULL, {}, 1, {}, {hash})",
        id(w.audit),
        id(w.user),
        id(w.ticket),
        id(w.ticket),
        app.bytes_literal(&GENESIS)
    ));
    app.execute(&format!(
        "INSERT INTO audit_heads (chain_id, position, hash, written_at, signed) VALUES ({}, 1, {hash}, {AT}, false)",
        id(w.ticket)
    ));
}

async fn get_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let resp = app.get(path, Some(token)).await;
    assert_eq!(resp.status, 200, "{path}: {}", resp.text);
    resp.body
}

fn text(value: &Value, field: &str) -> String {
    value[field].as_str().unwrap_or_else(|| panic!("{field} in {value}")).to_owned()
}

/// The audit entries of `entity`, as `(id, entity_id, chain_id)`.
async fn audit_of(app: &TestApp, entity: &str, token: &str) -> Vec<(String, String, String)> {
    let page = get_ok(app, &format!("/api/v1/audit?entity_id={entity}"), token).await;
    let items = page["items"].as_array().unwrap();
    items.iter().map(|e| (text(e, "id"), text(e, "entity_id"), text(e, "chain_id"))).collect()
}

async fn rows_written_as_bytes_resolve(app: &TestApp, w: &Written, admin: &str, supervisor: &str, auditor: &str) {
    let stored = get_ok(app, &format!("/api/v1/units/{}", w.unit), admin).await;
    assert_eq!((text(&stored, "id"), text(&stored, "name")), (w.unit.to_string(), "Dinas Lama".to_owned()));
    let stored = get_ok(app, &format!("/api/v1/users/{}", w.user), admin).await;
    assert_eq!(text(&stored, "unit_id"), w.unit.to_string());
    let stored = get_ok(app, &format!("/api/v1/tickets/{}", w.ticket), supervisor).await;
    let links = ["id", "service_id", "unit_id", "reporter_id"].map(|field| text(&stored, field));
    assert_eq!(links, [w.ticket, w.service, w.unit, w.user].map(|id| id.to_string()));
    let queue = get_ok(app, &format!("/api/v1/tickets?unit_id={}", w.unit), supervisor).await;
    let ids: Vec<String> = queue["items"].as_array().unwrap().iter().map(|t| text(t, "id")).collect();
    assert_eq!(ids, [w.ticket.to_string()]);

    let attached = get_ok(app, &format!("/api/v1/tickets/{}/attachments", w.ticket), supervisor).await;
    let attached = &attached["items"][0];
    let links = ["id", "ticket_id", "uploaded_by"].map(|field| text(attached, field));
    assert_eq!(links, [w.attachment, w.ticket, w.user].map(|id| id.to_string()));

    let change = get_ok(app, &format!("{CHANGES}/{}", w.change), supervisor).await;
    let links = ["id", "owner_unit_id", "requester_id"].map(|field| text(&change, field));
    assert_eq!(links, [w.change, w.unit, w.user].map(|id| id.to_string()));
    assert_eq!(change["service_ids"], serde_json::json!([w.service]));

    let entries = audit_of(app, &w.ticket.to_string(), auditor).await;
    let ticket = w.ticket.to_string();
    assert_eq!(entries, [(w.audit.to_string(), ticket.clone(), ticket)]);
}

async fn ids_stored_as_bytes_resolve_after_the_upgrade(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    // Written by the service before the upgrade: a ticket with an
    // attachment, a change, and their audit chains.
    let filed = app.post("/api/v1/tickets", Some(&org.reporter_a.token), incident(org.service)).await;
    assert_eq!(filed.status, 201, "{}", filed.text);
    let filed = text(&filed.body, "id");
    let uploaded = upload(&app, &org.reporter_a.token, &filed, "catatan.txt", b"catatan".to_vec(), None).await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text);
    let uploaded = text(&uploaded.body, "id");
    let raised = ok(&app, CHANGES, &org.tier2.token, normal(&org.service.to_string())).await;
    let raised = text(&raised, "id");

    let w = Written::new(org.service);
    {
        let mut conn = app.db.conn().unwrap();
        let reverted = crate::support::revert_through(&mut conn, "20261207000015");
        write_as_bytes(&app, &w);
        let applied = spbe_desk::db::migrate::run_pending(&mut conn).unwrap();
        assert_eq!(applied, reverted.into_iter().rev().collect::<Vec<_>>());
    }
    let (admin, supervisor, auditor) = (&org.admin.token, &org.supervisor.token, &org.auditor.token);
    rows_written_as_bytes_resolve(&app, &w, admin, supervisor, auditor).await;

    let stored = get_ok(&app, &format!("/api/v1/tickets/{filed}"), supervisor).await;
    assert_eq!(text(&stored, "reporter_id"), org.reporter_a.id.to_string());
    let events = get_ok(&app, &format!("/api/v1/tickets/{filed}/events"), supervisor).await;
    assert!(!events["items"].as_array().unwrap().is_empty(), "{events}");
    let attached = get_ok(&app, &format!("/api/v1/tickets/{filed}/attachments"), supervisor).await;
    assert_eq!(text(&attached["items"][0], "id"), uploaded);
    let change = get_ok(&app, &format!("{CHANGES}/{raised}"), supervisor).await;
    assert_eq!(text(&change, "requester_id"), org.tier2.id.to_string());
    assert_eq!(change["service_ids"], serde_json::json!([org.service]));
    // Each entry names its entity and chain by the id it had.
    for (entity, chain) in [(&uploaded, &filed), (&raised, &raised)] {
        let entries = audit_of(&app, entity, auditor).await;
        assert!(!entries.is_empty(), "no audit entry of {entity}");
        assert!(entries.iter().all(|(_, e, c)| e == entity && c == chain), "{entries:?}");
    }
    // The hashes cover the ids: every chain, old and new, still verifies.
    let verified = get_ok(&app, "/api/v1/audit/verify", auditor).await;
    assert_eq!(verified["intact"], true, "{verified}");
}

on_both_backends!(ids_stored_as_bytes_resolve_after_the_upgrade);
