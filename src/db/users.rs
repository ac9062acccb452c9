//! Users: storage and scoped queries.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::schema::{units, users};
use super::sql_types::DbId;
use super::versioned::{self, Versioned};
use super::{sessions, write_tx, DbConnection, StoreError};
use crate::db::journal::{self, snapshot};
use crate::domain::journal::{Context, Entry, Resource, ResourceChange};
use crate::domain::organisation::UnitKind;
use crate::domain::policy::UserVisibility;
use crate::domain::role::{Role, RoleSet};
use crate::domain::user::{NewUser, UserChanges};
use crate::domain::validation::ValidationErrors;
use crate::domain::version::{keeps, Precondition};

/// A stored user, without credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    #[diesel(serialize_as = DbId)]
    unit_id: Uuid,
    name: String,
    email: String,
    password_hash: Option<String>,
    roles: String,
    active: bool,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl UserRow {
    fn into_user(self) -> Result<(User, Option<String>), StoreError> {
        let roles = RoleSet::from_stored(&self.roles).map_err(|e| StoreError::Corrupt(format!("roles: {e}")))?;
        let user = User {
            id: self.id,
            unit_id: self.unit_id,
            name: self.name,
            email: self.email,
            roles: roles.to_vec(),
            active: self.active,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        };
        Ok((user, self.password_hash))
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct UserChangeset {
    name: Option<String>,
    email: Option<String>,
    #[diesel(serialize_as = DbId)]
    unit_id: Option<Uuid>,
    roles: Option<String>,
    active: Option<bool>,
    password_hash: Option<String>,
}

/// Filters for listing users.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub unit_id: Option<Uuid>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub text: Option<String>,
    pub after_id: Option<Uuid>,
    pub limit: u32,
}

type BoxedUsers<'a> = users::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend>;

/// Restricts a query to the users the caller may see.
fn scoped(visibility: UserVisibility) -> BoxedUsers<'static> {
    let query = users::table.into_boxed();
    match visibility {
        UserVisibility::All => query,
        UserVisibility::Unit(unit_id) => query.filter(users::unit_id.eq(DbId(unit_id))),
        UserVisibility::OnlySelf(user_id) => query.filter(users::id.eq(DbId(user_id))),
        UserVisibility::Nothing => query.filter(users::id.is_null()),
    }
}

fn explain_conflict(error: diesel::result::Error) -> StoreError {
    match StoreError::from(error) {
        StoreError::Conflict(_) => StoreError::Conflict("a user with this e-mail address already exists".to_owned()),
        other => other,
    }
}

/// Checks the unit exists, is active, and may hold `roles`.
fn check_unit_for_roles(conn: &mut DbConnection, unit_id: Uuid, roles: &RoleSet) -> Result<(), StoreError> {
    let unit = units::table
        .find(DbId(unit_id))
        .select((units::kind, units::active))
        .first::<(UnitKind, bool)>(conn)
        .optional()?;
    let Some((kind, active)) = unit else {
        return Err(StoreError::Invalid(ValidationErrors::single("unit_id", "no such unit")));
    };
    if !active {
        return Err(StoreError::Invalid(ValidationErrors::single("unit_id", "the unit is inactive")));
    }
    roles.check_unit(kind).map_err(|e| StoreError::Invalid(ValidationErrors::single("roles", e.to_string())))
}

/// Creates a user with an optional argon2 password hash, and audits it.
pub fn insert(
    conn: &mut DbConnection,
    ctx: &Context,
    new: &NewUser,
    password_hash: Option<String>,
) -> Result<User, StoreError> {
    let now = ctx.now.naive_utc();
    let id = Uuid::now_v7();
    write_tx(conn, |conn| {
        check_unit_for_roles(conn, new.unit_id, &new.roles)?;
        let row = UserRow {
            id,
            unit_id: new.unit_id,
            name: new.name.as_str().to_owned(),
            email: new.email.as_str().to_owned(),
            password_hash,
            roles: new.roles.to_stored(),
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        diesel::insert_into(users::table).values(row).execute(conn).map_err(explain_conflict)?;
        let user = find(conn, UserVisibility::All, id)?;
        journal::record(
            conn,
            ctx,
            Entry::resource(Resource::User, ResourceChange::Created, id).states(None, Some(snapshot(&user)?)),
        )?;
        Ok(user)
    })
}

/// Reads one user the caller may see; others are `NotFound`.
pub fn find(conn: &mut DbConnection, visibility: UserVisibility, id: Uuid) -> Result<User, StoreError> {
    let row = scoped(visibility).filter(users::id.eq(DbId(id))).select(UserRow::as_select()).first::<UserRow>(conn)?;
    Ok(row.into_user()?.0)
}

/// The user and password hash for a login attempt, by e-mail.
pub fn find_for_login(conn: &mut DbConnection, email: &str) -> Result<Option<(User, Option<String>)>, StoreError> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first::<UserRow>(conn)
        .optional()?
        .map(UserRow::into_user)
        .transpose()
}

/// One page of the users the caller may see, in creation order.
pub fn list(conn: &mut DbConnection, visibility: UserVisibility, filter: &UserFilter) -> Result<Vec<User>, StoreError> {
    let mut query = scoped(visibility).select(UserRow::as_select());
    if let Some(unit_id) = filter.unit_id {
        query = query.filter(users::unit_id.eq(DbId(unit_id)));
    }
    if let Some(role) = filter.role {
        // Roles are stored comma-separated and no role name contains another.
        query = query.filter(users::roles.like(format!("%{}%", role.as_str())));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    if let Some(text) = &filter.text {
        let pattern = super::like_pattern(text);
        query = query.filter(
            super::lower(users::name).like(pattern.clone()).escape('\\').or(users::email.like(pattern).escape('\\')),
        );
    }
    if let Some(after) = filter.after_id {
        query = query.filter(users::id.gt(DbId(after)));
    }
    query
        .order(users::id.asc())
        .limit(i64::from(filter.limit))
        .load::<UserRow>(conn)?
        .into_iter()
        .map(|row| row.into_user().map(|(user, _)| user))
        .collect()
}

/// Whether `changes` would leave `user` as it is (every given field equal
/// to the stored one, or none given). A new password always changes it.
fn changes_nothing(changes: &UserChanges, password_hash: Option<&String>, user: &User) -> bool {
    password_hash.is_none()
        && keeps(changes.name.as_ref().map(|n| n.as_str()), user.name.as_str())
        && keeps(changes.email.as_ref().map(|e| e.as_str()), user.email.as_str())
        && keeps(changes.unit_id, user.unit_id)
        && keeps(changes.roles.as_ref().map(RoleSet::to_vec), user.roles.clone())
        && keeps(changes.active, user.active)
}

/// Applies `changes` (and optionally a new password hash) if
/// `precondition` admits the user's version; deactivation revokes every
/// session. Changing nothing answers the user as they are.
pub fn update(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    precondition: &Precondition,
    changes: &UserChanges,
    password_hash: Option<String>,
) -> Result<User, StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, UserVisibility::All, id)?;
        let guard = versioned::check(Versioned::User, id, before.version, precondition)?;
        if changes_nothing(changes, password_hash.as_ref(), &before) {
            return Ok(before);
        }
        if changes.ends_admin(before.roles.contains(&Role::Admin), before.active) && other_active_admins(conn, id)? == 0
        {
            return Err(StoreError::Conflict(
                "this is the last active admin: make another user admin before demoting or deactivating this one"
                    .to_owned(),
            ));
        }
        if changes.unit_id.is_some() || changes.roles.is_some() {
            let roles = match &changes.roles {
                Some(roles) => roles.clone(),
                None => RoleSet::new(before.roles.iter().copied())
                    .map_err(|e| StoreError::Corrupt(format!("roles: {e}")))?,
            };
            check_unit_for_roles(conn, changes.unit_id.unwrap_or(before.unit_id), &roles)?;
        }
        let changeset = UserChangeset {
            name: changes.name.as_ref().map(|n| n.as_str().to_owned()),
            email: changes.email.as_ref().map(|e| e.as_str().to_owned()),
            unit_id: changes.unit_id,
            roles: changes.roles.as_ref().map(RoleSet::to_stored),
            active: changes.active,
            password_hash: password_hash.clone(),
        };
        guard.bump(conn, ctx.now)?;
        diesel::update(users::table.find(DbId(id))).set(changeset).execute(conn).map_err(explain_conflict)?;
        if changes.deactivates() {
            sessions::revoke_all_for_user(conn, ctx, id, None, "user deactivated")?;
        } else if password_hash.is_some() {
            sessions::revoke_all_for_user(conn, ctx, id, None, "password changed")?;
        }
        let after = find(conn, UserVisibility::All, id)?;
        let change =
            if password_hash.is_some() { ResourceChange::UpdatedWithPassword } else { ResourceChange::Updated };
        let entry =
            Entry::resource(Resource::User, change, id).states(Some(snapshot(&before)?), Some(snapshot(&after)?));
        journal::record(conn, ctx, entry)?;
        Ok(after)
    })
}

/// Sets a user's own new password (the caller checked the old one), bumps
/// their version, and ends every other session of theirs: `keep_session`,
/// the one the change came from, stays open. The audit entry holds the
/// record before and after, which carries no password material.
pub fn change_own_password(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    keep_session: Uuid,
    password_hash: String,
) -> Result<User, StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, UserVisibility::All, id)?;
        let guard = versioned::check(Versioned::User, id, before.version, &Precondition::None)?;
        guard.bump(conn, ctx.now)?;
        diesel::update(users::table.find(DbId(id))).set(users::password_hash.eq(Some(password_hash))).execute(conn)?;
        sessions::revoke_all_for_user(conn, ctx, id, Some(keep_session), "password changed by its owner")?;
        let after = find(conn, UserVisibility::All, id)?;
        let entry = Entry::resource(Resource::User, ResourceChange::PasswordChanged, id)
            .states(Some(snapshot(&before)?), Some(snapshot(&after)?));
        journal::record(conn, ctx, entry)?;
        Ok(after)
    })
}

/// Active admins other than `id`; on PostgreSQL their rows are locked, so
/// two admins demoting each other at once cannot both succeed.
fn other_active_admins(conn: &mut DbConnection, id: Uuid) -> Result<usize, StoreError> {
    #[derive(diesel::QueryableByName)]
    struct Admin {
        #[diesel(sql_type = diesel::sql_types::Text)]
        roles: String,
    }
    let sql = "SELECT roles FROM users WHERE active AND roles LIKE '%admin%' AND id <> $1";
    let rows: Vec<Admin> = match conn {
        DbConnection::Postgres(pg) => {
            diesel::sql_query(format!("{sql} FOR UPDATE")).bind::<crate::db::sql_types::Id, _>(DbId(id)).load(pg)?
        }
        DbConnection::Sqlite(lite) => {
            diesel::sql_query(sql.replace("$1", "?1")).bind::<crate::db::sql_types::Id, _>(DbId(id)).load(lite)?
        }
    };
    Ok(rows.iter().filter(|row| row.roles.split(',').any(|role| role == "admin")).count())
}
