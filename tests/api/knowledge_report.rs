//! `GET /reports/knowledge`: publishes, reviews, link rate, reuse,
//! self-service, ratings and flags, counted as docs/knowledge.md says, in
//! JSON and CSV, held to the caller's unit; bad periods and unknown ids 4xx.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::knowledge::{article, step, write, ARTICLES};
use crate::on_both_backends;
use crate::support::{spawn_app, Backend, Org, TestApp};
use crate::tickets::{file, incident};

const REPORT: &str = "/api/v1/reports/knowledge";

/// A ticket of reporter A resolved by tier 1 of A, linking `links`.
async fn resolved(app: &TestApp, o: &Org, links: &[&str]) {
    let ticket = file(app, &o.reporter_a.token, incident(o.service)).await;
    let id = ticket["id"].as_str().unwrap();
    let started = app.post(&format!("/api/v1/tickets/{id}/start"), Some(&o.tier1_a.token), json!({})).await;
    assert_eq!(started.status, 200, "{}", started.text);
    let mut body = json!({ "resolution_code": "solved", "resolution": "Kata sandi diatur ulang." });
    if !links.is_empty() {
        let link: Vec<Value> = links.iter().map(|a| json!({ "article_id": a })).collect();
        body["knowledge"] = json!({ "link": link });
    }
    let done = app.post(&format!("/api/v1/tickets/{id}/resolve"), Some(&o.tier1_a.token), body).await;
    assert_eq!(done.status, 200, "{}", done.text);
}

fn literal(at: chrono::DateTime<Utc>) -> String {
    format!("'{}'", at.format("%Y-%m-%d %H:%M:%S"))
}

async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    let read = app.get(&format!("{REPORT}?{query}"), Some(token)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    read.body
}

async fn the_report_counts_what_knowledge_management_is_judged_by(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let used = write(&app, &o.tier1_a.token, article(o.service, "Gagal masuk SIMPEG", "Atur ulang sandi.")).await;
    step(&app, &used, "publish", &o.tier2.token).await;
    let stale = write(&app, &o.tier1_a.token, article(o.service, "Printer macet", "Buka penutup.")).await;
    step(&app, &stale, "publish", &o.tier2.token).await;
    // Its review fell due yesterday and nobody confirmed it.
    let yesterday = literal(Utc::now() - Duration::days(1));
    app.execute(&format!("UPDATE knowledge_articles SET review_due_at = {yesterday} WHERE title = 'Printer macet'"));

    // Another's fell due two days ago and was confirmed today: late.
    let late = write(&app, &o.tier1_a.token, article(o.service, "VPN putus", "Sambung ulang.")).await;
    step(&app, &late, "publish", &o.tier2.token).await;
    let two_days_ago = literal(Utc::now() - Duration::days(2));
    app.execute(&format!("UPDATE knowledge_articles SET review_due_at = {two_days_ago} WHERE title = 'VPN putus'"));
    let reviewed = app.post(&format!("{ARTICLES}/{late}/reviewed"), Some(&o.tier1_a.token), json!({})).await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text);

    resolved(&app, &o, &[&used]).await;
    resolved(&app, &o, &[]).await;
    let ratings = format!("{ARTICLES}/{used}/ratings");
    assert_eq!(app.post(&ratings, Some(&o.reporter_b.token), json!({ "helpful": true })).await.status, 201);
    assert_eq!(app.post(&ratings, Some(&o.reporter_a.token), json!({ "helpful": false })).await.status, 201);
    let flags = format!("{ARTICLES}/{used}/flags");
    let flagged = app.post(&flags, Some(&o.reporter_b.token), json!({ "reason": "Menu berubah." })).await;
    assert_eq!(flagged.status, 201, "{}", flagged.text);

    // Reporter B reads and files nothing (two days ago: decided, solved);
    // reporter A reads, then files on the service (not solved).
    assert_eq!(app.get(&format!("{ARTICLES}/{used}"), Some(&o.reporter_b.token)).await.status, 200);
    app.execute(&format!("UPDATE knowledge_views SET viewed_at = {two_days_ago}"));
    assert_eq!(app.get(&format!("{ARTICLES}/{stale}"), Some(&o.reporter_a.token)).await.status, 200);
    file(&app, &o.reporter_a.token, incident(o.service)).await;

    let since = (Utc::now() - Duration::days(40)).format("%Y-%m-%dT%H:%M:%SZ");
    let all = report(&app, &o.supervisor.token, &format!("from={since}&group_by=none")).await;
    let t = &all["total"];
    let figures = |names: &[&str]| names.iter().map(|n| t[n].clone()).collect::<Vec<Value>>();
    assert_eq!(figures(&["articles_published", "versions_published"]), [json!(3), json!(3)], "{all}");
    assert_eq!(
        figures(&["reviews_due", "review_overdue", "reviewed_late", "reviewed_on_time"]),
        [json!(2), json!(1), json!(1), json!(0)]
    );
    assert_eq!(
        figures(&["resolved_tickets", "linked_tickets", "link_rate_percent"]),
        [json!(2), json!(1), json!(50.0)]
    );
    assert_eq!(figures(&["links", "articles_reused"]), [json!(1), json!(1)]);
    assert_eq!(
        figures(&["reporter_views", "self_service_solutions", "self_service_pending"]),
        [json!(2), json!(1), json!(0)],
        "{all}"
    );
    assert_eq!(
        figures(&["rated_helpful", "rated_not_helpful", "helpful_percent", "flags"]),
        [json!(1), json!(1), json!(50.0), json!(1)]
    );
    let months = all["months"].as_array().unwrap();
    assert!(months.len() >= 2 && months.iter().all(|m| m["month"].as_str().unwrap().len() == 7), "{all}");
    let summed: u64 = months.iter().map(|m| m["total"]["reporter_views"].as_u64().unwrap()).sum();
    assert_eq!(summed, 2, "the months add up to the period");

    // By unit: everything here is PD A's.
    let by_unit = report(&app, &o.supervisor.token, &format!("from={since}")).await;
    let groups: Vec<&Value> =
        by_unit["months"].as_array().unwrap().iter().flat_map(|m| m["groups"].as_array().unwrap()).collect();
    assert!(groups.iter().all(|g| g["key"] == o.pd_a.to_string() && g["label"] == "Unit BAPPEDA"), "{by_unit}");

    // CSV: a header, rows per month and group, and the period's total last.
    let csv = app
        .send(
            app.client
                .get(format!("{}{REPORT}?from={since}", app.address))
                .bearer_auth(&o.supervisor.token)
                .header("Accept", "text/csv"),
        )
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert!(lines[0].starts_with("month,group_by,key,label,articles_published"), "{}", csv.text);
    assert_eq!(lines.last(), Some(&"total,unit,total,,3,3,2,0,1,1,2,1,50,1,1,2,1,0,1,1,50,1"), "{}", csv.text);

    // A PD's staff read their own unit only.
    let theirs = report(&app, &o.tier1_b.token, &format!("from={since}&group_by=none")).await;
    assert_eq!(theirs["total"]["resolved_tickets"], 0, "{theirs}");
    assert_eq!(theirs["total"]["reporter_views"], 0);
    let pd_a = o.pd_a;
    app.get(&format!("{REPORT}?unit_id={pd_a}"), Some(&o.tier1_b.token)).await.assert_problem(403);
    app.get(REPORT, Some(&o.reporter_a.token)).await.assert_problem(403);
    let mine = report(&app, &o.tier1_a.token, &format!("from={since}&group_by=none")).await;
    assert_eq!(mine["total"], all["total"]);
}

async fn bad_periods_and_unknown_ids_are_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let o = app.org().await;
    let sup = &o.supervisor.token;
    let unknown = uuid::Uuid::new_v4();
    for query in [
        "from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z".to_owned(),
        "from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z".to_owned(),
        "group_by=tier".to_owned(),
        format!("service_id={unknown}"),
        format!("unit_id={unknown}"),
    ] {
        app.get(&format!("{REPORT}?{query}"), Some(sup)).await.assert_problem(422);
    }
    app.get(&format!("{REPORT}?from=yesterday"), Some(sup)).await.assert_problem(400);
    let empty = report(&app, sup, "").await;
    assert_eq!(empty["months"].as_array().unwrap().len(), 12, "{empty}");
    assert_eq!(empty["total"]["resolved_tickets"], 0);
}

on_both_backends!(the_report_counts_what_knowledge_management_is_judged_by, bad_periods_and_unknown_ids_are_refused);
