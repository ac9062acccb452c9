//! The tamper-evident audit log: every edit, deletion, insertion or
//! reordering made behind the API's back is found and located.

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, Org, TestApp};
use crate::tickets::{file, incident};

const VERIFY: &str = "/api/v1/audit/verify";
const CHECKPOINTS: &str = "/api/v1/audit/checkpoints";

/// A ticket with a few moves and a comment: one chain of several entries.
pub(crate) async fn busy_ticket(app: &TestApp, org: &Org) -> String {
    let ticket = file(app, &org.reporter_a.token, incident(org.service)).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let t1 = org.tier1_a.token.as_str();
    for (action, body) in [
        ("start", json!({})),
        ("comments", json!({ "body": "Sedang dicek", "internal": false })),
        ("pending", json!({ "reason": "waiting_for_reporter" })),
        ("resume", json!({})),
    ] {
        let r = app.post(&format!("/api/v1/tickets/{id}/{action}"), Some(t1), body).await;
        assert!(r.status < 300, "{action}: {}", r.text);
    }
    id
}

pub(crate) async fn verify(app: &TestApp, org: &Org) -> Value {
    let r = app.get(VERIFY, Some(&org.auditor.token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

pub(crate) fn breaks(report: &Value) -> Vec<(String, Option<i64>)> {
    report["breaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["kind"].as_str().unwrap().to_owned(), b["position"].as_i64()))
        .collect()
}

/// The chain id of a ticket's audit entries, as an SQL literal.
pub(crate) fn chain_of(app: &TestApp, ticket_id: &str) -> String {
    app.id_literal(uuid::Uuid::parse_str(ticket_id).unwrap())
}

pub(crate) async fn checkpoint(app: &TestApp, org: &Org) -> Value {
    let r = app.post(CHECKPOINTS, Some(&org.admin.token), json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

async fn an_untouched_log_verifies_and_checkpoints_sign_what_moved(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let ticket = busy_ticket(&app, &org).await;
    // Each entry shows its chain, position and hashes, linked one to the next.
    let listed = app.get(&format!("/api/v1/audit?chain_id={ticket}"), Some(&org.auditor.token)).await.body;
    let entries = listed["items"].as_array().unwrap();
    assert!(entries.len() >= 4, "{listed}");
    for (n, e) in entries.iter().enumerate() {
        assert_eq!((e["chain_id"].as_str(), e["position"].as_i64()), (Some(ticket.as_str()), Some(n as i64 + 1)));
        assert_eq!(e["hash"].as_str().unwrap().len(), 64);
        if n > 0 {
            assert_eq!(e["prev_hash"], entries[n - 1]["hash"]);
        }
    }
    let first = checkpoint(&app, &org).await;
    assert_eq!(first["seq"], 1);
    assert!(first["head_count"].as_i64().unwrap() >= 2, "{first}");
    // Nothing moved since: no new checkpoint.
    assert_eq!(app.post(CHECKPOINTS, Some(&org.admin.token), json!({})).await.status, 204);
    busy_ticket(&app, &org).await;
    let second = checkpoint(&app, &org).await;
    assert_eq!((second["seq"].clone(), second["prev_hash"].clone()), (json!(2), first["hash"].clone()));
    assert_eq!(second["head_count"], 1, "only the new ticket's chain moved");

    let report = verify(&app, &org).await;
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(report["checkpoints_checked"], 2);
    assert_eq!(report["rows_checked"].as_i64().unwrap(), app.count("audit_log"));
    let listed = app.get(CHECKPOINTS, Some(&org.auditor.token)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2, "{}", listed.text);

    // Reading is for auditors and admins; signing on demand for admins.
    assert_eq!(app.get(VERIFY, Some(&org.supervisor.token)).await.status, 403);
    app.post(CHECKPOINTS, Some(&org.auditor.token), json!({})).await.assert_problem(403);
}

async fn an_edited_before_or_after_is_altered_at_its_position(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = busy_ticket(&app, &org).await;
    let chain = chain_of(&app, &id);
    app.execute(&format!(
        "UPDATE audit_log SET after_json = REPLACE(after_json, 'waiting_for_reporter', 'waiting_for_vendor'), \
         after_edits = REPLACE(after_edits, 'waiting_for_reporter', 'waiting_for_vendor') \
         WHERE chain_id = {chain} AND position = 4"
    ));
    let report = verify(&app, &org).await;
    assert_eq!(report["intact"], false);
    // Entry 5 stores its state before as entry 4's state after: altered with it.
    let altered = |p| ("altered".to_owned(), Some(p));
    assert_eq!(breaks(&report), [altered(4), altered(5)], "{report}");
    assert_eq!(report["breaks"][0]["chain"], id);
}

async fn a_row_deleted_in_the_middle_is_found(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = busy_ticket(&app, &org).await;
    app.execute(&format!("DELETE FROM audit_log WHERE chain_id = {} AND position = 2", chain_of(&app, &id)));
    // Entry 4 stored its state before as entry 2's state after, and entry
    // 5 as entry 4's: neither unfolds without it.
    let found = breaks(&verify(&app, &org).await);
    let expected = [("deleted", 2), ("altered", 4), ("altered", 5)].map(|(kind, p)| (kind.to_owned(), Some(p)));
    assert_eq!(found, expected);
}

async fn the_newest_rows_deleted_after_a_checkpoint_are_truncation(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = busy_ticket(&app, &org).await;
    checkpoint(&app, &org).await;
    let chain = chain_of(&app, &id);
    // Remove the last two entries and rewrite the head to match: only the
    // signed checkpoint still knows the chain was longer.
    app.execute(&format!("DELETE FROM audit_log WHERE chain_id = {chain} AND position >= 4"));
    app.execute(&format!(
        "UPDATE audit_heads SET position = 3, hash = (SELECT hash FROM audit_log WHERE chain_id = {chain} AND position = 3) \
         WHERE chain_id = {chain}"
    ));
    let report = verify(&app, &org).await;
    assert_eq!(breaks(&report), [("truncated".to_owned(), Some(4))], "{report}");
    assert_eq!(report["breaks"][0]["checkpoint"], 1);
}

async fn a_forged_row_is_found_as_inserted(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = busy_ticket(&app, &org).await;
    let chain = chain_of(&app, &id);
    let forged_id = app.id_literal(uuid::Uuid::now_v7());
    app.execute(&format!(
        "INSERT INTO audit_log (id, occurred_at, actor_kind, action, entity_type, entity_id, after_json, chain_id, position, prev_hash, hash) \
         SELECT {forged_id}, occurred_at, 'system', 'ticket.closed', 'ticket', entity_id, '{{}}', chain_id, position + 1, hash, hash \
         FROM audit_log WHERE chain_id = {chain} AND position = (SELECT MAX(position) FROM audit_log WHERE chain_id = {chain})"
    ));
    let report = verify(&app, &org).await;
    let found = breaks(&report);
    assert!(found.contains(&("inserted".to_owned(), Some(6))), "{report}");
}

async fn two_swapped_rows_are_reordered(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = busy_ticket(&app, &org).await;
    let chain = chain_of(&app, &id);
    for (from, to) in [(2, -1), (3, 2), (-1, 3)] {
        app.execute(&format!("UPDATE audit_log SET position = {to} WHERE chain_id = {chain} AND position = {from}"));
    }
    let found = breaks(&verify(&app, &org).await);
    assert!(found.contains(&("reordered".to_owned(), Some(2))), "{found:?}");
    // Entries after the swap that refer to the moved ones by position read altered.
    let collateral = |(kind, p): &(String, Option<i64>)| kind == "altered" && p.is_some_and(|p| p > 3);
    assert!(found.iter().all(|b| b.0 == "reordered" || collateral(b)), "{found:?}");
}

async fn a_replaced_checkpoint_signature_is_a_bad_signature(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    busy_ticket(&app, &org).await;
    checkpoint(&app, &org).await;
    app.execute(&format!("UPDATE audit_checkpoints SET signature = {} WHERE seq = 1", app.bytes_literal(&[7; 64])));
    let report = verify(&app, &org).await;
    assert_eq!(report["breaks"][0]["kind"], "bad_signature", "{report}");
    assert_eq!(report["breaks"][0]["checkpoint"], 1);
    assert_eq!(report["breaks_found"], 1);
}

async fn reporters_see_their_timeline_numbered_without_gaps(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = busy_ticket(&app, &org).await;
    let note = json!({ "body": "Catatan internal", "internal": true });
    app.post(&format!("/api/v1/tickets/{id}/comments"), Some(&org.tier1_a.token), note).await;
    let seqs = |token: &str| {
        let app = &app;
        let path = format!("/api/v1/tickets/{id}/events");
        let token = token.to_owned();
        async move {
            let r = app.get(&path, Some(&token)).await;
            r.body["items"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect::<Vec<_>>()
        }
    };
    let staff = seqs(&org.tier1_a.token).await;
    let reporter = seqs(&org.reporter_a.token).await;
    assert!(staff.len() > reporter.len(), "{staff:?} {reporter:?}");
    assert_eq!(reporter, (1..=reporter.len() as i64).collect::<Vec<_>>());
    assert_eq!(staff, (1..=staff.len() as i64).collect::<Vec<_>>());
}

async fn an_export_verifies_offline_and_a_tampered_one_does_not(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    busy_ticket(&app, &org).await;
    checkpoint(&app, &org).await;
    busy_ticket(&app, &org).await;
    let export = app.get("/api/v1/audit/export", Some(&org.auditor.token)).await;
    assert_eq!(export.status, 200);
    assert_eq!(export.header("content-type"), Some("application/x-ndjson"));
    let lines: Vec<Value> = export.text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.first().unwrap()["record"], "export");
    assert_eq!(lines.last().unwrap()["record"], "end");
    let entries = lines.iter().filter(|l| l["record"] == "entry").count() as i64;
    assert_eq!(entries, app.count("audit_log"));

    let public_key = lines.iter().find(|l| l["record"] == "key").unwrap()["public_key"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("export.jsonl");
    std::fs::write(&good, &export.text).unwrap();
    let tampered_text = export.text.replacen("waiting_for_reporter", "waiting_for_vendor", 1);
    assert_ne!(tampered_text, export.text);
    let tampered = dir.path().join("tampered.jsonl");
    std::fs::write(&tampered, &tampered_text).unwrap();
    let cut = dir.path().join("cut.jsonl");
    std::fs::write(&cut, export.text.lines().take(lines.len() - 1).collect::<Vec<_>>().join("\n")).unwrap();

    let run = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_spbe-desk"))
            .args(["audit", "verify-export"])
            .arg(file)
            .args(["--public-key", &public_key])
            .env("APP__DATABASE__URL", "sqlite://unused.db")
            .output()
            .unwrap()
    };
    let ok = run(&good);
    assert!(ok.status.success(), "{}{}", String::from_utf8_lossy(&ok.stdout), String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("intact"));
    let bad = run(&tampered);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stdout).contains("altered"), "{}", String::from_utf8_lossy(&bad.stdout));
    assert!(!run(&cut).status.success(), "an export without its end line is refused");

    // One bound alone: everything after a past instant, everything before a future one.
    for bound in ["from=2000-01-01T00:00:00Z", "to=2100-01-01T00:00:00Z"] {
        let r = app.get(&format!("/api/v1/audit/export?{bound}"), Some(&org.auditor.token)).await;
        let entries = r.text.lines().filter(|l| l.contains("\"record\":\"entry\"")).count() as i64;
        assert_eq!(entries, app.count("audit_log"), "{bound}");
        assert!(r.text.lines().last().unwrap().contains("\"record\":\"end\""), "{bound}");
    }

    // For the independent (non-Rust) verifier that .ci/run runs.
    if backend == Backend::Sqlite {
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("audit-export.jsonl"), &export.text).unwrap();
        std::fs::write(out.join("audit-export-tampered.jsonl"), &tampered_text).unwrap();
        std::fs::write(out.join("audit-public-key.txt"), &public_key).unwrap();
    }
}

async fn audit_rows_written_before_the_chain_are_chained_by_the_migration(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    busy_ticket(&app, &org).await;
    let rows = app.count("audit_log");
    {
        let mut conn = app.db.conn().unwrap();
        // Back to before the chain (and every later migration, whatever
        // comes after 000015): the rows stay, unchained.
        let reverted = crate::support::revert_through(&mut conn, "20261201000006");
        let known = ["20261207000015", "20261207000014", "20261205000013", "20261204000012", "20261202000011"];
        let older = ["20261202000010", "20261202000009", "20261202000008", "20261202000007", "20261201000006"];
        let expected: Vec<String> = [known, older].concat().into_iter().map(str::to_owned).collect();
        assert!(reverted.ends_with(&expected), "{reverted:?}");
        assert_eq!(app.count("audit_log"), rows);
        spbe_desk::db::migrate::run_pending(&mut conn).unwrap();
    }
    assert_eq!(app.count("audit_log WHERE hash IS NULL"), 0);
    let report = verify(&app, &org).await;
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(report["rows_checked"].as_i64().unwrap(), rows);
    // The chains go on from where the migration left them.
    busy_ticket(&app, &org).await;
    checkpoint(&app, &org).await;
    assert_eq!(verify(&app, &org).await["intact"], true);
}

/// Chains are per aggregate: a change holding one ticket's chain head does
/// not hold up filing another ticket (PostgreSQL; SQLite has one writer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_of_unrelated_tickets_do_not_wait_on_each_other_on_postgres() {
    use diesel::Connection;
    use spbe_desk::domain::journal::{Context, Entry, Event, Subject};
    let Some(app) = spawn_app(Backend::Postgres).await else { return };
    let org = app.org().await;
    let first: uuid::Uuid = busy_ticket(&app, &org).await.parse().unwrap();
    let (db, now) = (app.db.clone(), spbe_desk::clock::Clock::now(&app.clock));
    let (locked, wait_locked) = std::sync::mpsc::channel();
    let (release, wait_release) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let mut conn = db.conn().unwrap();
        conn.transaction(|conn| {
            let event = Event::TicketRated { rating: 5, remark: None };
            spbe_desk::db::journal::record(conn, &Context::system(now), Entry::new(Subject::Ticket(first), event))?;
            locked.send(()).unwrap();
            wait_release.recv_timeout(std::time::Duration::from_secs(20)).ok();
            Ok::<_, spbe_desk::db::StoreError>(())
        })
        .unwrap();
    });
    wait_locked.recv().unwrap();
    let filing = app.post("/api/v1/tickets", Some(&org.reporter_b.token), incident(org.service));
    let filed = tokio::time::timeout(std::time::Duration::from_secs(5), filing).await;
    release.send(()).unwrap();
    holder.join().unwrap();
    assert_eq!(filed.expect("filing waited on another ticket's chain").status, 201);
    assert_eq!(verify(&app, &org).await["intact"], true);
}

/// After a key rotation, checkpoints signed with the old key verify only
/// while its public key stays trusted.
async fn checkpoints_of_a_rotated_key_verify_while_it_is_trusted(backend: Backend) {
    use ed25519_dalek::SigningKey;
    use spbe_desk::auth::audit_key::AuditKeys;
    use spbe_desk::db::journal::{checkpoints, verify};
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    busy_ticket(&app, &org).await;
    let (old, new) = (SigningKey::from_bytes(&[1; 32]), SigningKey::from_bytes(&[2; 32]));
    let now = spbe_desk::clock::Clock::now(&app.clock);
    let mut conn = app.db.conn().unwrap();
    let old_keys = AuditKeys::from_signing(old.clone(), &[]);
    checkpoints::take(&mut conn, &old, &old_keys.key_id, now).unwrap().unwrap();
    drop(conn);
    busy_ticket(&app, &org).await;
    let mut conn = app.db.conn().unwrap();
    let rotated = AuditKeys::from_signing(new.clone(), &[old.verifying_key()]);
    checkpoints::take(&mut conn, &new, &rotated.key_id, now).unwrap().unwrap();
    let report = verify::verify(&mut conn, &rotated.trusted).unwrap();
    assert!(report.intact, "{report:?}");
    assert_eq!(report.checkpoints_checked, 2);
    let forgotten = AuditKeys::from_signing(new, &[]);
    let report = verify::verify(&mut conn, &forgotten.trusted).unwrap();
    assert_eq!(report.breaks.len(), 1, "{report:?}");
    assert_eq!((report.breaks[0].checkpoint, report.breaks[0].detail.contains("not known")), (Some(1), true));
}

/// A request that took its instant before another's but wrote after it is
/// stamped no earlier, so a period of the log holds a run of each chain.
async fn entries_of_a_chain_never_go_back_in_time(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = busy_ticket(&app, &org).await;
    app.clock.advance(chrono::Duration::minutes(-30));
    let note = json!({ "body": "Terlambat", "internal": true });
    assert_eq!(app.post(&format!("/api/v1/tickets/{id}/comments"), Some(&org.tier1_a.token), note).await.status, 201);
    let listed = app.get(&format!("/api/v1/audit?chain_id={id}"), Some(&org.auditor.token)).await.body;
    let times: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|e| e["occurred_at"].as_str().unwrap()).collect();
    let parsed: Vec<chrono::DateTime<chrono::Utc>> = times.iter().map(|t| t.parse().unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert_eq!(verify(&app, &org).await["intact"], true);
}

on_both_backends!(
    entries_of_a_chain_never_go_back_in_time,
    checkpoints_of_a_rotated_key_verify_while_it_is_trusted,
    audit_rows_written_before_the_chain_are_chained_by_the_migration,
    an_untouched_log_verifies_and_checkpoints_sign_what_moved,
    an_edited_before_or_after_is_altered_at_its_position,
    a_row_deleted_in_the_middle_is_found,
    the_newest_rows_deleted_after_a_checkpoint_are_truncation,
    a_forged_row_is_found_as_inserted,
    two_swapped_rows_are_reordered,
    a_replaced_checkpoint_signature_is_a_bad_signature,
    reporters_see_their_timeline_numbered_without_gaps,
    an_export_verifies_offline_and_a_tampered_one_does_not,
);
