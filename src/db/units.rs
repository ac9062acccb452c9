//! Units (Perangkat Daerah and the Dinas): storage and queries.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::schema::units;
use super::sql_types::{db_ids, DbId, OptionalDbId};
use super::versioned::{self, Versioned};
use super::{write_tx, DbConnection, StoreError};
use crate::db::journal::{self, snapshot};
use crate::domain::journal::{Context, Entry, Resource, ResourceChange};
use crate::domain::organisation::{NewUnit, TimeZone, UnitChanges, UnitKind};
use crate::domain::version::{keeps, Precondition};

/// A stored unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub id: Uuid,
    pub kind: UnitKind,
    pub code: String,
    pub name: String,
    pub mandiri_tik: bool,
    pub time_zone: TimeZone,
    pub mailbox: String,
    pub active: bool,
    pub calendar_id: Option<Uuid>,
    pub head_name: Option<String>,
    pub head_email: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = units)]
struct UnitRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    kind: UnitKind,
    code: String,
    name: String,
    mandiri_tik: bool,
    time_zone: TimeZone,
    mailbox: String,
    active: bool,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    calendar_id: Option<Uuid>,
    head_name: Option<String>,
    head_email: Option<String>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<UnitRow> for Unit {
    type Error = StoreError;

    fn try_from(row: UnitRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id,
            kind: row.kind,
            code: row.code,
            name: row.name,
            mandiri_tik: row.mandiri_tik,
            time_zone: row.time_zone,
            mailbox: row.mailbox,
            active: row.active,
            calendar_id: row.calendar_id,
            head_name: row.head_name,
            head_email: row.head_email,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = units)]
struct UnitChangeset {
    code: Option<String>,
    name: Option<String>,
    mandiri_tik: Option<bool>,
    time_zone: Option<TimeZone>,
    mailbox: Option<String>,
    active: Option<bool>,
    #[diesel(serialize_as = OptionalDbId)]
    calendar_id: Option<Option<Uuid>>,
    head_name: Option<Option<String>>,
    head_email: Option<Option<String>>,
}

/// Filters for listing units; ids are time-ordered, so the cursor is the
/// last id seen.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub kind: Option<UnitKind>,
    pub active: Option<bool>,
    pub text: Option<String>,
    pub after_id: Option<Uuid>,
    pub limit: u32,
}

/// Turns a unique-index conflict into words a client can act on.
fn explain_conflict(error: StoreError) -> StoreError {
    match error {
        StoreError::Conflict(message) if message.contains("units_one_dinas") || message.contains("units.kind") => {
            StoreError::Conflict("a Dinas already exists; there is exactly one Dinas".to_owned())
        }
        StoreError::Conflict(_) => StoreError::Conflict("a unit with this code already exists".to_owned()),
        other => other,
    }
}

/// Registers a unit and audits it.
pub fn insert(conn: &mut DbConnection, ctx: &Context, new: &NewUnit) -> Result<Unit, StoreError> {
    let now = ctx.now.naive_utc();
    let id = Uuid::now_v7();
    let row = UnitRow {
        id,
        kind: new.kind,
        code: new.code.as_str().to_owned(),
        name: new.name.as_str().to_owned(),
        mandiri_tik: new.mandiri_tik,
        time_zone: new.time_zone,
        mailbox: new.mailbox.as_str().to_owned(),
        active: true,
        calendar_id: new.calendar_id,
        head_name: None,
        head_email: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    write_tx(conn, |conn| {
        super::calendars::check_exists(conn, new.calendar_id)?;
        diesel::insert_into(units::table).values(row).execute(conn).map_err(|e| explain_conflict(e.into()))?;
        let unit = find(conn, id)?;
        journal::record(
            conn,
            ctx,
            Entry::resource(Resource::Unit, ResourceChange::Created, unit.id).states(None, Some(snapshot(&unit)?)),
        )?;
        Ok(unit)
    })
}

/// Reads one unit (units are visible to every authenticated caller).
pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Unit, StoreError> {
    units::table.find(DbId(id)).select(UnitRow::as_select()).first(conn)?.try_into()
}

/// Reads a unit by its code (case-insensitive; codes are stored upper-case).
pub fn find_by_code(conn: &mut DbConnection, code: &str) -> Result<Option<Unit>, StoreError> {
    units::table
        .filter(units::code.eq(code.to_uppercase()))
        .select(UnitRow::as_select())
        .first(conn)
        .optional()?
        .map(Unit::try_from)
        .transpose()
}

/// The Dinas, if it has been registered.
pub fn find_dinas(conn: &mut DbConnection) -> Result<Option<Unit>, StoreError> {
    units::table
        .filter(units::kind.eq(UnitKind::Dinas.as_str()))
        .select(UnitRow::as_select())
        .first(conn)
        .optional()?
        .map(Unit::try_from)
        .transpose()
}

/// One page of units in creation order.
pub fn list(conn: &mut DbConnection, filter: &UnitFilter) -> Result<Vec<Unit>, StoreError> {
    let mut query = units::table.select(UnitRow::as_select()).into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(units::kind.eq(kind.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(units::active.eq(active));
    }
    if let Some(text) = &filter.text {
        let pattern = super::like_pattern(text);
        query = query.filter(
            super::lower(units::name)
                .like(pattern.clone())
                .escape('\\')
                .or(super::lower(units::code).like(pattern).escape('\\')),
        );
    }
    if let Some(after) = filter.after_id {
        query = query.filter(units::id.gt(DbId(after)));
    }
    query
        .order(units::id.asc())
        .limit(i64::from(filter.limit))
        .load::<UnitRow>(conn)?
        .into_iter()
        .map(Unit::try_from)
        .collect()
}

/// Whether `changes` would leave `unit` as it is (every given field equal
/// to the stored one, or none given).
fn changes_nothing(changes: &UnitChanges, unit: &Unit) -> bool {
    keeps(changes.code.as_ref().map(|c| c.as_str()), unit.code.as_str())
        && keeps(changes.name.as_ref().map(|n| n.as_str()), unit.name.as_str())
        && keeps(changes.mandiri_tik, unit.mandiri_tik)
        && keeps(changes.time_zone, unit.time_zone)
        && keeps(changes.mailbox.as_ref().map(|m| m.as_str()), unit.mailbox.as_str())
        && keeps(changes.active, unit.active)
        && keeps(changes.calendar_id, unit.calendar_id)
        && keeps(changes.head_name.clone().map(|n| n.map(|n| n.as_str().to_owned())), unit.head_name.clone())
        && keeps(changes.head_email.clone().map(|e| e.map(|e| e.as_str().to_owned())), unit.head_email.clone())
}

/// Applies `changes` if `precondition` admits the unit's version; changing
/// nothing answers the unit as it is, at the same version.
pub fn update(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    precondition: &Precondition,
    changes: &UnitChanges,
) -> Result<Unit, StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let guard = versioned::check(Versioned::Unit, id, before.version, precondition)?;
        if changes_nothing(changes, &before) {
            return Ok(before);
        }
        super::calendars::check_exists(conn, changes.calendar_id.flatten())?;
        guard.bump(conn, ctx.now)?;
        let changeset = UnitChangeset {
            code: changes.code.as_ref().map(|c| c.as_str().to_owned()),
            name: changes.name.as_ref().map(|n| n.as_str().to_owned()),
            mandiri_tik: changes.mandiri_tik,
            time_zone: changes.time_zone,
            mailbox: changes.mailbox.as_ref().map(|m| m.as_str().to_owned()),
            active: changes.active,
            calendar_id: changes.calendar_id,
            head_name: changes.head_name.as_ref().map(|n| n.as_ref().map(|n| n.as_str().to_owned())),
            head_email: changes.head_email.as_ref().map(|e| e.as_ref().map(|e| e.as_str().to_owned())),
        };
        diesel::update(units::table.find(DbId(id)))
            .set(changeset)
            .execute(conn)
            .map_err(|e| explain_conflict(e.into()))?;
        let after = find(conn, id)?;
        journal::record(
            conn,
            ctx,
            Entry::resource(Resource::Unit, ResourceChange::Updated, id)
                .states(Some(snapshot(&before)?), Some(snapshot(&after)?)),
        )?;
        Ok(after)
    })
}

/// The active Perangkat Daerah without an active tier-1 technician: the
/// regulation requires every PD to name one, and their tickets would wait
/// in a queue nobody watches.
pub fn without_tier1(conn: &mut DbConnection) -> Result<Vec<Uuid>, StoreError> {
    use super::schema::users;
    let pds: Vec<Uuid> = units::table
        .filter(units::active.eq(true))
        .filter(units::kind.eq(UnitKind::PerangkatDaerah.as_str()))
        .order(units::id)
        .select(units::id)
        .load(conn)?;
    let staffed: Vec<(Uuid, String)> = users::table
        .filter(users::active.eq(true))
        .filter(users::roles.like("%tier1_technician%"))
        .select((users::unit_id, users::roles))
        .load(conn)?;
    let covered: std::collections::HashSet<Uuid> = staffed
        .into_iter()
        .filter(|(_, roles)| roles.split(',').any(|r| r == "tier1_technician"))
        .map(|(unit, _)| unit)
        .collect();
    Ok(pds.into_iter().filter(|pd| !covered.contains(pd)).collect())
}

/// Whether `unit` has an active tier-1 technician.
pub fn has_tier1(conn: &mut DbConnection, unit: Uuid) -> Result<bool, StoreError> {
    Ok(with_tier1(conn, &[unit])?.contains(&unit))
}

/// Which of `units` have an active tier-1 technician, in one query.
pub fn with_tier1(conn: &mut DbConnection, units: &[Uuid]) -> Result<std::collections::HashSet<Uuid>, StoreError> {
    use super::schema::users;
    if units.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    let rows: Vec<(Uuid, String)> = users::table
        .filter(users::active.eq(true))
        .filter(users::unit_id.eq_any(db_ids(units)))
        .filter(users::roles.like("%tier1_technician%"))
        .select((users::unit_id, users::roles))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(_, roles)| roles.split(',').any(|role| role == "tier1_technician"))
        .map(|(unit, _)| unit)
        .collect())
}
