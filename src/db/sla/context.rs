//! Which calendar and policy a ticket's clocks run under: the service's
//! calendar or else the unit's, the service's policy or else the default,
//! each read from the immutable snapshot of its version.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{calendars, units};
use crate::db::sql_types::{DbId, Id};
use crate::db::{calendars as calendar_store, sla_policies as policy_store, DbConnection, StoreError};
use crate::domain::sla::policy::SlaPolicy;
use crate::domain::sla::WorkingCalendar;
use crate::domain::ticket::Tier;
use diesel::sql_types::{BigInt, Nullable};

/// A calendar version as the clocks read it.
#[derive(Debug)]
pub struct CalendarVersion {
    pub id: Uuid,
    pub version: i64,
    pub name: String,
    pub time_zone: String,
    pub working: WorkingCalendar,
}

/// A policy version as the clocks read it.
#[derive(Debug)]
pub struct PolicyVersion {
    pub id: Uuid,
    pub version: i64,
    pub name: String,
    pub policy: SlaPolicy,
}

/// The calendar and policy of a set of clocks.
#[derive(Debug, Clone)]
pub struct SlaContext {
    pub calendar: Arc<CalendarVersion>,
    pub policy: Arc<PolicyVersion>,
}

type Cache<T> = OnceLock<Mutex<HashMap<(Uuid, i64), Arc<T>>>>;

// Versions never change once written, so reading each one once per process
// is enough (ids are UUIDv7, unique across databases too).
static CALENDARS: Cache<CalendarVersion> = OnceLock::new();
static POLICIES: Cache<PolicyVersion> = OnceLock::new();
const CACHE_LIMIT: usize = 512;

fn cached<T>(
    cache: &'static Cache<T>,
    key: (Uuid, i64),
    load: impl FnOnce() -> Result<T, StoreError>,
) -> Result<Arc<T>, StoreError> {
    let map = cache.get_or_init(Mutex::default);
    if let Some(found) = map.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Ok(found);
    }
    let value = Arc::new(load()?);
    if let Ok(mut m) = map.lock() {
        if m.len() >= CACHE_LIMIT {
            m.clear();
        }
        m.insert(key, Arc::clone(&value));
    }
    Ok(value)
}

pub fn calendar_version(conn: &mut DbConnection, id: Uuid, version: i64) -> Result<Arc<CalendarVersion>, StoreError> {
    cached(&CALENDARS, (id, version), || {
        let calendar = calendar_store::find_version(conn, id, version)?;
        let working = calendar.working()?;
        Ok(CalendarVersion { id, version, name: calendar.name, time_zone: calendar.time_zone, working })
    })
}

pub fn policy_version(conn: &mut DbConnection, id: Uuid, version: i64) -> Result<Arc<PolicyVersion>, StoreError> {
    cached(&POLICIES, (id, version), || {
        let policy = policy_store::find_version(conn, id, version)?;
        Ok(PolicyVersion { id, version, name: policy.name, policy: policy.policy })
    })
}

#[derive(QueryableByName)]
struct Heads {
    #[diesel(sql_type = Nullable<Id>)]
    calendar_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<BigInt>)]
    calendar_version: Option<i64>,
    #[diesel(sql_type = Nullable<Id>)]
    policy_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<BigInt>)]
    policy_version: Option<i64>,
}

/// The service's calendar or else the unit's, and the service's policy or
/// else the default, with their current versions: one round trip on the
/// intake path. `{u}` and `{s}` stand for the unit and service parameters.
const HEADS: &str = "SELECT c.id AS calendar_id, c.version AS calendar_version, \
     p.id AS policy_id, p.version AS policy_version \
     FROM services s JOIN units u ON u.id = {u} \
     LEFT JOIN calendars c ON c.id = COALESCE(s.calendar_id, u.calendar_id) \
     LEFT JOIN sla_policies p ON p.id = s.sla_policy_id OR (s.sla_policy_id IS NULL AND p.is_default) \
     WHERE s.id = {s}";

/// The current calendar and policy for a new clock of a ticket filed
/// against `service_id` by `unit_id`; `None` when no calendar or no policy
/// applies (such tickets carry no clocks), or the service or unit is unknown.
pub fn current(conn: &mut DbConnection, service_id: Uuid, unit_id: Uuid) -> Result<Option<SlaContext>, StoreError> {
    let heads = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(HEADS.replace("{u}", "$1").replace("{s}", "$2"))
            .bind::<Id, _>(DbId(unit_id))
            .bind::<Id, _>(DbId(service_id))
            .get_result::<Heads>(pg)
            .optional()?,
        DbConnection::Sqlite(lite) => diesel::sql_query(HEADS.replace("{u}", "?").replace("{s}", "?"))
            .bind::<Id, _>(DbId(unit_id))
            .bind::<Id, _>(DbId(service_id))
            .get_result::<Heads>(lite)
            .optional()?,
    };
    let Some(Heads {
        calendar_id: Some(calendar_id),
        calendar_version: Some(calendar_head),
        policy_id: Some(policy_id),
        policy_version: Some(policy_head),
    }) = heads
    else {
        return Ok(None);
    };
    Ok(Some(SlaContext {
        calendar: calendar_version(conn, calendar_id, calendar_head)?,
        policy: policy_version(conn, policy_id, policy_head)?,
    }))
}

/// The working calendar of the desk that gets a ticket's warnings; `None`
/// when that unit has none (the clock's own calendar is used then).
pub fn desk_calendar(
    conn: &mut DbConnection,
    tier: Tier,
    unit_id: Uuid,
) -> Result<Option<Arc<CalendarVersion>>, StoreError> {
    let desk: Option<Uuid> = match tier {
        Tier::One => Some(unit_id),
        Tier::Two => units::table.filter(units::kind.eq("dinas")).select(units::id).first(conn).optional()?,
    };
    let Some(desk) = desk else { return Ok(None) };
    let calendar: Option<Uuid> =
        units::table.find(DbId(desk)).select(units::calendar_id).first(conn).optional()?.flatten();
    let Some(calendar) = calendar else { return Ok(None) };
    let version: i64 = calendars::table.find(DbId(calendar)).select(calendars::version).first(conn)?;
    calendar_version(conn, calendar, version).map(Some)
}
