//! Reviews of published articles: the owners are told (a real SMTP
//! server) once per due date when a review falls due; an owner confirms
//! the article still holds, or republishes it, and the review date moves
//! on; each review is kept.

use serde_json::json;

use crate::knowledge::{article, step, write, ARTICLES};
use crate::notices::{app_with, receivers, WAIT};
use crate::on_both_backends;
use crate::support::{Backend, PASSWORD};

async fn owners_are_told_once_when_a_review_falls_due_and_a_confirmation_moves_it_on(backend: Backend) {
    let Some((smtp, _hook)) = receivers() else { return };
    let Some(app) = app_with(backend, &smtp, |_| {}).await else { return };
    let mut o = app.org().await;
    let id = write(&app, &o.tier1_a.token, article(o.service, "Gagal masuk SIMPEG", "Atur ulang sandi.")).await;
    let reviewed = format!("{ARTICLES}/{id}/reviewed");
    app.post(&reviewed, Some(&o.tier1_a.token), json!({})).await.assert_problem(409);
    step(&app, &id, "publish", &o.tier2.token).await;
    assert_eq!(app.housekeep().await.reviews_due, 0, "not due yet");

    app.clock.advance(chrono::Duration::days(181));
    assert_eq!(app.housekeep().await.reviews_due, 1);
    assert_eq!(app.housekeep().await.reviews_due, 0, "told once per due date");
    let report = app.dispatch().await;
    assert_eq!(report.dead, 0, "{report:?}");
    let messages = smtp.wait_for(1, WAIT).await;
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(messages[0]["rcpt_tos"][0], o.tier1_a.email);
    assert!(messages[0]["subject"].as_str().unwrap().contains("dikaji ulang: Gagal masuk SIMPEG"));
    assert!(messages[0]["text"].as_str().unwrap().contains("WITA"), "{}", messages[0]["text"]);

    // Half a year on, everyone signs in again.
    for person in [&mut o.tier1_a, &mut o.tier1_b, &mut o.reporter_a, &mut o.tier2] {
        person.token = app.login(&person.email, PASSWORD).await.0;
    }
    app.post(&reviewed, Some(&o.reporter_a.token), json!({})).await.assert_problem(403);
    app.post(&reviewed, Some(&o.tier1_b.token), json!({})).await.assert_problem(403);
    let stale =
        app.client.post(format!("{}{reviewed}", app.address)).bearer_auth(&o.tier1_a.token).header("If-Match", "\"1\"");
    app.send(stale).await.assert_problem(412);
    let confirmed = app.post(&reviewed, Some(&o.tier1_a.token), json!({})).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    let due = chrono::DateTime::parse_from_rfc3339(confirmed.body["review_due_at"].as_str().unwrap()).unwrap();
    assert_eq!((due.with_timezone(&chrono::Utc) - spbe_desk::clock::Clock::now(&app.clock)).num_days(), 180);
    assert_eq!(app.count("knowledge_reviews"), 1);
    assert_eq!(app.housekeep().await.reviews_due, 0);

    step(&app, &id, "revise", &o.tier1_a.token).await;
    step(&app, &id, "publish", &o.tier2.token).await;
    assert_eq!(app.count("knowledge_reviews"), 2, "a republish is a review");
}

on_both_backends!(owners_are_told_once_when_a_review_falls_due_and_a_confirmation_moves_it_on);
