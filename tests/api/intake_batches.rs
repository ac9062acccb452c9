//! Group commit of intake: a batch files what one-by-one filing files, row
//! for row, and parallel filings over HTTP come out whole.

use chrono::{TimeZone, Utc};
use futures_util::future::join_all;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::on_both_backends;
use crate::support::{insert_unit, insert_user, spawn_app, Backend, Org, TestApp};
use crate::tickets::incident;
use spbe_desk::db::journal::{self, timeline, AuditFilter};
use spbe_desk::db::tickets::{self, CreateOutcome, IdempotencyKey, Intake};
use spbe_desk::db::{sla, DbConnection, StoreError};
use spbe_desk::domain::email::EmailAddress;
use spbe_desk::domain::journal::Context;
use spbe_desk::domain::organisation::UnitKind;
use spbe_desk::domain::policy::Actor;
use spbe_desk::domain::role::Role;
use spbe_desk::domain::text::DisplayName;
use spbe_desk::domain::ticket::intake::{ExternalRef, NewTicket, ReporterRef};
use spbe_desk::domain::ticket::{Channel, Level, Priority, TicketType};

/// The people and places the intakes name.
struct Cast {
    org: Org,
    /// A Perangkat Daerah without a tier-1 technician, and its reporter.
    uncovered: (Uuid, Uuid),
}

fn new_ticket(cast: &Cast, title: &str, unit: Uuid, reporter: ReporterRef) -> NewTicket {
    NewTicket {
        ticket_type: TicketType::Incident,
        title: title.to_owned(),
        description: format!("Uraian: {title}"),
        service_id: cast.org.service,
        unit_id: unit,
        reporter,
        channel: Channel::Web,
        impact: Level::Medium,
        urgency: Level::High,
        priority: Priority::High,
        external: None,
        complaint_ref: None,
        route_uncovered: true,
    }
}

/// The same intakes for each run (`run` keeps keys and external
/// references apart), covering every way a filing can end.
fn intakes(cast: &Cast, run: &str, now: chrono::DateTime<Utc>) -> Vec<Intake> {
    let org = &cast.org;
    let as_user = |id: Uuid| Context::new(Some(Actor::User(id)), Some("req-1".to_owned()), now);
    let reporter_a = || ReporterRef::User(org.reporter_a.id);
    let plain = |title: &str| new_ticket(cast, title, org.pd_a, reporter_a());
    let with_external = |title: &str, reference: &str| NewTicket {
        external: Some(ExternalRef::parse("user:desk", &format!("{reference}-{run}")).unwrap()),
        ..plain(title)
    };
    let key = |name: &str, hash: u8| {
        Some(IdempotencyKey {
            actor_id: org.reporter_a.id,
            key: format!("{name}-{run}"),
            request_hash: vec![hash; 32],
            fresh_since: chrono::DateTime::UNIX_EPOCH.naive_utc(),
        })
    };
    let intake = |ctx: Context, new: NewTicket, key: Option<IdempotencyKey>| Intake { ctx, new, key };
    let a = as_user(org.reporter_a.id);
    let desk = as_user(org.tier1_a.id);
    vec![
        intake(a.clone(), plain("Biasa"), None),
        intake(a.clone(), NewTicket { service_id: Uuid::now_v7(), ..plain("Layanan tak ada") }, None),
        intake(desk.clone(), with_external("Dari portal", "ext-1"), None),
        intake(desk.clone(), with_external("Dari portal, lagi", "ext-1"), None),
        intake(a.clone(), plain("Dengan kunci"), key("k", 1)),
        intake(a.clone(), plain("Dengan kunci"), key("k", 1)),
        intake(a.clone(), plain("Kunci sama, isi lain"), key("k", 2)),
        // The key is looked at before the reference, as one by one.
        intake(a.clone(), with_external("Kunci sama, rujukan tersimpan", "stored"), key("k", 5)),
        intake(
            desk.clone(),
            new_ticket(cast, "Pelapor unit lain", org.pd_a, ReporterRef::User(org.reporter_b.id)),
            None,
        ),
        intake(
            a.clone(),
            NewTicket {
                service_id: org.infra_service,
                impact: Level::High,
                priority: Priority::Critical,
                ..plain("Jaringan putus")
            },
            None,
        ),
        intake(
            as_user(cast.uncovered.1),
            new_ticket(cast, "PD tanpa teknisi", cast.uncovered.0, ReporterRef::User(cast.uncovered.1)),
            None,
        ),
        intake(
            desk.clone(),
            new_ticket(
                cast,
                "Atas nama warga",
                org.pd_a,
                ReporterRef::OnBehalf {
                    name: DisplayName::parse("Warga Desa").unwrap(),
                    email: Some(EmailAddress::parse("warga@example.id").unwrap()),
                    phone: None,
                },
            ),
            None,
        ),
        intake(desk.clone(), with_external("Sudah tersimpan", "stored"), None),
        intake(a.clone(), plain("Kunci tersimpan"), key("stored", 3)),
        intake(a, plain("Kunci tersimpan, isi lain"), key("stored", 4)),
    ]
}

/// The last three intakes repeat what was filed before the run.
fn file_earlier(conn: &mut DbConnection, all: &[Intake]) {
    for earlier in &all[all.len() - 3..all.len() - 1] {
        tickets::create_one(conn, earlier).unwrap();
    }
}

const TABLES: [&str; 8] = [
    "tickets",
    "sla_clocks",
    "ticket_events",
    "audit_log",
    "audit_heads",
    "notice_events",
    "idempotency_keys",
    "sla_report_deltas",
];

fn counts(app: &TestApp) -> Vec<i64> {
    TABLES.iter().map(|t| app.count(t)).collect()
}

/// An outcome with what differs between runs taken out: ids, numbers,
/// references; a replay names the intake that filed its ticket.
fn comparable(conn: &mut DbConnection, outcome: &Result<CreateOutcome, StoreError>, filed: &[(Uuid, usize)]) -> Value {
    let strip = |mut v: Value| {
        for field in ["id", "number", "external_ref"] {
            v.as_object_mut().map(|o| o.remove(field));
        }
        v
    };
    match outcome {
        Err(e) => json!({ "refused": e.to_string() }),
        Ok(CreateOutcome::Existing(t)) => {
            json!({ "replays": filed.iter().find(|(id, _)| *id == t.id).map(|(_, n)| *n) })
        }
        Ok(CreateOutcome::Created(t)) => {
            let events: Vec<Value> = timeline::list(conn, t.id, true)
                .unwrap()
                .into_iter()
                .map(|e| {
                    let mut data = e.data.clone().unwrap();
                    data.as_object_mut().map(|o| o.remove("number"));
                    json!([
                        e.seq,
                        e.public_seq,
                        e.kind,
                        e.actor_id,
                        e.to_status,
                        e.to_tier,
                        data,
                        e.internal,
                        e.occurred_at
                    ])
                })
                .collect();
            let filter = AuditFilter { entity_id: Some(t.id), limit: 10, ..AuditFilter::default() };
            let audit: Vec<Value> = journal::list_audit(conn, &filter)
                .unwrap()
                .into_iter()
                .map(|r| {
                    json!([r.action, r.actor_id, r.position, r.request_id, r.occurred_at, strip(r.after.unwrap())])
                })
                .collect();
            let clocks = format!("{:?}", sla::clocks::load(conn, t.id).unwrap());
            json!({
                "ticket": strip(serde_json::to_value(t).unwrap()),
                "events": events,
                "audit": audit,
                "clocks": clocks,
            })
        }
    }
}

fn created_ids(outcomes: &[Result<CreateOutcome, StoreError>]) -> Vec<(Uuid, usize)> {
    outcomes
        .iter()
        .enumerate()
        .filter_map(|(n, o)| match o {
            Ok(CreateOutcome::Created(t)) => Some((t.id, n)),
            _ => None,
        })
        .collect()
}

async fn a_batch_files_what_one_by_one_filing_files(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    crate::sla_clocks::setup(&app, &org, false).await;
    let uncovered_pd = insert_unit(&app.db, UnitKind::PerangkatDaerah, "DISPAR", "Asia/Makassar");
    let uncovered_reporter = insert_user(&app.db, uncovered_pd, "pelapor@dispar.go.id", &[Role::Reporter]);
    let cast = Cast { org, uncovered: (uncovered_pd, uncovered_reporter) };
    let now = Utc.with_ymd_and_hms(2026, 12, 3, 2, 15, 0).unwrap();
    let mut conn = app.db.conn().unwrap();

    let alone = intakes(&cast, "alone", now);
    file_earlier(&mut conn, &alone);
    let before = counts(&app);
    let one_by_one: Vec<_> = alone.iter().map(|i| tickets::create_one(&mut conn, i)).collect();
    let written_alone: Vec<i64> = counts(&app).iter().zip(&before).map(|(a, b)| a - b).collect();

    let together = intakes(&cast, "together", now);
    file_earlier(&mut conn, &together);
    let before = counts(&app);
    let batched = tickets::create_many(&mut conn, &together).unwrap();
    let written_together: Vec<i64> = counts(&app).iter().zip(&before).map(|(a, b)| a - b).collect();

    assert_eq!(written_together, written_alone, "rows written per table: {TABLES:?}");
    assert_eq!(written_alone[0], 6, "six of the fifteen intakes file a ticket: {one_by_one:#?}");
    let (filed_alone, filed_together) = (created_ids(&one_by_one), created_ids(&batched));
    for (n, (alone, together)) in one_by_one.iter().zip(&batched).enumerate() {
        assert_eq!(
            comparable(&mut conn, together, &filed_together),
            comparable(&mut conn, alone, &filed_alone),
            "intake {n}"
        );
    }
    let tiers: Vec<_> = batched.iter().map(|o| o.as_ref().ok().map(|o| i16::from(ticket_of(o).tier))).collect();
    assert_eq!(
        tiers,
        [
            Some(1),
            None,
            Some(1),
            Some(1),
            Some(1),
            Some(1),
            None,
            None,
            None,
            Some(2),
            Some(2),
            Some(1),
            Some(1),
            Some(1),
            None
        ],
        "direct tier-2 services and uncovered PDs go to tier 2"
    );
    let mut numbers: Vec<_> =
        batched.iter().filter_map(|o| o.as_ref().ok()).map(|o| ticket_of(o).number.clone()).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 8, "six new numbers and the two replayed ones: {numbers:?}");
    drop(conn);

    let report = journal::verify::verify(&mut app.db.conn().unwrap(), &Default::default()).unwrap();
    assert!(report.intact, "{report:?}");
}

fn ticket_of(outcome: &CreateOutcome) -> &tickets::Ticket {
    match outcome {
        CreateOutcome::Created(t) | CreateOutcome::Existing(t) => t,
    }
}

async fn parallel_filings_over_http_come_out_whole(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    crate::sla_clocks::setup(&app, &org, false).await;
    let token = org.reporter_a.token.as_str();
    let mut bodies: Vec<Value> = (0..40).map(|_| incident(org.service)).collect();
    for (n, body) in bodies.iter_mut().enumerate() {
        body["title"] = json!(format!("Gangguan nomor {n}"));
    }
    bodies[7]["service_id"] = json!(Uuid::now_v7());
    let replies = join_all(bodies.iter().map(|b| app.post("/api/v1/tickets", Some(token), b.clone()))).await;
    let mut numbers = Vec::new();
    for (n, reply) in replies.iter().enumerate() {
        if n == 7 {
            reply.assert_problem(422);
            continue;
        }
        assert_eq!(reply.status, 201, "{}", reply.text);
        assert_eq!(reply.body["title"], format!("Gangguan nomor {n}"), "each reply is its own request's ticket");
        numbers.push(reply.body["number"].as_str().unwrap().to_owned());
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 39);
    assert_eq!((app.count("tickets"), app.count("ticket_events"), app.count("sla_clocks")), (39, 39, 78));
    let verified = app.get("/api/v1/audit/verify", Some(&org.auditor.token)).await;
    assert_eq!(verified.body["intact"], true, "{}", verified.text);
}

on_both_backends!(a_batch_files_what_one_by_one_filing_files, parallel_filings_over_http_come_out_whole);
