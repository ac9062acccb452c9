//! Reads what the SLA report aggregates: the tickets a caller's scope
//! covers in a period, with the outcome of each of their clocks. Whole
//! months come from the report cells the database keeps (`cells`), the
//! period's edges and the parts of a scope that cells do not count (a
//! person's own tickets) from the tickets themselves (`raw`), all in one
//! snapshot.

mod cells;
mod raw;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{services, units};
use crate::db::tickets::{counts_part, TicketFilter};
use crate::db::{DbConnection, StoreError};
use crate::domain::sla::report::ReportTally;
use crate::domain::sla::report_months;
use crate::domain::ticket::access::TicketScope;
use crate::domain::ticket::{Priority, Tier};

pub use cells::{fold_all, fold_pending};
pub use raw::tally_in_rounds;

/// What the report groups tickets by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Unit,
    Service,
    Tier,
    Priority,
    /// One group of everything.
    Nothing,
}

impl GroupBy {
    /// The group key of a ticket with these dimensions.
    fn key(self, unit: Uuid, service: Uuid, tier: i16, priority: &str) -> Result<String, StoreError> {
        Ok(match self {
            GroupBy::Unit => unit.to_string(),
            GroupBy::Service => service.to_string(),
            GroupBy::Tier => tier.to_string(),
            GroupBy::Priority => priority.to_owned(),
            GroupBy::Nothing => "all".to_owned(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct ReportFilter {
    /// Tickets filed in `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub unit_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    pub tier: Option<Tier>,
    pub priority: Option<Priority>,
    pub group_by: GroupBy,
}

impl ReportFilter {
    /// The ticket filter of these dimensions, filed in `[from, to)`.
    fn tickets(&self, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> TicketFilter {
        TicketFilter {
            unit_id: self.unit_id,
            service_id: self.service_id,
            tier: self.tier,
            priority: self.priority,
            created_from: from,
            created_to: to,
            ..TicketFilter::default()
        }
    }
}

/// The report's figures over the tickets the scope covers, with their
/// clocks at `now`, and a label per group key (unit and service names). A
/// running clock past its due instant counts as breached even before the
/// sweeper has recorded it.
pub fn tally(
    conn: &mut DbConnection,
    scope: &TicketScope,
    f: &ReportFilter,
    now: DateTime<Utc>,
) -> Result<(ReportTally, BTreeMap<String, String>), StoreError> {
    let cover = report_months::cover(f.from, f.to);
    let parts = scope.parts_under(f.unit_id, f.tier);
    crate::db::journal::in_snapshot(conn, |conn| {
        let mut tally = ReportTally::default();
        for (i, part) in parts.iter().enumerate() {
            let earlier = &parts[..i];
            match &cover {
                Some(cover) if counts_part(part) => {
                    cells::add(conn, &mut tally, part, earlier, f, cover)?;
                    for &(from, to) in &cover.add {
                        raw::add(conn, &mut tally, part, earlier, &f.tickets(Some(from), Some(to)), f.group_by, 1)?;
                    }
                    for &(from, to) in &cover.take_off {
                        raw::add(conn, &mut tally, part, earlier, &f.tickets(Some(from), Some(to)), f.group_by, -1)?;
                    }
                }
                _ => raw::add(conn, &mut tally, part, earlier, &f.tickets(f.from, f.to), f.group_by, 1)?,
            }
        }
        raw::count_overdue(conn, &mut tally, scope, f, now)?;
        Ok((tally, labels(conn, f.group_by)?))
    })
}

fn labels(conn: &mut DbConnection, group_by: GroupBy) -> Result<BTreeMap<String, String>, StoreError> {
    let named: Vec<(Uuid, String)> = match group_by {
        GroupBy::Unit => units::table.select((units::id, units::name)).load(conn)?,
        GroupBy::Service => services::table.select((services::id, services::name)).load(conn)?,
        GroupBy::Tier | GroupBy::Priority | GroupBy::Nothing => Vec::new(),
    };
    Ok(named.into_iter().map(|(id, name)| (id.to_string(), name)).collect())
}
