//! Request and response types of `/api/v1/assets`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::assets::impact::{Impact, ImpactedService, ImpactedTicket, ImpactedUnit, PathStep};
use crate::db::assets::relations::Relation;
use crate::db::assets::Asset;
use crate::db::journal::AuditRecord;
use crate::domain::asset::{AssetClass, AssetKind, AssetStatus, RelationKind};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAssetRequest {
    /// The kode barang with its register number, or a code the Dinas gives:
    /// letters, digits, '.', '-', '/', at most 64 (422 otherwise); blanks
    /// are dropped and letters upper-cased. Unique in the region: a code
    /// another asset holds is 409.
    #[schema(max_length = 64)]
    pub inventory_code: String,
    #[schema(max_length = 200)]
    pub name: String,
    pub kind: AssetKind,
    /// `perencanaan` unless given.
    pub status: Option<AssetStatus>,
    /// The caller's unit unless given: an active unit; shared
    /// infrastructure is the Dinas's, and a Perangkat Daerah registers its
    /// own assets only (422 otherwise).
    pub owner_unit_id: Option<Uuid>,
    /// The Layanan SPBE it provides: required for an aplikasi, allowed for
    /// infrastructure, refused for other kinds; an existing service (422 otherwise).
    pub service_id: Option<Uuid>,
    #[schema(max_length = 200)]
    pub location: Option<String>,
    /// The pemegang: who holds the asset.
    #[schema(max_length = 200)]
    pub custodian: Option<String>,
    #[schema(max_length = 100)]
    pub serial_number: Option<String>,
    pub acquired_on: Option<NaiveDate>,
    /// In rupiah, not negative (422 otherwise).
    #[schema(minimum = 0)]
    pub acquisition_value: Option<i64>,
    pub warranty_ends_on: Option<NaiveDate>,
    /// The attributes of the kind (docs/assets.md): an attribute the kind
    /// does not have, or a value of the wrong type, is 422.
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAssetRequest {
    /// As on creation: a code another asset holds is 409.
    #[schema(max_length = 64)]
    pub inventory_code: Option<String>,
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// As on creation (422 otherwise).
    pub owner_unit_id: Option<Uuid>,
    /// `null` clears it; as on creation (422 otherwise).
    #[serde(default, deserialize_with = "crate::api::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub service_id: Option<Option<Uuid>>,
    #[schema(max_length = 200)]
    pub location: Option<String>,
    #[schema(max_length = 200)]
    pub custodian: Option<String>,
    #[serde(default, deserialize_with = "crate::api::nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub serial_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub acquired_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::api::nullable")]
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub acquisition_value: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::api::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub warranty_ends_on: Option<Option<NaiveDate>>,
    /// Replaces the attributes; those of the asset's kind only (422 otherwise).
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveAssetRequest {
    /// Where the asset moves: perencanaan → pengadaan → digunakan ⇄
    /// pemeliharaan, and dihapuskan from any but itself; another move is 409.
    pub status: AssetStatus,
    /// Why (kept in the asset's history).
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddRelationRequest {
    /// The asset this one needs: one the caller sees, not this asset (422
    /// otherwise).
    pub to_asset_id: Uuid,
    /// `runs_on`, `depends_on` and `licensed_by` never form a cycle: a
    /// relation that would close one is 409 naming it, as is one that exists.
    pub kind: RelationKind,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AssetQuery {
    pub kind: Option<AssetKind>,
    pub status: Option<AssetStatus>,
    pub owner_unit_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    /// Part of the inventory code, name or serial number, any case.
    #[param(max_length = 200)]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetResponse {
    pub id: Uuid,
    pub inventory_code: String,
    pub name: String,
    pub kind: AssetKind,
    pub class: AssetClass,
    pub status: AssetStatus,
    pub owner_unit_id: Uuid,
    pub service_id: Option<Uuid>,
    pub location: String,
    pub custodian: String,
    pub serial_number: Option<String>,
    pub acquired_on: Option<NaiveDate>,
    pub acquisition_value: Option<i64>,
    pub warranty_ends_on: Option<NaiveDate>,
    #[schema(value_type = Object)]
    pub attributes: serde_json::Value,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Asset> for AssetResponse {
    fn from(a: Asset) -> Self {
        Self {
            id: a.id,
            inventory_code: a.inventory_code,
            name: a.name,
            kind: a.kind,
            class: a.kind.class(),
            status: a.status,
            owner_unit_id: a.owner_unit_id,
            service_id: a.service_id,
            location: a.location,
            custodian: a.custodian,
            serial_number: a.serial_number,
            acquired_on: a.acquired_on,
            acquisition_value: a.acquisition_value,
            warranty_ends_on: a.warranty_ends_on,
            attributes: a.attributes.to_json(),
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetPage {
    pub items: Vec<AssetResponse>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RelationResponse {
    /// The asset that needs the other.
    pub from_asset_id: Uuid,
    pub to_asset_id: Uuid,
    pub kind: RelationKind,
    pub created_at: DateTime<Utc>,
    /// The asset at the other end.
    pub other: AssetResponse,
}

impl From<Relation> for RelationResponse {
    fn from(r: Relation) -> Self {
        let other = AssetResponse::from(r.other);
        Self {
            from_asset_id: r.from_asset_id,
            to_asset_id: r.to_asset_id,
            kind: r.kind,
            created_at: r.created_at,
            other,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RelationList {
    pub items: Vec<RelationResponse>,
}

/// One relation of a path: `from_asset_id` needs `to_asset_id`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathStepResponse {
    pub from_asset_id: Uuid,
    pub relation: RelationKind,
    pub to_asset_id: Uuid,
}

fn path(steps: Vec<PathStep>) -> Vec<PathStepResponse> {
    steps
        .into_iter()
        .map(|s| PathStepResponse { from_asset_id: s.from_asset_id, relation: s.relation, to_asset_id: s.to_asset_id })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactedAssetResponse {
    pub asset: AssetResponse,
    /// From this asset to the one asked about, a shortest such path.
    pub path: Vec<PathStepResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactedServiceResponse {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub owner_unit_id: Uuid,
    /// The asset that provides the service (the one asked about, or one that needs it).
    pub provided_by: Uuid,
    pub path: Vec<PathStepResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactedTicketResponse {
    pub id: Uuid,
    pub number: String,
    pub status: String,
    pub service_id: Uuid,
    pub unit_id: Uuid,
    /// The path of the ticket's service.
    pub path: Vec<PathStepResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactedUnitResponse {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactResponse {
    pub assets: Vec<ImpactedAssetResponse>,
    pub services: Vec<ImpactedServiceResponse>,
    pub units: Vec<ImpactedUnitResponse>,
    pub open_tickets: Vec<ImpactedTicketResponse>,
    /// More assets depend on it than one answer lists (2 000).
    pub truncated: bool,
}

impl From<Impact> for ImpactResponse {
    fn from(i: Impact) -> Self {
        let service = |s: ImpactedService| ImpactedServiceResponse {
            id: s.id,
            code: s.code,
            name: s.name,
            owner_unit_id: s.owner_unit_id,
            provided_by: s.provided_by,
            path: path(s.path),
        };
        let ticket = |t: ImpactedTicket| ImpactedTicketResponse {
            id: t.id,
            number: t.number,
            status: t.status,
            service_id: t.service_id,
            unit_id: t.unit_id,
            path: path(t.path),
        };
        let unit = |u: ImpactedUnit| ImpactedUnitResponse { id: u.id, code: u.code, name: u.name };
        Self {
            assets: i
                .assets
                .into_iter()
                .map(|h| ImpactedAssetResponse { asset: h.asset.into(), path: path(h.path) })
                .collect(),
            services: i.services.into_iter().map(service).collect(),
            units: i.units.into_iter().map(unit).collect(),
            open_tickets: i.open_tickets.into_iter().map(ticket).collect(),
            truncated: i.truncated,
        }
    }
}

/// One change of an asset, from its audit chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssetHistoryEntry {
    pub occurred_at: DateTime<Utc>,
    /// `asset.created`, `asset.updated`, `asset.status_changed`,
    /// `asset.relation_added`, `asset.relation_removed`.
    pub action: String,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

impl From<AuditRecord> for AssetHistoryEntry {
    fn from(r: AuditRecord) -> Self {
        Self {
            occurred_at: r.occurred_at,
            action: r.action,
            actor_kind: r.actor_kind,
            actor_id: r.actor_id,
            before: r.before,
            after: r.after,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetHistory {
    pub items: Vec<AssetHistoryEntry>,
}
