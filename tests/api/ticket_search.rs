//! Text search (`q=`) means the same on both backends, whichever index
//! answers it: the whole text as one fragment of the number, title or
//! description, letter case aside, exact (a misspelling finds nothing),
//! within the caller's scope; fragments shorter than a trigram too.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, TestApp};
use crate::tickets::file;

fn filed(title: &str, description: &str, service: uuid::Uuid) -> Value {
    json!({ "type": "incident", "title": title, "description": description, "service_id": service,
        "impact": "medium", "urgency": "medium" })
}

/// The ids a list answers for `q`, after checking the summary counts them.
async fn found(app: &TestApp, token: &str, q: &str) -> BTreeSet<String> {
    let q = urlencoding(q);
    let list = app.get(&format!("/api/v1/tickets?limit=100&q={q}"), Some(token)).await;
    assert_eq!(list.status, 200, "q={q}: {}", list.text);
    let ids: BTreeSet<String> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_owned())
        .collect();
    let summary = app.get(&format!("/api/v1/tickets/summary?q={q}"), Some(token)).await;
    assert_eq!(summary.body["total"], ids.len(), "summary?q={q}: {}", summary.text);
    ids
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What `q` should find: the tickets holding it, letter case aside.
fn expected(tickets: &[Value], q: &str) -> BTreeSet<String> {
    let q = q.to_lowercase();
    tickets
        .iter()
        .filter(|t| {
            ["number", "title", "description"].iter().any(|c| t[c].as_str().unwrap().to_lowercase().contains(&q))
        })
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn search_finds_the_fragment_on_both_backends_whichever_index_answers(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let (a, b, s) = (&org.reporter_a.token, &org.reporter_b.token, org.service);
    let tickets = vec![
        file(&app, a, filed("Printer lantai 3 macet", "Kertas tersangkut di baki dua.", s)).await,
        file(&app, a, filed("SIMPEG login gagal", "Tidak bisa masuk sejak pagi, 100% gagal.", s)).await,
        file(&app, a, filed("Login ke SIMPEG lambat", "Tombol \"Simpan\" tidak berfungsi_lagi.", s)).await,
        file(&app, b, filed("Überweisung gaji tertunda", "Data ÄNDERUNG belum masuk ke printer bidang.", s)).await,
    ];
    let number = tickets[2]["number"].as_str().unwrap().to_owned();
    let queries = [
        "printer",
        "PRINTER",
        "rinte",
        "simpeg login",
        "login simpeg",
        "pirnter",
        "vpn",
        number.as_str(),
        &number.to_lowercase(),
        &number[number.len() - 4..],
        "\"simpan\"",
        "\"",
        "a\"b",
        "100%",
        "%",
        "_",
        "_lagi",
        "ÜBERW",
        "änderung",
        "di",
        "ke",
        "Ke",
        "3",
        "*",
        "OR",
        "NEAR(x y)",
    ];
    for q in queries {
        assert_eq!(found(&app, &org.supervisor.token, q).await, expected(&tickets, q), "supervisor, q={q}");
    }
    // The scope still holds: PD A's desk never sees PD B's ticket, whatever it searches.
    let pd_a: Vec<Value> = tickets[..3].to_vec();
    for q in ["printer", "masuk", "ke", "gaji"] {
        assert_eq!(found(&app, &org.tier1_a.token, q).await, expected(&pd_a, q), "PD A's desk, q={q}");
    }
}

on_both_backends!(search_finds_the_fragment_on_both_backends_whichever_index_answers);
