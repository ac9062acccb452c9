//! Freeze windows: periods in which changes should not be implemented
//! (admin-managed), on the same calendar engine as the SLA.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::db::journal::{self, snapshot};
use crate::db::schema::freeze_windows;
use crate::db::sql_types::{DbId, OptionalDbId};
use crate::db::versioned::{self, Versioned};
use crate::db::{calendars, write_tx, DbConnection, StoreError};
use crate::domain::change::schedule::FreezeRule;
use crate::domain::journal::{Context, Entry, Resource, ResourceChange};
use crate::domain::sla::calendar::{Interval, WeekSchedule, WorkingCalendar};
use crate::domain::version::Precondition;

/// A validated freeze window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreezeDraft {
    pub name: String,
    pub reason: String,
    pub rule: FreezeRule,
    pub calendar_id: Option<Uuid>,
    pub time_zone: String,
    pub service_ids: Vec<Uuid>,
    pub unit_ids: Vec<Uuid>,
}

/// A stored freeze window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Freeze {
    pub id: Uuid,
    pub name: String,
    pub reason: String,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    /// Local `HH:MM` of each day's frozen part; absent: the whole day.
    pub daily_start: Option<String>,
    pub daily_end: Option<String>,
    pub working_days_only: bool,
    pub calendar_id: Option<Uuid>,
    pub time_zone: String,
    pub service_ids: Vec<Uuid>,
    pub unit_ids: Vec<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(skip)]
    pub rule: FreezeRule,
}

impl Freeze {
    /// Whether the freeze covers a change on `services` of `units`.
    pub fn applies_to(&self, services: &[Uuid], units: &[Uuid]) -> bool {
        (self.service_ids.is_empty() || services.iter().any(|s| self.service_ids.contains(s)))
            && (self.unit_ids.is_empty() || units.iter().any(|u| self.unit_ids.contains(u)))
    }

    /// The calendar whose dates and working days the freeze follows.
    pub fn calendar(&self, conn: &mut DbConnection) -> Result<WorkingCalendar, StoreError> {
        match self.calendar_id {
            Some(id) => calendars::find(conn, id)?.working(),
            None => {
                let zone = self.time_zone.parse().map_err(|e| StoreError::Corrupt(format!("freeze zone: {e}")))?;
                Ok(WorkingCalendar::new(zone, WeekSchedule::perpres_21_2023()))
            }
        }
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = freeze_windows, treat_none_as_null = true)]
struct FreezeRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    name: String,
    reason: String,
    from_date: String,
    to_date: String,
    daily_start: Option<i32>,
    daily_end: Option<i32>,
    working_days_only: bool,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    calendar_id: Option<Uuid>,
    time_zone: String,
    service_ids: String,
    unit_ids: String,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("freeze window: {e}"))
}

fn id_list(ids_: &[Uuid]) -> String {
    ids_.iter().map(Uuid::to_string).collect::<Vec<_>>().join(",")
}

fn parse_ids(text: &str) -> Result<Vec<Uuid>, StoreError> {
    text.split(',').filter(|s| !s.is_empty()).map(|s| Uuid::parse_str(s).map_err(corrupt)).collect()
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl TryFrom<FreezeRow> for Freeze {
    type Error = StoreError;

    fn try_from(row: FreezeRow) -> Result<Self, StoreError> {
        let from: NaiveDate = row.from_date.parse().map_err(corrupt)?;
        let to: NaiveDate = row.to_date.parse().map_err(corrupt)?;
        let daily = match (row.daily_start, row.daily_end) {
            (Some(start), Some(end)) => Some(
                Interval::new(u16::try_from(start).map_err(corrupt)?, u16::try_from(end).map_err(corrupt)?)
                    .map_err(corrupt)?,
            ),
            _ => None,
        };
        let rule = FreezeRule::new(from, to, daily, row.working_days_only).map_err(corrupt)?;
        Ok(Self {
            id: row.id,
            name: row.name,
            reason: row.reason,
            from_date: from,
            to_date: to,
            daily_start: daily.map(|d| hhmm(d.start())),
            daily_end: daily.map(|d| hhmm(d.end())),
            working_days_only: row.working_days_only,
            calendar_id: row.calendar_id,
            time_zone: row.time_zone,
            service_ids: parse_ids(&row.service_ids)?,
            unit_ids: parse_ids(&row.unit_ids)?,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            rule,
        })
    }
}

fn row_of(id: Uuid, draft: &FreezeDraft, version: i64, created: NaiveDateTime, now: NaiveDateTime) -> FreezeRow {
    FreezeRow {
        id,
        name: draft.name.clone(),
        reason: draft.reason.clone(),
        from_date: draft.rule.from.to_string(),
        to_date: draft.rule.to.to_string(),
        daily_start: draft.rule.daily.map(|d| i32::from(d.start())),
        daily_end: draft.rule.daily.map(|d| i32::from(d.end())),
        working_days_only: draft.rule.working_days_only,
        calendar_id: draft.calendar_id,
        time_zone: draft.time_zone.clone(),
        service_ids: id_list(&draft.service_ids),
        unit_ids: id_list(&draft.unit_ids),
        version,
        created_at: created,
        updated_at: now,
    }
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Freeze, StoreError> {
    let row: FreezeRow = freeze_windows::table
        .find(DbId(id))
        .select(FreezeRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Freeze::try_from(row)
}

/// Freeze windows by id (creation order).
pub fn list(conn: &mut DbConnection, after: Option<Uuid>, limit: u32) -> Result<Vec<Freeze>, StoreError> {
    let mut q = freeze_windows::table.select(FreezeRow::as_select()).order(freeze_windows::id).into_boxed();
    if let Some(after) = after {
        q = q.filter(freeze_windows::id.gt(DbId(after)));
    }
    q.limit(i64::from(limit)).load(conn)?.into_iter().map(Freeze::try_from).collect()
}

/// Every freeze window (the conflict check reads them all: they are few).
pub fn all(conn: &mut DbConnection) -> Result<Vec<Freeze>, StoreError> {
    freeze_windows::table.select(FreezeRow::as_select()).load(conn)?.into_iter().map(Freeze::try_from).collect()
}

pub fn insert(conn: &mut DbConnection, ctx: &Context, draft: &FreezeDraft) -> Result<Freeze, StoreError> {
    let id = Uuid::now_v7();
    let now = ctx.now.naive_utc();
    write_tx(conn, |conn| {
        calendars::check_exists(conn, draft.calendar_id)?;
        diesel::insert_into(freeze_windows::table).values(row_of(id, draft, 1, now, now)).execute(conn)?;
        let freeze = find(conn, id)?;
        let entry = Entry::resource(Resource::FreezeWindow, ResourceChange::Created, id).after(snapshot(&freeze)?);
        journal::record(conn, ctx, entry)?;
        Ok(freeze)
    })
}

pub fn replace(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    precondition: &Precondition,
    draft: &FreezeDraft,
) -> Result<Freeze, StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let guard = versioned::check(Versioned::FreezeWindow, id, before.version, precondition)?;
        calendars::check_exists(conn, draft.calendar_id)?;
        let version = guard.bump(conn, ctx.now)?;
        let row = row_of(id, draft, version, before.created_at.naive_utc(), ctx.now.naive_utc());
        diesel::update(freeze_windows::table.find(DbId(id))).set(row).execute(conn)?;
        let after = find(conn, id)?;
        let entry = Entry::resource(Resource::FreezeWindow, ResourceChange::Updated, id);
        journal::record(conn, ctx, entry.states(Some(snapshot(&before)?), Some(snapshot(&after)?)))?;
        Ok(after)
    })
}

pub fn delete(conn: &mut DbConnection, ctx: &Context, id: Uuid, precondition: &Precondition) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let _checked = versioned::check(Versioned::FreezeWindow, id, before.version, precondition)?;
        diesel::delete(freeze_windows::table.find(DbId(id))).execute(conn)?;
        let entry = Entry::resource(Resource::FreezeWindow, ResourceChange::Deleted, id).before(snapshot(&before)?);
        journal::record(conn, ctx, entry)
    })
}
