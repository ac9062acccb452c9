//! Rewrites compactly stored audit entries whole: what a downgrade to a
//! version that reads only whole states needs first (the migration that
//! added the compact columns refuses to revert while one is left). The
//! hashed texts do not change, so every chain still verifies.

use diesel::prelude::*;
use uuid::Uuid;

use super::unfold::{self, StateValues, STATE_COLUMNS};
use crate::db::schema::audit_log;
use crate::db::sql_types::DbId;
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::journal::compact::{StoredStates, Unfolder};

/// Chains rewritten per transaction.
const CHAINS: i64 = 200;

/// Rewrites every compact entry whole, chain by chain; returns how many.
pub fn store_whole(conn: &mut DbConnection) -> Result<u64, StoreError> {
    let mut rewritten = 0;
    loop {
        match write_tx(conn, rewrite_some_chains)? {
            0 => return Ok(rewritten),
            n => rewritten += n,
        }
    }
}

fn rewrite_some_chains(conn: &mut DbConnection) -> Result<u64, StoreError> {
    let chains: Vec<Uuid> = audit_log::table
        .filter(audit_log::before_position.is_not_null().or(audit_log::after_edits.is_not_null()))
        .or_filter(audit_log::before_edits.is_not_null())
        .select(audit_log::chain_id.assume_not_null())
        .distinct()
        .limit(CHAINS)
        .load(conn)?;
    let mut rewritten = 0;
    for chain in chains {
        rewritten += rewrite_chain(conn, chain)?;
    }
    Ok(rewritten)
}

type Row = (Uuid, Uuid, i64, StateValues);

fn rewrite_chain(conn: &mut DbConnection, chain: Uuid) -> Result<u64, StoreError> {
    let rows: Vec<Row> = audit_log::table
        .filter(audit_log::chain_id.eq(DbId(chain)))
        .order(audit_log::position.asc())
        .select((audit_log::id, audit_log::entity_id, audit_log::position.assume_not_null(), STATE_COLUMNS))
        .load(conn)?;
    let (mut unfolder, mut rewritten) = (Unfolder::default(), 0);
    for (id, entity, position, values) in rows {
        let stored = unfold::states(values);
        let compact = stored != StoredStates::whole(stored.before_json.clone(), stored.after_json.clone());
        // A chain that does not unfold stops the rewrite (`audit verify` names it).
        let (before, after) = unfolder
            .unfold(chain, entity, position, &stored)
            .map_err(|e| StoreError::Corrupt(format!("audit chain {chain} position {position}: {e}")))?;
        if compact {
            diesel::update(audit_log::table.find(DbId(id)))
                .set((
                    audit_log::before_json.eq(before),
                    audit_log::after_json.eq(after),
                    audit_log::before_position.eq(None::<i64>),
                    audit_log::before_edits.eq(None::<String>),
                    audit_log::after_edits.eq(None::<String>),
                ))
                .execute(conn)?;
            rewritten += 1;
        }
    }
    Ok(rewritten)
}
