//! The store of personal values that audit entries hold only as salted
//! commitments: written by the journal with the entry that commits to them,
//! read to show the entries, and emptied by an erasure (`db::privacy`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;
use uuid::Uuid;

use crate::db::schema::personal_data;
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::encoding::{instant_text, Hash};
use crate::domain::privacy::{self, Disclosed, Salt};

/// One stored value with its salt and commitment.
#[derive(Insertable)]
#[diesel(table_name = personal_data)]
pub(super) struct PersonalRow {
    commitment: String,
    #[diesel(serialize_as = DbId)]
    subject_id: Uuid,
    field: String,
    value: Option<String>,
    salt: Option<Vec<u8>>,
    created_at: chrono::NaiveDateTime,
}

/// A new commitment to `value` of `subject`'s `field`, with a fresh salt
/// from the operating system's generator.
pub(super) fn fresh(subject: Uuid, field: &str, value: &str, at: DateTime<Utc>) -> (Hash, PersonalRow) {
    let mut salt: Salt = [0; 32];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let commitment = privacy::commitment(&salt, value);
    let row = PersonalRow {
        commitment: hex::encode(commitment),
        subject_id: subject,
        field: field.to_owned(),
        value: Some(value.to_owned()),
        salt: Some(salt.to_vec()),
        created_at: at.naive_utc(),
    };
    (commitment, row)
}

/// The commitment already held for this very value of `subject`'s `field`:
/// a ticket's later entries name the commitment its filing made, so one
/// value is one row, however often the ticket moves.
pub(super) fn held(
    conn: &mut DbConnection,
    subject: Uuid,
    field: &str,
    value: &str,
) -> Result<Option<Hash>, StoreError> {
    let found: Option<String> = personal_data::table
        .filter(personal_data::subject_id.eq(DbId(subject)))
        .filter(personal_data::field.eq(field))
        .filter(personal_data::value.eq(value))
        .select(personal_data::commitment)
        .first(conn)
        .optional()?;
    found.map(|text| parse_commitment(&text)).transpose()
}

fn parse_commitment(text: &str) -> Result<Hash, StoreError> {
    let mut hash = [0u8; 32];
    hex::decode_to_slice(text, &mut hash).map_err(|e| StoreError::Corrupt(format!("personal data commitment: {e}")))?;
    Ok(hash)
}

pub(super) fn insert(conn: &mut DbConnection, row: PersonalRow) -> Result<(), StoreError> {
    diesel::insert_into(personal_data::table).values(row).execute(conn)?;
    Ok(())
}

pub(super) fn insert_many(conn: &mut DbConnection, rows: Vec<PersonalRow>) -> Result<(), StoreError> {
    crate::db::batch::insert_batch!(conn, personal_data::table, rows);
    Ok(())
}

/// What the store holds of each of `commitments`: the value, or when it
/// was erased.
pub fn known(conn: &mut DbConnection, commitments: &[String]) -> Result<HashMap<String, Disclosed>, StoreError> {
    let mut known = HashMap::new();
    // Bounded batches: SQLite allows some thousands of parameters.
    for batch in commitments.chunks(500) {
        let rows: Vec<(String, Option<String>, Option<chrono::NaiveDateTime>)> = personal_data::table
            .filter(personal_data::commitment.eq_any(batch))
            .select((personal_data::commitment, personal_data::value, personal_data::erased_at))
            .load(conn)?;
        for (commitment, value, erased_at) in rows {
            let disclosed = match (value, erased_at) {
                (_, Some(at)) => Disclosed::Erased(instant_text(at.and_utc())),
                (Some(value), None) => Disclosed::Value(value),
                (None, None) => return Err(StoreError::Corrupt(format!("personal data {commitment}: no value"))),
            };
            known.insert(commitment, disclosed);
        }
    }
    Ok(known)
}

/// Shows the sealed personal fields of each snapshot as the store knows them.
pub fn disclose_all(conn: &mut DbConnection, snapshots: &mut [&mut serde_json::Value]) -> Result<(), StoreError> {
    let commitments: Vec<String> = snapshots.iter().flat_map(|s| privacy::commitments_in(s)).collect();
    if commitments.is_empty() {
        return Ok(());
    }
    let known = known(conn, &commitments)?;
    for snapshot in snapshots.iter_mut() {
        privacy::disclose(snapshot, |c| known.get(c).cloned());
    }
    Ok(())
}
