//! Writing assets: registering one, editing it, moving it through its life
//! cycle, each with its journal entry in one transaction.

use chrono::NaiveDate;
use diesel::prelude::*;
use uuid::Uuid;

use super::{find, find_any, Asset};
use crate::db::journal::{self, snapshot};
use crate::db::schema::{assets, services, units};
use crate::db::sql_types::DbId;
use crate::db::tickets::{remember_key, replayed_id, IdempotencyKey};
use crate::db::versioned::{self, Versioned};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::asset::access::{check_owner, may_edit, may_write, AssetVisibility};
use crate::domain::asset::kind::check_service_link;
use crate::domain::asset::lifecycle::AssetChange;
use crate::domain::asset::{AssetAttributes, AssetKind, AssetStatus, InventoryCode};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::organisation::UnitKind;
use crate::domain::policy::Principal;
use crate::domain::validation::ValidationErrors;
use crate::domain::version::Precondition;

/// A checked new asset.
#[derive(Debug, Clone)]
pub struct NewAsset {
    pub inventory_code: InventoryCode,
    pub name: String,
    pub kind: AssetKind,
    pub status: AssetStatus,
    pub owner_unit_id: Uuid,
    pub service_id: Option<Uuid>,
    pub location: String,
    pub custodian: String,
    pub serial_number: Option<String>,
    pub acquired_on: Option<NaiveDate>,
    pub acquisition_value: Option<i64>,
    pub warranty_ends_on: Option<NaiveDate>,
    pub attributes: AssetAttributes,
}

/// A checked edit: the fields given (`Some(None)` clears an optional one).
#[derive(Debug, Clone, Default)]
pub struct AssetEdit {
    pub inventory_code: Option<InventoryCode>,
    pub name: Option<String>,
    pub owner_unit_id: Option<Uuid>,
    pub service_id: Option<Option<Uuid>>,
    pub location: Option<String>,
    pub custodian: Option<String>,
    pub serial_number: Option<Option<String>>,
    pub acquired_on: Option<Option<NaiveDate>>,
    pub acquisition_value: Option<Option<i64>>,
    pub warranty_ends_on: Option<Option<NaiveDate>>,
    /// Checked against the asset's kind in the store (the kind is read there).
    pub attributes: Option<serde_json::Value>,
}

/// Who acts on which asset, on which version.
pub struct AssetRequest {
    pub principal: Principal,
    pub asset_id: Uuid,
    pub precondition: Precondition,
}

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(ValidationErrors::single(field, message))
}

/// The owner must be an active unit, the Dinas for shared infrastructure,
/// and the caller's own unless the caller edits for any unit.
fn check_placement(
    conn: &mut DbConnection,
    principal: &Principal,
    kind: AssetKind,
    owner: Uuid,
) -> Result<(), StoreError> {
    let found: Option<(String, bool)> =
        units::table.find(DbId(owner)).select((units::kind, units::active)).first(conn).optional()?;
    let Some((unit_kind, true)) = found else { return Err(invalid("owner_unit_id", "no such active unit")) };
    let unit_kind: UnitKind = unit_kind.parse().map_err(|e| StoreError::Corrupt(format!("unit kind: {e}")))?;
    check_owner(kind, unit_kind).map_err(|e| invalid("owner_unit_id", e))?;
    if !may_edit(principal, owner, kind) {
        return Err(invalid("owner_unit_id", "a Perangkat Daerah registers its own assets, not shared infrastructure"));
    }
    Ok(())
}

fn check_service(conn: &mut DbConnection, kind: AssetKind, service: Option<Uuid>) -> Result<(), StoreError> {
    check_service_link(kind, service.is_some()).map_err(|e| invalid("service_id", e))?;
    if let Some(id) = service {
        let found: i64 = services::table.find(DbId(id)).count().get_result(conn)?;
        if found == 0 {
            return Err(invalid("service_id", "no such service"));
        }
    }
    Ok(())
}

/// A code another asset holds is a conflict (409), said plainly.
fn check_code_free(conn: &mut DbConnection, code: &InventoryCode, own: Option<Uuid>) -> Result<(), StoreError> {
    let holder: Option<Uuid> =
        assets::table.filter(assets::inventory_code.eq(code.as_str())).select(assets::id).first(conn).optional()?;
    match holder {
        Some(id) if Some(id) != own => {
            Err(StoreError::Conflict(format!("another asset has the inventory code {}", code.as_str())))
        }
        _ => Ok(()),
    }
}

/// Registers an asset, or returns the one an earlier request with the same
/// idempotency key registered.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    new: &NewAsset,
    key: Option<&IdempotencyKey>,
) -> Result<Asset, StoreError> {
    write_tx(conn, |conn| {
        if let Some(id) = key.map(|k| replayed_id(conn, k)).transpose()?.flatten() {
            return find_any(conn, id);
        }
        check_placement(conn, principal, new.kind, new.owner_unit_id)?;
        check_service(conn, new.kind, new.service_id)?;
        check_code_free(conn, &new.inventory_code, None)?;
        let asset = insert(conn, ctx, new)?;
        if let Some(key) = key {
            remember_key(conn, key, asset.id, ctx.now.naive_utc())?;
        }
        Ok(asset)
    })
}

/// Inserts a checked asset with its journal entry, in the caller's
/// transaction (the demo seed uses it too).
pub(crate) fn insert(conn: &mut DbConnection, ctx: &Context, new: &NewAsset) -> Result<Asset, StoreError> {
    let (id, at) = (Uuid::now_v7(), ctx.now.naive_utc());
    diesel::insert_into(assets::table)
        .values((
            assets::id.eq(DbId(id)),
            assets::inventory_code.eq(new.inventory_code.as_str()),
            assets::name.eq(&new.name),
            assets::kind.eq(new.kind.as_str()),
            assets::status.eq(new.status.as_str()),
            assets::owner_unit_id.eq(DbId(new.owner_unit_id)),
            assets::service_id.eq(new.service_id.map(DbId)),
            assets::location.eq(&new.location),
            assets::custodian.eq(&new.custodian),
            assets::serial_number.eq(&new.serial_number),
            assets::acquired_on.eq(new.acquired_on),
            assets::acquisition_value.eq(new.acquisition_value),
            assets::warranty_ends_on.eq(new.warranty_ends_on),
            assets::attributes.eq(new.attributes.to_json().to_string()),
            assets::version.eq(1_i64),
            assets::created_at.eq(at),
            assets::updated_at.eq(at),
        ))
        .execute(conn)?;
    let asset = find_any(conn, id)?;
    let event = Event::Asset { change: AssetChange::Created, detail: serde_json::json!({}) };
    journal::record(conn, ctx, Entry::new(Subject::Asset(id), event).after(snapshot(&asset)?))?;
    Ok(asset)
}

/// Reads the asset and checks the caller may change it: 403 for a caller
/// who changes no asset (a key), 404 when they do not see it, 403 when
/// they see it but may not edit it.
pub fn admit(conn: &mut DbConnection, principal: &Principal, asset_id: Uuid) -> Result<Asset, StoreError> {
    if !may_write(principal) {
        // Before anything is read: a key, or a role that keeps no register.
        return Err(StoreError::Forbidden("Your roles do not allow changing assets.".into()));
    }
    let asset = find(conn, AssetVisibility::of(principal), asset_id)?;
    if !may_edit(principal, asset.owner_unit_id, asset.kind) {
        return Err(StoreError::Forbidden("Your roles do not allow changing this asset.".into()));
    }
    Ok(asset)
}

/// Records `change` of the asset, from `before` to what it is now.
fn journal_change(
    conn: &mut DbConnection,
    ctx: &Context,
    before: &Asset,
    change: AssetChange,
    detail: serde_json::Value,
) -> Result<Asset, StoreError> {
    let after = find_any(conn, before.id)?;
    let event = Event::Asset { change, detail };
    let entry = Entry::new(Subject::Asset(after.id), event).states(Some(snapshot(before)?), Some(snapshot(&after)?));
    journal::record(conn, ctx, entry)?;
    Ok(after)
}

/// Edits an asset; its kind stays (the attributes are the kind's).
pub fn edit(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &AssetRequest,
    edit: &AssetEdit,
) -> Result<Asset, StoreError> {
    write_tx(conn, |conn| {
        let before = admit(conn, &request.principal, request.asset_id)?;
        let owner = edit.owner_unit_id.unwrap_or(before.owner_unit_id);
        if owner != before.owner_unit_id {
            check_placement(conn, &request.principal, before.kind, owner)?;
        }
        let service = edit.service_id.unwrap_or(before.service_id);
        check_service(conn, before.kind, service)?;
        if let Some(code) = &edit.inventory_code {
            check_code_free(conn, code, Some(before.id))?;
        }
        let attributes = match &edit.attributes {
            Some(raw) => AssetAttributes::parse(before.kind, raw).map_err(|e| invalid("attributes", e))?,
            None => before.attributes.clone(),
        };
        let guard = versioned::check(Versioned::Asset, before.id, before.version, &request.precondition)?;
        guard.bump(conn, ctx.now)?;
        let code = edit.inventory_code.as_ref().map_or(before.inventory_code.as_str(), InventoryCode::as_str);
        diesel::update(assets::table.find(DbId(before.id)))
            .set((
                assets::inventory_code.eq(code),
                assets::name.eq(edit.name.as_ref().unwrap_or(&before.name)),
                assets::owner_unit_id.eq(DbId(owner)),
                assets::service_id.eq(service.map(DbId)),
                assets::location.eq(edit.location.as_ref().unwrap_or(&before.location)),
                assets::custodian.eq(edit.custodian.as_ref().unwrap_or(&before.custodian)),
                assets::serial_number.eq(edit.serial_number.clone().unwrap_or(before.serial_number.clone())),
                assets::acquired_on.eq(edit.acquired_on.unwrap_or(before.acquired_on)),
                assets::acquisition_value.eq(edit.acquisition_value.unwrap_or(before.acquisition_value)),
                assets::warranty_ends_on.eq(edit.warranty_ends_on.unwrap_or(before.warranty_ends_on)),
                assets::attributes.eq(attributes.to_json().to_string()),
            ))
            .execute(conn)?;
        journal_change(conn, ctx, &before, AssetChange::Updated, serde_json::json!({}))
    })
}

/// Moves an asset to `to` in its life cycle (409 when the move is not
/// one the cycle has); `reason` is kept in the journal.
pub fn move_status(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &AssetRequest,
    to: AssetStatus,
    reason: Option<&str>,
) -> Result<Asset, StoreError> {
    write_tx(conn, |conn| {
        let before = admit(conn, &request.principal, request.asset_id)?;
        let to = before.status.move_to(to).map_err(|e| StoreError::Conflict(e.to_string()))?;
        let guard = versioned::check(Versioned::Asset, before.id, before.version, &request.precondition)?;
        guard.bump(conn, ctx.now)?;
        diesel::update(assets::table.find(DbId(before.id))).set(assets::status.eq(to.as_str())).execute(conn)?;
        let detail = serde_json::json!({ "from_status": before.status, "to_status": to, "reason": reason });
        journal_change(conn, ctx, &before, AssetChange::StatusChanged, detail)
    })
}
