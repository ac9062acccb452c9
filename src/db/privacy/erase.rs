//! `privacy erase`: a reporter's contact erased from the tickets reported
//! on their behalf, from the values their entries committed to, and from
//! the outbox, in one transaction; the chains keep every hash.

use diesel::prelude::*;
use serde::Serialize;

use super::{entries_of, tickets_of, values_of};
use crate::db::schema::{personal_data, tickets as tickets_table};
use crate::db::sql_types::DbId;
use crate::db::{notices, tickets, write_tx, DbConnection, StoreError};
use crate::domain::email::EmailAddress;
use crate::domain::journal::Context;

/// What an erasure did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Erasure {
    /// The tickets whose contact was blanked now (numbers).
    pub tickets: Vec<String>,
    /// Committed values (with their salts) emptied.
    pub values_erased: usize,
    /// Mails and deliveries whose texts held a value.
    pub notices_changed: usize,
    /// Entries written before commitments that still hold a value: their
    /// hashes cover it, so removing it would break the chain.
    pub entries_in_the_clear: u64,
}

/// Erases what the desk holds of the reporter reached at `email` (someone
/// reported on behalf of), as `ctx`'s actor. A second run finds nothing.
pub fn erase_reporter(conn: &mut DbConnection, ctx: &Context, email: &EmailAddress) -> Result<Erasure, StoreError> {
    write_tx(conn, |conn| {
        let mut erasure = Erasure::default();
        for ticket in tickets_of(conn, email)? {
            let values = values_of(conn, ticket)?;
            let clear = entries_of(conn, ticket)?.iter().filter(|e| e.holds_in_the_clear()).count() as u64;
            if tickets::erase_reporter_contact(conn, ctx, ticket, clear)? {
                let number: String =
                    tickets_table::table.find(DbId(ticket)).select(tickets_table::number).first(conn)?;
                erasure.tickets.push(number);
            }
            // After the entry: the erasure's own "before" commits to the
            // values it then erases.
            erasure.values_erased += diesel::update(
                personal_data::table
                    .filter(personal_data::subject_id.eq(DbId(ticket)))
                    .filter(personal_data::erased_at.is_null()),
            )
            .set((
                personal_data::value.eq(None::<String>),
                personal_data::salt.eq(None::<Vec<u8>>),
                personal_data::erased_at.eq(Some(ctx.now.naive_utc())),
            ))
            .execute(conn)?;
            erasure.notices_changed += notices::erasure::erase_values(conn, ticket, &values)?;
            erasure.entries_in_the_clear += clear;
        }
        Ok(erasure)
    })
}
