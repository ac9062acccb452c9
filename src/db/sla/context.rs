//! Which calendar and policy a ticket's clocks run under: the service's
//! calendar or else the unit's, the service's policy or else the default,
//! each read from the immutable snapshot of its version.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{calendars, services, sla_policies, units};
use crate::db::{calendars as calendar_store, ids, sla_policies as policy_store, DbConnection, StoreError};
use crate::domain::sla::policy::SlaPolicy;
use crate::domain::sla::WorkingCalendar;

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

/// The current calendar and policy for a new clock of a ticket filed
/// against `service_id` by `unit_id`; `None` when no calendar or no policy
/// applies (such tickets carry no clocks).
pub fn current(conn: &mut DbConnection, service_id: Uuid, unit_id: Uuid) -> Result<Option<SlaContext>, StoreError> {
    let (service_calendar, service_policy) = services::table
        .find(ids::to_bytes(service_id))
        .select((services::calendar_id, services::sla_policy_id))
        .first::<(Option<Vec<u8>>, Option<Vec<u8>>)>(conn)?;
    let calendar_id = match service_calendar {
        Some(id) => Some(id),
        None => units::table.find(ids::to_bytes(unit_id)).select(units::calendar_id).first(conn)?,
    };
    let Some(calendar_id) = calendar_id else { return Ok(None) };
    let calendar_head: i64 = calendars::table.find(&calendar_id).select(calendars::version).first(conn)?;
    let policy_head: Option<(Vec<u8>, i64)> = match service_policy {
        Some(id) => {
            sla_policies::table.find(id).select((sla_policies::id, sla_policies::version)).first(conn).optional()?
        }
        None => sla_policies::table
            .filter(sla_policies::is_default.eq(true))
            .select((sla_policies::id, sla_policies::version))
            .first(conn)
            .optional()?,
    };
    let Some((policy_id, policy_head)) = policy_head else { return Ok(None) };
    Ok(Some(SlaContext {
        calendar: calendar_version(conn, ids::from_bytes(&calendar_id)?, calendar_head)?,
        policy: policy_version(conn, ids::from_bytes(&policy_id)?, policy_head)?,
    }))
}
