//! Stored SLA clocks: rows, and the per-ticket summary (earliest due
//! instant, next sweep check, breached flags) kept on the ticket.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use std::sync::Arc;

use super::context::{self, CalendarVersion, SlaContext};
use crate::db::schema::{sla_clocks, tickets};
use crate::db::sql_types::{db_ids, DbId};
use crate::db::{DbConnection, StoreError};
use crate::domain::sla::alerts::{next_alert, Next, Recorded};
use crate::domain::sla::clock::{Clock, ClockKind, Pause, Schedule};
use crate::domain::sla::lifecycle::{self, ClockStart, Settled, VersionRef};
use crate::domain::sla::replay::TrackedClock;
use crate::domain::sla::Target;
use crate::domain::ticket::{Priority, Tier};

/// A clock with the versions it runs under and what was recorded of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredClock {
    pub clock: Clock,
    pub calendar_id: Uuid,
    pub calendar_version: i64,
    pub policy_id: Uuid,
    pub policy_version: i64,
    pub due_at: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
    pub warned_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
    pub elapsed_seconds: Option<i64>,
}

impl StoredClock {
    /// A new clock of `kind` for a ticket of `priority`, under `sla`.
    pub fn start(sla: &SlaContext, kind: ClockKind, priority: Priority, at: DateTime<Utc>) -> Result<Self, StoreError> {
        let policy = &sla.policy.policy;
        let mut stored = Self {
            clock: Clock::start(kind, target_of(sla, kind, priority)?, policy.warning_percent, at),
            calendar_id: sla.calendar.id,
            calendar_version: sla.calendar.version,
            policy_id: sla.policy.id,
            policy_version: sla.policy.version,
            due_at: None,
            warn_at: None,
            warned_at: None,
            breached_at: None,
            elapsed_seconds: None,
        };
        stored.reschedule(sla)?;
        Ok(stored)
    }

    /// What the event log records of this clock's start.
    pub fn start_record(&self) -> ClockStart {
        ClockStart {
            kind: self.clock.kind,
            target: self.clock.target,
            warning_percent: self.clock.warning_percent,
            calendar: VersionRef { id: self.calendar_id, version: self.calendar_version },
            policy: VersionRef { id: self.policy_id, version: self.policy_version },
        }
    }

    /// The clock as the replay rebuilds it (without the cached instants).
    pub fn tracked(&self) -> TrackedClock {
        let start = self.start_record();
        TrackedClock {
            clock: self.clock.clone(),
            calendar: start.calendar,
            policy: start.policy,
            warned_at: self.warned_at,
            breached_at: self.breached_at,
        }
    }

    pub fn recorded(&self) -> Recorded {
        Recorded { warned: self.warned_at.is_some(), breached: self.breached_at.is_some() }
    }

    /// Recomputes the cached due and warning instants (and, once stopped,
    /// the time run).
    pub fn reschedule(&mut self, sla: &SlaContext) -> Result<Option<Schedule>, StoreError> {
        Ok(self.settled(sla)?.schedule)
    }

    /// Settles the clock at `now` after a change to it (the domain's
    /// [`lifecycle::settle`]); whether it breached now, by stopping late
    /// (the breach is then recorded on it, its alert is the caller's).
    pub fn settle(&mut self, sla: &SlaContext, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let breaches_now = self.settled(sla)?.breaches_now;
        if breaches_now {
            self.breached_at = Some(now);
        }
        Ok(breaches_now)
    }

    fn settled(&mut self, sla: &SlaContext) -> Result<Settled, StoreError> {
        let settled = lifecycle::settle(&self.clock, &sla.calendar.working, self.breached_at.is_some())
            .map_err(|_| no_working_time(sla))?;
        self.due_at = settled.schedule.map(|s| s.due_at);
        self.warn_at = settled.schedule.map(|s| s.warn_at);
        self.elapsed_seconds = settled.elapsed.map(|run| run.num_seconds());
        Ok(settled)
    }

    /// The running schedule the sweeper watches (none once stopped or paused).
    pub fn watched(&self) -> Option<Schedule> {
        match (self.clock.stopped_at, self.due_at, self.warn_at) {
            (None, Some(due_at), Some(warn_at)) => Some(Schedule { due_at, warn_at }),
            _ => None,
        }
    }
}

/// A calendar without working time ahead cannot time a clock: the
/// calendar needs fixing, which is a conflict, not a server fault.
pub fn no_working_time(sla: &SlaContext) -> StoreError {
    StoreError::Conflict(format!(
        "the calendar `{}` (version {}) has no working time ahead; add working hours to it",
        sla.calendar.name, sla.calendar.version
    ))
}

/// The target of `kind` for `priority` in the context's policy.
pub fn target_of(sla: &SlaContext, kind: ClockKind, priority: Priority) -> Result<Target, StoreError> {
    let targets = sla
        .policy
        .policy
        .targets
        .get(&priority)
        .ok_or_else(|| StoreError::Corrupt(format!("policy {} has no {priority} targets", sla.policy.id)))?;
    Ok(match kind {
        ClockKind::Response => targets.response,
        ClockKind::Resolution => targets.resolution,
        ClockKind::Tier2Resolution => targets.tier2_resolution,
    })
}

#[derive(Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sla_clocks, treat_none_as_null = true, treat_none_as_default_value = false)]
struct ClockRow {
    #[diesel(serialize_as = DbId)]
    ticket_id: Uuid,
    kind: ClockKind,
    #[diesel(serialize_as = DbId)]
    calendar_id: Uuid,
    calendar_version: i64,
    #[diesel(serialize_as = DbId)]
    policy_id: Uuid,
    policy_version: i64,
    target_json: String,
    warning_percent: i16,
    started_at: NaiveDateTime,
    pauses_json: String,
    stopped_at: Option<NaiveDateTime>,
    due_at: Option<NaiveDateTime>,
    warn_at: Option<NaiveDateTime>,
    warned_at: Option<NaiveDateTime>,
    breached_at: Option<NaiveDateTime>,
    elapsed_seconds: Option<i64>,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("sla clock {what}: {e}"))
}

fn to_row(ticket_id: Uuid, c: &StoredClock) -> Result<ClockRow, StoreError> {
    let naive = |t: Option<DateTime<Utc>>| t.map(|t| t.naive_utc());
    Ok(ClockRow {
        ticket_id,
        kind: c.clock.kind,
        calendar_id: c.calendar_id,
        calendar_version: c.calendar_version,
        policy_id: c.policy_id,
        policy_version: c.policy_version,
        target_json: serde_json::to_string(&c.clock.target).map_err(|e| corrupt("target", e))?,
        warning_percent: i16::from(c.clock.warning_percent),
        started_at: c.clock.started_at.naive_utc(),
        pauses_json: serde_json::to_string(&c.clock.pauses).map_err(|e| corrupt("pauses", e))?,
        stopped_at: naive(c.clock.stopped_at),
        due_at: naive(c.due_at),
        warn_at: naive(c.warn_at),
        warned_at: naive(c.warned_at),
        breached_at: naive(c.breached_at),
        elapsed_seconds: c.elapsed_seconds,
    })
}

fn from_row(r: ClockRow) -> Result<StoredClock, StoreError> {
    let utc = |t: Option<NaiveDateTime>| t.map(|t| t.and_utc());
    let pauses: Vec<Pause> = serde_json::from_str(&r.pauses_json).map_err(|e| corrupt("pauses", e))?;
    let clock = Clock {
        kind: r.kind,
        target: serde_json::from_str(&r.target_json).map_err(|e| corrupt("target", e))?,
        warning_percent: u8::try_from(r.warning_percent).map_err(|e| corrupt("warning", e))?,
        started_at: r.started_at.and_utc(),
        pauses,
        stopped_at: utc(r.stopped_at),
    };
    Ok(StoredClock {
        clock,
        calendar_id: r.calendar_id,
        calendar_version: r.calendar_version,
        policy_id: r.policy_id,
        policy_version: r.policy_version,
        due_at: utc(r.due_at),
        warn_at: utc(r.warn_at),
        warned_at: utc(r.warned_at),
        breached_at: utc(r.breached_at),
        elapsed_seconds: r.elapsed_seconds,
    })
}

/// The clocks of a ticket, response first.
pub fn load(conn: &mut DbConnection, ticket_id: Uuid) -> Result<Vec<StoredClock>, StoreError> {
    let rows: Vec<ClockRow> =
        sla_clocks::table.filter(sla_clocks::ticket_id.eq(DbId(ticket_id))).select(ClockRow::as_select()).load(conn)?;
    let mut clocks = rows.into_iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    clocks.sort_by_key(|c| c.clock.kind);
    Ok(clocks)
}

/// The clocks of many tickets (response first), in one query.
pub fn load_many(
    conn: &mut DbConnection,
    ticket_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<StoredClock>>, StoreError> {
    let keys = db_ids(ticket_ids);
    let rows: Vec<ClockRow> =
        sla_clocks::table.filter(sla_clocks::ticket_id.eq_any(keys)).select(ClockRow::as_select()).load(conn)?;
    let mut by_ticket: std::collections::HashMap<Uuid, Vec<StoredClock>> = std::collections::HashMap::new();
    for row in rows {
        by_ticket.entry(row.ticket_id).or_default().push(from_row(row)?);
    }
    for clocks in by_ticket.values_mut() {
        clocks.sort_by_key(|c| c.clock.kind);
    }
    Ok(by_ticket)
}

/// Inserts the clocks of a new ticket, in one statement.
pub fn insert(conn: &mut DbConnection, ticket_id: Uuid, clocks: &[StoredClock]) -> Result<(), StoreError> {
    let rows = clocks.iter().map(|c| to_row(ticket_id, c)).collect::<Result<Vec<_>, _>>()?;
    crate::db::batch::insert_batch!(conn, sla_clocks::table, rows);
    Ok(())
}

/// Inserts the clocks of many tickets at once (the data generator, intake
/// batches).
pub fn insert_generated(conn: &mut DbConnection, clocks: &[(Uuid, StoredClock)]) -> Result<(), StoreError> {
    let rows = clocks.iter().map(|(ticket_id, c)| to_row(*ticket_id, c)).collect::<Result<Vec<_>, _>>()?;
    crate::db::batch::insert_batch!(conn, sla_clocks::table, rows);
    Ok(())
}

/// Writes clocks, inserting the new ones.
pub fn save(conn: &mut DbConnection, ticket_id: Uuid, clocks: &[StoredClock]) -> Result<(), StoreError> {
    for clock in clocks {
        let row = to_row(ticket_id, clock)?;
        let key = (DbId(row.ticket_id), row.kind);
        let updated = diesel::update(sla_clocks::table.find(key)).set(row.clone()).execute(conn)?;
        if updated == 0 {
            diesel::insert_into(sla_clocks::table).values(row).execute(conn)?;
        }
    }
    Ok(())
}

/// The context a stored clock runs under.
pub fn context_of(conn: &mut DbConnection, clock: &StoredClock) -> Result<SlaContext, StoreError> {
    Ok(SlaContext {
        calendar: context::calendar_version(conn, clock.calendar_id, clock.calendar_version)?,
        policy: context::policy_version(conn, clock.policy_id, clock.policy_version)?,
    })
}

/// Where clock work reads the calendars and policies it runs under: the
/// database for the service, the region read up front for the data
/// generator. Both then run the same clock code.
pub trait SlaSource {
    /// The calendar and policy a stored clock runs under.
    fn context_of(&mut self, clock: &StoredClock) -> Result<SlaContext, StoreError>;
    /// What a new clock of a ticket of `service_id` at `unit_id` starts under now.
    fn current(&mut self, service_id: Uuid, unit_id: Uuid) -> Result<Option<SlaContext>, StoreError>;
    /// The working calendar of the desk a ticket's warnings go to (the
    /// unit's tier-1 desk, or the Dinas at tier 2); `None` when that unit
    /// has none (the clock's own calendar is used then).
    fn desk_calendar(&mut self, tier: Tier, unit_id: Uuid) -> Result<Option<Arc<CalendarVersion>>, StoreError>;
}

impl SlaSource for DbConnection {
    fn context_of(&mut self, clock: &StoredClock) -> Result<SlaContext, StoreError> {
        context_of(self, clock)
    }

    fn current(&mut self, service_id: Uuid, unit_id: Uuid) -> Result<Option<SlaContext>, StoreError> {
        context::current(self, service_id, unit_id)
    }

    fn desk_calendar(&mut self, tier: Tier, unit_id: Uuid) -> Result<Option<Arc<CalendarVersion>>, StoreError> {
        context::desk_calendar(self, tier, unit_id)
    }
}

/// What the ticket row keeps about its clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub due_at: Option<DateTime<Utc>>,
    pub check_at: Option<DateTime<Utc>>,
    pub response_breached: bool,
    pub resolution_breached: bool,
    pub tier2_breached: bool,
}

/// Who a ticket's alerts concern: its priority, and the desk working it
/// (the unit's tier-1 team, or the Dinas at tier 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watch {
    pub priority: Priority,
    pub unit_id: Uuid,
    pub tier: Tier,
}

/// A ticket as its clocks see it: which one, the service whose calendar
/// and policy apply (with its unit's), and whom its alerts concern. The
/// ticket's record (`tickets::Ticket::clocked`) sits above this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockedTicket {
    pub id: Uuid,
    pub service_id: Uuid,
    pub watch: Watch,
}

/// Summarises clocks at `now` for a ticket watched as `watch`.
pub fn summarise(
    src: &mut impl SlaSource,
    clocks: &[StoredClock],
    watch: Watch,
    now: DateTime<Utc>,
) -> Result<Summary, StoreError> {
    let mut summary = Summary::default();
    for c in clocks {
        let breached = c.breached_at.is_some();
        match c.clock.kind {
            ClockKind::Response => summary.response_breached = breached,
            ClockKind::Resolution => summary.resolution_breached = breached,
            ClockKind::Tier2Resolution => summary.tier2_breached = breached,
        }
        let Some(schedule) = c.watched() else { continue };
        summary.due_at = Some(summary.due_at.map_or(schedule.due_at, |d| d.min(schedule.due_at)));
        let next = next_of(src, c, watch, now)?;
        summary.check_at = match (summary.check_at, next.instant()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Ok(summary)
}

/// The next alert of a clock at `now` (`Done` once stopped or paused).
pub fn next_of(
    src: &mut impl SlaSource,
    c: &StoredClock,
    watch: Watch,
    now: DateTime<Utc>,
) -> Result<Next, StoreError> {
    let Some(schedule) = c.watched() else { return Ok(Next::Done) };
    let critical = watch.priority == Priority::Critical;
    // The desk's hours matter only for a warning that is due now.
    let desk = if c.warned_at.is_none() && schedule.warn_at <= now && !critical {
        src.desk_calendar(watch.tier, watch.unit_id)?
    } else {
        None
    };
    let calendar = match desk {
        Some(desk) => desk,
        None => src.context_of(c)?.calendar,
    };
    Ok(next_alert(schedule, c.recorded(), critical, &calendar.working, now))
}

/// Stores a ticket's clock summary on its row.
pub fn write_summary(conn: &mut DbConnection, ticket_id: Uuid, s: &Summary) -> Result<(), StoreError> {
    diesel::update(tickets::table.find(DbId(ticket_id))).set(s.columns()).execute(conn)?;
    Ok(())
}

/// The ticket columns that hold a clock summary, for a caller's own update
/// of the row (a move writes its state and summary in one).
#[derive(AsChangeset)]
#[diesel(table_name = tickets, treat_none_as_null = true)]
pub struct SummaryColumns {
    sla_due_at: Option<NaiveDateTime>,
    sla_check_at: Option<NaiveDateTime>,
    response_breached: bool,
    resolution_breached: bool,
    tier2_breached: bool,
}

impl Summary {
    pub fn columns(&self) -> SummaryColumns {
        SummaryColumns {
            sla_due_at: self.due_at.map(|t| t.naive_utc()),
            sla_check_at: self.check_at.map(|t| t.naive_utc()),
            response_breached: self.response_breached,
            resolution_breached: self.resolution_breached,
            tier2_breached: self.tier2_breached,
        }
    }
}
