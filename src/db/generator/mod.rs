//! `admin generate`: fills a database with a realistic history of tickets
//! for benchmarks and trials. Each ticket is filed and lived through the
//! service's own workflow, clock and sweep code ([`history`]), and its rows
//! (the ticket, its clocks, its timeline and chained audit entries) are
//! written as the service writes them, but many at a time. Knowledge
//! articles likewise ([`articles`]).

pub mod articles;
pub mod history;
pub mod mix;

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Datelike, Utc};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use uuid::Uuid;

use self::history::{CatalogService, Desk, Lived, Region};
use crate::db::journal::bulk::BulkJournal;
use crate::db::numbering::{self, Counter};
use crate::db::schema::{services, units, users};
use crate::db::sla::clocks::SlaSource;
use crate::db::{sla, sla_report, tickets, write_tx, DbConnection, StoreError};
use crate::domain::role::{Role, RoleSet};
use crate::domain::ticket::Tier;

/// Tickets lived and written per transaction.
const CHUNK: u64 = 2_000;

/// What a run wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct Report {
    pub tickets: u64,
    pub seconds: f64,
}

/// The active Perangkat Daerah with a tier-1 technician each, the tier-2
/// engineers, and the active services with their SLA per desk.
pub fn region(conn: &mut DbConnection) -> Result<Region, StoreError> {
    let pds: Vec<Uuid> = units::table
        .filter(units::active.eq(true))
        .filter(units::kind.eq(crate::domain::organisation::UnitKind::PerangkatDaerah.as_str()))
        .order(units::code.asc())
        .select(units::id)
        .load(conn)?;
    let people: Vec<(Uuid, Uuid, String)> =
        users::table.filter(users::active.eq(true)).select((users::id, users::unit_id, users::roles)).load(conn)?;
    let mut people_roles = Vec::with_capacity(people.len());
    for (id, unit, roles) in people {
        let roles = RoleSet::from_stored(&roles).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        people_roles.push((id, unit, roles));
    }
    let with = |unit: Uuid, role: Role| -> Vec<_> {
        people_roles.iter().filter(|(_, u, r)| *u == unit && r.contains(role)).map(|(id, _, _)| *id).collect()
    };
    let desks = pds
        .iter()
        .map(|unit| {
            Ok(Desk {
                unit_id: *unit,
                technicians: with(*unit, Role::Tier1Technician),
                reporters: with(*unit, Role::Reporter),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let engineers =
        people_roles.iter().filter(|(_, _, r)| r.contains(Role::Tier2Engineer)).map(|(id, _, _)| *id).collect();
    let catalog: Vec<(Uuid, String, bool)> = services::table
        .filter(services::active.eq(true))
        .order(services::code.asc())
        .select((services::id, services::name, services::direct_tier2))
        .load(conn)?;
    let mut services = Vec::with_capacity(catalog.len());
    for (id, name, direct_tier2) in catalog {
        let sla = desks.iter().map(|d| sla::context::current(conn, id, d.unit_id)).collect::<Result<_, _>>()?;
        services.push(CatalogService { id, name, direct_tier2, sla });
    }
    let mut tier1_calendars = HashMap::new();
    for desk in &desks {
        tier1_calendars.insert(desk.unit_id, conn.desk_calendar(Tier::One, desk.unit_id)?);
    }
    let tier2_calendar = conn.desk_calendar(Tier::Two, Uuid::nil())?;
    Ok(Region { desks, engineers, services, tier1_calendars, tier2_calendar })
}

/// Writes lived tickets: their rows, their clocks, and (after them) the
/// entries `journal` holds of them.
pub fn write(conn: &mut DbConnection, lived: &[Lived], journal: &mut BulkJournal) -> Result<(), StoreError> {
    let rows: Vec<_> = lived.iter().map(|l| &l.ticket).collect();
    tickets::insert_generated(conn, &rows)?;
    let clocks: Vec<_> = lived.iter().flat_map(|l| l.clocks.iter().map(|c| (l.ticket.ticket.id, c.clone()))).collect();
    sla::clocks::insert_generated(conn, &clocks)?;
    journal.flush(conn)
}

/// Files and lives `count` tickets in `region`, drawn from `seed`, all
/// ending before `now`; `progress` hears the running total.
pub fn generate(
    conn: &mut DbConnection,
    region: &Region,
    count: u64,
    seed: u64,
    now: DateTime<Utc>,
    mut progress: impl FnMut(u64),
) -> Result<Report, StoreError> {
    if region.desks.is_empty() || region.services.is_empty() {
        return Err(StoreError::Conflict("the region needs active Perangkat Daerah and services".to_owned()));
    }
    // The service keeps instants to the microsecond; so must its history.
    let now = chrono::SubsecRound::trunc_subsecs(now, 6);
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let direct: Vec<bool> = region.services.iter().map(|s| s.direct_tier2).collect();
    let names: Vec<String> = region.services.iter().map(|s| s.name.clone()).collect();
    let first = numbering::reserve(conn, Counter::Ticket, i64::try_from(count).unwrap_or(i64::MAX))?;
    let mut journal = BulkJournal::default();
    let mut done = 0;
    while done < count {
        let size = CHUNK.min(count - done);
        let mut lived = Vec::with_capacity(size as usize);
        for i in 0..size {
            let fate = mix::draw(&mut rng, region.desks.len(), &direct, &names, now);
            let n = first + i64::try_from(done + i).unwrap_or(0);
            let number = format!("TKT-{}-{n:06}", fate.created_at.year());
            lived.push(history::live(region, &fate, number, &mut journal, now)?);
        }
        write_tx(conn, |conn| write(conn, &lived, &mut journal))?;
        done += size;
        progress(done);
    }
    tickets::fold_counts(conn)?;
    sla_report::fold_all(conn)?;
    // After a bulk load the planner's statistics are stale or absent.
    crate::db::planner::refresh_after_bulk_load(conn)?;
    Ok(Report { tickets: done, seconds: started.elapsed().as_secs_f64() })
}
