//! Article events through the outbox: a flag mails the article's owners
//! (a real SMTP server), and `knowledge.published`, `knowledge.retired`
//! and `knowledge.flagged` reach the webhook subscriptions that hear of
//! the article's unit (a real receiver verifying the signatures).

use serde_json::json;

use crate::knowledge::{article, step, write, ARTICLES};
use crate::notices::{app_with, receivers, subscribe, WAIT};
use crate::on_both_backends;
use crate::support::Backend;

async fn a_flag_mails_the_owners_and_article_events_reach_their_units_subscriptions(backend: Backend) {
    let Some((smtp, hook)) = receivers() else { return };
    let Some(app) =
        app_with(backend, &smtp, |s| s.notices.article_url = "https://helpdesk.desk.go.id/pengetahuan/{id}".into())
            .await
    else {
        return;
    };
    let o = app.org().await;
    let events = json!(["knowledge.published", "knowledge.retired", "knowledge.flagged"]);
    subscribe(&app, &o.admin.token, &hook, json!({ "events": events, "unit_id": o.pd_a })).await;
    subscribe(&app, &o.admin.token, &hook, json!({ "events": events, "unit_id": o.pd_b })).await;
    let id = write(&app, &o.tier1_a.token, article(o.service, "Gagal masuk SIMPEG", "Atur ulang sandi.")).await;
    step(&app, &id, "publish", &o.tier2.token).await;
    let flagged = app
        .post(
            &format!("{ARTICLES}/{id}/flags"),
            Some(&o.reporter_b.token),
            json!({ "reason": "Menu profil sudah tidak ada." }),
        )
        .await;
    assert_eq!(flagged.status, 201, "{}", flagged.text);
    step(&app, &id, "retire", &o.tier2.token).await;
    let report = app.dispatch().await;
    assert_eq!(report.dead, 0, "{report:?}");

    // The author is tier 1 of A, the one tier-1 technician of the owning unit.
    let messages = smtp.wait_for(1, WAIT).await;
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let mail = &messages[0];
    assert_eq!(mail["rcpt_tos"][0], o.tier1_a.email);
    assert!(mail["subject"].as_str().unwrap().contains("Gagal masuk SIMPEG"), "{}", mail["subject"]);
    let text = mail["text"].as_str().unwrap();
    assert!(text.contains("Menu profil sudah tidak ada.") && text.contains(&format!("/pengetahuan/{id}")), "{text}");

    // Only the subscription scoped to A hears of A's article, three times.
    hook.wait_for(3, WAIT).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let deliveries = hook.received();
    let mut types: Vec<&str> = deliveries.iter().map(|d| d["type"].as_str().unwrap()).collect();
    types.sort();
    assert_eq!(types, ["knowledge.flagged", "knowledge.published", "knowledge.retired"], "{deliveries:#?}");
    assert!(deliveries.iter().all(|d| d["verified"] == true && d["data"]["article"]["id"] == id.as_str()));
    let of = |kind: &str| deliveries.iter().find(|d| d["type"] == kind).unwrap().clone();
    assert_eq!(of("knowledge.flagged")["data"]["details"]["reason"], "Menu profil sudah tidak ada.");
    assert_eq!(of("knowledge.published")["data"]["article"]["status"], "published", "as the event left it");
}

on_both_backends!(a_flag_mails_the_owners_and_article_events_reach_their_units_subscriptions);
