//! What depends on an asset: the assets that need it through the graph,
//! the services they provide, the units that own them and the open
//! tickets of those services, each with the path that explains it.
//!
//! The relations are fetched in one query and walked in memory
//! (`domain::asset::impact`), bounded by [`IMPACT_LIMIT`] assets.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::{find, Asset, AssetRow};
use crate::db::schema::{asset_relations, assets, services, tickets, units};
use crate::db::sql_types::{db_ids, DbId};
use crate::db::{DbConnection, StoreError};
use crate::domain::asset::access::AssetVisibility;
use crate::domain::asset::impact::{impact, Hit, Step};
use crate::domain::asset::RelationKind;
use crate::domain::ticket::Status;

/// The most assets one impact reports; past it the answer says it was cut.
pub const IMPACT_LIMIT: usize = 2_000;

/// One relation on a path: `from_asset_id` needs `to_asset_id`.
#[derive(Debug, Clone, Serialize)]
pub struct PathStep {
    pub from_asset_id: Uuid,
    pub relation: RelationKind,
    pub to_asset_id: Uuid,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImpactedAsset {
    pub asset: Asset,
    /// From this asset to the one asked about.
    pub path: Vec<PathStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImpactedService {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub owner_unit_id: Uuid,
    /// The asset that provides the service, and its path.
    pub provided_by: Uuid,
    pub path: Vec<PathStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImpactedTicket {
    pub id: Uuid,
    pub number: String,
    pub status: String,
    pub service_id: Uuid,
    pub unit_id: Uuid,
    /// The path of the ticket's service.
    pub path: Vec<PathStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImpactedUnit {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// Everything that stops if the asset stops.
#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    pub assets: Vec<ImpactedAsset>,
    pub services: Vec<ImpactedService>,
    pub units: Vec<ImpactedUnit>,
    pub open_tickets: Vec<ImpactedTicket>,
    /// Whether more than [`IMPACT_LIMIT`] assets depend on it (the rest
    /// are not listed).
    pub truncated: bool,
}

fn needed_by(conn: &mut DbConnection) -> Result<HashMap<Uuid, Vec<(Uuid, RelationKind)>>, StoreError> {
    let rows: Vec<(Uuid, Uuid, String)> = asset_relations::table
        .select((asset_relations::from_asset_id, asset_relations::to_asset_id, asset_relations::kind))
        .load(conn)?;
    let mut graph: HashMap<Uuid, Vec<(Uuid, RelationKind)>> = HashMap::new();
    for (from, to, kind) in rows {
        let kind = kind.parse().map_err(|e| StoreError::Corrupt(format!("asset relation kind: {e}")))?;
        graph.entry(to).or_default().push((from, kind));
    }
    Ok(graph)
}

fn steps(path: &[Step<Uuid>]) -> Vec<PathStep> {
    path.iter().map(|s| PathStep { from_asset_id: s.from, relation: s.relation, to_asset_id: s.to }).collect()
}

/// The impact of asset `id` as the caller sees it: a hit is listed when
/// the caller sees every asset on its path (a path through an asset they
/// may not see would tell of it); services, units and tickets follow the
/// listed hits, tickets within the caller's unit unless they see all.
pub fn of(conn: &mut DbConnection, visibility: AssetVisibility, id: Uuid) -> Result<Impact, StoreError> {
    let root = find(conn, visibility, id)?;
    let hits: Vec<Hit<Uuid>> = impact(&needed_by(conn)?, root.id, IMPACT_LIMIT + 1);
    let truncated = hits.len() > IMPACT_LIMIT;
    let ids: Vec<Uuid> = hits.iter().take(IMPACT_LIMIT).map(|h| h.asset).collect();
    let mut found: HashMap<Uuid, Asset> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<AssetRow> =
            assets::table.filter(assets::id.eq_any(db_ids(chunk))).select(AssetRow::as_select()).load(conn)?;
        for row in rows {
            let asset = Asset::try_from(row)?;
            found.insert(asset.id, asset);
        }
    }
    let seen = |id: &Uuid| found.get(id).is_some_and(|a| visibility.sees(a.owner_unit_id, a.kind));
    let listed: Vec<ImpactedAsset> = hits
        .iter()
        .take(IMPACT_LIMIT)
        .filter(|h| h.path.iter().all(|s| s.to == root.id || seen(&s.to)) && seen(&h.asset))
        .filter_map(|h| Some(ImpactedAsset { asset: found.get(&h.asset)?.clone(), path: steps(&h.path) }))
        .collect();
    // The services provided along the way: by the asset itself (no path) or a hit.
    let mut providers: BTreeMap<Uuid, (Uuid, Vec<PathStep>)> = BTreeMap::new();
    for (asset, path) in std::iter::once((&root, Vec::new())).chain(listed.iter().map(|h| (&h.asset, h.path.clone()))) {
        if let Some(service) = asset.service_id {
            providers.entry(service).or_insert((asset.id, path));
        }
    }
    let services = services_of(conn, &providers)?;
    let open_tickets = tickets_of(conn, visibility, &services)?;
    let mut unit_ids: Vec<Uuid> = listed.iter().map(|h| h.asset.owner_unit_id).collect();
    unit_ids.extend(services.iter().map(|s| s.owner_unit_id));
    unit_ids.sort();
    unit_ids.dedup();
    let units = units::table
        .filter(units::id.eq_any(db_ids(&unit_ids)))
        .select((units::id, units::code, units::name))
        .order(units::code.asc())
        .load::<(Uuid, String, String)>(conn)?
        .into_iter()
        .map(|(id, code, name)| ImpactedUnit { id, code, name })
        .collect();
    Ok(Impact { assets: listed, services, units, open_tickets, truncated })
}

fn services_of(
    conn: &mut DbConnection,
    providers: &BTreeMap<Uuid, (Uuid, Vec<PathStep>)>,
) -> Result<Vec<ImpactedService>, StoreError> {
    let ids: Vec<Uuid> = providers.keys().copied().collect();
    let rows: Vec<(Uuid, String, String, Uuid)> = services::table
        .filter(services::id.eq_any(db_ids(&ids)))
        .select((services::id, services::code, services::name, services::owner_unit_id))
        .order(services::code.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, code, name, owner_unit_id)| {
            let (provided_by, path) = providers.get(&id)?.clone();
            Some(ImpactedService { id, code, name, owner_unit_id, provided_by, path })
        })
        .collect())
}

fn tickets_of(
    conn: &mut DbConnection,
    visibility: AssetVisibility,
    services: &[ImpactedService],
) -> Result<Vec<ImpactedTicket>, StoreError> {
    let open = [Status::New, Status::Assigned, Status::InProgress, Status::Pending].map(Status::as_str);
    let ids: Vec<Uuid> = services.iter().map(|s| s.id).collect();
    let mut query = tickets::table
        .filter(tickets::service_id.eq_any(db_ids(&ids)))
        .filter(tickets::status.eq_any(open))
        .select((tickets::id, tickets::number, tickets::status, tickets::service_id, tickets::unit_id))
        .order(tickets::id.asc())
        .limit(i64::try_from(IMPACT_LIMIT).unwrap_or(i64::MAX))
        .into_boxed();
    match visibility {
        AssetVisibility::All => {}
        AssetVisibility::Unit(unit) => query = query.filter(tickets::unit_id.eq(DbId(unit))),
        AssetVisibility::Nothing => return Ok(Vec::new()),
    }
    let rows: Vec<(Uuid, String, String, Uuid, Uuid)> = query.load(conn)?;
    let paths: HashMap<Uuid, &Vec<PathStep>> = services.iter().map(|s| (s.id, &s.path)).collect();
    Ok(rows
        .into_iter()
        .map(|(id, number, status, service_id, unit_id)| ImpactedTicket {
            id,
            number,
            status,
            service_id,
            unit_id,
            path: paths.get(&service_id).map(|p| (*p).clone()).unwrap_or_default(),
        })
        .collect())
}
