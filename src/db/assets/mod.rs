//! The register of TIK assets: the row and its reading ([`Asset`], scoped
//! by the caller's [`AssetVisibility`] in the query itself), writing and
//! moving assets through the journal ([`write`]), their relations
//! ([`relations`]) and what depends on them ([`impact`]).

pub mod impact;
pub mod relations;
pub mod write;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::schema::assets;
use super::sql_types::DbId;
use super::{DbBackend, DbConnection, StoreError};
use crate::domain::asset::access::AssetVisibility;
use crate::domain::asset::{AssetAttributes, AssetKind, AssetStatus};

/// An asset as the service reads it (and as the journal records it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Asset {
    pub id: Uuid,
    pub inventory_code: String,
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
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = assets)]
pub(crate) struct AssetRow {
    id: Uuid,
    inventory_code: String,
    name: String,
    kind: String,
    status: String,
    owner_unit_id: Uuid,
    service_id: Option<Uuid>,
    location: String,
    custodian: String,
    serial_number: Option<String>,
    acquired_on: Option<NaiveDate>,
    acquisition_value: Option<i64>,
    warranty_ends_on: Option<NaiveDate>,
    attributes: String,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("asset {what}: {e}"))
}

impl TryFrom<AssetRow> for Asset {
    type Error = StoreError;

    fn try_from(row: AssetRow) -> Result<Self, StoreError> {
        let kind: AssetKind = row.kind.parse().map_err(|e| corrupt("kind", e))?;
        let stored: serde_json::Value = serde_json::from_str(&row.attributes).map_err(|e| corrupt("attributes", e))?;
        Ok(Asset {
            id: row.id,
            inventory_code: row.inventory_code,
            name: row.name,
            kind,
            status: row.status.parse().map_err(|e| corrupt("status", e))?,
            owner_unit_id: row.owner_unit_id,
            service_id: row.service_id,
            location: row.location,
            custodian: row.custodian,
            serial_number: row.serial_number,
            acquired_on: row.acquired_on,
            acquisition_value: row.acquisition_value,
            warranty_ends_on: row.warranty_ends_on,
            attributes: AssetAttributes::parse(kind, &stored).map_err(|e| corrupt("attributes", e))?,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

type AssetCondition = Box<dyn BoxableExpression<assets::table, DbBackend, SqlType = diesel::sql_types::Bool>>;

/// The kinds every desk sees (the shared infrastructure).
fn shared_kinds() -> Vec<&'static str> {
    AssetKind::ALL.iter().filter(|k| k.is_shared_infrastructure()).map(|k| k.as_str()).collect()
}

/// The `WHERE` of a caller's visibility; `None` when they see all. It
/// says what [`AssetVisibility::sees`] says, in SQL.
pub(crate) fn visible_condition(visibility: AssetVisibility) -> Option<AssetCondition> {
    match visibility {
        AssetVisibility::All => None,
        AssetVisibility::Unit(unit) => {
            Some(Box::new(assets::owner_unit_id.eq(DbId(unit)).or(assets::kind.eq_any(shared_kinds()))))
        }
        // No row has a null id: a condition no asset meets.
        AssetVisibility::Nothing => Some(Box::new(assets::id.is_null())),
    }
}

/// Reads an asset, whoever asks.
pub(crate) fn find_any(conn: &mut DbConnection, id: Uuid) -> Result<Asset, StoreError> {
    let row: AssetRow = assets::table
        .find(DbId(id))
        .select(AssetRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    row.try_into()
}

/// Reads an asset the caller sees (`NotFound` when not: no leak).
pub fn find(conn: &mut DbConnection, visibility: AssetVisibility, id: Uuid) -> Result<Asset, StoreError> {
    let mut query = assets::table.filter(assets::id.eq(DbId(id))).into_boxed();
    if let Some(condition) = visible_condition(visibility) {
        query = query.filter(condition);
    }
    let row: AssetRow = query.select(AssetRow::as_select()).first(conn).optional()?.ok_or(StoreError::NotFound)?;
    row.try_into()
}

/// Filters of the asset list.
#[derive(Debug, Clone, Default)]
pub struct AssetFilter {
    pub kind: Option<AssetKind>,
    pub status: Option<AssetStatus>,
    pub owner_unit_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    /// Part of the inventory code, name or serial number, any case.
    pub text: Option<String>,
    pub after: Option<Uuid>,
    pub limit: u32,
}

/// The assets the caller sees, oldest first (ids are time-ordered).
pub fn list(conn: &mut DbConnection, visibility: AssetVisibility, f: &AssetFilter) -> Result<Vec<Asset>, StoreError> {
    use assets as a;
    let mut q = a::table.select(AssetRow::as_select()).into_boxed();
    if let Some(condition) = visible_condition(visibility) {
        q = q.filter(condition);
    }
    if let Some(kind) = f.kind {
        q = q.filter(a::kind.eq(kind.as_str()));
    }
    if let Some(status) = f.status {
        q = q.filter(a::status.eq(status.as_str()));
    }
    if let Some(unit) = f.owner_unit_id {
        q = q.filter(a::owner_unit_id.eq(DbId(unit)));
    }
    if let Some(service) = f.service_id {
        q = q.filter(a::service_id.eq(DbId(service)));
    }
    if let Some(text) = &f.text {
        let pattern = super::like_pattern(text);
        q = q.filter(
            super::lower(a::inventory_code)
                .like(pattern.clone())
                .escape('\\')
                .or(super::lower(a::name).like(pattern.clone()).escape('\\'))
                .or(super::lower(a::serial_number.assume_not_null()).like(pattern).escape('\\')),
        );
    }
    if let Some(after) = f.after {
        q = q.filter(a::id.gt(DbId(after)));
    }
    let rows: Vec<AssetRow> = q.order(a::id.asc()).limit(i64::from(f.limit)).load(conn)?;
    rows.into_iter().map(Asset::try_from).collect()
}

/// Whether an asset with this inventory code exists (the demo seed adds
/// only the assets it does not find).
pub fn exists_coded(conn: &mut DbConnection, code: &str) -> Result<bool, StoreError> {
    Ok(id_coded(conn, code)?.is_some())
}

/// The id of the asset with this (normalised) inventory code.
pub fn id_coded(conn: &mut DbConnection, code: &str) -> Result<Option<Uuid>, StoreError> {
    Ok(assets::table.filter(assets::inventory_code.eq(code)).select(assets::id).first(conn).optional()?)
}
