//! Login sessions and their rotating refresh tokens.
//!
//! A session is a refresh-token family: each refresh marks the presented
//! token used and issues the next one. Presenting a used token again means it
//! leaked, so the whole family is revoked (OAuth 2.0 Security BCP, 4.14) —
//! except within a short grace after its use, when the presenter gets the
//! same successor (browser tabs refreshing at once are not an attack).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{refresh_tokens, sessions, units, users};
use super::sql_types::DbId;
use super::{write_tx, DbConnection, StoreError};
use crate::db::journal;
use crate::domain::journal::{Context, Entry, Resource, ResourceChange};
use crate::domain::organisation::UnitKind;
use crate::domain::policy::{Actor, Principal};
use crate::domain::role::RoleSet;

/// What presenting a refresh token led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refreshed {
    /// The token was current: here is who it belongs to.
    Rotated { user_id: Uuid, session_id: Uuid },
    /// The token had been used before: the session is now revoked.
    ReuseDetected,
    /// Unknown, expired, or belonging to a revoked session or inactive user.
    Rejected,
}

#[derive(Insertable)]
#[diesel(table_name = refresh_tokens)]
struct NewRefreshToken {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    #[diesel(serialize_as = DbId)]
    session_id: Uuid,
    token_hash: Vec<u8>,
    issued_at: chrono::NaiveDateTime,
    expires_at: chrono::NaiveDateTime,
}

fn insert_token(
    conn: &mut DbConnection,
    session_id: Uuid,
    token_hash: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(refresh_tokens::table)
        .values(NewRefreshToken {
            id: Uuid::now_v7(),
            session_id,
            token_hash: token_hash.to_vec(),
            issued_at: now.naive_utc(),
            expires_at: expires_at.naive_utc(),
        })
        .execute(conn)?;
    Ok(())
}

fn audit_session(
    conn: &mut DbConnection,
    ctx: &Context,
    change: ResourceChange,
    session_id: Uuid,
    user_id: Uuid,
) -> Result<(), StoreError> {
    let entry = Entry::resource(Resource::Session, change, session_id);
    journal::record(conn, ctx, entry.after(serde_json::json!({ "user_id": user_id })))
}

/// Opens a session for `user_id` with its first refresh token.
pub fn open(
    conn: &mut DbConnection,
    ctx: &Context,
    user_id: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let session_id = Uuid::now_v7();
    write_tx(conn, |conn| {
        diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(DbId(session_id)),
                sessions::user_id.eq(DbId(user_id)),
                sessions::created_at.eq(ctx.now.naive_utc()),
            ))
            .execute(conn)?;
        insert_token(conn, session_id, token_hash, ctx.now, expires_at)?;
        audit_session(conn, ctx, ResourceChange::Opened, session_id, user_id)?;
        Ok(session_id)
    })
}

/// Exchanges a current refresh token for the next one.
pub fn rotate(
    conn: &mut DbConnection,
    ctx: &Context,
    presented_hash: &[u8],
    next_hash: &[u8],
    next_expires_at: DateTime<Utc>,
    grace: chrono::Duration,
) -> Result<Refreshed, StoreError> {
    write_tx(conn, |conn| {
        let found = refresh_tokens::table
            .inner_join(sessions::table.inner_join(users::table))
            .filter(refresh_tokens::token_hash.eq(presented_hash))
            .select((
                refresh_tokens::id,
                refresh_tokens::expires_at,
                refresh_tokens::used_at,
                sessions::id,
                sessions::revoked_at,
                users::id,
                users::active,
            ))
            .first::<(
                Uuid,
                chrono::NaiveDateTime,
                Option<chrono::NaiveDateTime>,
                Uuid,
                Option<chrono::NaiveDateTime>,
                Uuid,
                bool,
            )>(conn)
            .optional()?;
        let Some((token_id, expires_at, used_at, session_id, revoked_at, user_id, active)) = found else {
            return Ok(Refreshed::Rejected);
        };
        if revoked_at.is_some() || !active || expires_at.and_utc() <= ctx.now {
            return Ok(Refreshed::Rejected);
        }
        // Conditional update: of two concurrent refreshes with one token,
        // exactly one sees a current token; the other is reuse.
        let marked =
            diesel::update(refresh_tokens::table.find(DbId(token_id)).filter(refresh_tokens::used_at.is_null()))
                .set(refresh_tokens::used_at.eq(ctx.now.naive_utc()))
                .execute(conn)?;
        if used_at.is_some() || marked == 0 {
            // `None`: used by a refresh that committed while this one waited.
            let used = used_at.map_or(ctx.now, |t| t.and_utc());
            if ctx.now - used <= grace && successor_unused(conn, session_id, next_hash)? {
                return Ok(Refreshed::Rotated { user_id, session_id });
            }
            revoke(conn, ctx, session_id, "refresh token reuse")?;
            return Ok(Refreshed::ReuseDetected);
        }
        insert_token(conn, session_id, next_hash, ctx.now, next_expires_at)?;
        audit_session(conn, ctx, ResourceChange::Refreshed, session_id, user_id)?;
        Ok(Refreshed::Rotated { user_id, session_id })
    })
}

/// Whether the successor (same session, `next_hash`) exists and is unused:
/// a concurrent refresh already issued it, and nobody has spent it yet.
fn successor_unused(conn: &mut DbConnection, session_id: Uuid, next_hash: &[u8]) -> Result<bool, StoreError> {
    let found: i64 = refresh_tokens::table
        .filter(refresh_tokens::session_id.eq(DbId(session_id)))
        .filter(refresh_tokens::token_hash.eq(next_hash))
        .filter(refresh_tokens::used_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// Revokes one session (logout, or reuse detected); idempotent.
pub fn revoke(conn: &mut DbConnection, ctx: &Context, session_id: Uuid, reason: &str) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        let target = sessions::table.find(DbId(session_id)).filter(sessions::revoked_at.is_null());
        let revoked = diesel::update(target)
            .set((sessions::revoked_at.eq(ctx.now.naive_utc()), sessions::revoked_reason.eq(reason)))
            .execute(conn)?;
        if revoked > 0 {
            let entry = Entry::resource(Resource::Session, ResourceChange::Revoked, session_id);
            journal::record(conn, ctx, entry.after(serde_json::json!({ "reason": reason })))?;
        }
        Ok(())
    })
}

/// Revokes every open session of a user but `except` (deactivation and a
/// password reset end them all; a user changing their own password keeps
/// the session they did it from).
pub fn revoke_all_for_user(
    conn: &mut DbConnection,
    ctx: &Context,
    user_id: Uuid,
    except: Option<Uuid>,
    reason: &str,
) -> Result<(), StoreError> {
    let open: Vec<Uuid> = sessions::table
        .filter(sessions::user_id.eq(DbId(user_id)))
        .filter(sessions::revoked_at.is_null())
        .select(sessions::id)
        .load(conn)?;
    for session_id in open {
        if Some(session_id) != except {
            revoke(conn, ctx, session_id, reason)?;
        }
    }
    Ok(())
}

/// The principal behind an access token, if its session is still open and
/// its user still active (so logout and deactivation take effect at once).
pub fn principal(conn: &mut DbConnection, user_id: Uuid, session_id: Uuid) -> Result<Option<Principal>, StoreError> {
    let found = sessions::table
        .inner_join(users::table.inner_join(units::table))
        .filter(sessions::id.eq(DbId(session_id)))
        .filter(sessions::user_id.eq(DbId(user_id)))
        .filter(sessions::revoked_at.is_null())
        .filter(users::active.eq(true))
        .filter(units::active.eq(true))
        .select((users::unit_id, users::roles, units::kind))
        .first::<(Uuid, String, String)>(conn)
        .optional()?;
    let Some((unit_id, roles, kind)) = found else {
        return Ok(None);
    };
    Ok(Some(Principal {
        actor: Actor::User(user_id),
        unit_id,
        unit_kind: kind.parse::<UnitKind>().map_err(|e| StoreError::Corrupt(e.to_string()))?,
        roles: RoleSet::from_stored(&roles).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    }))
}
