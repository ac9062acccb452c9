//! The Layanan SPBE catalog: storage and queries.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::schema::{services, units};
use super::sql_types::{DbId, OptionalDbId};
use super::versioned::{self, Versioned};
use super::{write_tx, DbConnection, StoreError};
use crate::db::journal::{self, snapshot};
use crate::domain::journal::{Context, Entry, Resource, ResourceChange};
use crate::domain::service::{NewService, Platform, ServiceCategory, ServiceChanges};
use crate::domain::validation::ValidationErrors;
use crate::domain::version::{keeps, Precondition};

/// A stored catalog entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub description: String,
    pub category: ServiceCategory,
    pub owner_unit_id: Uuid,
    pub platform: Platform,
    pub application_name: Option<String>,
    pub direct_tier2: bool,
    pub active: bool,
    pub calendar_id: Option<Uuid>,
    pub sla_policy_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The shared infrastructure it runs on.
    pub depends_on: Vec<Platform>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = services)]
struct ServiceRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    code: String,
    name: String,
    description: String,
    category: ServiceCategory,
    #[diesel(serialize_as = DbId)]
    owner_unit_id: Uuid,
    platform: Platform,
    application_name: Option<String>,
    direct_tier2: bool,
    active: bool,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    calendar_id: Option<Uuid>,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    sla_policy_id: Option<Uuid>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    depends_on: String,
}

impl TryFrom<ServiceRow> for Service {
    type Error = StoreError;

    fn try_from(row: ServiceRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id,
            code: row.code,
            name: row.name,
            description: row.description,
            category: row.category,
            owner_unit_id: row.owner_unit_id,
            platform: row.platform,
            application_name: row.application_name,
            direct_tier2: row.direct_tier2,
            active: row.active,
            calendar_id: row.calendar_id,
            sla_policy_id: row.sla_policy_id,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            depends_on: crate::domain::service::depends_on_parse_stored(&row.depends_on)
                .map_err(StoreError::Corrupt)?,
        })
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = services)]
struct ServiceChangeset {
    code: Option<String>,
    name: Option<String>,
    description: Option<String>,
    category: Option<ServiceCategory>,
    #[diesel(serialize_as = DbId)]
    owner_unit_id: Option<Uuid>,
    platform: Option<Platform>,
    application_name: Option<Option<String>>,
    direct_tier2: Option<bool>,
    active: Option<bool>,
    #[diesel(serialize_as = OptionalDbId)]
    calendar_id: Option<Option<Uuid>>,
    #[diesel(serialize_as = OptionalDbId)]
    sla_policy_id: Option<Option<Uuid>>,
    depends_on: Option<String>,
}

/// Filters for listing the catalog.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    pub category: Option<ServiceCategory>,
    pub platform: Option<Platform>,
    pub owner_unit_id: Option<Uuid>,
    pub direct_tier2: Option<bool>,
    pub active: Option<bool>,
    pub text: Option<String>,
    pub after_id: Option<Uuid>,
    pub limit: u32,
}

fn explain_conflict(error: diesel::result::Error) -> StoreError {
    match StoreError::from(error) {
        StoreError::Conflict(_) => StoreError::Conflict("a service with this code already exists".to_owned()),
        other => other,
    }
}

fn check_owner(conn: &mut DbConnection, owner_unit_id: Uuid) -> Result<(), StoreError> {
    let active: Option<bool> = units::table.find(DbId(owner_unit_id)).select(units::active).first(conn).optional()?;
    match active {
        Some(true) => Ok(()),
        Some(false) => Err(StoreError::Invalid(ValidationErrors::single("owner_unit_id", "the unit is inactive"))),
        None => Err(StoreError::Invalid(ValidationErrors::single("owner_unit_id", "no such unit"))),
    }
}

/// Adds a service to the catalog and audits it.
pub fn insert(conn: &mut DbConnection, ctx: &Context, new: &NewService) -> Result<Service, StoreError> {
    let now = ctx.now.naive_utc();
    let id = Uuid::now_v7();
    write_tx(conn, |conn| {
        check_owner(conn, new.owner_unit_id)?;
        super::calendars::check_exists(conn, new.calendar_id)?;
        super::sla_policies::check_exists(conn, new.sla_policy_id)?;
        let row = ServiceRow {
            id,
            code: new.code.as_str().to_owned(),
            name: new.name.as_str().to_owned(),
            description: new.description.clone(),
            category: new.category,
            owner_unit_id: new.owner_unit_id,
            platform: new.platform,
            application_name: new.application_name.as_ref().map(|n| n.as_str().to_owned()),
            direct_tier2: new.direct_tier2,
            active: true,
            calendar_id: new.calendar_id,
            sla_policy_id: new.sla_policy_id,
            version: 1,
            created_at: now,
            updated_at: now,
            depends_on: crate::domain::service::depends_on_text(&new.depends_on),
        };
        diesel::insert_into(services::table).values(row).execute(conn).map_err(explain_conflict)?;
        let service = find(conn, id)?;
        let entry = Entry::resource(Resource::Service, ResourceChange::Created, id).after(snapshot(&service)?);
        journal::record(conn, ctx, entry)?;
        Ok(service)
    })
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Service, StoreError> {
    services::table.find(DbId(id)).select(ServiceRow::as_select()).first(conn)?.try_into()
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> Result<Option<Service>, StoreError> {
    services::table
        .filter(services::code.eq(code.to_uppercase()))
        .select(ServiceRow::as_select())
        .first(conn)
        .optional()?
        .map(Service::try_from)
        .transpose()
}

/// One page of the catalog in creation order.
pub fn list(conn: &mut DbConnection, filter: &ServiceFilter) -> Result<Vec<Service>, StoreError> {
    let mut query = services::table.select(ServiceRow::as_select()).into_boxed();
    if let Some(category) = filter.category {
        query = query.filter(services::category.eq(category.as_str()));
    }
    if let Some(platform) = filter.platform {
        query = query.filter(services::platform.eq(platform.as_str()));
    }
    if let Some(owner) = filter.owner_unit_id {
        query = query.filter(services::owner_unit_id.eq(DbId(owner)));
    }
    if let Some(direct) = filter.direct_tier2 {
        query = query.filter(services::direct_tier2.eq(direct));
    }
    if let Some(active) = filter.active {
        query = query.filter(services::active.eq(active));
    }
    if let Some(text) = &filter.text {
        let pattern = super::like_pattern(text);
        query = query.filter(
            super::lower(services::name)
                .like(pattern.clone())
                .escape('\\')
                .or(super::lower(services::code).like(pattern).escape('\\')),
        );
    }
    if let Some(after) = filter.after_id {
        query = query.filter(services::id.gt(DbId(after)));
    }
    query
        .order(services::id.asc())
        .limit(i64::from(filter.limit))
        .load::<ServiceRow>(conn)?
        .into_iter()
        .map(Service::try_from)
        .collect()
}

/// Whether `changes` would leave `service` as it is (every given field
/// equal to the stored one, or none given).
fn changes_nothing(changes: &ServiceChanges, service: &Service) -> bool {
    keeps(changes.code.as_ref().map(|c| c.as_str()), service.code.as_str())
        && keeps(changes.name.as_ref().map(|n| n.as_str()), service.name.as_str())
        && keeps(changes.description.as_deref(), service.description.as_str())
        && keeps(changes.category, service.category)
        && keeps(changes.owner_unit_id, service.owner_unit_id)
        && keeps(changes.platform, service.platform)
        && keeps(
            changes.application_name.as_ref().map(|n| n.as_ref().map(|n| n.as_str())),
            service.application_name.as_deref(),
        )
        && keeps(changes.direct_tier2, service.direct_tier2)
        && keeps(changes.active, service.active)
        && keeps(changes.calendar_id, service.calendar_id)
        && keeps(changes.sla_policy_id, service.sla_policy_id)
        && changes.depends_on.as_ref().is_none_or(|d| *d == service.depends_on)
}

/// Applies `changes` if `precondition` admits the service's version;
/// changing nothing answers the service as it is, at the same version.
pub fn update(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    precondition: &Precondition,
    changes: &ServiceChanges,
) -> Result<Service, StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let guard = versioned::check(Versioned::Service, id, before.version, precondition)?;
        if changes_nothing(changes, &before) {
            return Ok(before);
        }
        if let Some(owner) = changes.owner_unit_id {
            check_owner(conn, owner)?;
        }
        super::calendars::check_exists(conn, changes.calendar_id.flatten())?;
        super::sla_policies::check_exists(conn, changes.sla_policy_id.flatten())?;
        let platform = changes.platform.unwrap_or(before.platform);
        let application = match &changes.application_name {
            Some(name) => name.as_ref().map(|n| n.as_str().to_owned()),
            None => before.application_name.clone(),
        };
        let application_name = application.as_deref().map(crate::domain::text::DisplayName::parse).transpose();
        let application_name = application_name.map_err(|e| StoreError::Corrupt(e.to_string()))?;
        crate::domain::service::check_application(platform, application_name.as_ref())
            .map_err(|e| StoreError::Invalid(ValidationErrors::single("application_name", e)))?;
        let changeset = ServiceChangeset {
            code: changes.code.as_ref().map(|c| c.as_str().to_owned()),
            name: changes.name.as_ref().map(|n| n.as_str().to_owned()),
            description: changes.description.clone(),
            category: changes.category,
            owner_unit_id: changes.owner_unit_id,
            platform: changes.platform,
            application_name: changes.application_name.as_ref().map(|n| n.as_ref().map(|n| n.as_str().to_owned())),
            direct_tier2: changes.direct_tier2,
            active: changes.active,
            calendar_id: changes.calendar_id,
            sla_policy_id: changes.sla_policy_id,
            depends_on: changes.depends_on.as_deref().map(crate::domain::service::depends_on_text),
        };
        guard.bump(conn, ctx.now)?;
        diesel::update(services::table.find(DbId(id))).set(changeset).execute(conn).map_err(explain_conflict)?;
        let after = find(conn, id)?;
        let entry = Entry::resource(Resource::Service, ResourceChange::Updated, id);
        journal::record(conn, ctx, entry.states(Some(snapshot(&before)?), Some(snapshot(&after)?)))?;
        Ok(after)
    })
}
