//! Search and suggestions in Bahasa Indonesia, and who reads which article:
//! affixed forms, synonyms and misspellings find their articles, ranked
//! alike on both backends; every reader sees exactly its articles in the
//! list, a read, a search and a suggestion, and no search shows a title its
//! caller may not read.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::knowledge::{step, write, ARTICLES};
use crate::on_both_backends;
use crate::support::{insert_service, spawn_app, Backend, Org, TestApp};

const SEARCH: &str = "/api/v1/knowledge/search";

fn body(service: Uuid, title: &str, text: &str, audience: &str) -> Value {
    json!({ "service_id": service, "kind": "solution", "title": title, "body": text, "audience": audience,
            "keywords": ["bantuan"] })
}

/// The region's articles: four for everyone, one for the desks, one for
/// the Dinas (all published), and a draft of the second PD.
struct Library {
    ids: Vec<String>,
}

async fn library(app: &TestApp, o: &Org) -> Library {
    let simkes = insert_service(&app.db, o.pd_b, "SIMKES", false);
    let published = [
        (
            "Gagal mengirimkan surel dari aplikasi",
            "Pengiriman email gagal karena kotak surat penuh. Hapus pesan lama lalu kirim ulang.",
            "everyone",
        ),
        ("Lupa kata sandi SIMPEG", "Jika lupa password, gunakan menu Lupa Sandi pada halaman masuk.", "everyone"),
        ("Printer tidak bisa mencetak", "Periksa kabel printer dan antrean pencetakan.", "everyone"),
        ("Koneksi jaringan lambat", "Jaringan lemot biasanya karena kabel LAN longgar.", "everyone"),
        ("Konfigurasi server SIMPEG", "Langkah memperbaiki konfigurasi server aplikasi.", "desks"),
    ];
    let mut ids = Vec::new();
    for (title, text, audience) in published {
        let id = write(app, &o.tier1_a.token, body(o.service, title, text, audience)).await;
        step(app, &id, "publish", &o.tier2.token).await;
        ids.push(id);
    }
    let mut dinas = body(o.infra_service, "Kunci rahasia jaringan intra", "Sandi router inti jaringan.", "dinas");
    dinas["owner_unit_id"] = json!(o.dinas);
    let id = write(app, &o.tier2.token, dinas).await;
    step(app, &id, "publish", &o.supervisor.token).await;
    ids.push(id);
    ids.push(write(app, &o.tier1_b.token, body(simkes, "Draf login SIMKES", "Masuk ke SIMKES.", "everyone")).await);
    Library { ids }
}

async fn search(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let found = app.get(&format!("{SEARCH}?q={}", crate::support::changes::urlencode(query)), Some(token)).await;
    assert_eq!(found.status, 200, "{query}: {}", found.text);
    found.body["items"].as_array().unwrap().clone()
}

fn ids(hits: &[Value]) -> Vec<String> {
    hits.iter().map(|h| h["id"].as_str().unwrap().to_owned()).collect()
}

async fn affixes_synonyms_and_typos_find_the_article_with_its_words_marked(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let lib = library(&app, &o).await;
    let token = o.reporter_a.token.as_str();
    let top = |hits: Vec<Value>| ids(&hits).first().cloned();
    // Affixed forms meet at their root; `email` is `surel`.
    assert_eq!(top(search(&app, token, "dikirim email").await), Some(lib.ids[0].clone()));
    // A typo, chat words and English.
    assert_eq!(top(search(&app, token, "gk bisa login, pasword simpeg lupa").await), Some(lib.ids[1].clone()));
    assert_eq!(top(search(&app, token, "internet lemot bgt").await), Some(lib.ids[3].clone()));
    let printing = search(&app, token, "pencetakan printer").await;
    assert_eq!(ids(&printing).first(), Some(&lib.ids[2]));
    assert!(printing[0]["snippet_html"].as_str().unwrap().contains("<mark>pencetakan</mark>"), "{}", printing[0]);
    assert_eq!(printing[0]["title_html"], "<mark>Printer</mark> tidak bisa <mark>mencetak</mark>");
    // The same ranking on both backends: the whole order is pinned (the
    // sending article says `kirim` three times and alone; `sandi` is also
    // in the Dinas's article, so it weighs less).
    let all = ids(&search(&app, token, "sandi kirim jaringan").await);
    assert_eq!(all, [lib.ids[0].clone(), lib.ids[3].clone(), lib.ids[1].clone()]);
    assert!(search(&app, token, "zzzz").await.is_empty());
    let blank = app.get(&format!("{SEARCH}?q=%20"), Some(token)).await;
    blank.assert_problem(422);
    app.get(&format!("{SEARCH}?q=%C2%84"), Some(token)).await.assert_problem(422);

    // Suggestions at intake: published articles, the service's first.
    let suggested = app
        .get(
            &format!("/api/v1/knowledge/suggest?service_id={}&text=gak%20bisa%20masuk%20simpeg", o.service),
            Some(&o.tier1_b.token),
        )
        .await;
    assert_eq!(suggested.status, 200, "{}", suggested.text);
    let suggested = ids(suggested.body["items"].as_array().unwrap());
    assert_eq!(suggested.first(), Some(&lib.ids[1]));
    assert!(!suggested.contains(&lib.ids[6]), "a draft is never suggested, even to its desk");
    // Retired articles leave suggestions and reporters' searches at once
    // (each posting records who may read it); reviewers still find them.
    assert!(ids(&search(&app, &o.reporter_a.token, "lupa sandi").await).contains(&lib.ids[1]));
    step(&app, &lib.ids[1], "retire", &o.tier2.token).await;
    let after = app.get("/api/v1/knowledge/suggest?text=lupa%20sandi", Some(token)).await;
    assert!(!ids(after.body["items"].as_array().unwrap()).contains(&lib.ids[1]));
    assert!(!ids(&search(&app, &o.reporter_a.token, "lupa sandi").await).contains(&lib.ids[1]));
    assert!(ids(&search(&app, &o.tier2.token, "lupa sandi").await).contains(&lib.ids[1]));
}

async fn each_reader_sees_exactly_its_articles_in_lists_reads_and_searches(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let lib = library(&app, &o).await;
    let key_a = app.tier1_api_key(&o.admin.token, o.pd_a).await;
    let every: BTreeSet<usize> = (0..7).collect();
    let readers: [(&str, &str, BTreeSet<usize>); 7] = [
        ("reporter A", &o.reporter_a.token, (0..4).collect()),
        ("reporter B", &o.reporter_b.token, (0..4).collect()),
        ("tier1 A", &o.tier1_a.token, (0..5).collect()),
        ("tier1 B", &o.tier1_b.token, [0, 1, 2, 3, 4, 6].into()),
        ("key of A", &key_a, (0..5).collect()),
        ("tier2", &o.tier2.token, every.clone()),
        ("auditor", &o.auditor.token, every.clone()),
    ];
    let titles = ["Konfigurasi server SIMPEG", "Kunci rahasia jaringan intra", "Draf login SIMKES"];
    for (name, token, expected) in readers {
        let expected: BTreeSet<String> = expected.iter().map(|i| lib.ids[*i].clone()).collect();
        let listed = app.get(&format!("{ARTICLES}?limit=50"), Some(token)).await;
        let listed: BTreeSet<String> = ids(listed.body["items"].as_array().unwrap()).into_iter().collect();
        assert_eq!(listed, expected, "{name}: list");
        for (n, id) in lib.ids.iter().enumerate() {
            let read = app.get(&format!("{ARTICLES}/{id}"), Some(token)).await;
            assert_eq!(read.status, if expected.contains(id) { 200 } else { 404 }, "{name}: read {n}");
            let versions = app.get(&format!("{ARTICLES}/{id}/versions"), Some(token)).await;
            assert_eq!(versions.status, if expected.contains(id) { 200 } else { 404 }, "{name}: versions {n}");
        }
        let found = app.get(&format!("{SEARCH}?q=bantuan%20server%20sandi%20jaringan%20login"), Some(token)).await;
        let hits: BTreeSet<String> = ids(found.body["items"].as_array().unwrap()).into_iter().collect();
        assert_eq!(hits, expected, "{name}: search");
        for (n, title) in titles.iter().enumerate() {
            let readable = expected.contains(&lib.ids[4 + n]);
            assert!(readable || !found.text.contains(title), "{name}: the search showed «{title}»");
        }
    }
}

on_both_backends!(
    affixes_synonyms_and_typos_find_the_article_with_its_words_marked,
    each_reader_sees_exactly_its_articles_in_lists_reads_and_searches,
);
