//! SLA report cells kept by the database (migration `sla_report_cells`):
//! per month of filing (UTC+8) and per ticket dimension, the tickets and their
//! clocks' outcomes and stopped times. Triggers append each change as a
//! delta; [`fold`] moves deltas into the cells. A report reads the cells
//! of its months and the deltas not yet folded.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use uuid::Uuid;

use super::{GroupBy, ReportFilter};
use crate::db::schema::{sla_report_cells, sla_report_deltas};
use crate::db::sql_types::DbId;
use crate::db::tickets::in_counted_part;
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::sla::clock::ClockKind;
use crate::domain::sla::report::{CellFacts, ReportTally};
use crate::domain::sla::report_months::MonthCover;
use crate::domain::sla::time_counts::{decode_pairs, TimeCounts};
use crate::domain::ticket::access::TicketScope;

/// A cell's dimensions: month, unit, service, tier, priority, tier 2
/// involved, and the fact (`ticket` or a clock kind).
type CellKey = (String, Uuid, Uuid, i16, String, bool, String);
/// n, escalated, reopened, met, breached, open.
type Counts = [i64; 6];

macro_rules! in_cover {
    ($table:ident, $select:expr, $conn:expr, $part:expr, $earlier:expr, $f:expr, $cover:expr) => {{
        let (part, earlier, f, cover): (&TicketScope, &[TicketScope], &ReportFilter, &MonthCover) =
            ($part, $earlier, $f, $cover);
        let mut q = $table::table.select($select).into_boxed();
        if let Some(first) = &cover.first {
            q = q.filter($table::month.ge(first.clone()));
        }
        if let Some(end) = &cover.end {
            q = q.filter($table::month.lt(end.clone()));
        }
        q = in_counted_part!($table, q, part, earlier);
        if let Some(unit) = f.unit_id {
            q = q.filter($table::unit_id.eq(DbId(unit)));
        }
        if let Some(service) = f.service_id {
            q = q.filter($table::service_id.eq(DbId(service)));
        }
        if let Some(tier) = f.tier {
            q = q.filter($table::tier.eq(i16::from(tier)));
        }
        if let Some(priority) = f.priority {
            q = q.filter($table::priority.eq(priority.as_str()));
        }
        q.load($conn)?
    }};
}

type CellRow = (Uuid, Uuid, i16, String, String, i64, i64, i64, i64, i64, i64, Vec<u8>);
type DeltaRow = (Uuid, Uuid, i16, String, String, i64, i64, i64, i64, i64, i64, Option<i64>);

/// Adds the cells (and unfolded deltas) of one counted scope part, less
/// what `earlier` parts hold, in the cover's months.
pub(super) fn add(
    conn: &mut DbConnection,
    tally: &mut ReportTally,
    part: &TicketScope,
    earlier: &[TicketScope],
    f: &ReportFilter,
    cover: &MonthCover,
) -> Result<(), StoreError> {
    use sla_report_cells as c;
    use sla_report_deltas as d;
    let cells: Vec<CellRow> = in_cover!(
        sla_report_cells,
        (
            c::unit_id,
            c::service_id,
            c::tier,
            c::priority,
            c::fact,
            c::n,
            c::escalated,
            c::reopened,
            c::met,
            c::breached,
            c::open,
            c::times
        ),
        conn,
        part,
        earlier,
        f,
        cover
    );
    for (unit, service, tier, priority, fact, n, escalated, reopened, met, breached, open, times) in cells {
        let times = decode_pairs(&times).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let dims = Dims { unit, service, tier, priority: &priority, fact: &fact };
        tally.add_cell(&dims.facts(f.group_by, [n, escalated, reopened, met, breached, open], times)?, 1);
    }
    let deltas: Vec<DeltaRow> = in_cover!(
        sla_report_deltas,
        (
            d::unit_id,
            d::service_id,
            d::tier,
            d::priority,
            d::fact,
            d::n,
            d::escalated,
            d::reopened,
            d::met,
            d::breached,
            d::open,
            d::elapsed_seconds
        ),
        conn,
        part,
        earlier,
        f,
        cover
    );
    for (unit, service, tier, priority, fact, n, escalated, reopened, met, breached, open, elapsed) in deltas {
        let times = elapsed.map(|elapsed| vec![(elapsed, n)]).unwrap_or_default();
        let dims = Dims { unit, service, tier, priority: &priority, fact: &fact };
        tally.add_cell(&dims.facts(f.group_by, [n, escalated, reopened, met, breached, open], times)?, 1);
    }
    Ok(())
}

/// The dimensions of a cell or delta row, as read.
struct Dims<'a> {
    unit: Uuid,
    service: Uuid,
    tier: i16,
    priority: &'a str,
    fact: &'a str,
}

impl Dims<'_> {
    fn facts(&self, group_by: GroupBy, counts: Counts, times: Vec<(i64, i64)>) -> Result<CellFacts, StoreError> {
        let clock = match self.fact {
            "ticket" => None,
            kind => Some(kind.parse::<ClockKind>().map_err(StoreError::Corrupt)?),
        };
        let [n, escalated, reopened, met, breached, open] = counts;
        Ok(CellFacts {
            group: group_by.key(self.unit, self.service, self.tier, self.priority)?,
            clock,
            tickets: n,
            escalated,
            reopened,
            met,
            breached,
            open,
            times,
        })
    }
}

/// The advisory lock of the fold on PostgreSQL: any constant all instances
/// share ("SLAREPOR" in ASCII).
const FOLD_LOCK: i64 = 0x534c_4152_4550_4f52;

/// Deltas folded per transaction.
const FOLD_BATCH: i64 = 10_000;

/// Folds up to one batch of deltas (those of the oldest delta's month)
/// into the cells; returns how many it folded. On PostgreSQL one instance
/// folds at a time (an advisory lock; the others return 0), and the
/// deltas it folds are deleted in the same transaction.
fn fold(conn: &mut DbConnection) -> Result<usize, StoreError> {
    use sla_report_deltas as d;
    write_tx(conn, |conn| {
        if let DbConnection::Postgres(pg) = conn {
            #[derive(QueryableByName)]
            struct Locked {
                #[diesel(sql_type = diesel::sql_types::Bool)]
                locked: bool,
            }
            let lock = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
                .bind::<diesel::sql_types::BigInt, _>(FOLD_LOCK);
            if !lock.get_result::<Locked>(pg)?.locked {
                return Ok(0);
            }
        }
        let Some(month) = d::table.order(d::id).select(d::month).first::<String>(conn).optional()? else {
            return Ok(0);
        };
        type Delta = (i64, Uuid, Uuid, i16, String, bool, String, i64, i64, i64, i64, i64, i64, Option<i64>);
        let deltas: Vec<Delta> = d::table
            .filter(d::month.eq(&month))
            .order(d::id)
            .limit(FOLD_BATCH)
            .select((
                d::id,
                d::unit_id,
                d::service_id,
                d::tier,
                d::priority,
                d::tier2_involved,
                d::fact,
                d::n,
                d::escalated,
                d::reopened,
                d::met,
                d::breached,
                d::open,
                d::elapsed_seconds,
            ))
            .load(conn)?;
        let mut sums: BTreeMap<CellKey, (Counts, TimeCounts)> = BTreeMap::new();
        let mut folded = Vec::with_capacity(deltas.len());
        for (id, unit, service, tier, priority, t2, fact, n, escalated, reopened, met, breached, open, elapsed) in
            deltas
        {
            folded.push(id);
            let (counts, times) = sums.entry((month.clone(), unit, service, tier, priority, t2, fact)).or_default();
            for (sum, add) in counts.iter_mut().zip([n, escalated, reopened, met, breached, open]) {
                *sum += add;
            }
            if let Some(elapsed) = elapsed {
                times.add(elapsed, n);
            }
        }
        merge_into_cells(conn, &month, sums)?;
        for ids in folded.chunks(5_000) {
            diesel::delete(d::table.filter(d::id.eq_any(ids))).execute(conn)?;
        }
        Ok(folded.len())
    })
}

/// Folds every delta, a batch per transaction (after a migration's
/// backfill or a bulk load, with no other writer); returns how many.
pub fn fold_all(conn: &mut DbConnection) -> Result<usize, StoreError> {
    fold_pending(conn, usize::MAX)
}

/// Folds until no delta is left, at most `max_batches` (the sweeper's
/// share of a tick: writers may add deltas as fast as it folds); returns
/// how many deltas it folded.
pub fn fold_pending(conn: &mut DbConnection, max_batches: usize) -> Result<usize, StoreError> {
    let mut total = 0;
    for _ in 0..max_batches {
        let folded = fold(conn)?;
        total += folded;
        if folded == 0 {
            break;
        }
    }
    Ok(total)
}

#[derive(Insertable)]
#[diesel(table_name = sla_report_cells)]
struct CellValues {
    month: String,
    #[diesel(serialize_as = DbId)]
    unit_id: Uuid,
    #[diesel(serialize_as = DbId)]
    service_id: Uuid,
    tier: i16,
    priority: String,
    tier2_involved: bool,
    fact: String,
    n: i64,
    escalated: i64,
    reopened: i64,
    met: i64,
    breached: i64,
    open: i64,
    times: Vec<u8>,
}

/// Adds the sums to the month's cells and writes the cells they change.
fn merge_into_cells(
    conn: &mut DbConnection,
    month: &str,
    sums: BTreeMap<CellKey, (Counts, TimeCounts)>,
) -> Result<(), StoreError> {
    use sla_report_cells as c;
    type Stored = (Uuid, Uuid, i16, String, bool, String, i64, i64, i64, i64, i64, i64, Vec<u8>);
    let stored: Vec<Stored> = c::table
        .filter(c::month.eq(month))
        .select((
            c::unit_id,
            c::service_id,
            c::tier,
            c::priority,
            c::tier2_involved,
            c::fact,
            c::n,
            c::escalated,
            c::reopened,
            c::met,
            c::breached,
            c::open,
            c::times,
        ))
        .load(conn)?;
    let mut cells: HashMap<CellKey, (Counts, Vec<u8>)> = stored
        .into_iter()
        .map(|(u, s, t, p, t2, fact, n, e, r, m, b, o, times)| {
            ((month.to_owned(), u, s, t, p, t2, fact), ([n, e, r, m, b, o], times))
        })
        .collect();
    let mut rows = Vec::with_capacity(sums.len());
    for (key, (add, add_times)) in sums {
        let (mut counts, mut times) = match cells.remove(&key) {
            Some((counts, bytes)) => {
                (counts, TimeCounts::decode(&bytes).map_err(|e| StoreError::Corrupt(e.to_string()))?)
            }
            None => (Counts::default(), TimeCounts::default()),
        };
        for (sum, delta) in counts.iter_mut().zip(add) {
            *sum += delta;
        }
        times.merge(&add_times, 1);
        let (month, unit_id, service_id, tier, priority, tier2_involved, fact) = key;
        let [n, escalated, reopened, met, breached, open] = counts;
        rows.push(CellValues {
            month,
            unit_id,
            service_id,
            tier,
            priority,
            tier2_involved,
            fact,
            n,
            escalated,
            reopened,
            met,
            breached,
            open,
            times: times.encode(),
        });
    }
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        upsert(conn, rows.by_ref().take(500).collect())?;
    }
    Ok(())
}

macro_rules! upsert_on {
    ($conn:expr, $rows:expr) => {{
        use diesel::upsert::excluded;
        use sla_report_cells as c;
        diesel::insert_into(c::table)
            .values($rows)
            .on_conflict((c::month, c::unit_id, c::service_id, c::tier, c::priority, c::tier2_involved, c::fact))
            .do_update()
            .set((
                c::n.eq(excluded(c::n)),
                c::escalated.eq(excluded(c::escalated)),
                c::reopened.eq(excluded(c::reopened)),
                c::met.eq(excluded(c::met)),
                c::breached.eq(excluded(c::breached)),
                c::open.eq(excluded(c::open)),
                c::times.eq(excluded(c::times)),
            ))
            .execute($conn)?
    }};
}

/// Writes cells whole (the one backend `match`: upsert is typed per
/// backend, and diesel has no multi-row upsert for SQLite, where a
/// statement costs no round trip).
fn upsert(conn: &mut DbConnection, rows: Vec<CellValues>) -> Result<(), StoreError> {
    match conn {
        DbConnection::Postgres(pg) => {
            upsert_on!(pg, rows);
        }
        DbConnection::Sqlite(lite) => {
            for row in rows {
                upsert_on!(lite, row);
            }
        }
    }
    Ok(())
}
