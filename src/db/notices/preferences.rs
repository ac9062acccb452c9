//! Which non-essential notices a user turned off.

use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::db::journal;
use crate::db::schema::users;
use crate::db::sql_types::DbId;
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Resource, ResourceChange};

pub fn opted_out(conn: &mut DbConnection, user: Uuid) -> Result<Vec<String>, StoreError> {
    let stored: String = users::table.find(DbId(user)).select(users::notice_opt_outs).first(conn)?;
    serde_json::from_str(&stored).map_err(|e| StoreError::Corrupt(format!("opt-outs: {e}")))
}

/// Replaces the user's opt-outs (checked by the caller) and audits it.
pub fn set_opted_out(
    conn: &mut DbConnection,
    ctx: &Context,
    user: Uuid,
    events: &[String],
) -> Result<Vec<String>, StoreError> {
    write_tx(conn, |conn| {
        let before = opted_out(conn, user)?;
        if before == events {
            return Ok(before);
        }
        diesel::update(users::table.find(DbId(user)))
            .set(users::notice_opt_outs.eq(json!(events).to_string()))
            .execute(conn)?;
        let entry = Entry::resource(Resource::User, ResourceChange::Updated, user)
            .states(Some(json!({ "notice_opt_outs": before })), Some(json!({ "notice_opt_outs": events })));
        journal::record(conn, ctx, entry)?;
        Ok(events.to_vec())
    })
}
