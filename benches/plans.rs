//! The combination walk: every filter and sort the ticket list documents,
//! alone and in pairs, for each role's scope, against a generated database.
//! For each it asks the database for its plan (PostgreSQL: `EXPLAIN
//! (ANALYZE, BUFFERS)`, with the rows every scan read; SQLite: `EXPLAIN
//! QUERY PLAN`) and times the list itself, then prints the combinations
//! worst first.
//!
//! ```text
//! cargo bench --bench plans -- --database-url URL [--limit 25] [--top 10] [--bound 1000] [--check]
//! ```
//!
//! `--check` exits 1 when a combination reads more than `--bound` rows on
//! PostgreSQL, or scans the whole tickets table without an index on
//! SQLite. `scripts/plans.sh` generates the data and runs it. Without
//! `--database-url` (as under `cargo test --all-targets`) it says so.

use std::time::Instant;

use chrono::{Duration, Utc};
use clap::Parser;
use diesel::dsl::count_star;
use diesel::prelude::*;
use spbe_desk::api::tickets::SORTS;
use spbe_desk::db::explain::Plan;
use spbe_desk::db::schema::{tickets, users};
use spbe_desk::db::sql_types::DbId;
use spbe_desk::db::tickets::{explain_list, list, TicketFilter};
use spbe_desk::db::{Db, DbConnection, DbUrl};
use spbe_desk::domain::sla::clock::ClockKind;
use spbe_desk::domain::ticket::access::TicketScope;
use spbe_desk::domain::ticket::{Priority, Status, TicketType, Tier};
use uuid::Uuid;

#[derive(Parser, Debug)]
struct Args {
    /// The generated database (`sqlite://…` or `postgres://…`).
    #[arg(long)]
    database_url: Option<String>,
    /// The page size, as a front end asks (`limit=`).
    #[arg(long, default_value_t = 25)]
    limit: u32,
    /// How many of the worst combinations to list.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Rows a page may read (PostgreSQL).
    #[arg(long, default_value_t = 1000.0)]
    bound: f64,
    /// Exit 1 when a combination breaks the bound.
    #[arg(long)]
    check: bool,
    /// Runs of each search (`q=` alone, default sort) for its p99.
    #[arg(long, default_value_t = 50)]
    search_runs: usize,
    /// Passed by `cargo bench`.
    #[arg(long, hide = true)]
    bench: bool,
}

/// The ids and words the filters are tried with, read off the data.
struct Sample {
    unit: Uuid,
    tier1: Uuid,
    tier2: Uuid,
    reporter: Uuid,
    assignee: Uuid,
    busy_service: Uuid,
    quiet_service: Uuid,
    number: String,
    word: String,
}

fn sample(conn: &mut DbConnection) -> Result<Sample, String> {
    let e = |e: diesel::result::Error| e.to_string();
    let top_unit: (Uuid, i64) = tickets::table
        .group_by(tickets::unit_id)
        .select((tickets::unit_id, count_star()))
        .order(count_star().desc())
        .first(conn)
        .map_err(e)?;
    let unit = top_unit.0;
    let user_with = |conn: &mut DbConnection, role: &str, unit: Option<Uuid>| -> Result<Uuid, String> {
        let mut q = users::table.filter(users::roles.like(format!("%{role}%"))).select(users::id).into_boxed();
        if let Some(unit) = unit {
            q = q.filter(users::unit_id.eq(DbId(unit)));
        }
        q.first(conn).map_err(e)
    };
    let tier1 = user_with(conn, "tier1_technician", Some(unit))?;
    let tier2 = user_with(conn, "tier2_engineer", None)?;
    let reporter: (Option<Uuid>, i64) = tickets::table
        .filter(tickets::reporter_id.is_not_null())
        .group_by(tickets::reporter_id)
        .select((tickets::reporter_id, count_star()))
        .order(count_star().desc())
        .first(conn)
        .map_err(e)?;
    let assignee: (Option<Uuid>, i64) = tickets::table
        .filter(tickets::assignee_id.is_not_null())
        .filter(tickets::unit_id.eq(DbId(unit)))
        .group_by(tickets::assignee_id)
        .select((tickets::assignee_id, count_star()))
        .order(count_star().desc())
        .first(conn)
        .map_err(e)?;
    let services: Vec<(Uuid, i64)> = tickets::table
        .group_by(tickets::service_id)
        .select((tickets::service_id, count_star()))
        .order(count_star().desc())
        .load(conn)
        .map_err(e)?;
    let (newest_number, newest_title): (String, String) =
        tickets::table.order(tickets::id.desc()).select((tickets::number, tickets::title)).first(conn).map_err(e)?;
    let word = newest_title.split_whitespace().max_by_key(|w| w.len()).unwrap_or("login").to_lowercase();
    let first = |pair: Option<&(Uuid, i64)>| pair.map(|p| p.0).ok_or("no tickets: generate some first");
    Ok(Sample {
        unit,
        tier1,
        tier2,
        reporter: reporter.0.ok_or("no reporter")?,
        assignee: assignee.0.ok_or("no assignee")?,
        busy_service: first(services.first())?,
        quiet_service: first(services.last())?,
        number: newest_number,
        word,
    })
}

type Setter = Box<dyn Fn(&mut TicketFilter)>;

/// Each filter the list documents, with the values a front end sends:
/// common and rare ones, and searches that find much, little or nothing.
fn filters(s: &Sample) -> Vec<(String, Setter)> {
    let (unit, assignee, busy, quiet) = (s.unit, s.assignee, s.busy_service, s.quiet_service);
    let soon = Utc::now() + Duration::days(1);
    let mut all: Vec<(String, Setter)> = vec![
        ("status=new".into(), Box::new(|f| f.status = Some(Status::New))),
        ("status=pending".into(), Box::new(|f| f.status = Some(Status::Pending))),
        ("status=in_progress".into(), Box::new(|f| f.status = Some(Status::InProgress))),
        ("status=closed".into(), Box::new(|f| f.status = Some(Status::Closed))),
        ("tier=2".into(), Box::new(|f| f.tier = Some(Tier::Two))),
        ("unit".into(), Box::new(move |f| f.unit_id = Some(unit))),
        ("service=busy".into(), Box::new(move |f| f.service_id = Some(busy))),
        ("service=quiet".into(), Box::new(move |f| f.service_id = Some(quiet))),
        ("priority=critical".into(), Box::new(|f| f.priority = Some(Priority::Critical))),
        ("type=change_request".into(), Box::new(|f| f.ticket_type = Some(TicketType::ChangeRequest))),
        ("assignee".into(), Box::new(move |f| f.assignee_id = Some(assignee))),
        ("unassigned".into(), Box::new(|f| f.unassigned = Some(true))),
        ("breached=resolution".into(), Box::new(|f| f.breached = Some(ClockKind::Resolution))),
        ("due_before=+1d".into(), Box::new(move |f| f.due_before = Some(soon))),
    ];
    for (name, text) in [
        ("q=word", s.word.clone()),
        ("q=vpn", "vpn".to_owned()),
        ("q=two words", format!("{} login", s.word)),
        ("q=number", s.number.to_lowercase()),
        ("q=misspelt", "pirnter".to_owned()),
        ("q=printer", "printer".to_owned()),
        // Shorter than a trigram: LIKE on both backends.
        ("q=short", "di".to_owned()),
    ] {
        all.push((name.into(), Box::new(move |f| f.text = Some(text.clone()))));
    }
    all
}

/// The pairs worth trying: a status or tier with each other narrowing filter.
fn pairs(singles: &[(String, Setter)]) -> Vec<(String, Vec<usize>)> {
    let leads: Vec<usize> =
        (0..singles.len()).filter(|&i| singles[i].0.starts_with("status=") || singles[i].0 == "tier=2").collect();
    let mut out = vec![("(none)".to_owned(), vec![])];
    out.extend((0..singles.len()).map(|i| (singles[i].0.clone(), vec![i])));
    for &lead in &leads {
        for other in 0..singles.len() {
            if other == lead || leads.contains(&other) {
                continue;
            }
            out.push((format!("{} & {}", singles[lead].0, singles[other].0), vec![lead, other]));
        }
    }
    out
}

struct Row {
    scope: &'static str,
    filters: String,
    sort: &'static str,
    rows_read: Option<f64>,
    ms: f64,
    outline: String,
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    let Some(url) = args.database_url.as_deref() else {
        println!("plans: no --database-url, nothing to walk (scripts/plans.sh generates one)");
        return Ok(());
    };
    let db = Db::connect(&DbUrl::parse(url)?, 2)?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let s = sample(&mut conn)?;
    let scopes: [(&str, TicketScope); 4] = [
        ("supervisor", TicketScope { all: true, ..TicketScope::default() }),
        ("pd tier 1", TicketScope { unit: Some(s.unit), reporter: Some(s.tier1), ..TicketScope::default() }),
        ("tier 2", TicketScope { tier2: true, reporter: Some(s.tier2), ..TicketScope::default() }),
        ("reporter", TicketScope { reporter: Some(s.reporter), ..TicketScope::default() }),
    ];
    let singles = filters(&s);
    let combinations = pairs(&singles);
    let started = Instant::now();
    let mut rows = Vec::new();
    for (scope_name, scope) in &scopes {
        for (name, parts) in &combinations {
            for (sort_name, sort) in SORTS {
                let mut f = TicketFilter { sort, limit: args.limit, ..TicketFilter::default() };
                for &i in parts {
                    (singles[i].1)(&mut f);
                }
                let plans =
                    explain_list(&mut conn, scope, &f).map_err(|e| format!("{scope_name} {name} {sort_name}: {e}"))?;
                let ms = median_ms(&mut conn, scope, &f)?;
                rows.push(summarise(scope_name, name.clone(), sort_name, &plans, ms));
            }
        }
    }
    searches(&args, &mut conn, &scopes[..2], &singles)?;
    report(&args, rows, started.elapsed().as_secs_f64())
}

/// Each kind of search alone, for a supervisor and a PD's desk, run
/// `--search-runs` times one after another: its median and p99.
fn searches(
    args: &Args,
    conn: &mut DbConnection,
    scopes: &[(&str, TicketScope)],
    singles: &[(String, Setter)],
) -> Result<(), String> {
    println!("| search | scope | median ms | p99 ms |");
    println!("|---|---|---:|---:|");
    for (name, set) in singles.iter().filter(|(name, _)| name.starts_with("q=")) {
        for (scope_name, scope) in scopes {
            let mut f = TicketFilter { limit: args.limit, ..TicketFilter::default() };
            set(&mut f);
            let mut times = Vec::with_capacity(args.search_runs);
            for _ in 0..args.search_runs.max(1) {
                let start = Instant::now();
                list(conn, scope, &f).map_err(|e| e.to_string())?;
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            let at = |q: f64| times[((times.len() - 1) as f64 * q).ceil() as usize];
            println!("| {name} | {scope_name} | {:.1} | {:.1} |", at(0.5), at(0.99));
        }
    }
    Ok(())
}

/// The median of three runs of the list itself, in milliseconds.
fn median_ms(conn: &mut DbConnection, scope: &TicketScope, f: &TicketFilter) -> Result<f64, String> {
    let mut times = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        list(conn, scope, f).map_err(|e| e.to_string())?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[1])
}

fn summarise(scope: &'static str, filters: String, sort: &'static str, plans: &[Plan], ms: f64) -> Row {
    let rows_read = plans.iter().map(|p| p.rows_read).sum::<Option<f64>>();
    let outline = plans.iter().map(|p| p.outline.as_str()).collect::<Vec<_>>().join(" | ");
    Row { scope, filters, sort, rows_read, ms, outline }
}

/// A plain `SCAN tickets` reads the whole table in no index's order.
fn scans_whole_table(row: &Row) -> bool {
    row.outline.split(['|', ';']).any(|step| step.trim() == "SCAN tickets")
}

fn report(args: &Args, mut rows: Vec<Row>, seconds: f64) -> Result<(), String> {
    let breaks = |r: &Row| r.rows_read.map_or(scans_whole_table(r), |n| n > args.bound);
    rows.sort_by(|a, b| b.rows_read.unwrap_or(0.0).total_cmp(&a.rows_read.unwrap_or(0.0)).then(b.ms.total_cmp(&a.ms)));
    let broken = rows.iter().filter(|r| breaks(r)).count();
    println!("{} combinations in {seconds:.1} s; {broken} over the bound", rows.len());
    println!("| scope | filters | sort | rows read | ms | plan |");
    println!("|---|---|---|---:|---:|---|");
    for r in rows.iter().take(args.top) {
        let read = r.rows_read.map_or("-".to_owned(), |n| format!("{n:.0}"));
        println!("| {} | {} | {} | {read} | {:.1} | {} |", r.scope, r.filters, r.sort, r.ms, r.outline);
    }
    let mut times: Vec<f64> = rows.iter().map(|r| r.ms).collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!("list time over all combinations: median {:.1} ms, p90 {:.1} ms, max {:.1} ms", at(0.5), at(0.9), at(1.0));
    for r in rows.iter().filter(|r| breaks(r)).take(if args.check { 20 } else { 0 }) {
        println!("over the bound: {} | {} | {} | {}", r.scope, r.filters, r.sort, r.outline);
    }
    if args.check && broken > 0 {
        return Err(format!("{broken} combination(s) over the bound"));
    }
    Ok(())
}
