//! The SLA clocks stored for a ticket are always what its event log
//! replays to: random sequences of moves, replies, priority changes,
//! recomputes and sweeper alerts through the real application, checked
//! after every step with `GET /tickets/{id}/sla`.

use chrono::Duration;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Value};

use crate::on_both_backends;
use crate::sla_clocks::{incident_at, setup, wita};
use crate::support::{spawn_app, Backend, Org, TestApp};

#[derive(Debug, Clone)]
enum Step {
    Start,
    PendForReporter,
    PendForVendor,
    Resume,
    Escalate,
    Return,
    Resolve,
    Reopen,
    PublicReply,
    InternalNote,
    Priority(&'static str, &'static str),
    Recompute,
    /// Let time pass (minutes), then sweep.
    Wait(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        Just(Step::Start),
        Just(Step::PendForReporter),
        Just(Step::PendForVendor),
        Just(Step::Resume),
        Just(Step::Escalate),
        Just(Step::Return),
        Just(Step::Resolve),
        Just(Step::Reopen),
        Just(Step::PublicReply),
        Just(Step::InternalNote),
        prop_oneof![Just(("high", "high")), Just(("low", "low")), Just(("medium", "high"))]
            .prop_map(|(i, u)| Step::Priority(i, u)),
        Just(Step::Recompute),
        (1_i64..600).prop_map(Step::Wait),
    ]
}

/// Tries one step as the desk that works the ticket now; a step the
/// workflow refuses (409, 403) is simply not taken.
async fn take(app: &TestApp, org: &Org, id: &str, step: &Step) {
    let ticket = app.get(&format!("/api/v1/tickets/{id}"), Some(&org.supervisor.token)).await.body;
    let desk = if ticket["tier"] == 2 { &org.tier2.token } else { &org.tier1_a.token };
    let post = |action: &'static str, token: &str, body: Value| {
        let (path, token) = (format!("/api/v1/tickets/{id}/{action}"), token.to_owned());
        async move { app.post(&path, Some(&token), body).await }
    };
    let answer = match step {
        Step::Start => post("start", desk, json!({})).await,
        Step::PendForReporter => post("pending", desk, json!({ "reason": "waiting_for_reporter" })).await,
        Step::PendForVendor => post("pending", desk, json!({ "reason": "waiting_for_vendor" })).await,
        Step::Resume => post("resume", desk, json!({})).await,
        Step::Escalate => post("escalate", desk, json!({ "reason": "Butuh akses", "steps_taken": "Cek kabel" })).await,
        Step::Return => post("return", desk, json!({ "instructions": "Ganti kabel" })).await,
        Step::Resolve => post("resolve", desk, json!({ "resolution_code": "solved", "resolution": "Beres" })).await,
        Step::Reopen => post("reopen", &org.reporter_a.token, json!({ "reason": "Masih putus" })).await,
        Step::PublicReply => post("comments", desk, json!({ "body": "Sedang kami cek", "internal": false })).await,
        Step::InternalNote => post("comments", desk, json!({ "body": "Catatan", "internal": true })).await,
        Step::Priority(impact, urgency) => {
            let body = json!({ "impact": impact, "urgency": urgency });
            app.patch(&format!("/api/v1/tickets/{id}"), Some(&org.supervisor.token), body, None).await
        }
        Step::Recompute => {
            let body = json!({ "reason": "Uji ulang" });
            app.post(&format!("/api/v1/tickets/{id}/sla/recompute"), Some(&org.supervisor.token), body).await
        }
        Step::Wait(minutes) => {
            app.clock.advance(Duration::minutes(*minutes));
            app.sweep().await;
            return;
        }
    };
    assert!(answer.status < 500, "{step:?}: {}", answer.text);
    app.clock.advance(Duration::minutes(7));
}

async fn agreement(app: &TestApp, org: &Org, id: &str) -> Value {
    let sla = app.get(&format!("/api/v1/tickets/{id}/sla"), Some(&org.supervisor.token)).await;
    assert_eq!(sla.status, 200, "{}", sla.text);
    sla.body["replay"].clone()
}

/// Runs random sequences of steps, each on a new ticket of one app.
fn stored_clocks_always_equal_the_replay(backend: Backend, cases: u32) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let Some(app) = runtime.block_on(spawn_app(backend)) else { return };
    let org = runtime.block_on(async {
        let org = app.org().await;
        setup(&app, &org, true).await;
        org
    });
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let steps = proptest::collection::vec(step(), 1..14);
    runner
        .run(&steps, |steps| {
            runtime.block_on(async {
                let id = incident_at(&app, &org, wita(2026, 8, 13, 9, 0), "medium", "high").await;
                for (n, step) in steps.iter().enumerate() {
                    take(&app, &org, &id, step).await;
                    let replay = agreement(&app, &org, &id).await;
                    if replay["agrees"] != true {
                        return Err(TestCaseError::fail(format!("after step {n} ({step:?}) of {steps:?}: {replay}")));
                    }
                }
                Ok(())
            })
        })
        .unwrap();
}

#[test]
fn stored_clocks_always_equal_the_replay_on_sqlite() {
    stored_clocks_always_equal_the_replay(Backend::Sqlite, 40);
}

#[test]
fn stored_clocks_always_equal_the_replay_on_postgres() {
    stored_clocks_always_equal_the_replay(Backend::Postgres, 12);
}

async fn a_clock_edited_behind_the_logs_back_is_reported(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, false).await;
    let id = incident_at(&app, &org, wita(2026, 8, 13, 9, 0), "medium", "high").await;
    assert_eq!(agreement(&app, &org, &id).await["agrees"], true);
    app.execute("UPDATE sla_clocks SET warning_percent = 10 WHERE kind = 'resolution'");
    let replay = agreement(&app, &org, &id).await;
    assert_eq!(replay["agrees"], false, "{replay}");
    assert!(replay["differences"][0].as_str().unwrap().starts_with("resolution: the warning share"), "{replay}");
    // The recompute rebuilds from the log, so it repairs the drift.
    let body = json!({ "reason": "Perbaikan" });
    let r = app.post(&format!("/api/v1/tickets/{id}/sla/recompute"), Some(&org.supervisor.token), body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(agreement(&app, &org, &id).await["agrees"], true);
    // Reporters do not see what moved the clocks.
    let timeline = app.get(&format!("/api/v1/tickets/{id}/events"), Some(&org.reporter_a.token)).await;
    assert!(timeline.body["items"].as_array().unwrap().iter().all(|e| e["data"].get("sla").is_none()));
}

on_both_backends!(a_clock_edited_behind_the_logs_back_is_reported);
