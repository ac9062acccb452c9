//! Audit entries stored compactly (docs/audit.md, "Stored compactly"): the
//! state before by reference, the state after as edits. Everything that
//! reads the log sees the whole states; tampering with the compact form is
//! found; going back to whole storage keeps every chain verifying.

use serde_json::{json, Value};

use crate::audit_chain::{breaks, busy_ticket, chain_of, verify};
use crate::on_both_backends;
use crate::support::{spawn_app, Backend, TestApp};

async fn audit_of(app: &TestApp, token: &str, ticket: &str) -> Vec<Value> {
    let listed = app.get(&format!("/api/v1/audit?chain_id={ticket}"), Some(token)).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    listed.body["items"].as_array().unwrap().clone()
}

/// Each move's state before is the ticket's state after its previous move.
fn assert_states_follow(entries: &[Value]) {
    let moves: Vec<&Value> =
        entries.iter().filter(|e| e["entity_type"] == "ticket" && e["before"].is_object()).collect();
    assert!(moves.len() >= 3, "{entries:?}");
    for pair in entries.iter().filter(|e| e["entity_type"] == "ticket").collect::<Vec<_>>().windows(2) {
        if pair[1]["before"].is_object() {
            assert_eq!(pair[1]["before"], pair[0]["after"], "{} follows {}", pair[1]["action"], pair[0]["action"]);
            assert_ne!(pair[1]["after"], pair[1]["before"], "{}", pair[1]["action"]);
        }
    }
}

async fn moves_store_their_states_compactly_and_read_back_whole(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = busy_ticket(&app, &org).await;
    let chain = chain_of(&app, &id);
    let compact =
        format!("audit_log WHERE chain_id = {chain} AND before_position IS NOT NULL AND after_edits IS NOT NULL");
    assert!(app.count(&compact) >= 3, "start, pending and resume refer to the move before and store edits");
    assert_eq!(app.count(&format!("audit_log WHERE chain_id = {chain} AND before_json IS NOT NULL")), 0);
    let whole: i64 = app.count(&format!("audit_log WHERE chain_id = {chain} AND after_json IS NOT NULL"));
    assert_eq!(whole, 2, "the filing and the comment store their states whole");
    let entries = audit_of(&app, &org.auditor.token, &id).await;
    assert_states_follow(&entries);
    assert_eq!(entries.last().unwrap()["after"]["status"], "in_progress");
    assert_eq!(verify(&app, &org).await["intact"], true);
}

async fn a_row_changed_between_two_entries_is_stored_as_edits_of_the_state_before(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = busy_ticket(&app, &org).await;
    let chain = chain_of(&app, &id);
    // A field set without a snapshot (as the SLA sweep sets a flag)…
    app.execute(&format!("UPDATE tickets SET impact = 'low' WHERE id = {chain}"));
    let r = app
        .post(
            &format!("/api/v1/tickets/{id}/pending"),
            Some(&org.tier1_a.token),
            json!({ "reason": "waiting_for_vendor" }),
        )
        .await;
    assert!(r.status < 300, "{}", r.text);
    // …and the next move's state before refers to the previous state after, with the edit.
    let stored = format!("audit_log WHERE chain_id = {chain} AND position = 6");
    assert_eq!(app.count(&format!("{stored} AND before_position = 5 AND before_edits LIKE '%low%'")), 1);
    let entries = audit_of(&app, &org.auditor.token, &id).await;
    assert_eq!(
        (entries[5]["before"]["impact"].as_str(), entries[4]["after"]["impact"].as_str()),
        (Some("low"), Some("medium"))
    );
    assert_eq!(verify(&app, &org).await["intact"], true);
}

async fn tampering_with_the_compact_form_is_altered_at_its_position(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = busy_ticket(&app, &org).await;
    let chain = chain_of(&app, &id);
    // Position 4 (pending) holds its reason in its edits.
    app.execute(&format!(
        "UPDATE audit_log SET after_edits = REPLACE(after_edits, 'waiting_for_reporter', 'waiting_for_vendor') \
         WHERE chain_id = {chain} AND position = 4"
    ));
    // Entry 5's state before is entry 4's state after: it reads altered too.
    let report = verify(&app, &org).await;
    assert_eq!(breaks(&report), [("altered".to_owned(), Some(4)), ("altered".to_owned(), Some(5))], "{report}");
    // The list still answers, showing the states as they unfold now.
    let entries = audit_of(&app, &org.auditor.token, &id).await;
    assert_eq!(entries[3]["after"]["pending_reason"], "waiting_for_vendor");
    app.execute(&format!(
        "UPDATE audit_log SET after_edits = REPLACE(after_edits, 'waiting_for_vendor', 'waiting_for_reporter') \
         WHERE chain_id = {chain} AND position = 4"
    ));
    assert_eq!(verify(&app, &org).await["intact"], true);

    // A reference to another entry than the record's previous one: that
    // entry and the one after it (which refers to it) no longer unfold.
    app.execute(&format!("UPDATE audit_log SET before_position = 1 WHERE chain_id = {chain} AND position = 4"));
    let report = verify(&app, &org).await;
    assert_eq!(breaks(&report), [("altered".to_owned(), Some(4)), ("altered".to_owned(), Some(5))], "{report}");
    let entries = audit_of(&app, &org.auditor.token, &id).await;
    assert!(entries[3]["before"].as_str().is_some_and(|t| t.contains("cannot be unfolded")), "{}", entries[3]);
}

async fn storing_whole_again_keeps_every_chain_and_lets_the_migration_revert(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = busy_ticket(&app, &org).await;
    let listed = audit_of(&app, &org.auditor.token, &id).await;
    let compact = "audit_log WHERE before_position IS NOT NULL OR before_edits IS NOT NULL OR after_edits IS NOT NULL";
    assert!(app.count(compact) > 0);
    {
        let mut conn = app.db.conn().unwrap();
        // Going back past the compact columns is refused while they hold
        // states (later migrations revert as usual)…
        let refused = loop {
            match spbe_desk::db::migrate::revert_last(&mut conn) {
                Ok(version) => assert!(version.as_str() > "20261207000020", "reverted {version}"),
                Err(e) => break e.to_string(),
            }
        };
        assert!(refused.contains("compact"), "{refused}");
        let held = app.count(compact);
        assert_eq!(spbe_desk::db::journal::store_whole(&mut conn).unwrap() as i64, held);
        assert_eq!(app.count(compact), 0);
        // …and allowed once they are whole, keeping the log.
        assert_eq!(spbe_desk::db::migrate::revert_last(&mut conn).unwrap(), "20261207000020");
        spbe_desk::db::migrate::run_pending(&mut conn).unwrap();
    }
    assert_eq!(audit_of(&app, &org.auditor.token, &id).await, listed);
    assert_eq!(verify(&app, &org).await["intact"], true);
}

async fn an_export_of_a_period_inside_a_chain_holds_the_states_it_refers_to(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let id = busy_ticket(&app, &org).await;
    // A period that starts after the first five entries: its first move
    // refers to one outside it.
    app.clock.advance(chrono::Duration::minutes(1));
    let from = spbe_desk::clock::Clock::now(&app.clock).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for (action, body) in [("pending", json!({ "reason": "waiting_for_vendor" })), ("resume", json!({}))] {
        let r = app.post(&format!("/api/v1/tickets/{id}/{action}"), Some(&org.tier1_a.token), body).await;
        assert!(r.status < 300, "{action}: {}", r.text);
    }
    let export = app.get(&format!("/api/v1/audit/export?from={from}"), Some(&org.auditor.token)).await;
    assert_eq!(export.status, 200, "{}", export.text);
    let lines: Vec<Value> = export.text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["format"], "spbe-desk/audit-export/v2");
    let exported: Vec<&Value> = lines.iter().filter(|l| l["record"] == "entry" && l["chain"] == id.as_str()).collect();
    let positions: Vec<i64> = exported.iter().map(|l| l["position"].as_i64().unwrap()).collect();
    assert_eq!(positions, [6, 7], "from {from}");
    let first_move = exported.iter().find(|l| l["entity_type"] == "ticket").unwrap();
    assert!(first_move["before_json"].is_string() && first_move.get("before_position").is_none(), "{first_move}");
    assert!(exported.iter().any(|l| l.get("before_position").is_some()), "later moves refer to exported ones");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("period.jsonl");
    std::fs::write(&path, &export.text).unwrap();
    let ours = std::process::Command::new(env!("CARGO_BIN_EXE_spbe-desk"))
        .args(["audit", "verify-export"])
        .arg(&path)
        .env("APP__DATABASE__URL", "sqlite://unused.db")
        .output()
        .unwrap();
    assert!(ours.status.success(), "{}", String::from_utf8_lossy(&ours.stdout));
    let (path, key) = (path.to_str().unwrap(), lines[1]["public_key"].as_str().unwrap());
    let verifier = "tests/verifier/verify_export.py";
    if let Some((code, out)) = crate::support::changes::python("cryptography", verifier, &[path, key], "") {
        assert_eq!(code, 0, "{out}");
    }
}

on_both_backends!(
    moves_store_their_states_compactly_and_read_back_whole,
    a_row_changed_between_two_entries_is_stored_as_edits_of_the_state_before,
    tampering_with_the_compact_form_is_altered_at_its_position,
    storing_whole_again_keeps_every_chain_and_lets_the_migration_revert,
    an_export_of_a_period_inside_a_chain_holds_the_states_it_refers_to,
);
