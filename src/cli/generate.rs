//! `admin generate --tickets N [--articles M]`: a region's worth of ticket
//! history (and knowledge articles) for
//! benchmarks and trials (the demo region is seeded first on an empty
//! database; every Perangkat Daerah gets a tier-1 technician).

use chrono::Utc;

use super::seed;
use crate::db::{generator, units, users, Db, DbConnection};
use crate::domain::email::EmailAddress;
use crate::domain::journal::Context;
use crate::domain::knowledge::corpus::parse_articles;
use crate::domain::role::{Role, RoleSet};
use crate::domain::text::DisplayName;
use crate::domain::user::NewUser;

/// Gives each Perangkat Daerah without an active tier-1 technician one
/// (without a password: they work generated tickets, nobody logs in as them).
fn ensure_technicians(conn: &mut DbConnection) -> Result<(), String> {
    let ctx = Context::system(Utc::now());
    for unit_id in units::without_tier1(conn).map_err(|e| e.to_string())? {
        let unit = units::find(conn, unit_id).map_err(|e| e.to_string())?;
        let domain = unit.mailbox.rsplit('@').next().unwrap_or("example.go.id").to_owned();
        let new = NewUser {
            name: DisplayName::parse(&format!("Teknisi {}", unit.code)).map_err(|e| e.to_string())?,
            email: EmailAddress::parse(&format!("teknisi.{}@{domain}", unit.code.to_lowercase()))
                .map_err(|e| e.to_string())?,
            unit_id,
            roles: RoleSet::new(vec![Role::Tier1Technician]).map_err(|e| e.to_string())?,
        };
        users::insert(conn, &ctx, &new, None).map_err(|e| e.to_string())?;
        println!("user   {} (tier-1 technician of {})", new.email.as_str(), unit.code);
    }
    Ok(())
}

/// Tickets per reporter a history is spread over. A Perangkat Daerah has
/// many staff who file tickets; one reporter per PD would make every
/// reporter's own list a fifth of the table and mislead the planner's
/// statistics about how selective "my tickets" is.
const TICKETS_PER_REPORTER: u64 = 400;

/// Gives each Perangkat Daerah enough reporters (without a password) that
/// `tickets` spread over them as over a real unit's staff.
fn ensure_reporters(conn: &mut DbConnection, tickets: u64) -> Result<(), String> {
    let region = generator::region(conn).map_err(|e| e.to_string())?;
    let wanted = tickets / (TICKETS_PER_REPORTER * region.desks.len().max(1) as u64);
    let ctx = Context::system(Utc::now());
    let mut added = 0;
    for desk in &region.desks {
        let unit = units::find(conn, desk.unit_id).map_err(|e| e.to_string())?;
        let domain = unit.mailbox.rsplit('@').next().unwrap_or("example.go.id").to_owned();
        for n in desk.reporters.len() as u64..wanted {
            let new = NewUser {
                name: DisplayName::parse(&format!("Pegawai {} {}", unit.code, n + 1)).map_err(|e| e.to_string())?,
                email: EmailAddress::parse(&format!("pegawai{}.{}@{domain}", n + 1, unit.code.to_lowercase()))
                    .map_err(|e| e.to_string())?,
                unit_id: desk.unit_id,
                roles: RoleSet::new(vec![Role::Reporter]).map_err(|e| e.to_string())?,
            };
            users::insert(conn, &ctx, &new, None).map_err(|e| e.to_string())?;
            added += 1;
        }
    }
    if added > 0 {
        eprintln!("added {added} reporters (no password) to the Perangkat Daerah");
    }
    Ok(())
}

pub fn run(db: &Db, tickets: u64, articles: u64, seed: u64) -> Result<(), String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    if units::find_dinas(&mut conn).map_err(|e| e.to_string())?.is_none() {
        seed::demo(db, None)?;
    }
    ensure_technicians(&mut conn)?;
    ensure_reporters(&mut conn, tickets)?;
    let region = generator::region(&mut conn).map_err(|e| e.to_string())?;
    let step = (tickets / 20).max(1);
    let report = generator::generate(&mut conn, &region, tickets, seed, Utc::now(), |done| {
        if done % step < 2_000 || done == tickets {
            eprintln!("generated {done} of {tickets} tickets");
        }
    })
    .map_err(|e| e.to_string())?;
    println!(
        "generated {} tickets in {:.1} s ({:.0} tickets/s)",
        report.tickets,
        report.seconds,
        report.tickets as f64 / report.seconds.max(0.001)
    );
    if articles > 0 {
        generate_articles(&mut conn, articles, seed)?;
    }
    Ok(())
}

/// Articles written by the demo's Dinas engineer, drawn from the demo's.
fn generate_articles(conn: &mut DbConnection, count: u64, seed: u64) -> Result<(), String> {
    use crate::db::generator::articles::{self, ArticleSource, Writer};
    let author = seed::knowledge::author(conn)?;
    let corpus = parse_articles(seed::knowledge::ARTICLES).map_err(|e| e.to_string())?;
    let source = ArticleSource::new(conn, corpus).map_err(|e| e.to_string())?;
    let writer = Writer { author_id: author.actor.id(), unit_id: author.unit_id };
    let step = (count / 10).max(1);
    let report = articles::generate(conn, &source, writer, count, seed, Utc::now(), |done| {
        if done % step < 2_000 || done == count {
            eprintln!("generated {done} of {count} articles");
        }
    })
    .map_err(|e| e.to_string())?;
    println!(
        "generated {} articles in {:.1} s ({:.0} articles/s)",
        report.articles,
        report.seconds,
        report.articles as f64 / report.seconds.max(0.001)
    );
    Ok(())
}
