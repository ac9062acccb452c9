//! The conversation on a ticket: public comments for everyone who sees it,
//! internal notes for the desks, and the `commented` events that follow them.

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, Resp, TestApp};
use crate::tickets::{file, incident};

fn id(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

fn comments_of(ticket: &Value) -> String {
    format!("/api/v1/tickets/{}/comments", id(ticket))
}

/// Posts a comment and asserts it was created.
async fn comment(app: &TestApp, token: &str, ticket: &Value, body: &str, internal: bool) -> Value {
    let created = app.post(&comments_of(ticket), Some(token), json!({ "body": body, "internal": internal })).await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body
}

/// The ids of the comments `token` reads on `ticket`, oldest first.
async fn read_comments(app: &TestApp, token: &str, ticket: &Value) -> Vec<String> {
    let list = app.get(&comments_of(ticket), Some(token)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    list.body["items"].as_array().expect("items").iter().map(id).collect()
}

/// The events `token` reads on `ticket`.
async fn events(app: &TestApp, token: &str, ticket: &Value) -> Vec<Value> {
    let list = app.get(&format!("/api/v1/tickets/{}/events", id(ticket)), Some(token)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    list.body["items"].as_array().expect("items").clone()
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["kind"].as_str().expect("kind")).collect()
}

fn stored(app: &TestApp) -> (i64, i64) {
    (app.count("ticket_comments"), app.count("ticket_events"))
}

fn assert_invalid_body(resp: &Resp) {
    resp.assert_problem(422);
    assert_eq!(resp.body["errors"][0]["field"], "body", "{}", resp.text);
}

async fn reporters_comment_publicly_and_internal_notes_stay_with_the_desk(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let (r, desk) = (org.reporter_a.token.as_str(), org.tier1_a.token.as_str());
    let t = file(&app, r, incident(org.service)).await;

    let public = comment(&app, r, &t, "  Masih muncul pesan yang sama.\nSudah coba peramban lain.  ", false).await;
    assert_eq!(public["body"], "Masih muncul pesan yang sama.\nSudah coba peramban lain.");
    assert_eq!((public["internal"].clone(), public["author_kind"].clone()), (json!(false), json!("user")));
    assert_eq!((public["author_id"].clone(), public["ticket_id"].clone()), (json!(org.reporter_a.id), t["id"].clone()));

    let before = stored(&app);
    let refused = app.post(&comments_of(&t), Some(r), json!({ "body": "Catatan saya", "internal": true })).await;
    refused.assert_problem(403);
    assert_eq!(stored(&app), before, "a refused internal comment stores nothing");

    let note = comment(&app, desk, &t, "Log server: sertifikat kedaluwarsa.", true).await;
    assert_eq!(note["internal"], true);
    assert_eq!(read_comments(&app, r, &t).await, [id(&public)], "the reporter never reads internal notes");
    assert_eq!(read_comments(&app, desk, &t).await, [id(&public), id(&note)]);
    assert_eq!(read_comments(&app, &org.supervisor.token, &t).await, [id(&public), id(&note)]);
    let by_number = app.get(&format!("/api/v1/tickets/{}/comments", t["number"].as_str().unwrap()), Some(r)).await;
    assert_eq!(by_number.body["items"].as_array().unwrap().len(), 1, "{}", by_number.text);

    let reporter_view = events(&app, r, &t).await;
    assert_eq!(kinds(&reporter_view), ["created", "commented"]);
    assert_eq!(reporter_view[1]["data"], json!({ "comment_id": id(&public), "internal": false }));
    let desk_view = events(&app, desk, &t).await;
    assert_eq!(kinds(&desk_view), ["created", "commented", "commented"]);
    // Staff also see what the event did to the SLA clocks (an internal note meets no response).
    let note_data = json!({ "comment_id": id(&note), "internal": true, "sla": { "meets_response": false } });
    assert_eq!(desk_view[2]["data"], note_data);
    assert_eq!(desk_view[2]["actor_id"], json!(org.tier1_a.id));
}

async fn comment_bodies_hold_1_to_10000_characters_and_bad_ones_store_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let r = org.reporter_a.token.as_str();
    let t = file(&app, r, incident(org.service)).await;
    let before = stored(&app);
    for body in [String::new(), "   ".to_owned(), " \n\t ".to_owned(), "x".repeat(10_001), "bel\u{7}".to_owned()] {
        let refused = app.post(&comments_of(&t), Some(r), json!({ "body": body })).await;
        assert_invalid_body(&refused);
    }
    let internal_too =
        app.post(&comments_of(&t), Some(&org.tier1_a.token), json!({ "body": "", "internal": true })).await;
    assert_invalid_body(&internal_too);
    assert_eq!(stored(&app), before, "nothing stored for refused bodies");

    let longest = comment(&app, r, &t, &"x".repeat(10_000), false).await;
    assert_eq!(longest["body"].as_str().unwrap().len(), 10_000);
    let wide = comment(&app, r, &t, &"é".repeat(10_000), false).await;
    assert_eq!(wide["body"].as_str().unwrap().chars().count(), 10_000, "the limit counts characters, not bytes");
    let one = comment(&app, r, &t, "y", false).await;
    assert_eq!(one["body"], "y");
    assert_eq!(stored(&app), (before.0 + 3, before.1 + 3));
}

async fn tickets_the_caller_cannot_see_take_no_comments_and_show_none(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let t = file(&app, &org.reporter_a.token, incident(org.service)).await;
    comment(&app, &org.tier1_a.token, &t, "Sudah dicek dari sisi kami.", false).await;
    let before = stored(&app);
    for (outsider, internal) in
        [(&org.reporter_b, false), (&org.tier1_b, false), (&org.tier1_b, true), (&org.tier2, true)]
    {
        let refused =
            app.post(&comments_of(&t), Some(&outsider.token), json!({ "body": "Halo", "internal": internal })).await;
        refused.assert_problem(404);
        app.get(&comments_of(&t), Some(&outsider.token)).await.assert_problem(404);
    }
    let missing = format!("/api/v1/tickets/{}/comments", uuid::Uuid::now_v7());
    app.post(&missing, Some(&org.supervisor.token), json!({ "body": "Halo" })).await.assert_problem(404);
    assert_eq!(stored(&app), before);
}

async fn auditors_read_internal_notes_but_write_no_comments(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let t = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let public = comment(&app, &org.reporter_a.token, &t, "Mohon segera dibantu.", false).await;
    let note = comment(&app, &org.tier1_a.token, &t, "Pengguna belum ganti kata sandi.", true).await;
    let before = stored(&app);
    for internal in [false, true] {
        let refused = app
            .post(&comments_of(&t), Some(&org.auditor.token), json!({ "body": "Temuan audit", "internal": internal }))
            .await;
        refused.assert_problem(403);
    }
    assert_eq!(stored(&app), before);
    assert_eq!(read_comments(&app, &org.auditor.token, &t).await, [id(&public), id(&note)]);
    let timeline = events(&app, &org.auditor.token, &t).await;
    assert_eq!(kinds(&timeline), ["created", "commented", "commented"]);
    assert_eq!(timeline[2]["data"]["internal"], true);
}

async fn tier2_keeps_writing_and_reading_notes_on_a_ticket_it_returned(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let t = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let path = |action: &str| format!("/api/v1/tickets/{}/{action}", id(&t));
    let up = json!({ "reason": "Butuh akses server", "steps_taken": "Reset kata sandi" });
    assert_eq!(app.post(&path("escalate"), Some(&org.tier1_a.token), up).await.status, 200);
    let at_tier2 = comment(&app, &org.tier2.token, &t, "Sertifikat server diganti.", true).await;
    let down = json!({ "instructions": "Pasang ulang sertifikat di klien" });
    assert_eq!(app.post(&path("return"), Some(&org.tier2.token), down).await.status, 200);

    let after_return = comment(&app, &org.tier2.token, &t, "Hubungi kami bila masih gagal.", true).await;
    let notes = [id(&at_tier2), id(&after_return)];
    assert_eq!(read_comments(&app, &org.tier2.token, &t).await, notes);
    assert_eq!(read_comments(&app, &org.tier1_a.token, &t).await, notes);
    assert!(read_comments(&app, &org.reporter_a.token, &t).await.is_empty());
    let reporter_kinds = kinds(&events(&app, &org.reporter_a.token, &t).await).join(",");
    assert_eq!(reporter_kinds, "created,escalated,returned");
}

/// A closed ticket sits in no queue, so it takes no more comments (409);
/// reopening is the way back. Admins do not join the conversation (403).
async fn a_closed_ticket_takes_no_comments_and_admins_do_not_comment(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let t = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let path = |action: &str| format!("/api/v1/tickets/{}/{action}", id(&t));
    let desk = org.tier1_a.token.as_str();
    let by_admin = app.post(&comments_of(&t), Some(&org.admin.token), json!({ "body": "Halo" })).await;
    by_admin.assert_problem(403);
    app.post(&path("start"), Some(desk), json!({})).await;
    app.post(&path("resolve"), Some(desk), json!({ "resolution_code": "solved", "resolution": "Selesai" })).await;
    let closed = app.post(&path("close"), Some(&org.reporter_a.token), json!({})).await;
    assert_eq!(closed.body["status"], "closed", "{}", closed.text);
    let before = app.count("ticket_comments");
    for (token, internal) in [(org.reporter_a.token.as_str(), false), (desk, true)] {
        let refused =
            app.post(&comments_of(&t), Some(token), json!({ "body": "Terima kasih", "internal": internal })).await;
        refused.assert_problem(409);
        assert!(refused.body["detail"].as_str().unwrap().contains("reopen"), "{}", refused.text);
    }
    assert_eq!(app.count("ticket_comments"), before);
    let timeline = kinds(&events(&app, desk, &t).await).join(",");
    assert_eq!(timeline, "created,started,resolved,closed");
}

on_both_backends!(
    reporters_comment_publicly_and_internal_notes_stay_with_the_desk,
    comment_bodies_hold_1_to_10000_characters_and_bad_ones_store_nothing,
    tickets_the_caller_cannot_see_take_no_comments_and_show_none,
    auditors_read_internal_notes_but_write_no_comments,
    tier2_keeps_writing_and_reading_notes_on_a_ticket_it_returned,
    a_closed_ticket_takes_no_comments_and_admins_do_not_comment,
);
