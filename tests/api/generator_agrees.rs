//! The data generator writes what the service writes: a ticket lived by
//! `admin generate` has, row for row, the ticket, clocks, timeline and
//! audit entries the store functions behind the API write for the same
//! filing and moves, swept by a sweeper that never lags. Its ids and number
//! are its own; everything else must be equal.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde_json::Value;
use spbe_desk::db::generator::history::{self, People, Region};
use spbe_desk::db::generator::mix::{Fate, Step};
use spbe_desk::db::journal::bulk::BulkJournal;
use spbe_desk::db::journal::{self, timeline, AuditFilter};
use spbe_desk::db::schema::tickets as ticket_rows;
use spbe_desk::db::tickets::{self, CreateOutcome, TransitionRequest};
use spbe_desk::db::{generator, sla, sla_sweep, DbConnection};
use spbe_desk::domain::journal::Context;
use spbe_desk::domain::organisation::UnitKind;
use spbe_desk::domain::policy::{Actor, Principal};
use spbe_desk::domain::role::{Role, RoleSet};
use spbe_desk::domain::ticket::access::TicketScope;
use spbe_desk::domain::ticket::workflow;
use spbe_desk::domain::ticket::{Channel, Level, PendingReason, ResolutionCode, TicketType};
use spbe_desk::domain::version::Precondition;
use uuid::Uuid;

use crate::on_both_backends;
use crate::sla_clocks::{setup, wita};
use crate::support::{spawn_app, Backend, Org};

fn fate(impact: Level, urgency: Level, created_at: DateTime<Utc>, steps: Vec<(Step, i64)>) -> Fate {
    Fate {
        desk: 0,    // BAPPEDA, the fixture's first Perangkat Daerah by code
        service: 1, // SIMPEG (JARINGAN-INTRA sorts first and goes to tier 2)
        ticket_type: TicketType::Incident,
        impact,
        urgency,
        channel: Channel::Web,
        by_reporter: true,
        people: 0,
        created_at,
        steps: steps.into_iter().map(|(step, minutes)| (step, Duration::minutes(minutes))).collect(),
        title: "SIMPEG tidak bisa login".to_owned(),
        description: "Semua pegawai mendapat pesan session expired.".to_owned(),
    }
}

/// A medium incident lived through every move: the response breached
/// overnight, a pause for the reporter, tier 2's 48-hour clock whose
/// warning falls at 02:00 on Thursday and waits for the Dinas's hours, a
/// return, the resolution and the reporter's closing.
fn full_life() -> Fate {
    let steps = vec![
        (Step::Assign, 10),
        (Step::Start, 1_010),
        (Step::Pend(PendingReason::WaitingForReporter), 30),
        (Step::Resume, 120),
        (Step::Escalate, 180),
        (Step::Start, 1_140),
        (Step::Return, 1_440),
        (Step::Start, 30),
        (Step::Resolve(ResolutionCode::Solved), 30),
        (Step::Close, 1_380),
    ];
    fate(Level::Medium, Level::Medium, wita(2026, 8, 3, 15, 30), steps)
}

/// A high incident started and left at tier 1: its resolution target is
/// breached and the policy escalates it; tier 2's clock then runs out too.
fn left_at_tier1() -> Fate {
    fate(Level::High, Level::Medium, wita(2026, 8, 3, 9, 0), vec![(Step::Assign, 5), (Step::Start, 10)])
}

fn principal(org: &Org, user: Uuid) -> Principal {
    let (unit_id, unit_kind, role) = match user {
        id if id == org.tier2.id => (org.dinas, UnitKind::Dinas, Role::Tier2Engineer),
        id if id == org.reporter_a.id => (org.pd_a, UnitKind::PerangkatDaerah, Role::Reporter),
        _ => (org.pd_a, UnitKind::PerangkatDaerah, Role::Tier1Technician),
    };
    Principal { actor: Actor::User(user), unit_id, unit_kind, roles: RoleSet::new([role]).unwrap() }
}

/// Sweeps, as often as the ticket's row asks, up to `until`.
fn sweep_until(conn: &mut DbConnection, number: &str, until: DateTime<Utc>) {
    loop {
        let check: Option<NaiveDateTime> = ticket_rows::table
            .filter(ticket_rows::number.eq(number))
            .select(ticket_rows::sla_check_at)
            .first(conn)
            .unwrap();
        match check.map(|at| at.and_utc()) {
            Some(at) if at <= until => {
                sla_sweep::run_once(conn, at, 100).unwrap();
            }
            _ => return,
        }
    }
}

/// Files `fate` and makes its moves through the store, as the API does;
/// returns the ticket's id and number.
fn serve(conn: &mut DbConnection, org: &Org, region: &Region, fate: &Fate, now: DateTime<Utc>) -> (Uuid, String) {
    let people = People::of(region, fate).unwrap();
    let new = history::new_ticket(region, fate, &people, "unused").unwrap();
    let ctx = Context::new(Some(Actor::User(people.filer())), None, fate.created_at);
    let CreateOutcome::Created(ticket) = tickets::create(conn, &ctx, &new, None).unwrap() else { panic!("a repeat") };
    let scope = TicketScope { all: true, ..TicketScope::default() };
    let mut at = fate.created_at;
    for (step, gap) in &fate.steps {
        at += *gap;
        sweep_until(conn, &ticket.number, at);
        let current = tickets::find(conn, &scope, ticket.id).unwrap();
        let actor = people.actor(*step, current.tier);
        let command = history::command_of(*step, actor);
        // As the generator does: a step an auto-escalation made impossible is left out.
        if !workflow::permits(&current.state(), command.kind()) {
            continue;
        }
        let request = TransitionRequest { command, precondition: Precondition::None, resolve_linked: false };
        let ctx = Context::new(Some(Actor::User(actor)), None, at);
        tickets::transition(conn, &ctx, &principal(org, actor), ticket.id, &request, Duration::days(7)).unwrap();
    }
    sweep_until(conn, &ticket.number, now);
    (ticket.id, ticket.number)
}

/// Lives `fate` with the generator and writes it; returns its id and number.
fn generate(conn: &mut DbConnection, region: &Region, fate: &Fate, number: &str, now: DateTime<Utc>) -> (Uuid, String) {
    let mut journal = BulkJournal::default();
    let lived = history::live(region, fate, number.to_owned(), &mut journal, now).unwrap();
    let id = lived.ticket.ticket.id;
    generator::write(conn, &[lived], &mut journal).unwrap();
    (id, number.to_owned())
}

/// A ticket's rows, by kind, with its own id and number written alike.
fn rows(conn: &mut DbConnection, (id, number): &(Uuid, String)) -> Vec<(String, Value)> {
    let scope = TicketScope { all: true, ..TicketScope::default() };
    let mut found =
        vec![("ticket".to_owned(), serde_json::to_value(tickets::find(conn, &scope, *id).unwrap()).unwrap())];
    let extras: (i32, i32, Option<NaiveDateTime>, i16) = ticket_rows::table
        .filter(ticket_rows::number.eq(number))
        .select((
            ticket_rows::event_seq,
            ticket_rows::public_event_seq,
            ticket_rows::sla_check_at,
            ticket_rows::priority_rank,
        ))
        .first(conn)
        .unwrap();
    found.push(("row columns".to_owned(), Value::String(format!("{extras:?}"))));
    for clock in sla::clocks::load(conn, *id).unwrap() {
        found.push((format!("{} clock", clock.clock.kind), Value::String(format!("{clock:?}"))));
    }
    for mut event in timeline::list(conn, *id, true).unwrap() {
        (event.id, event.ticket_id) = (Uuid::nil(), Uuid::nil());
        found.push((format!("event {} ({})", event.seq, event.kind), serde_json::to_value(event).unwrap()));
    }
    let filter = AuditFilter { chain_id: Some(*id), limit: 1_000, ..AuditFilter::default() };
    for mut record in journal::list_audit(conn, &filter).unwrap() {
        (record.id, record.entity_id, record.chain_id) = (Uuid::nil(), Uuid::nil(), None);
        // The hashes cover the ids.
        (record.hash, record.prev_hash) = (None, None);
        found.push((format!("audit {:?} ({})", record.position, record.action), serde_json::to_value(record).unwrap()));
    }
    let (id, number) = (id.to_string(), number.as_str());
    found
        .into_iter()
        .map(|(what, value)| {
            let text = value.to_string().replace(&id, "<id>").replace(number, "<number>");
            (what, serde_json::from_str(&text).unwrap())
        })
        .collect()
}

async fn a_generated_ticket_has_the_rows_the_service_writes_for_the_same_moves(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    setup(&app, &org, true).await;
    let mut conn = app.db.conn().unwrap();
    let region = generator::region(&mut conn).unwrap();
    let now = wita(2026, 8, 14, 12, 0);
    for (n, fate) in [full_life(), left_at_tier1()].iter().enumerate() {
        let served = serve(&mut conn, &org, &region, fate, now);
        let generated = generate(&mut conn, &region, fate, &format!("TKT-2026-90000{n}"), now);
        let (served, generated) = (rows(&mut conn, &served), rows(&mut conn, &generated));
        let kinds = |rows: &[(String, Value)]| rows.iter().map(|(what, _)| what.clone()).collect::<Vec<_>>();
        assert_eq!(kinds(&generated), kinds(&served), "fate {n}: the same rows");
        for ((what, generated), (_, served)) in generated.iter().zip(&served) {
            assert_eq!(generated, served, "fate {n}: {what}");
        }
    }
    // The scenario reaches what it is about: a tier-2 warning held until the
    // Dinas opens, and an escalation by the sweeper.
    let count = |sql: &str| app.count(sql);
    let held = wita(2026, 8, 6, 7, 30).naive_utc();
    assert_eq!(count(&format!("ticket_events WHERE kind = 'sla_warning' AND occurred_at = '{held}'")), 2);
    assert_eq!(count("ticket_events WHERE kind = 'escalated' AND actor_id IS NULL"), 2);
}

on_both_backends!(a_generated_ticket_has_the_rows_the_service_writes_for_the_same_moves);
