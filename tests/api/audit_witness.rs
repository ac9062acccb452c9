//! The audit witness: checkpoints published outside the database (a file,
//! a digest mail, a webhook) expose what the database alone cannot: the
//! newest entries deleted with their head and checkpoint, the newest
//! checkpoint deleted, a checkpoint re-signed with other content.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::audit_chain::{busy_ticket, chain_of, checkpoint, verify};
use crate::notices::{app_with, receivers, subscribe, WAIT};
use crate::on_both_backends;
use crate::support::{spawn_app_with, Backend, Org, TestApp};

/// An app appending its checkpoints to a witness file in another folder.
async fn witnessed_app(backend: Backend) -> Option<(TestApp, tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("witness.jsonl");
    let path = file.clone();
    let app = spawn_app_with(backend, move |s| s.audit.witness.file = Some(path)).await?;
    Some((app, dir, file))
}

/// Runs the command line on the app's database, keys and witness file:
/// success, output.
fn cli(app: &TestApp, args: &[&str]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spbe-desk"));
    if let Some(file) = &app.settings.audit.witness.file {
        command.env("APP__AUDIT__WITNESS__FILE", file);
    }
    let out = command
        .args(args)
        .env("APP__DATABASE__URL", &app.settings.database.url)
        .env("APP__DATA__DIR", &app.settings.data.dir)
        .env("APP__LOG__LEVEL", "warn")
        .env_remove("APP_ENV")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn lines(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file).unwrap().lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

fn seqs(file: &Path) -> Vec<i64> {
    lines(file).iter().map(|l| l["seq"].as_i64().unwrap()).collect()
}

/// The position witnessed for `chain` by the witness line of `seq`.
fn witnessed_position(file: &Path, seq: i64, chain: &str) -> i64 {
    let line = lines(file).into_iter().find(|l| l["seq"] == seq).unwrap();
    let heads = line["heads"].as_array().unwrap();
    heads.iter().find(|h| h["chain"] == chain).unwrap()["position"].as_i64().unwrap()
}

/// The database alone says intact (API and command line); with the
/// witness, the command line fails naming `expected`.
async fn unseen_alone_found_with_the_witness(app: &TestApp, org: &Org, file: &Path, expected: &[&str]) -> String {
    let alone = verify(app, org).await;
    assert_eq!(alone["intact"], true, "the database alone cannot see it: {alone}");
    let (ok, text) = cli(app, &["audit", "verify"]);
    assert!(ok && text.ends_with("intact\n"), "{text}");
    let (ok, text) = cli(app, &["audit", "verify", "--witness", file.to_str().unwrap()]);
    assert!(!ok, "{text}");
    for line in expected {
        assert!(text.contains(line), "`{line}` not in:\n{text}");
    }
    text
}

async fn newest_entries_deleted_with_their_head_and_checkpoint_are_found_by_the_witness(backend: Backend) {
    let Some((app, _dir, file)) = witnessed_app(backend).await else { return };
    let org = app.org().await;
    let id = busy_ticket(&app, &org).await;
    checkpoint(&app, &org).await;
    let t1 = org.tier1_a.token.as_str();
    for body in ["Sudah diganti", "Mohon dicek ulang"] {
        let r = app
            .post(&format!("/api/v1/tickets/{id}/comments"), Some(t1), json!({ "body": body, "internal": false }))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    checkpoint(&app, &org).await;
    assert_eq!(seqs(&file), [1, 2], "each checkpoint is appended when taken");
    let first = witnessed_position(&file, 1, &id);
    let chain = chain_of(&app, &id);
    // Cut the ticket back to what checkpoint 1 signed, rewrite its head to
    // match, and drop checkpoint 2, which signed the rest.
    app.execute(&format!("DELETE FROM audit_log WHERE chain_id = {chain} AND position > {first}"));
    app.execute(&format!(
        "UPDATE audit_heads SET position = {first}, \
         hash = (SELECT hash FROM audit_log WHERE chain_id = {chain} AND position = {first}) WHERE chain_id = {chain}"
    ));
    app.execute("DELETE FROM audit_checkpoint_heads WHERE checkpoint_seq = 2");
    app.execute("DELETE FROM audit_checkpoints WHERE seq = 2");
    let found = [format!("truncated at chain {id} position {}", first + 1), "deleted at checkpoint 2".to_owned()];
    let found: Vec<&str> = found.iter().map(String::as_str).collect();
    let text = unseen_alone_found_with_the_witness(&app, &org, &file, &found).await;
    assert!(text.contains("2 break(s) found"), "{text}");
}

async fn the_newest_checkpoint_deleted_with_its_heads_is_found_offline_too(backend: Backend) {
    let Some((app, _dir, file)) = witnessed_app(backend).await else { return };
    let org = app.org().await;
    busy_ticket(&app, &org).await;
    checkpoint(&app, &org).await;
    busy_ticket(&app, &org).await;
    checkpoint(&app, &org).await;
    app.execute("DELETE FROM audit_checkpoint_heads WHERE checkpoint_seq = 2");
    app.execute("DELETE FROM audit_checkpoints WHERE seq = 2");
    let text = unseen_alone_found_with_the_witness(&app, &org, &file, &["deleted at checkpoint 2"]).await;
    assert!(text.contains("1 break(s) found"), "{text}");

    // The export of the tampered database, checked offline with and without.
    let export = app.get("/api/v1/audit/export", Some(&org.auditor.token)).await;
    let key = export.text.lines().find(|l| l.contains("\"record\":\"key\"")).unwrap();
    let key: Value = serde_json::from_str(key).unwrap();
    let exported = file.with_file_name("export.jsonl");
    std::fs::write(&exported, &export.text).unwrap();
    let offline = |witness: bool| {
        let mut args = vec!["audit", "verify-export", exported.to_str().unwrap()];
        args.extend(["--public-key", key["public_key"].as_str().unwrap()]);
        if witness {
            args.extend(["--witness", file.to_str().unwrap()]);
        }
        cli(&app, &args)
    };
    let (ok, text) = offline(false);
    assert!(ok, "{text}");
    let (ok, text) = offline(true);
    assert!(!ok && text.contains("deleted at checkpoint 2"), "{text}");

    // For the independent (non-Rust) verifier that .ci/run runs.
    if backend == Backend::Sqlite {
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::copy(&exported, out.join("audit-witness-export.jsonl")).unwrap();
        std::fs::copy(&file, out.join("audit-witness.jsonl")).unwrap();
        std::fs::write(out.join("audit-witness-key.txt"), key["public_key"].as_str().unwrap()).unwrap();
    }
}

async fn a_checkpoint_re_signed_with_other_content_is_found_by_the_witness(backend: Backend) {
    use spbe_desk::domain::journal::chain::{CheckpointBody, GENESIS};
    let Some((app, _dir, file)) = witnessed_app(backend).await else { return };
    let org = app.org().await;
    busy_ticket(&app, &org).await;
    let taken = checkpoint(&app, &org).await;
    // The database's owner holds the signing key (it lives beside the
    // database): backdate checkpoint 1 and sign it again.
    let keys = spbe_desk::auth::audit_key::load(&app.settings.audit, &app.settings.data.dir).unwrap();
    let taken_at = taken["taken_at"].as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().unwrap()
        - chrono::Duration::hours(3);
    let body = CheckpointBody {
        seq: 1,
        taken_at,
        key_id: keys.key_id.clone(),
        prev_hash: GENESIS,
        head_count: taken["head_count"].as_i64().unwrap(),
        heads_digest: hex::decode(taken["heads_digest"].as_str().unwrap()).unwrap().try_into().unwrap(),
    };
    app.execute(&format!(
        "UPDATE audit_checkpoints SET taken_at = '{}', hash = {}, signature = {} WHERE seq = 1",
        taken_at.format("%Y-%m-%d %H:%M:%S%.6f"),
        app.bytes_literal(&body.hash()),
        app.bytes_literal(&body.sign(&keys.signing)),
    ));
    unseen_alone_found_with_the_witness(&app, &org, &file, &["altered at checkpoint 1"]).await;
}

async fn the_witness_file_is_appended_once_per_checkpoint_across_instances_and_crashes(backend: Backend) {
    use spbe_desk::db::journal::checkpoints;
    let Some((app, _dir, file)) = witnessed_app(backend).await else { return };
    let org = app.org().await;
    busy_ticket(&app, &org).await;
    checkpoint(&app, &org).await;
    // Checkpoints taken while the file could not be written (taken here
    // without appending), and an append torn by a crash.
    let keys = spbe_desk::auth::audit_key::load(&app.settings.audit, &app.settings.data.dir).unwrap();
    for _ in 0..3 {
        busy_ticket(&app, &org).await;
        let mut conn = app.db.conn().unwrap();
        checkpoints::take(&mut conn, &keys.signing, &keys.key_id, spbe_desk::clock::Clock::now(&app.clock))
            .unwrap()
            .unwrap();
    }
    let mut torn = std::fs::read_to_string(&file).unwrap();
    torn.push_str("{\"record\":\"checkpoint\",\"seq\":2,\"taken_at\":");
    std::fs::write(&file, torn).unwrap();
    // Four instances catch up at once.
    let appended: Vec<usize> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let mut conn = app.db.conn().unwrap();
                    spbe_desk::jobs::audit_witness::append(&mut conn, &file).unwrap()
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(appended.iter().sum::<usize>(), 3, "{appended:?}");
    assert_eq!(seqs(&file), [1, 2, 3, 4]);
    // Another process (a restart, the command line) goes on after the last line.
    busy_ticket(&app, &org).await;
    let (ok, text) = cli(&app, &["audit", "checkpoint"]);
    assert!(ok && text.contains("1 checkpoint(s) appended"), "{text}");
    assert_eq!(seqs(&file), [1, 2, 3, 4, 5]);
    let (ok, text) = cli(&app, &["audit", "verify", "--witness", file.to_str().unwrap()]);
    assert!(ok && text.contains("1 line(s)") && text.contains("5 witnessed checkpoint(s)"), "{text}");
}

async fn checkpoints_are_mailed_as_a_digest_and_sent_to_admin_webhooks_only(backend: Backend) {
    use chrono::TimeZone;
    let Some((smtp, hook)) = receivers() else { return };
    let Some(app) = app_with(backend, &smtp, |s| {
        s.audit.witness.recipients = vec!["inspektorat@desk.go.id".into()];
        s.audit.witness.mail_every_seconds = 3_600;
    })
    .await
    else {
        return;
    };
    let org = app.org().await;
    subscribe(&app, &org.admin.token, &hook, json!({ "events": ["audit.checkpoint"] })).await;
    // Neither `*` nor a desk's key hears of checkpoints.
    subscribe(&app, &org.admin.token, &hook, json!({ "events": ["*"], "unit_id": org.pd_b })).await;
    let key = app.tier1_api_key(&org.admin.token, org.pd_a).await;
    let url = format!("http://127.0.0.1:{}/hook", hook.port());
    let by_key = app
        .send(
            app.client
                .post(format!("{}/api/v1/webhooks", app.address))
                .header("X-Api-Key", &key)
                .json(&json!({ "url": url, "events": ["audit.checkpoint"] })),
        )
        .await;
    assert_eq!(by_key.status, 201, "{}", by_key.text);

    let start = chrono::Utc.with_ymd_and_hms(2026, 12, 7, 1, 10, 0).unwrap();
    for minutes in [0, 20, 70] {
        app.clock.set(start + chrono::Duration::minutes(minutes));
        busy_ticket(&app, &org).await;
        checkpoint(&app, &org).await;
    }
    app.dispatch().await;
    let deliveries = hook.wait_for(3, WAIT).await;
    let mut checkpoints: Vec<&Value> = deliveries.iter().filter(|d| d["type"] == "audit.checkpoint").collect();
    // Deliveries run in parallel: they may arrive in any order.
    checkpoints.sort_by_key(|d| d["data"]["seq"].as_i64());
    let delivered: Vec<i64> = checkpoints.iter().map(|d| d["data"]["seq"].as_i64().unwrap()).collect();
    assert_eq!(delivered, [1, 2, 3], "once each, to the admin's subscription only: {deliveries:#?}");
    assert!(checkpoints.iter().all(|d| d["verified"] == true), "{checkpoints:#?}");
    assert!(checkpoints[0]["data"]["heads"].as_array().unwrap().len() >= 2);

    // The third checkpoint opened a new hour: the first two went out together.
    let to_inspektorat = |m: &&Value| m["rcpt_tos"].as_array().unwrap().iter().any(|r| r == "inspektorat@desk.go.id");
    let waited = std::time::Instant::now();
    while !smtp.received().iter().any(|m| to_inspektorat(&m)) && waited.elapsed() < WAIT {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mails = smtp.received();
    let digests: Vec<&Value> = mails.iter().filter(to_inspektorat).collect();
    assert_eq!(digests.len(), 1, "{mails:#?}");
    let text = digests[0]["text"].as_str().unwrap();
    assert!(digests[0]["subject"].as_str().unwrap().contains("2 checkpoint"), "{}", digests[0]["subject"]);
    // Its lines, saved as they are, are a witness file.
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("from-mail.jsonl");
    std::fs::write(&saved, text).unwrap();
    assert_eq!(seqs(&saved), [1, 2]);
    let (ok, out) = cli(&app, &["audit", "verify", "--witness", saved.to_str().unwrap()]);
    assert!(ok && out.contains("2 witnessed checkpoint(s)"), "{out}");
}

on_both_backends!(
    newest_entries_deleted_with_their_head_and_checkpoint_are_found_by_the_witness,
    the_newest_checkpoint_deleted_with_its_heads_is_found_offline_too,
    a_checkpoint_re_signed_with_other_content_is_found_by_the_witness,
    the_witness_file_is_appended_once_per_checkpoint_across_instances_and_crashes,
    checkpoints_are_mailed_as_a_digest_and_sent_to_admin_webhooks_only,
);
