//! Relations between assets ("from needs to"): adding one, refused when it
//! would close a cycle of the acyclic kinds, removing one, and listing an
//! asset's relations both ways. Each change is journalled on the chain of
//! the asset that needs the other (`from`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::write::admit;
use super::{find, visible_condition, Asset, AssetRow};
use crate::db::journal;
use crate::db::schema::{asset_relations, assets};
use crate::db::sql_types::{db_ids, DbId};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::asset::access::AssetVisibility;
use crate::domain::asset::lifecycle::AssetChange;
use crate::domain::asset::relation::closing_path;
use crate::domain::asset::RelationKind;
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::policy::Principal;
use crate::domain::validation::ValidationErrors;

/// One relation as an asset's page shows it: the other asset, and which
/// way the relation points.
#[derive(Debug, Clone, Serialize)]
pub struct Relation {
    pub from_asset_id: Uuid,
    pub to_asset_id: Uuid,
    pub kind: RelationKind,
    pub created_at: DateTime<Utc>,
    /// The asset at the other end.
    pub other: Asset,
}

/// Which relation: `from` needs `to` as `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationKey {
    pub from: Uuid,
    pub to: Uuid,
    pub kind: RelationKind,
}

impl RelationKey {
    fn row(self) -> (DbId, DbId, &'static str) {
        (DbId(self.from), DbId(self.to), self.kind.as_str())
    }
}

/// The advisory lock relation writers take on PostgreSQL, so that two
/// requests cannot each add half of a cycle ("ASSETREL" in ASCII); SQLite
/// has one writer.
const RELATION_LOCK: i64 = 0x4153_5345_5452_454c;

fn lock_relations(conn: &mut DbConnection) -> Result<(), StoreError> {
    use diesel::connection::SimpleConnection;
    if let DbConnection::Postgres(pg) = conn {
        pg.batch_execute(&format!("SELECT pg_advisory_xact_lock({RELATION_LOCK})"))?;
    }
    Ok(())
}

/// Every relation of the acyclic kinds, each asset to what it needs.
fn acyclic_graph(conn: &mut DbConnection) -> Result<HashMap<Uuid, Vec<Uuid>>, StoreError> {
    let kinds: Vec<&str> = RelationKind::ALL.iter().filter(|k| k.acyclic()).map(|k| k.as_str()).collect();
    let edges: Vec<(Uuid, Uuid)> = asset_relations::table
        .filter(asset_relations::kind.eq_any(kinds))
        .select((asset_relations::from_asset_id, asset_relations::to_asset_id))
        .load(conn)?;
    let mut needs: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (from, to) in edges {
        needs.entry(from).or_default().push(to);
    }
    Ok(needs)
}

/// The inventory codes of `ids`, in their order, for a message.
fn codes(conn: &mut DbConnection, ids: &[Uuid]) -> Result<Vec<String>, StoreError> {
    let found: HashMap<Uuid, String> = assets::table
        .filter(assets::id.eq_any(db_ids(ids)))
        .select((assets::id, assets::inventory_code))
        .load::<(Uuid, String)>(conn)?
        .into_iter()
        .collect();
    Ok(ids.iter().map(|id| found.get(id).cloned().unwrap_or_else(|| id.to_string())).collect())
}

fn record(conn: &mut DbConnection, ctx: &Context, key: RelationKey, change: AssetChange) -> Result<(), StoreError> {
    let detail = serde_json::json!({ "to_asset_id": key.to, "kind": key.kind });
    journal::record(conn, ctx, Entry::new(Subject::Asset(key.from), Event::Asset { change, detail }))
}

/// Whether the relation exists already.
pub fn exists(conn: &mut DbConnection, key: RelationKey) -> Result<bool, StoreError> {
    let found: i64 = asset_relations::table.find(key.row()).count().get_result(conn)?;
    Ok(found > 0)
}

/// Records that `from` needs `to` as `kind`. The caller edits `from` and
/// sees `to` (422 otherwise); a relation that exists, or one that would
/// close a cycle of `runs_on`, `depends_on` and `licensed_by`, is a
/// conflict (409) naming the cycle, and nothing changes.
pub fn add(conn: &mut DbConnection, ctx: &Context, principal: &Principal, key: RelationKey) -> Result<(), StoreError> {
    let RelationKey { from, to, kind } = key;
    if from == to {
        return Err(StoreError::Invalid(ValidationErrors::single("to_asset_id", "an asset does not need itself")));
    }
    write_tx(conn, |conn| {
        admit(conn, principal, from)?;
        let unseen = |_| StoreError::Invalid(ValidationErrors::single("to_asset_id", "no such asset"));
        find(conn, AssetVisibility::of(principal), to).map_err(unseen)?;
        lock_relations(conn)?;
        if exists(conn, key)? {
            return Err(StoreError::Conflict(format!("the asset already {kind} that asset")));
        }
        if kind.acyclic() {
            if let Some(cycle) = closing_path(&acyclic_graph(conn)?, from, to) {
                let names = codes(conn, &cycle)?.join(" → ");
                return Err(StoreError::Conflict(format!(
                    "{kind} would close a cycle: that asset already needs this one ({names})"
                )));
            }
        }
        let (from, to, kind) = key.row();
        diesel::insert_into(asset_relations::table)
            .values((
                asset_relations::from_asset_id.eq(from),
                asset_relations::to_asset_id.eq(to),
                asset_relations::kind.eq(kind),
                asset_relations::created_at.eq(ctx.now.naive_utc()),
            ))
            .execute(conn)?;
        record(conn, ctx, key, AssetChange::RelationAdded)
    })
}

/// Removes the relation (404 when there is none).
pub fn remove(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    key: RelationKey,
) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        admit(conn, principal, key.from)?;
        let removed = diesel::delete(asset_relations::table.find(key.row())).execute(conn)?;
        if removed == 0 {
            return Err(StoreError::NotFound);
        }
        record(conn, ctx, key, AssetChange::RelationRemoved)
    })
}

/// The relations of an asset the caller sees, both ways, to the assets the
/// caller sees; oldest first.
pub fn list(conn: &mut DbConnection, visibility: AssetVisibility, id: Uuid) -> Result<Vec<Relation>, StoreError> {
    find(conn, visibility, id)?;
    let rows: Vec<(Uuid, Uuid, String, NaiveDateTime)> = asset_relations::table
        .filter(asset_relations::from_asset_id.eq(DbId(id)).or(asset_relations::to_asset_id.eq(DbId(id))))
        .select((
            asset_relations::from_asset_id,
            asset_relations::to_asset_id,
            asset_relations::kind,
            asset_relations::created_at,
        ))
        .order(asset_relations::created_at.asc())
        .load(conn)?;
    let others: Vec<Uuid> = rows.iter().map(|(f, t, _, _)| if *f == id { *t } else { *f }).collect();
    let mut query = assets::table.filter(assets::id.eq_any(db_ids(&others))).into_boxed();
    if let Some(condition) = visible_condition(visibility) {
        query = query.filter(condition);
    }
    let seen: HashMap<Uuid, Asset> = query
        .select(AssetRow::as_select())
        .load::<AssetRow>(conn)?
        .into_iter()
        .map(|row| Asset::try_from(row).map(|a| (a.id, a)))
        .collect::<Result<_, _>>()?;
    let mut relations = Vec::with_capacity(rows.len());
    for (from, to, kind, at) in rows {
        let other = if from == id { to } else { from };
        let Some(other) = seen.get(&other) else { continue };
        let kind = kind.parse().map_err(|e| StoreError::Corrupt(format!("asset relation kind: {e}")))?;
        relations.push(Relation {
            from_asset_id: from,
            to_asset_id: to,
            kind,
            created_at: at.and_utc(),
            other: other.clone(),
        });
    }
    Ok(relations)
}
