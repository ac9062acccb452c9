//! Ticket counts kept by the database (migration `ticket_counts`): the
//! dashboard summary adds up a few hundred counter rows instead of reading
//! every ticket, whenever its filters are among the counted dimensions.

use diesel::prelude::*;

use super::TicketFilter;
use crate::db::schema::{ticket_count_deltas, ticket_counts};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::ticket::access::TicketScope;

/// Tickets by status, tier and priority, and how many of them have no assignee.
pub(super) type Group = (String, i16, String, bool, i64);

/// Whether counters can answer for these filters (only counted dimensions).
pub(super) fn answers(f: &TicketFilter) -> bool {
    let TicketFilter {
        status: _,
        tier: _,
        unit_id: _,
        priority: _,
        unassigned: _,
        service_id,
        ticket_type,
        assignee_id,
        problem_id,
        created_from,
        created_to,
        text,
        breached,
        due_before,
        sort: _,
        after: _,
        limit: _,
    } = f;
    service_id.is_none()
        && ticket_type.is_none()
        && assignee_id.is_none()
        && problem_id.is_none()
        && created_from.is_none()
        && created_to.is_none()
        && text.is_none()
        && breached.is_none()
        && due_before.is_none()
}

/// Whether a scope part is a counted dimension (everything, a unit, tier
/// 2), not a person's own tickets (nor an empty scope, which sees nothing).
pub(crate) fn counts_part(part: &TicketScope) -> bool {
    part.all || part.unit.is_some() || part.tier2
}

/// Narrows a boxed query on a table of counts (columns `unit_id` and
/// `tier2_involved`) to one counted scope part, less what `earlier` parts
/// hold. Parts list units and tier 2 before a person's own tickets
/// (`TicketScope::parts`), so the earlier parts of a counted part are
/// counted parts too.
macro_rules! in_counted_part {
    ($table:ident, $query:expr, $part:expr, $earlier:expr) => {{
        let (part, earlier): (
            &$crate::domain::ticket::access::TicketScope,
            &[$crate::domain::ticket::access::TicketScope],
        ) = ($part, $earlier);
        let mut q = $query;
        if !part.all {
            if let Some(unit) = part.unit {
                q = q.filter($table::unit_id.eq($crate::db::sql_types::DbId(unit)));
            }
            if part.tier2 {
                q = q.filter($table::tier2_involved.eq(true));
            }
        }
        // Tickets an earlier part counted are not counted again.
        for seen in earlier {
            if let Some(unit) = seen.unit {
                q = q.filter($table::unit_id.ne($crate::db::sql_types::DbId(unit)));
            }
            if seen.tier2 {
                q = q.filter($table::tier2_involved.eq(false));
            }
        }
        q
    }};
}
pub(crate) use in_counted_part;

macro_rules! counted {
    ($table:ident, $conn:expr, $part:expr, $earlier:expr, $f:expr) => {{
        let (part, earlier, f): (&TicketScope, &[TicketScope], &TicketFilter) = ($part, $earlier, $f);
        // Few rows (one per counted combination, plus the deltas since the
        // last fold): added up here rather than with SQL's SUM, whose type
        // differs between the backends.
        let mut q = $table::table
            .select(($table::status, $table::tier, $table::priority, $table::unassigned, $table::n))
            .into_boxed();
        q = in_counted_part!($table, q, part, earlier);
        if let Some(status) = f.status {
            q = q.filter($table::status.eq(status.as_str()));
        }
        if let Some(tier) = f.tier {
            q = q.filter($table::tier.eq(i16::from(tier)));
        }
        if let Some(unit) = f.unit_id {
            q = q.filter($table::unit_id.eq($crate::db::sql_types::DbId(unit)));
        }
        if let Some(priority) = f.priority {
            q = q.filter($table::priority.eq(priority.as_str()));
        }
        if let Some(unassigned) = f.unassigned {
            q = q.filter($table::unassigned.eq(unassigned));
        }
        q.load::<Group>($conn)?
    }};
}

/// The counted groups of one scope part, less what `earlier` parts hold.
pub(super) fn groups(
    conn: &mut DbConnection,
    part: &TicketScope,
    earlier: &[TicketScope],
    f: &TicketFilter,
) -> Result<Vec<Group>, StoreError> {
    let mut rows = counted!(ticket_counts, conn, part, earlier, f);
    rows.extend(counted!(ticket_count_deltas, conn, part, earlier, f));
    Ok(rows)
}

/// Folds the deltas written since the last fold into the counters; returns
/// how many it folded. Safe beside writers and other instances: on
/// PostgreSQL one statement deletes exactly the deltas it adds.
pub fn fold(conn: &mut DbConnection) -> Result<usize, StoreError> {
    const COLUMNS: &str = "unit_id, tier, status, priority, tier2_involved, unassigned";
    let upsert = format!("ON CONFLICT ({COLUMNS}) DO UPDATE SET n = ticket_counts.n + excluded.n");
    match conn {
        DbConnection::Postgres(pg) => Ok(diesel::sql_query(format!(
            "WITH gone AS (DELETE FROM ticket_count_deltas RETURNING {COLUMNS}, n) \
             INSERT INTO ticket_counts SELECT {COLUMNS}, SUM(n) FROM gone GROUP BY {COLUMNS} {upsert}"
        ))
        .execute(pg)?),
        DbConnection::Sqlite(_) => write_tx(conn, |conn| {
            let DbConnection::Sqlite(lite) = conn else { return Ok(0) };
            // One writer at a time: nothing lands between the two statements.
            let folded = diesel::sql_query(format!(
                "INSERT INTO ticket_counts SELECT {COLUMNS}, SUM(n) FROM ticket_count_deltas WHERE true \
                 GROUP BY {COLUMNS} {upsert}"
            ))
            .execute(lite)?;
            diesel::delete(ticket_count_deltas::table).execute(lite)?;
            Ok(folded)
        }),
    }
}
