//! Templates of standard changes: pre-approved, per service, with their
//! own plans (admin-managed).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::db::journal::{self, snapshot};
use crate::db::schema::{change_templates, services};
use crate::db::sql_types::DbId;
use crate::db::versioned::{self, Versioned};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::change::ChangeScope;
use crate::domain::journal::{Context, Entry, Resource, ResourceChange};
use crate::domain::validation::ValidationErrors;
use crate::domain::version::Precondition;

/// A validated template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateDraft {
    pub service_id: Uuid,
    pub name: String,
    pub scope: ChangeScope,
    pub title: String,
    pub description: String,
    pub implementation_plan: String,
    pub test_plan: String,
    pub rollback_plan: String,
    pub active: bool,
}

/// A stored template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    pub id: Uuid,
    pub service_id: Uuid,
    pub name: String,
    pub scope: ChangeScope,
    pub title: String,
    pub description: String,
    pub implementation_plan: String,
    pub test_plan: String,
    pub rollback_plan: String,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = change_templates)]
struct TemplateRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    #[diesel(serialize_as = DbId)]
    service_id: Uuid,
    name: String,
    scope: ChangeScope,
    title: String,
    description: String,
    implementation_plan: String,
    test_plan: String,
    rollback_plan: String,
    active: bool,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<TemplateRow> for Template {
    type Error = StoreError;

    fn try_from(r: TemplateRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: r.id,
            service_id: r.service_id,
            name: r.name,
            scope: r.scope,
            title: r.title,
            description: r.description,
            implementation_plan: r.implementation_plan,
            test_plan: r.test_plan,
            rollback_plan: r.rollback_plan,
            active: r.active,
            version: r.version,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        })
    }
}

fn row_of(id: Uuid, d: &TemplateDraft, version: i64, created: NaiveDateTime, now: NaiveDateTime) -> TemplateRow {
    TemplateRow {
        id,
        service_id: d.service_id,
        name: d.name.clone(),
        scope: d.scope,
        title: d.title.clone(),
        description: d.description.clone(),
        implementation_plan: d.implementation_plan.clone(),
        test_plan: d.test_plan.clone(),
        rollback_plan: d.rollback_plan.clone(),
        active: d.active,
        version,
        created_at: created,
        updated_at: now,
    }
}

fn check_service(conn: &mut DbConnection, id: Uuid) -> Result<(), StoreError> {
    let active: Option<bool> = services::table.find(DbId(id)).select(services::active).first(conn).optional()?;
    if active != Some(true) {
        return Err(StoreError::Invalid(ValidationErrors::single("service_id", "no such active service")));
    }
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Template, StoreError> {
    let row: TemplateRow = change_templates::table
        .find(DbId(id))
        .select(TemplateRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Template::try_from(row)
}

pub fn list(
    conn: &mut DbConnection,
    service_id: Option<Uuid>,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<Template>, StoreError> {
    let mut q = change_templates::table.select(TemplateRow::as_select()).order(change_templates::id).into_boxed();
    if let Some(service) = service_id {
        q = q.filter(change_templates::service_id.eq(DbId(service)));
    }
    if let Some(after) = after {
        q = q.filter(change_templates::id.gt(DbId(after)));
    }
    q.limit(i64::from(limit)).load(conn)?.into_iter().map(Template::try_from).collect()
}

pub fn insert(conn: &mut DbConnection, ctx: &Context, draft: &TemplateDraft) -> Result<Template, StoreError> {
    let id = Uuid::now_v7();
    let now = ctx.now.naive_utc();
    write_tx(conn, |conn| {
        check_service(conn, draft.service_id)?;
        diesel::insert_into(change_templates::table).values(row_of(id, draft, 1, now, now)).execute(conn)?;
        let template = find(conn, id)?;
        let entry = Entry::resource(Resource::ChangeTemplate, ResourceChange::Created, id).after(snapshot(&template)?);
        journal::record(conn, ctx, entry)?;
        Ok(template)
    })
}

/// Replaces a template (changes raised from it keep the plans they copied).
pub fn replace(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    precondition: &Precondition,
    draft: &TemplateDraft,
) -> Result<Template, StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let guard = versioned::check(Versioned::ChangeTemplate, id, before.version, precondition)?;
        check_service(conn, draft.service_id)?;
        let version = guard.bump(conn, ctx.now)?;
        let row = row_of(id, draft, version, before.created_at.naive_utc(), ctx.now.naive_utc());
        diesel::update(change_templates::table.find(DbId(id))).set(row).execute(conn)?;
        let after = find(conn, id)?;
        let entry = Entry::resource(Resource::ChangeTemplate, ResourceChange::Updated, id);
        journal::record(conn, ctx, entry.states(Some(snapshot(&before)?), Some(snapshot(&after)?)))?;
        Ok(after)
    })
}
