//! The SLA sweep's cost against the number of open tickets.
//!
//! For each size: a fresh database holding `--open` open tickets with one
//! resolution clock each, of which `--due` (spread evenly through the table)
//! owe exactly one breach at a fixed `now`; the others are checked again in weeks.
//! Then `sweep::run_once` is timed `--reps` times, the due tickets being
//! reset in between. The sweeper claims tickets through the partial index on
//! `tickets.sla_check_at`, so its time per alert should not depend on how
//! many tickets are open.
//!
//! ```text
//! cargo bench --bench sla_sweep -- [--postgres URL] [--open 10000,1000000] [--due 1000] [--reps 5]
//! ```
//!
//! Without `--postgres`, SQLite files in a temporary folder. With it, each
//! size gets a database of its own on that server, dropped afterwards
//! (`benches/sla_sweep.sh --postgres` starts a throwaway server). Under
//! `cargo test --all-targets` it only makes a quick smoke run.

use std::error::Error;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use clap::Parser;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, SmallInt, Text, Timestamp};
use spbe_desk::db::calendars::{self, CalendarDraft};
use spbe_desk::db::sla_policies::{self, PolicyDraft};
use spbe_desk::db::sla_sweep as sweep;
use spbe_desk::db::sql_types::{DbId, Id};
use spbe_desk::db::{migrate, services, units, Db, DbConnection, DbUrl};
use spbe_desk::domain::email::EmailAddress;
use spbe_desk::domain::journal::Context;
use spbe_desk::domain::organisation::{NewUnit, TimeZone as UnitZone, UnitKind};
use spbe_desk::domain::service::{NewService, Platform, ServiceCategory};
use spbe_desk::domain::sla::holiday::indonesia_2026;
use spbe_desk::domain::sla::policy::SlaPolicy;
use spbe_desk::domain::sla::spec::WeekSpec;
use spbe_desk::domain::sla::WeekSchedule;
use spbe_desk::domain::text::{Code, DisplayName};
use spbe_desk::domain::ticket::Priority;
use spbe_desk::domain::version::Precondition;
use uuid::Uuid;

type Fallible<T> = Result<T, Box<dyn Error>>;

#[derive(Parser)]
#[command(about = "Times the SLA sweep at several numbers of open tickets")]
struct Args {
    /// A PostgreSQL server (any database on it); SQLite when absent.
    #[arg(long)]
    postgres: Option<String>,
    /// Numbers of open tickets, one fresh database each.
    #[arg(long, value_delimiter = ',', default_values_t = [10_000_i64, 1_000_000])]
    open: Vec<i64>,
    /// Tickets owing a breach at the sweep's `now`, the same at every size.
    #[arg(long, default_value_t = 1_000)]
    due: i64,
    /// Timed sweeps per size; the median is reported.
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Added by `cargo bench`; without it, only a smoke run (see `main`).
    #[arg(long, hide = true)]
    bench: bool,
}

impl Args {
    fn smoke() -> Self {
        Self { postgres: None, open: vec![100, 1_000], due: 10, reps: 1, bench: false }
    }
}

/// Monday 23 November 2026, 10:00 WITA: a working morning, fixed so runs
/// are comparable.
fn now() -> Fallible<DateTime<Utc>> {
    let local = chrono_tz::Asia::Makassar.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).single();
    Ok(local.ok_or("no such local time")?.with_timezone(&Utc))
}

/// A database of its own for one size; a PostgreSQL one is dropped with it.
struct Fresh {
    db: Db,
    backend: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Fresh {
    fn open(postgres: Option<&str>, open: i64) -> Fallible<Self> {
        let Some(server) = postgres else {
            let dir = tempfile::tempdir()?;
            let url = DbUrl::parse(&dir.path().join("sweep.db").to_string_lossy())?;
            return Ok(Self { db: Db::connect(&url, 1)?, backend: "sqlite", _dir: Some(dir), pg: None });
        };
        let name = format!("sla_sweep_{}_{open}", std::process::id());
        let mut admin = diesel::PgConnection::establish(server)?;
        diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut admin)?;
        let url = DbUrl::parse(&with_database(server, &name))?;
        Ok(Self { db: Db::connect(&url, 1)?, backend: "postgres", _dir: None, pg: Some((server.to_owned(), name)) })
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        let Some((server, name)) = &self.pg else { return };
        let dropped = diesel::PgConnection::establish(server).map_err(|e| e.to_string()).and_then(|mut admin| {
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            diesel::sql_query(sql).execute(&mut admin).map_err(|e| e.to_string())
        });
        if let Err(e) = dropped {
            eprintln!("could not drop the bench database {name}: {e}");
        }
    }
}

/// The same server URL naming database `name`.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').map_or((server, String::new()), |(b, q)| (b, format!("?{q}")));
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let base = base[host_start..].find('/').map_or(base, |slash| &base[..host_start + slash]);
    format!("{base}/{name}{query}")
}

/// What the generated tickets and clocks refer to.
struct Fixture {
    unit: Uuid,
    service: Uuid,
    calendar: (Uuid, i64),
    policy: (Uuid, i64),
    /// The resolution target of a high-priority ticket, and the warning share.
    target_json: String,
    warning_percent: i16,
}

/// The few catalog rows, through the store (as `seed --demo` makes them).
fn fixture(conn: &mut DbConnection, ctx: &Context) -> Fallible<Fixture> {
    let draft = CalendarDraft {
        name: "Jam kerja Perpres 21/2023 WITA".to_owned(),
        time_zone: "Asia/Makassar".to_owned(),
        week: WeekSpec::from(&WeekSchedule::perpres_21_2023()),
        specials: Vec::new(),
    };
    let calendar = calendars::insert(conn, ctx, &draft)?;
    let calendar = calendars::import_holidays(conn, ctx, calendar.id, &Precondition::None, &indonesia_2026())?;
    // Without auto-escalation a due ticket costs one breach and nothing else.
    let policy = SlaPolicy { auto_escalate: false, ..SlaPolicy::regional_default() };
    let targets = policy.targets.get(&Priority::High).ok_or("the default policy has no high targets")?;
    let target_json = serde_json::to_string(&targets.resolution)?;
    let warning_percent = i16::from(policy.warning_percent);
    let draft = PolicyDraft { name: "SLA bench".to_owned(), description: String::new(), policy, is_default: true };
    let policy = sla_policies::insert(conn, ctx, &draft)?;
    let unit = NewUnit {
        kind: UnitKind::PerangkatDaerah,
        code: Code::parse("BKPSDM")?,
        name: DisplayName::parse("Badan Kepegawaian dan Pengembangan Sumber Daya Manusia")?,
        mandiri_tik: false,
        time_zone: UnitZone::parse("Asia/Makassar")?,
        mailbox: EmailAddress::parse("helpdesk.bkpsdm@majenekab.go.id")?,
        calendar_id: Some(calendar.id),
    };
    let unit = units::insert(conn, ctx, &unit)?;
    let service = NewService {
        code: Code::parse("JARINGAN-INTRA")?,
        name: DisplayName::parse("Jaringan Intra Pemerintah Daerah")?,
        description: String::new(),
        category: ServiceCategory::AdministrasiPemerintahan,
        owner_unit_id: unit.id,
        platform: Platform::JaringanIntra,
        application_name: None,
        direct_tier2: false,
        calendar_id: None,
        sla_policy_id: None,
        depends_on: Vec::new(),
    };
    let service = services::insert(conn, ctx, &service)?;
    Ok(Fixture {
        unit: unit.id,
        service: service.id,
        calendar: (calendar.id, calendar.version),
        policy: (policy.id, policy.version),
        target_json,
        warning_percent,
    })
}

/// The instants the generated clocks hold. The sweeper reads the stored
/// due and warning instants; it does not recompute them from the target.
struct Instants {
    now: DateTime<Utc>,
    created: DateTime<Utc>,
    owed_warn_at: DateTime<Utc>,
    owed_due_at: DateTime<Utc>,
    later_warn_at: DateTime<Utc>,
    later_due_at: DateTime<Utc>,
}

impl Instants {
    fn around(now: DateTime<Utc>) -> Self {
        let h = chrono::Duration::hours;
        Self {
            now,
            created: now - h(72),
            owed_warn_at: now - h(2),
            owed_due_at: now - h(1),
            later_warn_at: now + h(480),
            later_due_at: now + h(720),
        }
    }
}

/// SQL that differs per backend: the number series and 16-byte ids built
/// from it (ascending, so they load like UUIDv7 ones; any 16 bytes are a
/// UUID). `$n` placeholders become SQLite's `?n`.
struct Dialect {
    with: &'static str,
    from: &'static str,
    id: &'static str,
    postgres: bool,
}

impl Dialect {
    fn of(conn: &DbConnection) -> Self {
        match conn {
            DbConnection::Postgres(_) => Self {
                with: "",
                from: "generate_series(1, $1) AS s(i)",
                id: "encode(convert_to(lpad(i::text, 16, '0'), 'UTF8'), 'hex')::uuid",
                postgres: true,
            },
            DbConnection::Sqlite(_) => Self {
                with: "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1) ",
                from: "s",
                id: "CAST(printf('%016d', i) AS BLOB)",
                postgres: false,
            },
        }
    }

    fn sql(&self, sql: &str) -> String {
        if self.postgres {
            sql.to_owned()
        } else {
            sql.replace('$', "?")
        }
    }
}

/// Inserts `open` tickets, every `open / due`-th one due, with their clocks,
/// set-based; then refreshes the planner's statistics.
fn load(conn: &mut DbConnection, f: &Fixture, at: &Instants, open: i64, due: i64) -> Fallible<()> {
    let d = Dialect::of(conn);
    let step = open / due;
    // $1 count, $2 and $3 pick the due ones, $4-$6 service, unit, creator,
    // $7 filed at, $8 the owed breach instant, $9 and $10 everyone else's
    // warning and due instants.
    let tickets = d.sql(&format!(
        "{with}INSERT INTO tickets (id, number, ticket_type, title, description, service_id, unit_id, channel, \
         impact, urgency, priority, priority_rank, status, tier, created_by_kind, created_by, created_at, updated_at, \
         sla_due_at, sla_check_at) \
         SELECT {id}, 'BENCH-' || i, 'incident', 'Jaringan putus', 'Generated by benches/sla_sweep.rs', $4, $5, 'web', \
         'high', 'medium', 'high', 1, 'in_progress', 1, 'system', $6, $7, $7, \
         CASE WHEN i % $2 = 0 AND i <= $3 THEN $8 ELSE $10 END, CASE WHEN i % $2 = 0 AND i <= $3 THEN $8 ELSE $9 END \
         FROM {from}",
        with = d.with,
        id = d.id,
        from = d.from,
    ));
    // Due clocks were warned already, so each owes exactly one breach.
    let clocks = d.sql(
        "INSERT INTO sla_clocks (ticket_id, kind, calendar_id, calendar_version, policy_id, policy_version, \
         target_json, warning_percent, started_at, pauses_json, due_at, warn_at, warned_at) \
         SELECT id, 'resolution', $1, $2, $3, $4, $5, $6, created_at, '[]', sla_due_at, \
         CASE WHEN sla_due_at <= $7 THEN $8 ELSE sla_check_at END, CASE WHEN sla_due_at <= $7 THEN $8 END \
         FROM tickets",
    );
    let creator = Uuid::now_v7();
    conn.transaction(|conn| {
        diesel::sql_query(tickets)
            .bind::<BigInt, _>(open)
            .bind::<BigInt, _>(step)
            .bind::<BigInt, _>(step * due)
            .bind::<Id, _>(DbId(f.service))
            .bind::<Id, _>(DbId(f.unit))
            .bind::<Id, _>(DbId(creator))
            .bind::<Timestamp, _>(at.created.naive_utc())
            .bind::<Timestamp, _>(at.owed_due_at.naive_utc())
            .bind::<Timestamp, _>(at.later_warn_at.naive_utc())
            .bind::<Timestamp, _>(at.later_due_at.naive_utc())
            .execute(conn)?;
        diesel::sql_query(clocks)
            .bind::<Id, _>(DbId(f.calendar.0))
            .bind::<BigInt, _>(f.calendar.1)
            .bind::<Id, _>(DbId(f.policy.0))
            .bind::<BigInt, _>(f.policy.1)
            .bind::<Text, _>(&f.target_json)
            .bind::<SmallInt, _>(f.warning_percent)
            .bind::<Timestamp, _>(at.now.naive_utc())
            .bind::<Timestamp, _>(at.owed_warn_at.naive_utc())
            .execute(conn)?;
        Ok::<_, diesel::result::Error>(())
    })?;
    settle(conn)
}

/// Statistics for the planner; on PostgreSQL also the visibility map and
/// dead row versions, as autovacuum would leave them between sweeps.
fn settle(conn: &mut DbConnection) -> Fallible<()> {
    match conn {
        DbConnection::Postgres(_) => conn.batch_execute("VACUUM ANALYZE tickets, sla_clocks")?,
        DbConnection::Sqlite(_) => conn.batch_execute("ANALYZE")?,
    }
    Ok(())
}

/// Makes the swept tickets owe their breach again.
fn reset(conn: &mut DbConnection, at: &Instants) -> Fallible<()> {
    let d = Dialect::of(conn);
    let now = at.now.naive_utc();
    let clocks =
        "UPDATE sla_clocks SET breached_at = NULL WHERE ticket_id IN (SELECT id FROM tickets WHERE sla_due_at <= $1)";
    diesel::sql_query(d.sql(clocks)).bind::<Timestamp, _>(now).execute(conn)?;
    let tickets = "UPDATE tickets SET sla_check_at = sla_due_at, resolution_breached = FALSE WHERE sla_due_at <= $1";
    diesel::sql_query(d.sql(tickets)).bind::<Timestamp, _>(now).execute(conn)?;
    settle(conn)
}

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

#[derive(QueryableByName)]
struct SqlitePlanLine {
    #[diesel(sql_type = Text)]
    detail: String,
}

/// How the database runs the sweeper's claim (the query of `sweep::claim`).
fn claim_plan(conn: &mut DbConnection, now: DateTime<Utc>) -> Fallible<String> {
    let lines: Vec<String> = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(
            "EXPLAIN (COSTS OFF) SELECT id FROM tickets WHERE sla_check_at <= $1 \
             ORDER BY sla_check_at LIMIT 1 FOR UPDATE SKIP LOCKED",
        )
        .bind::<Timestamp, _>(now.naive_utc())
        .load::<PlanLine>(pg)?
        .into_iter()
        .map(|l| l.line.trim().to_owned())
        .collect(),
        DbConnection::Sqlite(lite) => diesel::sql_query(
            "EXPLAIN QUERY PLAN SELECT id FROM tickets WHERE sla_check_at <= ? ORDER BY sla_check_at LIMIT 1",
        )
        .bind::<Timestamp, _>(now.naive_utc())
        .load::<SqlitePlanLine>(lite)?
        .into_iter()
        .map(|l| l.detail)
        .collect(),
    };
    Ok(lines.join(" / "))
}

/// One timed sweep, checked to have recorded exactly the owed breaches.
fn timed_sweep(conn: &mut DbConnection, now: DateTime<Utc>, due: i64) -> Fallible<Duration> {
    let expected = usize::try_from(due)?;
    let started = Instant::now();
    let report = sweep::run_once(conn, now, expected + 1)?;
    let took = started.elapsed();
    let clean = report.warnings + report.escalations + report.failures == 0;
    if report.steps.len() != expected || report.breaches as usize != expected || !clean {
        return Err(format!(
            "expected {expected} breaches, the sweep took {} steps: {} breaches, {} warnings, {} escalations, \
             {} failures",
            report.steps.len(),
            report.breaches,
            report.warnings,
            report.escalations,
            report.failures
        )
        .into());
    }
    Ok(took)
}

#[derive(QueryableByName)]
struct WalPosition {
    #[diesel(sql_type = BigInt)]
    bytes: i64,
}

/// Bytes of WAL written so far (PostgreSQL only): how many pages an alert
/// dirties shows here (full-page images) before it shows in the time.
fn wal_position(conn: &mut DbConnection) -> Fallible<Option<i64>> {
    let DbConnection::Postgres(pg) = conn else { return Ok(None) };
    let sql = "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint AS bytes";
    Ok(Some(diesel::sql_query(sql).get_result::<WalPosition>(pg)?.bytes))
}

/// What one size measured.
struct Measured {
    backend: &'static str,
    open: i64,
    load: Duration,
    sweeps: Vec<Duration>,
}

impl Measured {
    fn median(&self) -> Duration {
        let mut sorted = self.sweeps.clone();
        sorted.sort();
        sorted.get(sorted.len() / 2).copied().unwrap_or_default()
    }
}

fn measure(args: &Args, open: i64) -> Fallible<Measured> {
    let fresh = Fresh::open(args.postgres.as_deref(), open)?;
    let mut conn = fresh.db.conn()?;
    migrate::run_pending(&mut conn)?;
    let at = Instants::around(now()?);
    let f = fixture(&mut conn, &Context::system(at.created))?;
    let started = Instant::now();
    load(&mut conn, &f, &at, open, args.due)?;
    let load_time = started.elapsed();
    println!("{} open={open} due={}: loaded in {:.1} s", fresh.backend, args.due, load_time.as_secs_f64());
    println!("  claim plan: {}", claim_plan(&mut conn, at.now)?);
    let mut sweeps = Vec::with_capacity(args.reps);
    let mut wal = 0;
    for rep in 0..args.reps {
        if rep > 0 {
            reset(&mut conn, &at)?;
        }
        let before = wal_position(&mut conn)?;
        sweeps.push(timed_sweep(&mut conn, at.now, args.due)?);
        if let (Some(before), Some(after)) = (before, wal_position(&mut conn)?) {
            wal += after - before;
        }
    }
    let shown: Vec<String> = sweeps.iter().map(|d| format!("{:.1} ms", ms(*d))).collect();
    println!("  sweeps: {}", shown.join(", "));
    if wal > 0 {
        let alerts = args.due * i64::try_from(args.reps)?;
        println!("  WAL written by the sweeps: {:.1} kB per alert", wal as f64 / alerts as f64 / 1024.0);
    }
    Ok(Measured { backend: fresh.backend, open, load: load_time, sweeps })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> Fallible<()> {
    // `cargo bench` passes `--bench`. `cargo test --all-targets` runs this
    // binary without it (maybe with test-harness flags): a quick smoke run
    // then, so the bench stays working without slowing the tests down.
    let args = if std::env::args().any(|a| a == "--bench") { Args::parse() } else { Args::smoke() };
    let smallest = args.open.iter().copied().min().unwrap_or(0);
    if args.due < 1 || smallest < args.due || args.reps == 0 {
        return Err(format!("need 1 <= --due ({}) <= every --open and --reps >= 1", args.due).into());
    }
    let mut results = Vec::new();
    for &open in &args.open {
        results.push(measure(&args, open)?);
    }
    println!("\nbackend   open tickets   due  load (s)  sweep (ms, median of {})  per alert (µs)", args.reps);
    for m in &results {
        let median = m.median();
        let per_alert = median.as_secs_f64() * 1e6 / args.due as f64;
        println!(
            "{:<8} {:>13} {:>5} {:>9.1} {:>25.1} {:>15.0}",
            m.backend,
            m.open,
            args.due,
            m.load.as_secs_f64(),
            ms(median),
            per_alert
        );
    }
    if let (Some(first), Some(last)) = (results.first(), results.last()) {
        if results.len() > 1 {
            let ratio = last.median().as_secs_f64() / first.median().as_secs_f64();
            println!("ratio {} / {} open: {ratio:.2} (flat if at most 1.5)", last.open, first.open);
        }
    }
    Ok(())
}
