//! Conversions between domain ids and their stored 16-byte form.

use uuid::Uuid;

use super::StoreError;

/// The stored form of an id: 16 bytes, time-ordered for UUID v7.
pub fn to_bytes(id: Uuid) -> Vec<u8> {
    id.as_bytes().to_vec()
}

/// Reads a stored id back, failing (not panicking) on corrupt data.
pub fn from_bytes(bytes: &[u8]) -> Result<Uuid, StoreError> {
    Uuid::from_slice(bytes).map_err(|_| StoreError::Corrupt(format!("id of {} bytes", bytes.len())))
}
