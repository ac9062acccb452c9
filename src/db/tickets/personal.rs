//! Erasing the contact of someone a ticket was reported on behalf of
//! (UU 27/2022): the row's reporter fields blanked, with the journal's
//! entry saying which were and when. The committed values are emptied by
//! `db::privacy`, which calls this.

use diesel::prelude::*;
use uuid::Uuid;

use super::{find_any, lock};
use crate::db::journal::{self, snapshot};
use crate::db::schema::tickets;
use crate::db::sql_types::DbId;
use crate::db::versioned::{self, Versioned};
use crate::db::{DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::privacy::PERSONAL_FIELDS;

/// Blanks the reporter contact of ticket `id` and records the erasure
/// (`entries_in_the_clear`: its entries that hold a value uncommitted);
/// `false` when the row held none, so a second erasure writes nothing.
pub fn erase_reporter_contact(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    entries_in_the_clear: u64,
) -> Result<bool, StoreError> {
    lock(conn, id)?;
    let before = find_any(conn, id)?;
    let held = [&before.reporter_name, &before.reporter_email, &before.reporter_phone];
    let fields: Vec<&'static str> =
        PERSONAL_FIELDS.iter().zip(held).filter(|(_, value)| value.is_some()).map(|(field, _)| *field).collect();
    if fields.is_empty() {
        return Ok(false);
    }
    let guard = versioned::unconditional(Versioned::Ticket, id, before.version);
    let updated = diesel::update(tickets::table.find(DbId(id)))
        .filter(tickets::version.eq(guard.read_version()))
        .set((
            tickets::reporter_name.eq(None::<String>),
            tickets::reporter_email.eq(None::<String>),
            tickets::reporter_phone.eq(None::<String>),
            tickets::version.eq(guard.read_version() + 1),
            tickets::updated_at.eq(ctx.now.naive_utc()),
        ))
        .execute(conn)?;
    guard.confirm(updated)?;
    let after = find_any(conn, id)?;
    let event = Event::PersonalDataErased { fields, entries_in_the_clear };
    let entry = Entry::new(Subject::Ticket(id), event).states(Some(snapshot(&before)?), Some(snapshot(&after)?));
    journal::record(conn, ctx, entry)?;
    Ok(true)
}
