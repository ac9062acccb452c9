//! SLA policies: storage, the default policy, versions and snapshots.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::schema::{services, sla_policies, sla_policy_versions};
use super::sql_types::DbId;
use super::versioned::{self, Versioned};
use super::{write_tx, DbConnection, StoreError};
use crate::db::journal;
use crate::domain::journal::{Context, Entry, Resource, ResourceChange};
use crate::domain::sla::policy::SlaPolicy;
use crate::domain::validation::ValidationErrors;
use crate::domain::version::Precondition;

/// A stored policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub policy: SlaPolicy,
    /// Applies to services that name no policy.
    pub is_default: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new policy, or the full replacement of one.
pub struct PolicyDraft {
    pub name: String,
    pub description: String,
    pub policy: SlaPolicy,
    pub is_default: bool,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = sla_policies)]
struct PolicyRow {
    id: Uuid,
    name: String,
    description: String,
    policy_json: String,
    is_default: bool,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<PolicyRow> for Policy {
    type Error = StoreError;

    fn try_from(r: PolicyRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: r.id,
            name: r.name,
            description: r.description,
            policy: serde_json::from_str(&r.policy_json).map_err(|e| StoreError::Corrupt(format!("policy: {e}")))?,
            is_default: r.is_default,
            version: r.version,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        })
    }
}

fn json(policy: &SlaPolicy) -> Result<String, StoreError> {
    serde_json::to_string(policy).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn explain_conflict(error: diesel::result::Error) -> StoreError {
    match StoreError::from(error) {
        StoreError::Conflict(m) if m.contains("default") => {
            StoreError::Conflict("another policy became the default at the same moment; retry".to_owned())
        }
        StoreError::Conflict(_) => StoreError::Conflict("a policy with this name already exists".to_owned()),
        other => other,
    }
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Policy, StoreError> {
    sla_policies::table.find(DbId(id)).select(PolicyRow::as_select()).first::<PolicyRow>(conn)?.try_into()
}

/// The default policy, if one is set.
pub fn find_default(conn: &mut DbConnection) -> Result<Option<Policy>, StoreError> {
    sla_policies::table
        .filter(sla_policies::is_default.eq(true))
        .select(PolicyRow::as_select())
        .first::<PolicyRow>(conn)
        .optional()?
        .map(Policy::try_from)
        .transpose()
}

/// The policy as it was at `version` (for clocks started under it).
pub fn find_version(conn: &mut DbConnection, id: Uuid, version: i64) -> Result<Policy, StoreError> {
    let snapshot: String =
        sla_policy_versions::table.find((DbId(id), version)).select(sla_policy_versions::snapshot_json).first(conn)?;
    serde_json::from_str(&snapshot).map_err(|e| StoreError::Corrupt(format!("policy snapshot: {e}")))
}

pub fn list(conn: &mut DbConnection, after: Option<Uuid>, limit: u32) -> Result<Vec<Policy>, StoreError> {
    let mut query = sla_policies::table.select(PolicyRow::as_select()).into_boxed();
    if let Some(after) = after {
        query = query.filter(sla_policies::id.gt(DbId(after)));
    }
    query
        .order(sla_policies::id.asc())
        .limit(i64::from(limit))
        .load::<PolicyRow>(conn)?
        .into_iter()
        .map(Policy::try_from)
        .collect()
}

/// Demotes the current default (as a new version of it, snapshotted and
/// audited) when another policy becomes the default.
fn take_default(conn: &mut DbConnection, ctx: &Context, id: Uuid, is_default: bool) -> Result<(), StoreError> {
    if !is_default {
        return Ok(());
    }
    let Some(current) = find_default(conn)?.filter(|p| p.id != id) else { return Ok(()) };
    versioned::unconditional(Versioned::SlaPolicy, current.id, current.version).bump(conn, ctx.now)?;
    diesel::update(sla_policies::table.find(DbId(current.id))).set(sla_policies::is_default.eq(false)).execute(conn)?;
    save_version(conn, ctx, current.id, ResourceChange::NoLongerDefault, Some(&current)).map(|_| ())
}

fn save_version(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    change: ResourceChange,
    before: Option<&Policy>,
) -> Result<Policy, StoreError> {
    let policy = find(conn, id)?;
    let text = serde_json::to_string(&policy).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    diesel::insert_into(sla_policy_versions::table)
        .values((
            sla_policy_versions::policy_id.eq(DbId(id)),
            sla_policy_versions::version.eq(policy.version),
            sla_policy_versions::snapshot_json.eq(text),
            sla_policy_versions::created_at.eq(ctx.now.naive_utc()),
        ))
        .execute(conn)?;
    let before = before.map(journal::snapshot).transpose()?;
    let entry = Entry::resource(Resource::SlaPolicy, change, id).states(before, Some(journal::snapshot(&policy)?));
    journal::record(conn, ctx, entry)?;
    Ok(policy)
}

pub fn insert(conn: &mut DbConnection, ctx: &Context, draft: &PolicyDraft) -> Result<Policy, StoreError> {
    let id = Uuid::now_v7();
    let now = ctx.now.naive_utc();
    write_tx(conn, |conn| {
        take_default(conn, ctx, id, draft.is_default)?;
        diesel::insert_into(sla_policies::table)
            .values((
                sla_policies::id.eq(DbId(id)),
                sla_policies::name.eq(&draft.name),
                sla_policies::description.eq(&draft.description),
                sla_policies::policy_json.eq(json(&draft.policy)?),
                sla_policies::is_default.eq(draft.is_default),
                sla_policies::version.eq(1_i64),
                sla_policies::created_at.eq(now),
                sla_policies::updated_at.eq(now),
            ))
            .execute(conn)
            .map_err(explain_conflict)?;
        save_version(conn, ctx, id, ResourceChange::Created, None)
    })
}

/// Whether `draft` is what `policy` already holds.
fn replaces_nothing(draft: &PolicyDraft, policy: &Policy) -> bool {
    draft.name == policy.name
        && draft.description == policy.description
        && draft.policy == policy.policy
        && draft.is_default == policy.is_default
}

/// Replaces a policy as a new version if `precondition` admits its version;
/// running clocks keep theirs. Replacing it with what it holds answers it as
/// it is, at the same version.
pub fn update(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    precondition: &Precondition,
    draft: &PolicyDraft,
) -> Result<Policy, StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let guard = versioned::check(Versioned::SlaPolicy, id, before.version, precondition)?;
        if replaces_nothing(draft, &before) {
            return Ok(before);
        }
        take_default(conn, ctx, id, draft.is_default)?;
        guard.bump(conn, ctx.now)?;
        diesel::update(sla_policies::table.find(DbId(id)))
            .set((
                sla_policies::name.eq(&draft.name),
                sla_policies::description.eq(&draft.description),
                sla_policies::policy_json.eq(json(&draft.policy)?),
                sla_policies::is_default.eq(draft.is_default),
            ))
            .execute(conn)
            .map_err(explain_conflict)?;
        save_version(conn, ctx, id, ResourceChange::Updated, Some(&before))
    })
}

/// Deletes a policy no service uses and that is not the default; its
/// version snapshots are kept.
pub fn delete(conn: &mut DbConnection, ctx: &Context, id: Uuid) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let used: i64 = services::table.filter(services::sla_policy_id.eq(DbId(id))).count().get_result(conn)?;
        if used > 0 || before.is_default {
            let why = if before.is_default {
                "it is the default policy".to_owned()
            } else {
                format!("{used} service(s) use it")
            };
            return Err(StoreError::Conflict(format!("the policy cannot be deleted: {why}")));
        }
        // Its versions stay: clocks that ran under them remain explainable.
        diesel::delete(sla_policies::table.find(DbId(id))).execute(conn)?;
        let entry = Entry::resource(Resource::SlaPolicy, ResourceChange::Deleted, id);
        journal::record(conn, ctx, entry.before(journal::snapshot(&before)?))
    })
}

/// Checks that a policy a service names exists.
pub fn check_exists(conn: &mut DbConnection, id: Option<Uuid>) -> Result<(), StoreError> {
    let Some(id) = id else { return Ok(()) };
    let found: i64 = sla_policies::table.filter(sla_policies::id.eq(DbId(id))).count().get_result(conn)?;
    if found == 0 {
        return Err(StoreError::Invalid(ValidationErrors::single("sla_policy_id", "no such SLA policy")));
    }
    Ok(())
}

/// Finds a policy by name (for the seed).
pub fn find_by_name(conn: &mut DbConnection, name: &str) -> Result<Option<Policy>, StoreError> {
    sla_policies::table
        .filter(sla_policies::name.eq(name))
        .select(PolicyRow::as_select())
        .first::<PolicyRow>(conn)
        .optional()?
        .map(Policy::try_from)
        .transpose()
}
