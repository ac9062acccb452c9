//! Working calendars: storage, versions and snapshots.
//!
//! Every change bumps the calendar's version and stores a snapshot of the
//! whole calendar under it, so a clock can always be recomputed with the
//! calendar it started under.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::schema::{calendar_holidays, calendar_specials, calendar_versions, calendars, services, units};
use super::sql_types::DbId;
use super::versioned::{self, Versioned};
use super::{write_tx, DbConnection, StoreError};
use crate::db::journal;
use crate::domain::journal::{Context, Entry, Resource, ResourceChange};
use crate::domain::sla::holiday::{Holiday, HolidayKind};
use crate::domain::sla::spec::WeekSpec;
use crate::domain::sla::{SpecialSchedule, WeekSchedule, WorkingCalendar};
use crate::domain::version::Precondition;

/// A stored holiday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredHoliday {
    pub date: NaiveDate,
    pub kind: HolidayKind,
    pub name: String,
    pub source: Option<String>,
}

/// A stored special schedule (e.g. Ramadan hours).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSpecial {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub week: WeekSpec,
}

/// A calendar with everything in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub id: Uuid,
    pub name: String,
    pub time_zone: String,
    pub week: WeekSpec,
    pub holidays: Vec<StoredHoliday>,
    pub specials: Vec<StoredSpecial>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Calendar {
    /// The calendar as the SLA math reads it.
    pub fn working(&self) -> Result<WorkingCalendar, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("calendar {}: {what}", self.id));
        let zone = self.time_zone.parse().map_err(|_| corrupt("time zone"))?;
        let week = WeekSchedule::try_from(&self.week).map_err(|_| corrupt("week"))?;
        let mut working = WorkingCalendar::new(zone, week);
        for holiday in &self.holidays {
            working.holidays.insert(holiday.date, holiday.name.clone());
        }
        for special in &self.specials {
            let week = WeekSchedule::try_from(&special.week).map_err(|_| corrupt("special week"))?;
            working.special.push(
                SpecialSchedule::new(special.from, special.to, week)
                    .map_err(|_| corrupt("special range"))?
                    .named(&special.name),
            );
        }
        Ok(working)
    }
}

/// What a new calendar, or a full replacement of its hours, consists of.
pub struct CalendarDraft {
    pub name: String,
    pub time_zone: String,
    pub week: WeekSpec,
    pub specials: Vec<StoredSpecial>,
}

fn date(raw: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|e| StoreError::Corrupt(format!("date `{raw}`: {e}")))
}

fn week_json(week: &WeekSpec) -> Result<String, StoreError> {
    serde_json::to_string(week).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn explain_conflict(error: diesel::result::Error) -> StoreError {
    match StoreError::from(error) {
        StoreError::Conflict(_) => StoreError::Conflict("a calendar with this name already exists".to_owned()),
        other => other,
    }
}

type CalendarHead = (Uuid, String, String, String, i64, NaiveDateTime, NaiveDateTime);

/// Reads calendars with their holidays and special schedules: three
/// queries whatever the number of calendars.
fn load(conn: &mut DbConnection, heads: Vec<CalendarHead>) -> Result<Vec<Calendar>, StoreError> {
    let keys: Vec<DbId> = heads.iter().map(|h| DbId(h.0)).collect();
    let holidays = calendar_holidays::table
        .filter(calendar_holidays::calendar_id.eq_any(&keys))
        .order(calendar_holidays::holiday_date.asc())
        .select((
            calendar_holidays::calendar_id,
            calendar_holidays::holiday_date,
            calendar_holidays::kind,
            calendar_holidays::name,
            calendar_holidays::source,
        ))
        .load::<(Uuid, String, HolidayKind, String, Option<String>)>(conn)?;
    let specials = calendar_specials::table
        .filter(calendar_specials::calendar_id.eq_any(&keys))
        .order(calendar_specials::date_from.asc())
        .select((
            calendar_specials::calendar_id,
            calendar_specials::name,
            calendar_specials::date_from,
            calendar_specials::date_to,
            calendar_specials::week_json,
        ))
        .load::<(Uuid, String, String, String, String)>(conn)?;
    heads
        .into_iter()
        .map(|(key, name, time_zone, week, version, created_at, updated_at)| {
            let holidays = holidays
                .iter()
                .filter(|h| h.0 == key)
                .map(|(_, d, kind, name, source)| {
                    Ok(StoredHoliday { date: date(d)?, kind: *kind, name: name.clone(), source: source.clone() })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            let specials = specials
                .iter()
                .filter(|s| s.0 == key)
                .map(|(_, name, from, to, week)| {
                    let week = serde_json::from_str(week).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    Ok(StoredSpecial { name: name.clone(), from: date(from)?, to: date(to)?, week })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            Ok(Calendar {
                id: key,
                name,
                time_zone,
                week: serde_json::from_str(&week).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                holidays,
                specials,
                version,
                created_at: created_at.and_utc(),
                updated_at: updated_at.and_utc(),
            })
        })
        .collect()
}

const HEAD: (
    calendars::id,
    calendars::name,
    calendars::time_zone,
    calendars::week_json,
    calendars::version,
    calendars::created_at,
    calendars::updated_at,
) = (
    calendars::id,
    calendars::name,
    calendars::time_zone,
    calendars::week_json,
    calendars::version,
    calendars::created_at,
    calendars::updated_at,
);

/// Reads a calendar with its holidays and special schedules.
pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Calendar, StoreError> {
    let head = calendars::table.find(DbId(id)).select(HEAD).first::<CalendarHead>(conn)?;
    load(conn, vec![head])?.pop().ok_or(StoreError::NotFound)
}

/// The calendar as it was at `version` (for clocks started under it).
pub fn find_version(conn: &mut DbConnection, id: Uuid, version: i64) -> Result<Calendar, StoreError> {
    let snapshot: String =
        calendar_versions::table.find((DbId(id), version)).select(calendar_versions::snapshot_json).first(conn)?;
    serde_json::from_str(&snapshot).map_err(|e| StoreError::Corrupt(format!("calendar snapshot: {e}")))
}

/// Stores the current state as a new version's snapshot and audits it.
fn save_version(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    change: ResourceChange,
    before: Option<&Calendar>,
) -> Result<Calendar, StoreError> {
    let calendar = find(conn, id)?;
    let json = serde_json::to_string(&calendar).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    diesel::insert_into(calendar_versions::table)
        .values((
            calendar_versions::calendar_id.eq(DbId(id)),
            calendar_versions::version.eq(calendar.version),
            calendar_versions::snapshot_json.eq(json),
            calendar_versions::created_at.eq(ctx.now.naive_utc()),
        ))
        .execute(conn)?;
    let before = before.map(journal::snapshot).transpose()?;
    let entry = Entry::resource(Resource::Calendar, change, id).states(before, Some(journal::snapshot(&calendar)?));
    journal::record(conn, ctx, entry)?;
    Ok(calendar)
}

fn replace_specials(conn: &mut DbConnection, id: Uuid, specials: &[StoredSpecial]) -> Result<(), StoreError> {
    diesel::delete(calendar_specials::table.filter(calendar_specials::calendar_id.eq(DbId(id)))).execute(conn)?;
    for special in specials {
        diesel::insert_into(calendar_specials::table)
            .values((
                calendar_specials::id.eq(DbId(Uuid::now_v7())),
                calendar_specials::calendar_id.eq(DbId(id)),
                calendar_specials::name.eq(&special.name),
                calendar_specials::date_from.eq(special.from.to_string()),
                calendar_specials::date_to.eq(special.to.to_string()),
                calendar_specials::week_json.eq(week_json(&special.week)?),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Creates a calendar (version 1).
pub fn insert(conn: &mut DbConnection, ctx: &Context, draft: &CalendarDraft) -> Result<Calendar, StoreError> {
    let id = Uuid::now_v7();
    let now = ctx.now.naive_utc();
    write_tx(conn, |conn| {
        diesel::insert_into(calendars::table)
            .values((
                calendars::id.eq(DbId(id)),
                calendars::name.eq(&draft.name),
                calendars::time_zone.eq(&draft.time_zone),
                calendars::week_json.eq(week_json(&draft.week)?),
                calendars::version.eq(1_i64),
                calendars::created_at.eq(now),
                calendars::updated_at.eq(now),
            ))
            .execute(conn)
            .map_err(explain_conflict)?;
        replace_specials(conn, id, &draft.specials)?;
        save_version(conn, ctx, id, ResourceChange::Created, None)
    })
}

/// Whether `draft` is what `calendar` already holds (specials in any order).
fn replaces_nothing(draft: &CalendarDraft, calendar: &Calendar) -> bool {
    draft.name == calendar.name
        && draft.time_zone == calendar.time_zone
        && draft.week == calendar.week
        && draft.specials.len() == calendar.specials.len()
        && draft.specials.iter().all(|special| calendar.specials.contains(special))
}

/// Whether every holiday of `holidays` is already in `calendar` as given.
fn adds_nothing(holidays: &[Holiday], calendar: &Calendar) -> bool {
    holidays.iter().all(|holiday| {
        calendar.holidays.iter().any(|stored| {
            stored.date == holiday.date
                && stored.kind == holiday.kind
                && stored.name == holiday.name
                && stored.source == holiday.source
        })
    })
}

/// Replaces the name, zone, weekly hours and special schedules if
/// `precondition` admits the calendar's version; replacing it with what it
/// holds answers it as it is, at the same version.
pub fn update(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    precondition: &Precondition,
    draft: &CalendarDraft,
) -> Result<Calendar, StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let guard = versioned::check(Versioned::Calendar, id, before.version, precondition)?;
        if replaces_nothing(draft, &before) {
            return Ok(before);
        }
        guard.bump(conn, ctx.now)?;
        diesel::update(calendars::table.find(DbId(id)))
            .set((
                calendars::name.eq(&draft.name),
                calendars::time_zone.eq(&draft.time_zone),
                calendars::week_json.eq(week_json(&draft.week)?),
            ))
            .execute(conn)
            .map_err(explain_conflict)?;
        replace_specials(conn, id, &draft.specials)?;
        save_version(conn, ctx, id, ResourceChange::Updated, Some(&before))
    })
}

/// Adds holidays (replacing any on the same dates) as one new version, if
/// `precondition` admits the calendar's version; holidays it already holds
/// as given answer it as it is, at the same version.
pub fn import_holidays(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    precondition: &Precondition,
    holidays: &[Holiday],
) -> Result<Calendar, StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let guard = versioned::check(Versioned::Calendar, id, before.version, precondition)?;
        if adds_nothing(holidays, &before) {
            return Ok(before);
        }
        guard.bump(conn, ctx.now)?;
        for holiday in holidays {
            let day = holiday.date.to_string();
            diesel::delete(
                calendar_holidays::table
                    .filter(calendar_holidays::calendar_id.eq(DbId(id)))
                    .filter(calendar_holidays::holiday_date.eq(&day)),
            )
            .execute(conn)?;
            diesel::insert_into(calendar_holidays::table)
                .values((
                    calendar_holidays::id.eq(DbId(Uuid::now_v7())),
                    calendar_holidays::calendar_id.eq(DbId(id)),
                    calendar_holidays::holiday_date.eq(day),
                    calendar_holidays::kind.eq(holiday.kind.as_str()),
                    calendar_holidays::name.eq(&holiday.name),
                    calendar_holidays::source.eq(&holiday.source),
                ))
                .execute(conn)?;
        }
        save_version(conn, ctx, id, ResourceChange::HolidaysImported, Some(&before))
    })
}

/// Removes one holiday, as a new version.
pub fn remove_holiday(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    day: NaiveDate,
) -> Result<Calendar, StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let removed = diesel::delete(
            calendar_holidays::table
                .filter(calendar_holidays::calendar_id.eq(DbId(id)))
                .filter(calendar_holidays::holiday_date.eq(day.to_string())),
        )
        .execute(conn)?;
        if removed == 0 {
            return Err(StoreError::NotFound);
        }
        versioned::unconditional(Versioned::Calendar, id, before.version).bump(conn, ctx.now)?;
        save_version(conn, ctx, id, ResourceChange::HolidayRemoved, Some(&before))
    })
}

/// Deletes a calendar that no unit or service uses; its version snapshots
/// are kept.
pub fn delete(conn: &mut DbConnection, ctx: &Context, id: Uuid) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let used_by_units: i64 = units::table.filter(units::calendar_id.eq(DbId(id))).count().get_result(conn)?;
        let used_by_services: i64 =
            services::table.filter(services::calendar_id.eq(DbId(id))).count().get_result(conn)?;
        if used_by_units + used_by_services > 0 {
            return Err(StoreError::Conflict(format!(
                "the calendar is in use by {used_by_units} unit(s) and {used_by_services} service(s)"
            )));
        }
        diesel::delete(calendar_holidays::table.filter(calendar_holidays::calendar_id.eq(DbId(id)))).execute(conn)?;
        diesel::delete(calendar_specials::table.filter(calendar_specials::calendar_id.eq(DbId(id)))).execute(conn)?;
        // Its versions stay: clocks that ran under them remain explainable.
        diesel::delete(calendars::table.find(DbId(id))).execute(conn)?;
        let entry = Entry::resource(Resource::Calendar, ResourceChange::Deleted, id);
        journal::record(conn, ctx, entry.before(journal::snapshot(&before)?))
    })
}

/// Calendars in creation order, with their contents.
pub fn list(conn: &mut DbConnection, after: Option<Uuid>, limit: u32) -> Result<Vec<Calendar>, StoreError> {
    let mut query = calendars::table.select(HEAD).order(calendars::id.asc()).limit(i64::from(limit)).into_boxed();
    if let Some(after) = after {
        query = query.filter(calendars::id.gt(DbId(after)));
    }
    let heads: Vec<CalendarHead> = query.load(conn)?;
    load(conn, heads)
}

/// Checks that a calendar chosen by a unit or service exists.
pub fn check_exists(conn: &mut DbConnection, id: Option<Uuid>) -> Result<(), StoreError> {
    let Some(id) = id else { return Ok(()) };
    let found: i64 = calendars::table.filter(calendars::id.eq(DbId(id))).count().get_result(conn)?;
    if found == 0 {
        return Err(StoreError::Invalid(crate::domain::validation::ValidationErrors::single(
            "calendar_id",
            "no such calendar",
        )));
    }
    Ok(())
}

/// Finds a calendar by name (for the seed).
pub fn find_by_name(conn: &mut DbConnection, name: &str) -> Result<Option<Calendar>, StoreError> {
    let id: Option<Uuid> =
        calendars::table.filter(calendars::name.eq(name)).select(calendars::id).first(conn).optional()?;
    id.map(|id| find(conn, id)).transpose()
}
