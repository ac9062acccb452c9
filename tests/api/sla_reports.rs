//! The SLA report: its figures equal those recomputed from each ticket's
//! clocks, in JSON and CSV, within the caller's scope and period.

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::sla_clocks::{act, incident_at, setup, sla, wita};
use crate::support::{spawn_app, Backend, Org, TestApp};

/// Files the scenario's tickets (all on Thursday 6 Aug 2026, WITA) and
/// moves them; returns their ids.
async fn scenario(app: &TestApp, org: &Org) -> Vec<String> {
    let (t1a, t1b) = (org.tier1_a.token.as_str(), org.tier1_b.token.as_str());
    let solved = json!({ "resolution_code": "solved", "resolution": "Beres" });
    // High, met twice: started after 10 minutes, resolved within the hour.
    let fast = incident_at(app, org, wita(2026, 8, 6, 10, 0), "medium", "high").await;
    app.clock.set(wita(2026, 8, 6, 10, 10));
    act(app, &fast, "start", t1a, json!({})).await;
    app.clock.set(wita(2026, 8, 6, 11, 0));
    act(app, &fast, "resolve", t1a, solved.clone()).await;
    // High, late twice.
    let slow = incident_at(app, org, wita(2026, 8, 6, 10, 0), "medium", "high").await;
    app.clock.set(wita(2026, 8, 6, 10, 45));
    act(app, &slow, "start", t1a, json!({})).await;
    // Medium in unit B: escalated untouched, so its response stays open.
    app.clock.set(wita(2026, 8, 6, 10, 0));
    let body = json!({ "type": "incident", "title": "Printer", "description": "Macet", "service_id": org.service });
    let escalated = crate::tickets::file(app, &org.reporter_b.token, body).await["id"].as_str().unwrap().to_owned();
    app.clock.set(wita(2026, 8, 6, 10, 30));
    act(app, &escalated, "escalate", t1b, json!({ "reason": "Perlu tier 2", "steps_taken": "Cek" })).await;
    // Low in unit B: answered publicly, resolved, then reopened.
    app.clock.set(wita(2026, 8, 6, 10, 0));
    let low = json!({ "type": "incident", "title": "Email", "description": "Lambat", "service_id": org.service, "impact": "low", "urgency": "low" });
    let reopened = crate::tickets::file(app, &org.reporter_b.token, low).await["id"].as_str().unwrap().to_owned();
    app.clock.set(wita(2026, 8, 6, 10, 20));
    let reply = app.post(&format!("/api/v1/tickets/{reopened}/comments"), Some(t1b), json!({ "body": "Dicek" })).await;
    assert_eq!(reply.status, 201);
    app.clock.set(wita(2026, 8, 6, 11, 0));
    act(app, &reopened, "resolve", t1b, solved.clone()).await;
    app.clock.set(wita(2026, 8, 6, 11, 30));
    act(app, &reopened, "reopen", &org.reporter_b.token, json!({ "reason": "Masih lambat" })).await;
    app.clock.set(wita(2026, 8, 7, 9, 0));
    act(app, &slow, "resolve", t1a, solved).await;
    app.sweep().await;
    // Filed in September: outside the reported period.
    incident_at(app, org, wita(2026, 9, 1, 9, 0), "medium", "high").await;
    app.clock.set(wita(2026, 9, 2, 9, 0));
    vec![fast, slow, escalated, reopened]
}

/// The report's figures for a set of tickets, recomputed from `/sla`.
async fn expected(app: &TestApp, token: &str, ids: &[&String]) -> Value {
    let mut tickets = 0;
    let (mut escalated, mut reopened) = (0u64, 0u64);
    let mut per_clock = json!({});
    for kind in ["response", "resolution", "tier2_resolution"] {
        let (mut met, mut breached, mut open, mut times) = (0u64, 0u64, 0u64, Vec::<i64>::new());
        for id in ids {
            for c in sla(app, id, token).await["clocks"].as_array().unwrap().iter().filter(|c| c["kind"] == kind) {
                match c["standing"].as_str().unwrap() {
                    "breached" => breached += 1,
                    "met" => met += 1,
                    _ => open += 1,
                }
                if !c["stopped_at"].is_null() {
                    times.push(c["elapsed_seconds"].as_i64().unwrap());
                }
            }
        }
        times.sort_unstable();
        let mean = (!times.is_empty()).then(|| times.iter().sum::<i64>() as f64 / times.len() as f64);
        let median = match times.len() {
            0 => None,
            n if n % 2 == 1 => Some(times[n / 2] as f64),
            n => Some((times[n / 2 - 1] + times[n / 2]) as f64 / 2.0),
        };
        let compliance = (met + breached > 0).then(|| met as f64 * 100.0 / (met + breached) as f64);
        per_clock[kind] = json!({ "met": met, "breached": breached, "open": open,
            "compliance_percent": compliance, "mean_seconds": mean, "median_seconds": median });
    }
    for id in ids {
        let ticket = app.get(&format!("/api/v1/tickets/{id}"), Some(token)).await.body;
        tickets += 1;
        escalated += u64::from(ticket["escalation_count"].as_i64().unwrap() > 0);
        reopened += u64::from(ticket["reopen_count"].as_i64().unwrap() > 0);
    }
    let rate = |n: u64| (tickets > 0).then(|| n as f64 * 100.0 / tickets as f64);
    json!({
        "tickets": tickets, "response": per_clock["response"], "resolution": per_clock["resolution"],
        "tier2_resolution": per_clock["tier2_resolution"],
        "escalation_rate_percent": rate(escalated), "reopen_rate_percent": rate(reopened),
    })
}

fn figures(group: &Value) -> Value {
    let mut g = group.clone();
    for key in ["key", "label"] {
        g.as_object_mut().unwrap().remove(key);
    }
    g
}

const PERIOD: &str = "from=2026-08-01T00:00:00Z&to=2026-09-01T00:00:00Z";

async fn the_sla_report_equals_the_figures_recomputed_from_the_tickets(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    let ids = scenario(&app, &org).await;
    let sup = org.supervisor.token.as_str();

    let report = app.get(&format!("/api/v1/reports/sla?{PERIOD}&group_by=priority"), Some(sup)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    let groups = report.body["groups"].as_array().unwrap();
    assert_eq!(groups.iter().map(|g| g["key"].as_str().unwrap()).collect::<Vec<_>>(), ["high", "low", "medium"]);
    assert_eq!(figures(&groups[0]), expected(&app, sup, &[&ids[0], &ids[1]]).await, "{}", report.text);
    assert_eq!(figures(&groups[1]), expected(&app, sup, &[&ids[3]]).await);
    assert_eq!(figures(&groups[2]), expected(&app, sup, &[&ids[2]]).await);
    let all: Vec<&String> = ids.iter().collect();
    assert_eq!(figures(&report.body["total"]), expected(&app, sup, &all).await);
    assert_eq!(report.body["total"]["tickets"], 4, "the September ticket is outside the period");
    same_figures_in_rounds_of_any_size(&app).await;
    // The high group: one response met, one late; compliance 50 %.
    assert_eq!(groups[0]["response"]["compliance_percent"], 50.0);
    assert_eq!(groups[0]["response"]["mean_seconds"], (10 * 60 + 45 * 60) as f64 / 2.0);

    // By unit, a tier-1 technician sees only their own unit's tickets.
    let mine = app.get(&format!("/api/v1/reports/sla?{PERIOD}"), Some(&org.tier1_a.token)).await;
    assert_eq!(mine.body["groups"].as_array().unwrap().len(), 1, "{}", mine.text);
    assert_eq!(mine.body["groups"][0]["key"], org.pd_a.to_string());
    assert_eq!(mine.body["groups"][0]["label"], "Unit BAPPEDA");
    assert_eq!(figures(&mine.body["groups"][0]), expected(&app, sup, &[&ids[0], &ids[1]]).await);

    let csv = app
        .send(
            app.client
                .get(format!("{}/api/v1/reports/sla?{PERIOD}&group_by=tier", app.address))
                .bearer_auth(sup)
                .header("Accept", "text/csv"),
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.lines().collect();
    assert!(lines[0].starts_with("group_by,key,label,tickets,response_met,response_breached"), "{}", csv.text);
    assert_eq!(lines.len(), 1 + 2 + 1, "header, tiers 1 and 2, total: {}", csv.text);
    assert!(lines[3].starts_with("tier,all,,4,"), "{}", csv.text);
}

/// The report reads tickets a round at a time; rounds of one or two
/// tickets (ties in filing instant included) give the figures of one round.
async fn same_figures_in_rounds_of_any_size(app: &crate::support::TestApp) {
    use spbe_desk::clock::Clock;
    use spbe_desk::db::sla_report::{tally_in_rounds, GroupBy, ReportFilter};
    use spbe_desk::domain::ticket::access::TicketScope;
    let now = app.clock.now();
    let everything = TicketScope { all: true, ..TicketScope::default() };
    let mut conn = app.db.conn().unwrap();
    for group_by in [GroupBy::Priority, GroupBy::Unit, GroupBy::Nothing] {
        let f = ReportFilter {
            from: None,
            to: None,
            unit_id: None,
            service_id: None,
            tier: None,
            priority: None,
            group_by,
        };
        let whole = tally_in_rounds(&mut conn, &everything, &f, now, 10_000).unwrap().0.finish();
        assert!(whole.1.tickets >= 5, "{whole:?}");
        for round in [1, 2, 3] {
            let rounds = tally_in_rounds(&mut conn, &everything, &f, now, round).unwrap().0.finish();
            assert_eq!(rounds, whole, "rounds of {round}");
        }
    }
}

async fn reports_refuse_reporters_and_bad_parameters(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    app.get("/api/v1/reports/sla", Some(&org.reporter_a.token)).await.assert_problem(403);
    // The change board decides on changes; the desks' SLA is the Dinas's to supervise (README, Roles).
    let email = "board.sla@desk.go.id";
    crate::support::insert_user(&app.db, org.pd_a, email, &[spbe_desk::domain::role::Role::ChangeApprover]);
    let (approver, _) = app.login(email, crate::support::PASSWORD).await;
    app.get("/api/v1/reports/sla", Some(&approver)).await.assert_problem(403);
    app.get("/api/v1/reports/sla", None).await.assert_problem(401);
    let sup = Some(org.supervisor.token.as_str());
    app.get("/api/v1/reports/sla?group_by=kecamatan", sup).await.assert_problem(422);
    let backwards = app.get("/api/v1/reports/sla?from=2026-09-01T00:00:00Z&to=2026-08-01T00:00:00Z", sup).await;
    backwards.assert_problem(422);
    app.get("/api/v1/reports/sla?from=yesterday", sup).await.assert_problem(400);
    let empty = app.get("/api/v1/reports/sla", sup).await;
    assert_eq!(empty.body["total"]["tickets"], 0, "{}", empty.text);
    assert_eq!(empty.body["total"]["response"]["compliance_percent"], Value::Null);
}

/// The report read from the cells the database keeps (whole months, edges
/// added or taken off, unfolded deltas, overdue clocks) agrees with the
/// report read from every ticket, for every kind of scope, period, filter
/// and grouping, before and after the deltas are folded.
async fn the_report_from_cells_agrees_with_the_tickets(backend: Backend) {
    use chrono::{TimeZone, Utc};
    use spbe_desk::clock::Clock;
    use spbe_desk::db::sla_report::{fold_all, tally, tally_in_rounds, GroupBy, ReportFilter};
    use spbe_desk::domain::ticket::access::TicketScope;
    use spbe_desk::domain::ticket::{Priority, Tier};
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    scenario(&app, &org).await;
    // A priority change moves a ticket, and its clocks, to another cell.
    // Filed 1 Aug 03:00 WITA: in the WITA August, outside the UTC one.
    incident_at(&app, &org, wita(2026, 8, 1, 3, 0), "medium", "low").await;
    // Filed 300 µs before September in WITA: August's, to the microsecond.
    let last_moment = wita(2026, 9, 1, 0, 0) - chrono::Duration::microseconds(300);
    incident_at(&app, &org, last_moment, "low", "low").await;
    // Filed 1 Sep 02:00 WITA: in the UTC August, outside the WITA one.
    let moved = incident_at(&app, &org, wita(2026, 9, 1, 2, 0), "high", "high").await;
    let patch = json!({ "impact": "low", "urgency": "low" });
    let patched = app.patch(&format!("/api/v1/tickets/{moved}"), Some(&org.tier1_a.token), patch, None).await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    app.clock.set(wita(2026, 9, 2, 9, 0));
    // The sweeper parks a ticket it fails to sweep: its next check moves
    // a few minutes ahead, though a clock of it is past due.
    {
        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
        let parked = spbe_desk::db::sql_types::DbId(moved.parse().unwrap());
        let later = (app.clock.now() + chrono::Duration::minutes(5)).naive_utc();
        let mut conn = app.db.conn().unwrap();
        let n = diesel::update(spbe_desk::db::schema::tickets::table.find(parked))
            .set(spbe_desk::db::schema::tickets::sla_check_at.eq(later))
            .execute(&mut conn)
            .unwrap();
        assert_eq!(n, 1);
    }

    let none = TicketScope::default();
    let scopes = [
        ("supervisor", TicketScope { all: true, ..none }),
        ("tier 1 of PD A", TicketScope { unit: Some(org.pd_a), reporter: Some(org.tier1_a.id), ..none }),
        ("tier 2", TicketScope { tier2: true, reporter: Some(org.tier2.id), ..none }),
        ("reporter of PD B", TicketScope { reporter: Some(org.reporter_b.id), ..none }),
        ("a front end's key", TicketScope { creator: Some(org.reporter_a.id), ..none }),
        ("nobody", none),
    ];
    let utc = |m: u32, d: u32, h: u32| Some(Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap());
    let periods = [
        (None, None),
        (utc(8, 1, 0), utc(9, 1, 0)),
        // August in WITA (the cells' months), and in WIB.
        (utc(7, 31, 16), utc(8, 31, 16)),
        (utc(7, 31, 17), utc(8, 31, 17)),
        (utc(8, 6, 2), utc(8, 6, 3)),
        (utc(8, 20, 0), None),
        (None, utc(8, 6, 2)),
        (utc(8, 1, 0), Some(Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap())),
    ];
    let now = app.clock.now();
    let mut conn = app.db.conn().unwrap();
    for folded in [false, true] {
        if folded {
            assert!(fold_all(&mut conn).unwrap() > 0);
            assert_eq!(app.count("sla_report_deltas"), 0);
        }
        for (who, scope) in &scopes {
            for &(from, to) in &periods {
                for (group_by, unit_id, tier, priority) in [
                    (GroupBy::Unit, None, None, None),
                    (GroupBy::Priority, None, Some(Tier::Two), None),
                    (GroupBy::Service, Some(org.pd_a), None, None),
                    (GroupBy::Tier, None, None, Some(Priority::High)),
                    (GroupBy::Nothing, None, Some(Tier::One), None),
                ] {
                    let service_id = (group_by == GroupBy::Service).then_some(org.service);
                    let f = ReportFilter { from, to, unit_id, service_id, tier, priority, group_by };
                    let cells = tally(&mut conn, scope, &f, now).unwrap().0.finish();
                    let read = tally_in_rounds(&mut conn, scope, &f, now, 1_000).unwrap().0.finish();
                    assert_eq!(cells, read, "{who}, {from:?}..{to:?}, {f:?}, folded: {folded}");
                }
            }
        }
    }
    let all = TicketScope { all: true, ..none };
    let f = ReportFilter {
        from: None,
        to: None,
        unit_id: None,
        service_id: None,
        tier: None,
        priority: None,
        group_by: GroupBy::Nothing,
    };
    let (_, total) = tally(&mut conn, &all, &f, now).unwrap().0.finish();
    assert_eq!(total.tickets, 8, "{total:?}");
    assert!(total.response.breached > 0 && total.response.met > 0, "{total:?}");
}

on_both_backends!(
    the_sla_report_equals_the_figures_recomputed_from_the_tickets,
    reports_refuse_reporters_and_bad_parameters,
    the_report_from_cells_agrees_with_the_tickets,
);
