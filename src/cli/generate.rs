//! `admin generate --tickets N`: a region's worth of ticket history for
//! benchmarks and trials (the demo region is seeded first on an empty
//! database; every Perangkat Daerah gets a tier-1 technician).

use chrono::Utc;

use super::seed;
use crate::db::{generator, units, users, Db, DbConnection};
use crate::domain::email::EmailAddress;
use crate::domain::journal::Context;
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

pub fn run(db: &Db, tickets: u64, seed: u64) -> Result<(), String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    if units::find_dinas(&mut conn).map_err(|e| e.to_string())?.is_none() {
        seed::demo(db)?;
    }
    ensure_technicians(&mut conn)?;
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
    Ok(())
}
