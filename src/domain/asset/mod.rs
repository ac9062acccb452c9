//! The register of TIK assets (Manajemen Aset TIK, Perbup Manggarai Barat
//! 57/2018 Pasal 27): what an asset is ([`kind`], its typed
//! [`attributes`] and its [`inventory_code`]), its life cycle
//! ([`lifecycle`]), the relations between assets and the rule that keeps
//! some of them acyclic ([`relation`]), what depends on an asset
//! ([`impact`]) and who sees and edits which ([`access`]). Pure rules; the
//! store is `db::assets`.

pub mod access;
pub mod attributes;
pub mod impact;
pub mod inventory_code;
pub mod kind;
pub mod lifecycle;
pub mod relation;

pub use attributes::AssetAttributes;
pub use inventory_code::InventoryCode;
pub use kind::{AssetClass, AssetKind};
pub use lifecycle::AssetStatus;
pub use relation::RelationKind;
