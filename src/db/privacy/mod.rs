//! A person's data as the desk holds it (UU 27/2022): erasing it without
//! breaking the audit chains ([`erase`]), and listing it for their access
//! request ([`access`]). See `docs/privacy.md`.

pub mod access;
pub mod erase;

use diesel::prelude::*;
use uuid::Uuid;

use super::journal::{states, StateValues, STATE_COLUMNS};
use super::schema::{audit_log, personal_data, tickets};
use super::sql_types::DbId;
use super::{DbConnection, StoreError};
use crate::domain::email::EmailAddress;
use crate::domain::journal::compact::Unfolder;
use crate::domain::privacy;

/// The tickets reported on behalf of `email`: by their contact as it
/// stands, or by a committed value still held.
fn tickets_of(conn: &mut DbConnection, email: &EmailAddress) -> Result<Vec<Uuid>, StoreError> {
    let address = email.as_str().to_owned();
    let mut ids: Vec<Uuid> =
        tickets::table.filter(tickets::reporter_email.eq(&address)).select(tickets::id).load(conn)?;
    let committed: Vec<Uuid> = personal_data::table
        .filter(personal_data::field.eq("reporter_email"))
        .filter(personal_data::value.eq(&address))
        .select(personal_data::subject_id)
        .load(conn)?;
    ids.extend(committed);
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Every personal value held for `ticket`: its contact as it stands and
/// the values its entries committed to.
fn values_of(conn: &mut DbConnection, ticket: Uuid) -> Result<Vec<String>, StoreError> {
    let (name, email, phone): (Option<String>, Option<String>, Option<String>) = tickets::table
        .find(DbId(ticket))
        .select((tickets::reporter_name, tickets::reporter_email, tickets::reporter_phone))
        .first(conn)?;
    let committed: Vec<Option<String>> = personal_data::table
        .filter(personal_data::subject_id.eq(DbId(ticket)))
        .select(personal_data::value)
        .load(conn)?;
    let mut values: Vec<String> = [name, email, phone].into_iter().chain(committed).flatten().collect();
    values.sort_unstable();
    values.dedup();
    Ok(values)
}

/// One audit entry of a ticket's chain, as stored.
struct StoredEntry {
    position: Option<i64>,
    action: String,
    occurred_at: chrono::NaiveDateTime,
    states: Vec<serde_json::Value>,
}

/// The entries of `ticket`'s chain, their states parsed.
fn entries_of(conn: &mut DbConnection, ticket: Uuid) -> Result<Vec<StoredEntry>, StoreError> {
    type Row = (i64, Uuid, String, chrono::NaiveDateTime, StateValues);
    let rows: Vec<Row> = audit_log::table
        .filter(audit_log::chain_id.eq(DbId(ticket)))
        .order(audit_log::position.asc())
        .select((
            audit_log::position.assume_not_null(),
            audit_log::entity_id,
            audit_log::action,
            audit_log::occurred_at,
            STATE_COLUMNS,
        ))
        .load(conn)?;
    // The whole chain, in position order: each entry unfolds from the one before.
    let mut unfolder = Unfolder::default();
    rows.into_iter()
        .map(|(position, entity, action, occurred_at, values)| {
            let (before, after) = unfolder
                .unfold(ticket, entity, position, &states(values))
                .map_err(|e| StoreError::Corrupt(format!("audit entry {position} of {ticket}: {e}")))?;
            let position = Some(position);
            let states = [before, after]
                .into_iter()
                .flatten()
                .map(|text| serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("audit json: {e}"))))
                .collect::<Result<_, _>>()?;
            Ok(StoredEntry { position, action, occurred_at, states })
        })
        .collect()
}

impl StoredEntry {
    /// Whether the entry holds a personal value uncommitted (written before
    /// commitments; it stays, as its hash covers it).
    fn holds_in_the_clear(&self) -> bool {
        self.states.iter().any(|s| !privacy::in_the_clear(s).is_empty())
    }

    fn commitments(&self) -> Vec<String> {
        self.states.iter().flat_map(privacy::commitments_in).collect()
    }
}
