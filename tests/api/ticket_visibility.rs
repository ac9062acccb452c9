//! Who sees which tickets, who may change them, who may file for whom, and
//! how a queue filters, sorts and pages within what its reader may see.

use std::collections::BTreeSet;

use chrono::{Duration, SubsecRound};
use serde_json::{json, Value};
use spbe_desk::clock::Clock;
use uuid::Uuid;

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, Org, Resp, TestApp};
use crate::tickets::{file, incident};

fn id(ticket: &Value) -> String {
    ticket["id"].as_str().expect("ticket id").to_owned()
}

fn number(ticket: &Value) -> String {
    ticket["number"].as_str().expect("ticket number").to_owned()
}

/// The ids of a list response, in order.
fn ordered(list: &Resp) -> Vec<String> {
    assert_eq!(list.status, 200, "{}", list.text);
    list.body["items"].as_array().expect("items").iter().map(id).collect()
}

fn ids(list: &Resp) -> BTreeSet<String> {
    ordered(list).into_iter().collect()
}

fn set<'a>(tickets: impl IntoIterator<Item = &'a Value>) -> BTreeSet<String> {
    tickets.into_iter().map(id).collect()
}

/// Asserts a 422 validation problem naming `field`.
fn assert_invalid(resp: &Resp, field: &str) {
    resp.assert_problem(422);
    let errors = resp.body["errors"].as_array().expect("field errors");
    assert!(errors.iter().any(|e| e["field"] == field), "expected an error for {field}: {}", resp.text);
}

fn ticket(kind: &str, service: Uuid, title: &str, description: &str, impact: &str, urgency: &str) -> Value {
    json!({ "type": kind, "title": title, "description": description, "service_id": service,
        "impact": impact, "urgency": urgency })
}

/// One ticket per way of being seen.
struct Matrix {
    /// reporter_a's, at PD A's tier 1.
    t_a: Value,
    /// reporter_b's, at PD B's tier 1.
    t_b: Value,
    /// reporter_a's, escalated to tier 2 and returned to PD A's tier 1.
    t_esc: Value,
    /// reporter_b's, on a service tier 2 takes directly.
    t_direct: Value,
}

async fn matrix(app: &TestApp, org: &Org) -> Matrix {
    let t_a = file(app, &org.reporter_a.token, incident(org.service)).await;
    let t_b = file(app, &org.reporter_b.token, incident(org.service)).await;
    let t_esc = file(app, &org.reporter_a.token, incident(org.service)).await;
    let path = |action: &str| format!("/api/v1/tickets/{}/{action}", id(&t_esc));
    let up = json!({ "reason": "Butuh akses server", "steps_taken": "Reset kata sandi" });
    let escalated = app.post(&path("escalate"), Some(&org.tier1_a.token), up).await;
    assert_eq!(escalated.status, 200, "{}", escalated.text);
    let down = json!({ "instructions": "Pasang ulang sertifikat di klien" });
    let returned = app.post(&path("return"), Some(&org.tier2.token), down).await;
    assert_eq!((returned.status, returned.body["tier"].clone()), (200, json!(1)), "{}", returned.text);
    let t_direct = file(app, &org.reporter_b.token, incident(org.infra_service)).await;
    assert_eq!(t_direct["tier"], 2);
    Matrix { t_a, t_b, t_esc: returned.body, t_direct }
}

async fn each_role_sees_exactly_its_tickets_in_lists_reads_timelines_and_counts(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let m = matrix(&app, &org).await;
    let all = [&m.t_a, &m.t_b, &m.t_esc, &m.t_direct];
    let cases: [(&str, &str, Vec<&Value>); 8] = [
        ("reporter_a", org.reporter_a.token.as_str(), vec![&m.t_a, &m.t_esc]),
        ("reporter_b", org.reporter_b.token.as_str(), vec![&m.t_b, &m.t_direct]),
        ("tier1_a", org.tier1_a.token.as_str(), vec![&m.t_a, &m.t_esc]),
        ("tier1_b", org.tier1_b.token.as_str(), vec![&m.t_b, &m.t_direct]),
        ("tier2", org.tier2.token.as_str(), vec![&m.t_esc, &m.t_direct]),
        ("supervisor", org.supervisor.token.as_str(), all.to_vec()),
        ("auditor", org.auditor.token.as_str(), all.to_vec()),
        ("admin", org.admin.token.as_str(), all.to_vec()),
    ];
    let missing = app.get(&format!("/api/v1/tickets/{}", Uuid::now_v7()), Some(&org.admin.token)).await;
    missing.assert_problem(404);
    for (who, token, expected) in &cases {
        let visible = set(expected.iter().copied());
        assert_eq!(ids(&app.get("/api/v1/tickets?limit=200", Some(token)).await), visible, "{who}'s queue");
        let summary = app.get("/api/v1/tickets/summary", Some(token)).await;
        assert_eq!(summary.status, 200, "{}", summary.text);
        let at_tier = |tier: i64| expected.iter().filter(|t| t["tier"] == tier).count();
        assert_eq!(summary.body["total"], expected.len(), "{who}'s total");
        assert_eq!(summary.body["by_tier"], json!({ "1": at_tier(1), "2": at_tier(2) }), "{who}");
        assert_eq!(summary.body["by_status"]["new"], expected.len(), "{who}");
        assert_eq!(summary.body["unassigned_open"], expected.len(), "{who}");
        for ticket in all {
            let sees = visible.contains(&id(ticket));
            for key in [id(ticket), number(ticket), number(ticket).to_lowercase()] {
                let read = app.get(&format!("/api/v1/tickets/{key}"), Some(token)).await;
                if sees {
                    assert_eq!(read.status, 200, "{who} reads {key}: {}", read.text);
                    assert_eq!(read.body["id"], id(ticket).as_str());
                } else {
                    read.assert_problem(404);
                    assert_eq!(read.body["detail"], missing.body["detail"], "{who}: unseen looks like missing");
                }
            }
            let events = app.get(&format!("/api/v1/tickets/{}/events", id(ticket)), Some(token)).await;
            if sees {
                assert_eq!(events.status, 200, "{who}: {}", events.text);
                assert_eq!(events.body["items"][0]["kind"], "created");
            } else {
                events.assert_problem(404);
            }
        }
    }
}

async fn only_the_desk_working_a_ticket_moves_it_and_outsiders_get_404(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let m = matrix(&app, &org).await;
    let path = |t: &Value, action: &str| format!("/api/v1/tickets/{}/{action}", id(t));
    for t in [&m.t_a, &m.t_esc] {
        let started = app.post(&path(t, "start"), Some(&org.tier1_a.token), json!({})).await;
        assert_eq!(started.body["status"], "in_progress", "{}", started.text);
    }
    let (tickets, events) = (app.count("tickets"), app.count("ticket_events"));
    let resolve = json!({ "resolution_code": "solved", "resolution": "Sertifikat diperbarui" });

    let outsider = &org.tier1_b.token;
    app.post(&path(&m.t_a, "assign"), Some(outsider), json!({ "assignee_id": org.tier1_b.id }))
        .await
        .assert_problem(404);
    app.post(&path(&m.t_a, "start"), Some(outsider), json!({})).await.assert_problem(404);
    let up = json!({ "reason": "Bukan wewenang kami", "steps_taken": "Tidak ada" });
    app.post(&path(&m.t_a, "escalate"), Some(outsider), up).await.assert_problem(404);

    let seen = app.get(&format!("/api/v1/tickets/{}", id(&m.t_esc)), Some(&org.tier2.token)).await;
    assert_eq!((seen.status, seen.body["allowed_actions"].clone()), (200, json!([])), "{}", seen.text);
    app.post(&path(&m.t_esc, "resolve"), Some(&org.tier2.token), resolve.clone()).await.assert_problem(403);
    let pend = json!({ "reason": "waiting_for_vendor" });
    app.post(&path(&m.t_esc, "pending"), Some(&org.tier2.token), pend).await.assert_problem(403);

    for reader in [&org.auditor, &org.admin] {
        let read = app.get(&format!("/api/v1/tickets/{}", id(&m.t_a)), Some(&reader.token)).await;
        assert_eq!((read.status, read.body["allowed_actions"].clone()), (200, json!([])), "{}", read.text);
        app.post(&path(&m.t_b, "start"), Some(&reader.token), json!({})).await.assert_problem(403);
        let assign = json!({ "assignee_id": org.tier1_a.id });
        app.post(&path(&m.t_a, "assign"), Some(&reader.token), assign).await.assert_problem(403);
    }

    app.post(&path(&m.t_a, "resolve"), Some(&org.reporter_a.token), resolve).await.assert_problem(403);
    assert_eq!((app.count("tickets"), app.count("ticket_events")), (tickets, events), "refusals change nothing");
    let after = app.get(&format!("/api/v1/tickets/{}", id(&m.t_a)), Some(&org.tier1_a.token)).await;
    assert_eq!(
        (after.body["status"].clone(), after.body["assignee_id"].clone()),
        (json!("in_progress"), json!(org.tier1_a.id))
    );
}

async fn reporters_close_reopen_and_rate_their_own_resolved_tickets_only(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let t = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let path = |action: &str| format!("/api/v1/tickets/{}/{action}", id(&t));
    let resolve = json!({ "resolution_code": "solved", "resolution": "Cache peramban dibersihkan" });
    app.post(&path("start"), Some(&org.tier1_a.token), json!({})).await;
    let resolved = app.post(&path("resolve"), Some(&org.tier1_a.token), resolve.clone()).await;
    assert_eq!(resolved.body["status"], "resolved", "{}", resolved.text);
    assert_eq!(resolved.body["allowed_actions"], json!(["close"]), "the desk closes; reopening is the reporter's");

    let events = app.count("ticket_events");
    let b = &org.reporter_b.token;
    app.post(&path("rating"), Some(b), json!({ "rating": 1 })).await.assert_problem(404);
    app.post(&path("close"), Some(b), json!({})).await.assert_problem(404);
    app.post(&path("reopen"), Some(b), json!({ "reason": "Iseng" })).await.assert_problem(404);
    app.post(&path("close"), Some(&org.tier1_b.token), json!({})).await.assert_problem(404);
    assert_eq!(app.count("ticket_events"), events);

    let r = &org.reporter_a.token;
    let mine = app.get(&format!("/api/v1/tickets/{}", id(&t)), Some(r)).await;
    assert_eq!(mine.body["allowed_actions"], json!(["close", "reopen"]));
    let reopened = app.post(&path("reopen"), Some(r), json!({ "reason": "Masih gagal login" })).await;
    assert_eq!(reopened.status, 200, "{}", reopened.text);
    assert_eq!(
        (reopened.body["status"].clone(), reopened.body["reopen_count"].clone()),
        (json!("in_progress"), json!(1))
    );
    app.post(&path("resolve"), Some(r), resolve.clone()).await.assert_problem(403);
    assert_eq!(app.post(&path("resolve"), Some(&org.tier1_a.token), resolve).await.status, 200);
    let closed = app.post(&path("close"), Some(r), json!({})).await;
    assert_eq!((closed.status, closed.body["status"].clone()), (200, json!("closed")), "{}", closed.text);
    let rated = app.post(&path("rating"), Some(r), json!({ "rating": 4, "remark": "Terima kasih" })).await;
    assert_eq!((rated.status, rated.body["rating"].clone()), (200, json!(4)), "{}", rated.text);

    let timeline = app.get(&path("events"), Some(r)).await;
    let kinds: Vec<&str> =
        timeline.body["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "started", "resolved", "reopened", "resolved", "closed", "rated"]);
}

async fn reporters_file_only_for_themselves_in_their_own_unit(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let r = &org.reporter_a.token;
    let (tickets, events) = (app.count("tickets"), app.count("ticket_events"));
    let mut other_unit = incident(org.service);
    other_unit["unit_id"] = json!(org.pd_b);
    app.post("/api/v1/tickets", Some(r), other_unit).await.assert_problem(403);
    let mut other_person = incident(org.service);
    other_person["reporter_id"] = json!(org.reporter_b.id);
    app.post("/api/v1/tickets", Some(r), other_person).await.assert_problem(403);
    let mut caller = incident(org.service);
    caller["reporter"] = json!({ "name": "Pak Rahman", "phone": "+62 812 3456 7890" });
    app.post("/api/v1/tickets", Some(r), caller).await.assert_problem(403);
    assert_eq!((app.count("tickets"), app.count("ticket_events")), (tickets, events));

    let own = file(&app, r, incident(org.service)).await;
    assert_eq!((own["unit_id"].clone(), own["reporter_id"].clone()), (json!(org.pd_a), json!(org.reporter_a.id)));
    assert_eq!(own["channel"], "web");
}

async fn the_unit_desk_files_for_its_people_and_for_callers_without_an_account(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let desk = &org.tier1_a.token;
    let mut for_reporter = incident(org.service);
    for_reporter["reporter_id"] = json!(org.reporter_a.id);
    let filed = file(&app, desk, for_reporter).await;
    assert_eq!((filed["reporter_id"].clone(), filed["unit_id"].clone()), (json!(org.reporter_a.id), json!(org.pd_a)));
    assert!(filed["reporter"].is_null());
    assert_eq!(filed["channel"], "web");
    let theirs = app.get(&format!("/api/v1/tickets/{}", id(&filed)), Some(&org.reporter_a.token)).await;
    assert_eq!(theirs.status, 200, "the reporter sees what the desk filed for them: {}", theirs.text);

    let mut call = incident(org.service);
    call["reporter"] = json!({ "name": "Pak Rahman", "phone": "+62 812 3456 7890" });
    call["channel"] = json!("phone");
    let called = file(&app, desk, call).await;
    assert!(called["reporter_id"].is_null());
    assert_eq!(called["reporter"], json!({ "name": "Pak Rahman", "email": null, "phone": "+62 812 3456 7890" }));
    assert_eq!((called["channel"].clone(), called["unit_id"].clone()), (json!("phone"), json!(org.pd_a)));
    app.get(&format!("/api/v1/tickets/{}", id(&called)), Some(&org.reporter_a.token)).await.assert_problem(404);
    let queue = app.get("/api/v1/tickets", Some(desk)).await;
    assert_eq!(ids(&queue), set([&filed, &called]));

    let (tickets, events) = (app.count("tickets"), app.count("ticket_events"));
    let mut unreachable = incident(org.service);
    unreachable["reporter"] = json!({ "name": "Bu Sari" });
    assert_invalid(&app.post("/api/v1/tickets", Some(desk), unreachable).await, "reporter");
    let mut elsewhere = incident(org.service);
    elsewhere["unit_id"] = json!(org.pd_b);
    elsewhere["reporter_id"] = json!(org.reporter_b.id);
    app.post("/api/v1/tickets", Some(desk), elsewhere).await.assert_problem(403);
    assert_eq!((app.count("tickets"), app.count("ticket_events")), (tickets, events));
}

async fn an_api_key_files_through_the_api_channel_and_sees_its_units_tickets(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let created = app
        .post(
            "/api/v1/api-keys",
            Some(&org.admin.token),
            json!({ "name": "Helpdesk web Bappeda", "unit_id": org.pd_a, "roles": ["tier1_technician"] }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let key = created.body["key"].as_str().unwrap().to_owned();
    let t_a = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let t_b = file(&app, &org.reporter_b.token, incident(org.service)).await;
    let url = |path: &str| format!("{}{path}", app.address);

    let mut body = incident(org.service);
    body["reporter_id"] = json!(org.reporter_a.id);
    let filed = app.send(app.client.post(url("/api/v1/tickets")).header("X-Api-Key", &key).json(&body)).await;
    assert_eq!(filed.status, 201, "{}", filed.text);
    assert_eq!(filed.body["channel"], "api");
    assert_eq!(
        (filed.body["reporter_id"].clone(), filed.body["unit_id"].clone()),
        (json!(org.reporter_a.id), json!(org.pd_a))
    );

    let queue = app.send(app.client.get(url("/api/v1/tickets")).header("X-Api-Key", &key)).await;
    assert_eq!(ids(&queue), set([&t_a, &filed.body]));
    let other = format!("/api/v1/tickets/{}", id(&t_b));
    app.send(app.client.get(url(&other)).header("X-Api-Key", &key)).await.assert_problem(404);

    let tickets = app.count("tickets");
    let nobody = incident(org.service);
    let refused = app.send(app.client.post(url("/api/v1/tickets")).header("X-Api-Key", &key).json(&nobody)).await;
    assert_invalid(&refused, "reporter");
    let mut elsewhere = incident(org.service);
    elsewhere["unit_id"] = json!(org.pd_b);
    elsewhere["reporter_id"] = json!(org.reporter_b.id);
    let refused = app.send(app.client.post(url("/api/v1/tickets")).header("X-Api-Key", &key).json(&elsewhere)).await;
    refused.assert_problem(403);
    assert_eq!(app.count("tickets"), tickets);
}

/// Five tickets a minute or so apart: F1 critical (assigned last), F2 low
/// service request, F3 medium at PD B and F4 high at tier 2 (the same
/// instant), F5 high complaint. Returns them as they are now.
async fn queue(app: &TestApp, org: &Org) -> Vec<Value> {
    // A real clock has nanoseconds, which PostgreSQL drops and SQLite keeps.
    app.clock.set(app.clock.now().trunc_subsecs(0) + Duration::nanoseconds(123_456_789));
    let (a, b) = (&org.reporter_a.token, &org.reporter_b.token);
    let s = org.service;
    let jam = "Kertas tersangkut di baki dua.";
    let f1 = file(app, a, ticket("incident", s, "Printer lantai 3 macet", jam, "high", "high")).await;
    app.clock.advance(Duration::minutes(1));
    let account = "Mohon dibuatkan akun untuk Bidang KEPEGAWAIAN.";
    let f2 = file(app, a, ticket("service_request", s, "Akun SIMPEG untuk pegawai baru", account, "low", "low")).await;
    app.clock.advance(Duration::minutes(1));
    let slow = "Halaman laporan butuh satu menit untuk terbuka.";
    let f3 = file(app, b, ticket("incident", s, "Aplikasi lambat sekali", slow, "medium", "medium")).await;
    let down = "Lantai dua tidak tersambung sejak pukul 08.00.";
    let f4 = file(app, b, ticket("incident", org.infra_service, "Jaringan intra putus", down, "high", "medium")).await;
    app.clock.advance(Duration::minutes(1));
    let queue = "Warga menunggu dua jam di loket.";
    let f5 = file(app, a, ticket("complaint", s, "Keluhan antrean layanan", queue, "medium", "high")).await;
    app.clock.advance(Duration::minutes(1));
    let assign = json!({ "assignee_id": org.tier1_a.id });
    let f1 = app.post(&format!("/api/v1/tickets/{}/assign", id(&f1)), Some(&org.tier1_a.token), assign).await;
    assert_eq!(f1.status, 200, "{}", f1.text);
    let priorities: Vec<&Value> = [&f1.body, &f2, &f3, &f4, &f5].map(|t| &t["priority"]).to_vec();
    assert_eq!(priorities, [&json!("critical"), &json!("low"), &json!("medium"), &json!("high"), &json!("high")]);
    vec![f1.body, f2, f3, f4, f5]
}

async fn filters_narrow_the_queue_and_never_widen_the_scope(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let f = queue(&app, &org).await;
    let at = |t: &Value| t["created_at"].as_str().unwrap().to_owned();
    let cases: Vec<(String, Vec<&Value>)> = vec![
        ("status=assigned".into(), vec![&f[0]]),
        ("status=new".into(), vec![&f[1], &f[2], &f[3], &f[4]]),
        ("tier=2".into(), vec![&f[3]]),
        ("tier=1".into(), vec![&f[0], &f[1], &f[2], &f[4]]),
        ("priority=critical".into(), vec![&f[0]]),
        ("priority=high".into(), vec![&f[3], &f[4]]),
        ("type=service_request".into(), vec![&f[1]]),
        ("type=complaint".into(), vec![&f[4]]),
        (format!("unit_id={}", org.pd_b), vec![&f[2], &f[3]]),
        (format!("assignee_id={}", org.tier1_a.id), vec![&f[0]]),
        ("unassigned=true".into(), vec![&f[1], &f[2], &f[3], &f[4]]),
        ("unassigned=false".into(), vec![&f[0]]),
        ("q=printer".into(), vec![&f[0]]),
        ("q=kepegawaian".into(), vec![&f[1]]),
        ("q=JARINGAN".into(), vec![&f[3]]),
        (format!("q={}", number(&f[2]).to_lowercase()), vec![&f[2]]),
        ("q=%25".into(), vec![]),
        ("q=_".into(), vec![]),
        (format!("created_from={}&created_to={}", at(&f[2]), at(&f[4])), vec![&f[2], &f[3]]),
        (format!("created_from={}", at(&f[4])), vec![&f[4]]),
        (format!("created_to={}", at(&f[2])), vec![&f[0], &f[1]]),
        (format!("tier=1&unit_id={}&unassigned=true", org.pd_a), vec![&f[1], &f[4]]),
    ];
    for (query, expected) in &cases {
        let list = app.get(&format!("/api/v1/tickets?{query}"), Some(&org.supervisor.token)).await;
        assert_eq!(ids(&list), set(expected.iter().copied()), "?{query}");
        let summary = app.get(&format!("/api/v1/tickets/summary?{query}"), Some(&org.supervisor.token)).await;
        assert_eq!(summary.body["total"], expected.len(), "summary?{query}: {}", summary.text);
    }
    // An edited title is searched as edited.
    let before = app.get("/api/v1/tickets?q=dosen", Some(&org.supervisor.token)).await;
    assert!(ids(&before).is_empty(), "{}", before.text);
    let edit = json!({ "title": "Akun SIAKAD untuk dosen baru" });
    let edited = app.patch(&format!("/api/v1/tickets/{}", id(&f[1])), Some(&org.supervisor.token), edit, None).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    for (query, expected) in [("q=dosen", vec![&f[1]]), ("q=simpeg%20untuk", vec![])] {
        let list = app.get(&format!("/api/v1/tickets?{query}"), Some(&org.supervisor.token)).await;
        assert_eq!(ids(&list), set(expected), "?{query} after the edit");
    }
    let foreign = app.get(&format!("/api/v1/tickets?unit_id={}", org.pd_b), Some(&org.reporter_a.token)).await;
    assert!(ids(&foreign).is_empty(), "a filter never widens the scope");
    let mine = app.get("/api/v1/tickets?priority=high", Some(&org.tier1_a.token)).await;
    assert_eq!(ids(&mine), set([&f[4]]));
}

/// Walks the whole list in pages of `limit`, returning the ids in order
/// (stopping after 20 pages, which these queues never need).
async fn walk(app: &TestApp, token: &str, sort: &str, limit: usize) -> Vec<String> {
    let (mut seen, mut cursor) = (Vec::new(), None::<String>);
    for _ in 0..20 {
        let after = cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
        let page = app.get(&format!("/api/v1/tickets?sort={sort}&limit={limit}{after}"), Some(token)).await;
        let items = ordered(&page);
        assert!(items.len() <= limit, "{}", page.text);
        seen.extend(items);
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
    }
    seen
}

async fn sorts_order_the_queue_and_cursors_walk_it_exactly_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let f = queue(&app, &org).await;
    let order = |positions: [usize; 5]| positions.map(|p| id(&f[p])).to_vec();
    let sorts = [
        ("created", order([0, 1, 2, 3, 4])),
        ("-created", order([4, 3, 2, 1, 0])),
        ("updated", order([1, 2, 3, 4, 0])),
        ("-updated", order([0, 4, 3, 2, 1])),
        ("priority", order([0, 3, 4, 2, 1])),
        ("-priority", order([1, 2, 4, 3, 0])),
    ];
    let default = app.get("/api/v1/tickets", Some(&org.supervisor.token)).await;
    assert_eq!(ordered(&default), sorts[0].1, "created is the default");
    let name = |i: &String| format!("F{}", f.iter().position(|t| &id(t) == i).map_or(0, |p| p + 1));
    let pd_a = set([&f[0], &f[1], &f[4]]);
    let mut wrong = Vec::new();
    for (sort, expected) in &sorts {
        let whole = app.get(&format!("/api/v1/tickets?sort={sort}&limit=200"), Some(&org.supervisor.token)).await;
        assert_eq!(&ordered(&whole), expected, "sort={sort}");
        assert!(whole.body["next_cursor"].is_null());
        let desk: Vec<String> = expected.iter().filter(|i| pd_a.contains(*i)).cloned().collect();
        for (who, token, limit, expected) in [
            ("supervisor", &org.supervisor.token, 2, expected),
            ("supervisor", &org.supervisor.token, 1, expected),
            ("tier1_a", &org.tier1_a.token, 2, &desk),
        ] {
            let walked = walk(&app, token, sort, limit).await;
            if &walked != expected {
                let (want, got): (Vec<_>, Vec<_>) =
                    (expected.iter().map(name).collect(), walked.iter().map(name).collect());
                wrong.push(format!("{who}, sort={sort}, limit={limit}: expected {want:?}, walked {got:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "cursor walks went wrong:\n{}", wrong.join("\n"));
}

async fn unknown_sorts_and_cursors_of_another_sort_are_rejected(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let f = queue(&app, &org).await;
    let s = Some(org.supervisor.token.as_str());
    assert_invalid(&app.get("/api/v1/tickets?sort=sideways", s).await, "sort");
    let first = app.get("/api/v1/tickets?sort=created&limit=2", s).await;
    assert_eq!(ordered(&first), [id(&f[0]), id(&f[1])]);
    let cursor = first.body["next_cursor"].as_str().expect("a next page").to_owned();
    assert_invalid(&app.get(&format!("/api/v1/tickets?sort=priority&cursor={cursor}"), s).await, "cursor");
    assert_invalid(&app.get(&format!("/api/v1/tickets?sort=updated&cursor={cursor}"), s).await, "cursor");
    assert_invalid(&app.get("/api/v1/tickets?cursor=bm90LWEtY3Vyc29y", s).await, "cursor");
    assert_invalid(&app.get("/api/v1/tickets?limit=0", s).await, "limit");
    assert_invalid(&app.get("/api/v1/tickets?tier=3", s).await, "tier");
}

on_both_backends!(
    each_role_sees_exactly_its_tickets_in_lists_reads_timelines_and_counts,
    only_the_desk_working_a_ticket_moves_it_and_outsiders_get_404,
    reporters_close_reopen_and_rate_their_own_resolved_tickets_only,
    reporters_file_only_for_themselves_in_their_own_unit,
    the_unit_desk_files_for_its_people_and_for_callers_without_an_account,
    an_api_key_files_through_the_api_channel_and_sees_its_units_tickets,
    filters_narrow_the_queue_and_never_widen_the_scope,
    sorts_order_the_queue_and_cursors_walk_it_exactly_once,
    unknown_sorts_and_cursors_of_another_sort_are_rejected,
);
