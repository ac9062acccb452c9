//! The search's quality on the labelled set (`seed/knowledge/`): the demo
//! region's articles, seeded as an operator seeds them, and queries as
//! reporters write them, run through the real search on each backend.
//! Recall@5 and MRR must stay above floors just under today's figures,
//! and both backends give the same top five. The figures are printed:
//! `cargo test --test api knowledge_quality -- --nocapture`.

use std::collections::BTreeMap;

use spbe_desk::domain::knowledge::corpus::{parse_articles, parse_queries};
use spbe_desk::domain::knowledge::quality::{figures, Figures, Judged};

use crate::demo_seed::{seed, DEMO_PASSWORD};
use serde_json::json;

use crate::on_both_backends;
use crate::support::{changes::urlencode, spawn_app_with, Backend};

const ARTICLES: &str = include_str!("../../seed/knowledge/articles.md");
const QUERIES: &str = include_str!("../../seed/knowledge/queries.txt");

/// Floors just under the figures measured when the set was last improved
/// (docs/benchmarks.md); a change that lowers them is a regression.
const RECALL_AT_5_FLOOR: f64 = 0.97;
const MRR_FLOOR: f64 = 0.94;

/// Each query's first five results (slugs), as the Dinas's engineer (who
/// reads every audience) finds them on `backend`; `None` without it.
async fn rankings(backend: Backend) -> Option<Vec<Judged>> {
    let app = spawn_app_with(backend, |s| {
        let out = seed(&s.database.url, DEMO_PASSWORD);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    })
    .await?;
    let (token, _) = app.login("tier2.irfan@majenekab.go.id", DEMO_PASSWORD).await;
    let slugs: BTreeMap<String, String> =
        parse_articles(ARTICLES).unwrap().into_iter().map(|a| (a.title, a.slug)).collect();
    let mut judged = Vec::new();
    for query in parse_queries(QUERIES).unwrap() {
        let found = app.get(&format!("/api/v1/knowledge/search?q={}", urlencode(&query.text)), Some(&token)).await;
        assert_eq!(found.status, 200, "{}: {}", query.text, found.text);
        let ranked = found.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .take(5)
            .map(|hit| slugs.get(hit["title"].as_str().unwrap()).cloned().unwrap_or_else(|| "?".to_owned()))
            .collect();
        judged.push(Judged { relevant: query.relevant.into_iter().collect(), ranked });
    }
    Some(judged)
}

fn report(backend: &str, judged: &[Judged], all: &[spbe_desk::domain::knowledge::corpus::LabelledQuery]) -> Figures {
    for (j, q) in judged.iter().zip(all) {
        if j.reciprocal_rank() < 1.0 {
            println!("{backend}: rank {:>4.2}  {:<40} top: {}", j.reciprocal_rank(), q.text, j.ranked.join(" "));
        }
    }
    let f = figures(judged);
    println!("{backend}: {} queries, recall@5 {:.3}, MRR {:.3}", f.queries, f.recall_at_5, f.mrr);
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_labelled_queries_find_their_articles_alike_on_both_backends() {
    let queries = parse_queries(QUERIES).unwrap();
    let sqlite = rankings(Backend::Sqlite).await.expect("SQLite always runs");
    let f = report("sqlite", &sqlite, &queries);
    assert!(f.recall_at_5 >= RECALL_AT_5_FLOOR && f.mrr >= MRR_FLOOR, "{f:?}");
    let Some(postgres) = rankings(Backend::Postgres).await else { return };
    let f = report("postgres", &postgres, &queries);
    assert!(f.recall_at_5 >= RECALL_AT_5_FLOOR && f.mrr >= MRR_FLOOR, "{f:?}");
    for ((s, p), q) in sqlite.iter().zip(&postgres).zip(&queries) {
        assert_eq!(s.ranked, p.ranked, "{}: the backends disagree", q.text);
    }
}

/// How many articles hold each of `terms`, and the collection's size, as
/// the store keeps them.
fn statistics(app: &crate::support::TestApp, terms: &[&str]) -> (Vec<u64>, u64, f64) {
    use spbe_desk::db::knowledge::stats;
    let mut conn = app.db.conn().unwrap();
    let wanted = terms.iter().map(|t| (*t).to_owned()).collect();
    let found = stats::frequencies(&mut conn, &wanted).unwrap();
    let collection = stats::collection(&mut conn).unwrap();
    (
        terms.iter().map(|t| found.get(*t).copied().unwrap_or(0)).collect(),
        collection.articles,
        collection.average_length,
    )
}

/// The statistics a search ranks by follow every write: a new article
/// counts its terms once, an edit moves the counts from the words it
/// dropped to those it added (a word no article holds leaves the
/// vocabulary typos are corrected against), and the collection's length
/// follows.
async fn search_statistics_follow_writes(backend: Backend) {
    let Some(app) = crate::support::spawn_app(backend).await else { return };
    let o = app.org().await;
    let token = o.tier1_a.token.as_str();
    let first = crate::knowledge::write(
        &app,
        token,
        crate::knowledge::article(o.service, "Printer macet", "Kertas nyangkut di printer."),
    )
    .await;
    crate::knowledge::write(
        &app,
        token,
        crate::knowledge::article(o.service, "Printer lambat", "Antrean printer panjang."),
    )
    .await;
    let (counts, articles, before) = statistics(&app, &["printer", "nyangkut", "sangkut"]);
    assert_eq!((counts, articles), (vec![2, 1, 0], 2));
    let edited = app
        .patch(
            &format!("{}/{first}", crate::knowledge::ARTICLES),
            Some(token),
            json!({ "body": "Kertas tersangkut di rol, panjang sekali lembarnya." }),
            None,
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let (counts, articles, after) = statistics(&app, &["printer", "nyangkut", "sangkut"]);
    assert_eq!((counts, articles), (vec![2, 0, 1], 2));
    assert!(after > before, "the edit made the article longer: {before} -> {after}");
}

on_both_backends!(search_statistics_follow_writes);
