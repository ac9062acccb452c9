//! The demo region's register of TIK assets (`seed/assets/register.json`):
//! the Dinas's data centre, network and servers, every Layanan SPBE's
//! application, licences, and the desks and network of two Perangkat
//! Daerah, related so that the impact of the core router, a server or a
//! licence is true. Registered by the Dinas's tier-2 engineer through the
//! journal, as through the API; an asset whose inventory code exists, or a
//! relation that exists, is left alone. Applications and infrastructure
//! carry the codes the migration gives them (`APL-<service>`,
//! `SPBE-<word>`), so an upgraded region is completed, not doubled.

use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use crate::db::assets::relations::{self, RelationKey};
use crate::db::assets::{self, write};
use crate::db::{services, units, DbConnection};
use crate::domain::asset::{AssetAttributes, AssetKind, AssetStatus, InventoryCode, RelationKind};
use crate::domain::journal::Context;
use crate::domain::policy::Principal;

/// The kept register.
const REGISTER: &str = include_str!("../../../seed/assets/register.json");

/// One asset of the register, as kept (units and services by code).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedAsset {
    code: String,
    name: String,
    kind: AssetKind,
    owner: String,
    service: Option<String>,
    location: String,
    acquired_on: NaiveDate,
    attributes: serde_json::Value,
}

/// "`from` needs `to` as `kind`", by inventory codes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedRelation {
    from: String,
    kind: RelationKind,
    to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Register {
    assets: Vec<SeedAsset>,
    relations: Vec<SeedRelation>,
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn register(conn: &mut DbConnection, ctx: &Context, principal: &Principal, entry: &SeedAsset) -> Result<bool, String> {
    if assets::exists_coded(conn, &entry.code).map_err(text)? {
        return Ok(false);
    }
    let owner = units::find_by_code(conn, &entry.owner).map_err(text)?;
    let owner = owner.ok_or(format!("seed unit {} is missing", entry.owner))?;
    let service = match &entry.service {
        Some(code) => {
            let found = services::find_by_code(conn, code).map_err(text)?;
            Some(found.ok_or(format!("seed service {code} is missing"))?.id)
        }
        None => None,
    };
    let new = write::NewAsset {
        inventory_code: InventoryCode::parse(&entry.code).map_err(text)?,
        name: entry.name.clone(),
        kind: entry.kind,
        status: AssetStatus::Digunakan,
        owner_unit_id: owner.id,
        service_id: service,
        location: entry.location.clone(),
        custodian: String::new(),
        serial_number: None,
        acquired_on: Some(entry.acquired_on),
        acquisition_value: None,
        warranty_ends_on: None,
        attributes: AssetAttributes::parse(entry.kind, &entry.attributes)
            .map_err(|e| format!("{}: {e}", entry.code))?,
    };
    write::create(conn, ctx, principal, &new, None).map_err(|e| format!("{}: {e}", entry.code))?;
    Ok(true)
}

fn id_of(conn: &mut DbConnection, code: &str) -> Result<uuid::Uuid, String> {
    assets::id_coded(conn, code).map_err(text)?.ok_or(format!("seed asset {code} is missing"))
}

/// Registers the demo's assets and relations that are not there yet.
pub fn ensure_assets(conn: &mut DbConnection) -> Result<(), String> {
    let kept: Register = serde_json::from_str(REGISTER).map_err(|e| format!("seed/assets/register.json: {e}"))?;
    let principal = super::knowledge::author(conn)?;
    let ctx = Context::new(Some(principal.actor), None, Utc::now());
    let mut added = 0;
    for entry in &kept.assets {
        added += usize::from(register(conn, &ctx, &principal, entry)?);
    }
    let mut related = 0;
    for relation in &kept.relations {
        let key =
            RelationKey { from: id_of(conn, &relation.from)?, to: id_of(conn, &relation.to)?, kind: relation.kind };
        if relations::exists(conn, key).map_err(text)? {
            continue;
        }
        relations::add(conn, &ctx, &principal, key).map_err(text)?;
        related += 1;
    }
    if added + related > 0 {
        println!("assets {added} registered, {related} relations");
    }
    Ok(())
}
