//! Personal data (UU 27/2022): a reporter's contact is kept out of the
//! hashed audit text, so `privacy erase` removes it from every table while
//! every chain, and an export of it, still verifies; `privacy export` lists
//! what the desk holds on a person.

use std::process::Command;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::on_both_backends;
use crate::support::changes::python;
use crate::support::{spawn_app, Backend, Org, TestApp};
use crate::tickets::{file, incident};

const ERASURES: &str = "/api/v1/privacy/erasures";
const EMAIL: &str = "rahman.hidayat@example.id";
const NAME: &str = "Rahman Hidayat";
const PHONE: &str = "+62 812 3456 7890";
/// What must be found nowhere in the database after the erasure.
const NEEDLES: [&str; 3] = ["rahman.hidayat", "rahman hidayat", "3456 7890"];

/// A ticket the desk filed for a caller without an account, moved and
/// commented on, with its notices fanned out; returns (id, number).
async fn called_in_ticket(app: &TestApp, org: &Org) -> (String, String) {
    let mut call = incident(org.service);
    call["reporter"] = json!({ "name": NAME, "email": EMAIL, "phone": PHONE });
    call["channel"] = json!("phone");
    let ticket = file(app, &org.tier1_a.token, call).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    for (action, body) in [("start", json!({})), ("comments", json!({ "body": "Sedang dicek", "internal": false }))] {
        let r = app.post(&format!("/api/v1/tickets/{id}/{action}"), Some(&org.tier1_a.token), body).await;
        assert!(r.status < 300, "{action}: {}", r.text);
    }
    app.dispatch().await;
    (id, ticket["number"].as_str().unwrap().to_owned())
}

/// Runs `spbe-desk` against the app's database, as an operator would.
pub(crate) fn desk(app: &TestApp, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_spbe-desk"))
        .args(args)
        .env("APP__DATABASE__URL", &app.settings.database.url)
        .env("APP__DATA__DIR", &app.settings.data.dir)
        .env("APP__LOG__LEVEL", "warn")
        .env_remove("APP_ENV")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {stdout}"))
}

/// Rows of any table whose any column holds `needle` (ignoring case).
fn rows_holding(app: &TestApp, needle: &str) -> Vec<String> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        tbl: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        col: String,
    }
    let listing = match app.db.backend() {
        spbe_desk::db::Backend::Sqlite => {
            "SELECT m.name AS tbl, p.name AS col FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table'"
        }
        spbe_desk::db::Backend::Postgres => {
            "SELECT table_name::text AS tbl, column_name::text AS col FROM information_schema.columns \
             WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'json', 'jsonb')"
        }
    };
    let columns = diesel::sql_query(listing).load::<Column>(&mut *app.db.conn().unwrap()).unwrap();
    assert!(columns.len() > 50, "every table's columns are listed");
    columns
        .into_iter()
        .filter(|c| app.count(&format!("\"{}\" WHERE LOWER(CAST(\"{}\" AS TEXT)) LIKE '%{needle}%'", c.tbl, c.col)) > 0)
        .map(|c| format!("{}.{}", c.tbl, c.col))
        .collect()
}

async fn audit_of(app: &TestApp, org: &Org, ticket: &str) -> Vec<Value> {
    let listed = app.get(&format!("/api/v1/audit?chain_id={ticket}"), Some(&org.auditor.token)).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    listed.body["items"].as_array().unwrap().clone()
}

async fn verified(app: &TestApp, org: &Org) -> Value {
    let r = app.get("/api/v1/audit/verify", Some(&org.auditor.token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// The export verifies offline, by `audit verify-export` and by the
/// independent Python verifier.
async fn export_verifies(app: &TestApp, org: &Org) -> String {
    let export = app.get("/api/v1/audit/export", Some(&org.auditor.token)).await.text;
    let key = export.lines().find(|l| l.contains("\"record\":\"key\"")).unwrap();
    let key = serde_json::from_str::<Value>(key).unwrap()["public_key"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, &export).unwrap();
    let path = path.to_str().unwrap();
    let ours = Command::new(env!("CARGO_BIN_EXE_spbe-desk"))
        .args(["audit", "verify-export", path, "--public-key", &key])
        .env("APP__DATABASE__URL", "sqlite://unused.db")
        .output()
        .unwrap();
    assert!(ours.status.success(), "{}", String::from_utf8_lossy(&ours.stdout));
    if let Some((code, out)) = python("cryptography", "tests/verifier/verify_export.py", &[path, &key], "") {
        assert_eq!(code, 0, "{out}");
    }
    export
}

async fn erasing_a_reporter_leaves_every_chain_verifying_and_no_value_behind(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let (id, number) = called_in_ticket(&app, &org).await;
    assert!(app.count("notices") > 0, "the caller was mailed");
    // The hashed text holds commitments; the values sit apart, and the
    // audit list shows them.
    let stored = "LOWER(COALESCE(before_json, '') || COALESCE(after_json, '') || COALESCE(after_edits, ''))";
    assert_eq!(app.count(&format!("audit_log WHERE {stored} LIKE '%rahman%'")), 0);
    assert_eq!(app.count("personal_data"), 3, "one row per value, however often the ticket moved");
    let entries = audit_of(&app, &org, &id).await;
    assert_eq!(entries[0]["after"]["reporter_email"], EMAIL);
    app.post("/api/v1/audit/checkpoints", Some(&org.admin.token), json!({})).await;

    let erased = desk(&app, &["privacy", "erase", "--reporter", &EMAIL.to_uppercase()]);
    assert_eq!(
        erased,
        json!({ "tickets": [number], "values_erased": 3, "notices_changed": erased["notices_changed"], "entries_in_the_clear": 0 })
    );
    assert!(erased["notices_changed"].as_u64().unwrap() > 0, "{erased}");
    for needle in NEEDLES {
        assert_eq!(rows_holding(&app, needle), Vec::<String>::new(), "{needle} is gone from every table");
    }
    let report = verified(&app, &org).await;
    assert_eq!(report["intact"], true, "{report}");
    export_verifies(&app, &org).await;

    // The history is whole, and says what was erased and when.
    let after = audit_of(&app, &org, &id).await;
    assert_eq!(after.len(), entries.len() + 1);
    for (then, now) in entries.iter().zip(&after) {
        assert_eq!((&then["hash"], &then["action"]), (&now["hash"], &now["action"]));
    }
    let first_email = &after[0]["after"]["reporter_email"];
    assert_eq!(first_email["personal"].as_str().unwrap().len(), 64, "{first_email}");
    assert!(first_email["erased_at"].is_string(), "{first_email}");
    let erasure = after.last().unwrap();
    assert_eq!(erasure["action"], "ticket.personal_data_erased");
    assert_eq!(erasure["after"]["reporter_email"], Value::Null);
    let ticket = app.get(&format!("/api/v1/tickets/{id}"), Some(&org.tier1_a.token)).await.body;
    assert_eq!((ticket["reporter"].clone(), ticket["status"].clone()), (Value::Null, json!("in_progress")));
    let timeline = app.get(&format!("/api/v1/tickets/{id}/events"), Some(&org.tier1_a.token)).await.body;
    assert!(timeline.to_string().contains("personal_data_erased"), "{timeline}");

    // A second erasure finds nothing and writes nothing.
    let audit_rows = app.count("audit_log");
    let again = desk(&app, &["privacy", "erase", "--reporter", EMAIL]);
    assert_eq!(again, json!({ "tickets": [], "values_erased": 0, "notices_changed": 0, "entries_in_the_clear": 0 }));
    assert_eq!(app.count("audit_log"), audit_rows);
}

async fn blanking_a_value_in_the_hashed_text_would_break_the_chain(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let (id, _) = called_in_ticket(&app, &org).await;
    let chain = app.id_literal(uuid::Uuid::parse_str(&id).unwrap());
    let record = desk(&app, &["privacy", "export", "--reporter", EMAIL]);
    let values = record["tickets_reported_on_behalf"][0]["committed_values"].as_array().unwrap().clone();
    let email = values.iter().find(|v| v["field"] == "reporter_email").unwrap()["commitment"].as_str().unwrap();
    // Emptying the store apart leaves the chain intact…
    app.execute("UPDATE personal_data SET value = NULL, salt = NULL, erased_at = created_at");
    assert_eq!(verified(&app, &org).await["intact"], true);
    // …blanking what the entry itself holds, as an erasure inside the
    // hashed text would have to, does not.
    let sealed = format!("{{\"personal\":\"{email}\"}}");
    let filed = format!("audit_log WHERE chain_id = {chain} AND position = 1 AND after_json LIKE '%{sealed}%'");
    assert_eq!(app.count(&filed), 1);
    app.execute(&format!(
        "UPDATE audit_log SET after_json = REPLACE(after_json, '{sealed}', 'null') WHERE chain_id = {chain} AND position = 1"
    ));
    let report = verified(&app, &org).await;
    assert_eq!(report["intact"], false, "{report}");
    assert_eq!(report["breaks"][0]["kind"], "altered", "{report}");
}

async fn an_access_request_lists_what_the_desk_holds_and_each_value_checks_against_its_commitment(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let (id, number) = called_in_ticket(&app, &org).await;
    let record = desk(&app, &["privacy", "export", "--reporter", EMAIL]);
    assert_eq!(record["format"], "spbe-desk/subject-access/v1");
    let tickets = record["tickets_reported_on_behalf"].as_array().unwrap();
    assert_eq!(tickets.len(), 1, "{record}");
    let ticket = &tickets[0];
    assert_eq!((ticket["id"].as_str(), ticket["number"].as_str()), (Some(id.as_str()), Some(number.as_str())));
    assert_eq!((ticket["reporter_name"].as_str(), ticket["reporter_phone"].as_str()), (Some(NAME), Some(PHONE)));
    let values = ticket["committed_values"].as_array().unwrap();
    assert_eq!(values.len(), 3);
    for value in values {
        // docs/audit.md "Personal data": SHA-256 of the field encoding.
        let field = |bytes: &[u8]| [&[1u8][..], &(bytes.len() as u32).to_be_bytes(), bytes].concat();
        let salt = hex::decode(value["salt"].as_str().unwrap()).unwrap();
        let encoded =
            [field(b"spbe-desk/personal-data/v1"), field(&salt), field(value["value"].as_str().unwrap().as_bytes())]
                .concat();
        assert_eq!(hex::encode(Sha256::digest(encoded)), value["commitment"].as_str().unwrap());
    }
    let holding = ticket["audit_entries"].as_array().unwrap();
    assert!(holding.len() >= 2, "filing and the move commit to the contact: {record}");
    assert!(holding.iter().all(|e| e["in_the_clear"] == false && !e["commitments"].as_array().unwrap().is_empty()));
    assert!(record["mails"].as_array().unwrap().iter().all(|m| m["ticket_id"] == json!(id)), "{record}");
    assert!(record["account"].is_null());

    // A person with an account: what they reported and wrote.
    let own = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let own_id = own["id"].as_str().unwrap();
    let comment = json!({ "body": "Masih terjadi pagi ini", "internal": false });
    let r = app.post(&format!("/api/v1/tickets/{own_id}/comments"), Some(&org.reporter_a.token), comment).await;
    assert!(r.status < 300, "{}", r.text);
    let theirs = desk(&app, &["privacy", "export", "--reporter", &org.reporter_a.email]);
    assert_eq!(theirs["account"]["tickets_reported"], json!([own["number"]]));
    assert_eq!(theirs["account"]["comments"][0]["body"], "Masih terjadi pagi ini");

    // After the erasure the export shows when, and no value.
    desk(&app, &["privacy", "erase", "--reporter", EMAIL]);
    let after = desk(&app, &["privacy", "export", "--reporter", EMAIL]);
    assert_eq!(after["tickets_reported_on_behalf"], json!([]), "nothing left to find the person by");
}

async fn an_admin_erases_online_and_the_erasure_names_them(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let (id, number) = called_in_ticket(&app, &org).await;
    let body = json!({ "reporter_email": EMAIL });
    app.post(ERASURES, Some(&org.auditor.token), body.clone()).await.assert_problem(403);
    app.post(ERASURES, Some(&org.admin.token), json!({ "reporter_email": "not an address" })).await.assert_problem(422);
    assert_eq!(app.count("personal_data WHERE erased_at IS NULL"), 3, "refusals erase nothing");
    let erased = app.post(ERASURES, Some(&org.admin.token), body.clone()).await;
    assert_eq!(erased.status, 200, "{}", erased.text);
    assert_eq!(erased.body["tickets"], json!([number]));
    let last = audit_of(&app, &org, &id).await.pop().unwrap();
    assert_eq!(
        (last["action"].as_str(), last["actor_id"].as_str()),
        (Some("ticket.personal_data_erased"), Some(org.admin.id.to_string().as_str()))
    );
    let again = app.post(ERASURES, Some(&org.admin.token), body).await;
    assert_eq!(again.body["tickets"], json!([]), "{}", again.text);
}

on_both_backends!(
    an_admin_erases_online_and_the_erasure_names_them,
    erasing_a_reporter_leaves_every_chain_verifying_and_no_value_behind,
    blanking_a_value_in_the_hashed_text_would_break_the_chain,
    an_access_request_lists_what_the_desk_holds_and_each_value_checks_against_its_commitment,
);
