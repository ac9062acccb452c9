//! Races on tickets: parallel moves, idempotent and external-ref intake,
//! and optimistic concurrency with `ETag`/`If-Match`.

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{insert_user, spawn_app, Backend, Org, Person, Resp, TestApp, PASSWORD};
use crate::tickets::{file, incident};
use spbe_desk::domain::role::Role;

const TICKETS: &str = "/api/v1/tickets";

fn action(id: &str, name: &str) -> String {
    format!("{TICKETS}/{id}/{name}")
}

/// POST as `token`, with an `If-Match` header when `if_match` is given.
async fn post_matching(app: &TestApp, path: String, token: &str, body: Value, if_match: Option<&str>) -> Resp {
    let mut request = app.client.post(format!("{}{path}", app.address)).bearer_auth(token).json(&body);
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    app.send(request).await
}

/// POST /tickets as `token` with an `Idempotency-Key`.
async fn create_with_key(app: &TestApp, token: &str, key: &str, body: &Value) -> Resp {
    let request = app.client.post(format!("{}{TICKETS}", app.address)).bearer_auth(token).json(body);
    app.send(request.header("Idempotency-Key", key)).await
}

fn statuses(responses: &[Resp]) -> Vec<u16> {
    let mut all: Vec<u16> = responses.iter().map(|r| r.status).collect();
    all.sort_unstable();
    all
}

/// Asserts one 200 and only `loser` problems otherwise; returns the winner.
fn single_winner(responses: Vec<Resp>, loser: u16) -> Resp {
    let mut winners = Vec::new();
    for response in responses {
        if response.status == 200 {
            winners.push(response);
        } else {
            response.assert_problem(loser);
        }
    }
    let bodies: Vec<String> = winners
        .iter()
        .map(|w| {
            format!(
                "status {} tier {} version {} rating {}",
                w.body["status"], w.body["tier"], w.body["version"], w.body["rating"]
            )
        })
        .collect();
    assert_eq!(winners.len(), 1, "exactly one request wins; winners: {bodies:#?}");
    winners.remove(0)
}

/// Checks the timeline: seq 1..n, each move starting where the previous
/// one ended, and the ticket standing where the last move left it.
async fn assert_whole_timeline(app: &TestApp, token: &str, id: &str, moves: usize) {
    let events = app.get(&action(id, "events"), Some(token)).await;
    assert_eq!(events.status, 200, "{}", events.text);
    let items = events.body["items"].as_array().unwrap();
    let seqs: Vec<i64> = items.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=items.len() as i64).collect::<Vec<_>>(), "no gaps, strictly increasing");
    assert_eq!(items.len(), 1 + moves, "one event per successful move: {}", events.text);
    assert_eq!(items[0]["kind"], "created");
    for pair in items.windows(2) {
        let (previous, next) = (&pair[0], &pair[1]);
        assert_eq!(
            (&next["from_status"], &next["from_tier"]),
            (&previous["to_status"], &previous["to_tier"]),
            "each move starts where the previous one ended: {}",
            events.text
        );
    }
    let last = items.last().unwrap();
    let ticket = app.get(&format!("{TICKETS}/{id}"), Some(token)).await;
    assert_eq!((&ticket.body["status"], &ticket.body["tier"]), (&last["to_status"], &last["to_tier"]));
    assert_eq!(ticket.body["version"], 1 + moves as i64);
}

async fn second_technician(app: &TestApp, unit: uuid::Uuid) -> Person {
    let email = "tier1.a2@desk.go.id";
    let id = insert_user(&app.db, unit, email, &[Role::Tier1Technician]);
    let (token, _) = app.login(email, PASSWORD).await;
    Person { id, email: email.to_owned(), token }
}

async fn parallel_moves_on_one_ticket_let_exactly_one_win_and_keep_the_timeline_whole(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let t1 = org.tier1_a.token.as_str();
    let escalation = json!({ "reason": "Butuh akses server", "steps_taken": "Reset kata sandi" });

    // Eight different moves, all made against version 1: one wins, the rest are stale.
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let (events, audit) = (app.count("ticket_events"), app.count("audit_log"));
    let mut moves = Vec::new();
    for n in 0..8 {
        let (name, body) = match n % 3 {
            0 => ("start", json!({})),
            1 => ("assign", json!({ "assignee_id": org.tier1_a.id })),
            _ => ("escalate", escalation.clone()),
        };
        moves.push(post_matching(&app, action(&id, name), t1, body, Some("\"1\"")));
    }
    let winner = single_winner(join_all(moves).await, 412);
    assert_eq!(winner.header("etag"), Some("\"2\""));
    assert_eq!(app.count("ticket_events"), events + 1);
    assert_eq!(app.count("audit_log"), audit + 1);
    assert_whole_timeline(&app, t1, &id, 1).await;

    // Two technicians grab the same new ticket four times each: one takes it.
    let other = second_technician(&app, org.pd_a).await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let starts = (0..8).map(|n| {
        let token = if n % 2 == 0 { t1 } else { other.token.as_str() };
        post_matching(&app, action(&id, "start"), token, json!({}), None)
    });
    let started = single_winner(join_all(starts).await, 409);
    assert_eq!(started.body["status"], "in_progress");
    let taker = started.body["assignee_id"].as_str().unwrap();
    assert!([org.tier1_a.id.to_string(), other.id.to_string()].iter().any(|p| p == taker), "{taker}");

    // Then eight escalations at once: it reaches tier 2 once.
    let escalations =
        (0..8).map(|_| post_matching(&app, action(&id, "escalate"), &org.supervisor.token, escalation.clone(), None));
    let escalated = single_winner(join_all(escalations).await, 409);
    assert_eq!((&escalated.body["tier"], &escalated.body["status"]), (&json!(2), &json!("new")));
    assert_eq!(escalated.body["escalation_count"], 1);
    assert_whole_timeline(&app, &org.supervisor.token, &id, 2).await;
    assert_eq!(app.count("tickets"), 2);
}

async fn parallel_creates_with_one_idempotency_key_make_one_ticket(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let body = incident(org.service);
    let token = org.reporter_a.token.as_str();
    let key = "formulir-7f3a-0001";

    let replies = join_all((0..10).map(|_| create_with_key(&app, token, key, &body))).await;
    assert_eq!(statuses(&replies), [201; 10], "{replies:?}");
    let id = replies[0].body["id"].as_str().unwrap().to_owned();
    assert!(replies.iter().all(|r| r.body["id"] == id.as_str()), "every reply names the same ticket");
    assert_eq!(app.count("tickets"), 1);
    assert_eq!(app.count("ticket_events"), 1);
    assert_eq!(app.count("idempotency_keys"), 1);

    let later = create_with_key(&app, token, key, &body).await;
    assert_eq!((later.status, later.body["id"].as_str()), (201, Some(id.as_str())), "{}", later.text);

    let (events, audit) = (app.count("ticket_events"), app.count("audit_log"));
    let mut other_body = body.clone();
    other_body["title"] = json!("Judul lain dengan kunci yang sama");
    let reused = create_with_key(&app, token, key, &other_body).await;
    reused.assert_problem(422);
    assert_eq!(reused.body["errors"][0]["field"], "Idempotency-Key", "{}", reused.text);
    assert_eq!((app.count("tickets"), app.count("ticket_events"), app.count("audit_log")), (1, events, audit));

    let someone_else = create_with_key(&app, &org.reporter_b.token, key, &body).await;
    assert_eq!(someone_else.status, 201, "{}", someone_else.text);
    assert_ne!(someone_else.body["id"], id.as_str(), "keys are scoped to the caller");
    assert_eq!(someone_else.body["reporter_id"], org.reporter_b.id.to_string());
    assert_eq!(app.count("tickets"), 2);
}

fn with_external_ref(service: uuid::Uuid, reporter: uuid::Uuid, reference: &str, source: Option<&str>) -> Value {
    let mut body = incident(service);
    body["reporter_id"] = json!(reporter);
    body["external_ref"] = json!(reference);
    if let Some(source) = source {
        body["external_source"] = json!(source);
    }
    body
}

async fn parallel_creates_with_one_external_ref_make_one_ticket_and_retries_find_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let t1 = org.tier1_a.token.as_str();
    let body = with_external_ref(org.service, org.reporter_a.id, "WEB-2026-0042", None);

    let creates = (0..10).map(|_| app.post(TICKETS, Some(t1), body.clone()));
    let replies = join_all(creates).await;
    let mut expected = vec![200; 9];
    expected.push(201);
    assert_eq!(statuses(&replies), expected, "one creates, the others find it: {replies:?}");
    let id = replies[0].body["id"].as_str().unwrap().to_owned();
    assert!(replies.iter().all(|r| r.body["id"] == id.as_str()));
    assert_eq!(replies[0].body["external_source"], format!("user:{}", org.tier1_a.id));
    assert_eq!((app.count("tickets"), app.count("ticket_events")), (1, 1));

    let retry = app.post(TICKETS, Some(t1), body.clone()).await;
    assert_eq!((retry.status, retry.body["id"].as_str()), (200, Some(id.as_str())), "{}", retry.text);
    assert_eq!(retry.header("location"), Some(format!("{TICKETS}/{id}").as_str()));
    assert_eq!(app.count("tickets"), 1);

    let other_source = with_external_ref(org.service, org.reporter_a.id, "WEB-2026-0042", Some("lapor"));
    let created = app.post(TICKETS, Some(t1), other_source.clone()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_ne!(created.body["id"], id.as_str());
    assert_eq!(app.count("tickets"), 2);

    assert_eq!(created.body["external_source"], format!("user:{}/lapor", org.tier1_a.id));

    // The same channel and reference from another unit's desk is that desk's
    // own: it neither collides with nor learns of the first desk's ticket.
    let foreign = with_external_ref(org.service, org.reporter_b.id, "WEB-2026-0042", Some("lapor"));
    let theirs = app.post(TICKETS, Some(&org.tier1_b.token), foreign).await;
    assert_eq!(theirs.status, 201, "{}", theirs.text);
    assert_eq!(theirs.body["external_source"], format!("user:{}/lapor", org.tier1_b.id));
    assert_eq!(app.count("tickets"), 3);
    // Naming another caller as the source does not reach its references.
    let spoof =
        with_external_ref(org.service, org.reporter_b.id, "WEB-2026-0042", Some(&format!("user:{}", org.tier1_a.id)));
    let spoofed = app.post(TICKETS, Some(&org.tier1_b.token), spoof).await;
    assert_eq!(spoofed.status, 201, "{}", spoofed.text);
    assert_ne!(spoofed.body["id"], id.as_str());
}

async fn an_api_key_retrying_one_external_ref_in_parallel_files_one_ticket(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let made = app
        .post(
            "/api/v1/api-keys",
            Some(&org.admin.token),
            json!({ "name": "Helpdesk web Bappeda", "unit_id": org.pd_a, "roles": ["reporter"] }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let key = made.body["key"].as_str().unwrap().to_owned();
    let key_id = made.body["api_key"]["id"].as_str().unwrap().to_owned();
    let mut body = incident(org.service);
    body["reporter"] = json!({ "name": "Ibu Sari", "phone": "+62 812-3456-7890" });
    body["external_ref"] = json!("FORM-88");

    let replies = join_all((0..10).map(|_| app.post(TICKETS, Some(&key), body.clone()))).await;
    assert_eq!(replies.iter().filter(|r| r.status == 201).count(), 1, "{replies:?}");
    assert_eq!(replies.iter().filter(|r| r.status == 200).count(), 9, "{replies:?}");
    let id = replies[0].body["id"].as_str().unwrap().to_owned();
    assert!(replies.iter().all(|r| r.body["id"] == id.as_str()));
    assert_eq!(replies[0].body["channel"], "api");
    assert_eq!(replies[0].body["external_source"], format!("api_key:{key_id}"));
    assert_eq!(app.count("tickets"), 1);

    let retry = app.post(TICKETS, Some(&key), body.clone()).await;
    assert_eq!((retry.status, retry.body["id"].as_str()), (200, Some(id.as_str())), "{}", retry.text);
    body["external_source"] = json!("aplikasi-lain");
    let other = app.post(TICKETS, Some(&key), body).await;
    assert_eq!(other.status, 201, "{}", other.text);
    assert_eq!(app.count("tickets"), 2);
}

async fn stale_if_match_is_412_and_changes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let t1 = org.tier1_a.token.as_str();
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let path = format!("{TICKETS}/{id}");
    let read = app.get(&path, Some(t1)).await;
    let etag = read.header("etag").unwrap().to_owned();
    assert_eq!(etag, "\"1\"");

    let edited = app.patch(&path, Some(t1), json!({ "title": "SIMPEG gagal login" }), Some(&etag)).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let current = edited.header("etag").unwrap().to_owned();
    assert_eq!(current, "\"2\"");
    assert_eq!(edited.body["version"], 2);

    let (tickets, events, audit) = (app.count("tickets"), app.count("ticket_events"), app.count("audit_log"));
    let stale = app.patch(&path, Some(t1), json!({ "title": "Judul basi" }), Some(&etag)).await;
    stale.assert_problem(412);
    let garbage = app.patch(&path, Some(t1), json!({ "title": "Judul basi" }), Some("\"bukan-versi\"")).await;
    garbage.assert_problem(412);
    let moved = post_matching(&app, action(&id, "start"), t1, json!({}), Some(&etag)).await;
    moved.assert_problem(412);
    assert_eq!((app.count("tickets"), app.count("ticket_events"), app.count("audit_log")), (tickets, events, audit));
    let unchanged = app.get(&path, Some(t1)).await;
    assert_eq!(
        (unchanged.body["title"].as_str(), unchanged.body["status"].as_str()),
        (Some("SIMPEG gagal login"), Some("new"))
    );
    assert_eq!(unchanged.header("etag"), Some(current.as_str()));

    let again = app.patch(&path, Some(t1), json!({ "urgency": "low" }), Some(&current)).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.header("etag"), Some("\"3\""));
    let started = post_matching(&app, action(&id, "start"), t1, json!({}), Some("\"3\"")).await;
    assert_eq!(started.status, 200, "{}", started.text);
    assert_eq!(started.header("etag"), Some("\"4\""));
    assert_eq!(app.count("ticket_events"), events + 2);
}

async fn parallel_ratings_record_one(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let (t1, r) = (org.tier1_a.token.as_str(), org.reporter_a.token.as_str());
    // A race shows only sometimes: run it on a few tickets.
    for _ in 0..4 {
        let ticket = file(&app, r, incident(org.service)).await;
        let id = ticket["id"].as_str().unwrap().to_owned();
        post_matching(&app, action(&id, "start"), t1, json!({}), None).await;
        let resolution = json!({ "resolution_code": "solved", "resolution": "Cache dibersihkan" });
        let resolved = post_matching(&app, action(&id, "resolve"), t1, resolution, None).await;
        assert_eq!(resolved.status, 200, "{}", resolved.text);

        let ratings =
            (1..=8).map(|n| post_matching(&app, action(&id, "rating"), r, json!({ "rating": 1 + n % 5 }), None));
        let winner = single_winner(join_all(ratings).await, 409);
        let events = app.get(&action(&id, "events"), Some(r)).await;
        let rated: Vec<&Value> =
            events.body["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "rated").collect();
        assert_eq!(rated.len(), 1, "{}", events.text);
        let stored = app.get(&format!("{TICKETS}/{id}"), Some(r)).await;
        assert_eq!(stored.body["rating"], winner.body["rating"]);
        assert_eq!(rated[0]["data"]["rating"], winner.body["rating"]);
    }
}

/// An incident of PD A in progress at tier 2, and a problem tier 2 filed:
/// (incident id, problem id).
async fn tier2_incident_and_problem(app: &TestApp, org: &Org) -> (String, String) {
    let ticket = file(app, &org.reporter_a.token, incident(org.service)).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let escalation = json!({ "reason": "Perlu akses server", "steps_taken": "Mulai ulang" });
    post_matching(app, action(&id, "escalate"), &org.tier1_a.token, escalation, None).await;
    post_matching(app, action(&id, "start"), &org.tier2.token, json!({}), None).await;
    let mut problem = incident(org.infra_service);
    problem["type"] = json!("problem");
    let problem = file(app, &org.tier2.token, problem).await;
    (id, problem["id"].as_str().unwrap().to_owned())
}

async fn linking_to_a_problem_moves_the_etag(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let t2 = org.tier2.token.as_str();
    let (id, problem) = tier2_incident_and_problem(&app, &org).await;
    let path = format!("{TICKETS}/{id}");
    let before = app.get(&path, Some(t2)).await.header("etag").unwrap().to_owned();
    let linked = post_matching(&app, action(&problem, "linked-tickets"), t2, json!({ "ticket_id": id }), None).await;
    assert_eq!(linked.status, 200, "{}", linked.text);
    assert_ne!(linked.header("etag"), Some(before.as_str()), "problem_id changed, so the ETag must");
    let stale = app.patch(&path, Some(t2), json!({ "urgency": "low" }), Some(&before)).await;
    stale.assert_problem(412);
}

async fn a_rating_moves_the_etag(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let t2 = org.tier2.token.as_str();
    let (id, _) = tier2_incident_and_problem(&app, &org).await;
    let path = format!("{TICKETS}/{id}");
    let resolution = json!({ "resolution_code": "solved", "resolution": "Sertifikat diganti" });
    post_matching(&app, action(&id, "resolve"), t2, resolution, None).await;
    let before = app.get(&path, Some(t2)).await.header("etag").unwrap().to_owned();
    let rated = post_matching(&app, action(&id, "rating"), &org.reporter_a.token, json!({ "rating": 5 }), None).await;
    assert_eq!(rated.status, 200, "{}", rated.text);
    assert_ne!(rated.header("etag"), Some(before.as_str()), "the rating changed, so the ETag must");
    let stale = app.patch(&path, Some(t2), json!({ "urgency": "low" }), Some(&before)).await;
    stale.assert_problem(412);
}

async fn technicians_racing_to_escalate_lose_with_409(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let other = second_technician(&app, org.pd_a).await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let escalation = json!({ "reason": "Butuh akses server", "steps_taken": "Reset kata sandi" });
    let (events, audit) = (app.count("ticket_events"), app.count("audit_log"));
    let escalations = (0..8).map(|n| {
        let token = if n % 2 == 0 { org.tier1_a.token.as_str() } else { other.token.as_str() };
        post_matching(&app, action(&id, "escalate"), token, escalation.clone(), None)
    });
    let escalated = single_winner(join_all(escalations).await, 409);
    assert_eq!((&escalated.body["tier"], &escalated.body["escalation_count"]), (&json!(2), &json!(1)));
    assert_eq!((app.count("ticket_events"), app.count("audit_log")), (events + 1, audit + 1));
}

on_both_backends!(
    parallel_moves_on_one_ticket_let_exactly_one_win_and_keep_the_timeline_whole,
    parallel_creates_with_one_idempotency_key_make_one_ticket,
    parallel_creates_with_one_external_ref_make_one_ticket_and_retries_find_it,
    an_api_key_retrying_one_external_ref_in_parallel_files_one_ticket,
    technicians_racing_to_escalate_lose_with_409,
    stale_if_match_is_412_and_changes_nothing,
    parallel_ratings_record_one,
    linking_to_a_problem_moves_the_etag,
    a_rating_moves_the_etag,
);
