//! Cursor pagination: the cursor is the sealed form of the last id seen
//! (ids are UUID v7, so id order is creation order and stable).

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::cursor_seal::CursorKey;
use crate::domain::page::PageLimit;
use crate::error::ApiError;

/// A page of items and the cursor of the next page (absent on the last).
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The parsed `limit` and `cursor` of a list request.
pub struct PageRequest {
    pub limit: u32,
    pub after_id: Option<Uuid>,
    key: CursorKey,
}

/// A `cursor` parameter: absent when empty (`cursor=` asks for the first page).
pub fn given(cursor: Option<&str>) -> Option<&str> {
    cursor.filter(|c| !c.is_empty())
}

impl PageRequest {
    pub fn parse(key: &CursorKey, limit: Option<u32>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let limit = PageLimit::parse(limit).map_err(|e| ApiError::invalid("limit", e))?;
        let after_id = given(cursor).map(|c| decode_cursor(key, c)).transpose()?;
        Ok(Self { limit: limit.get(), after_id, key: *key })
    }

    /// The store limit: one more than asked, to learn whether a next page exists.
    pub fn fetch_limit(&self) -> u32 {
        self.limit + 1
    }

    /// Turns the fetched rows into a page, mapping each to its response type.
    pub fn page<R, T>(&self, mut rows: Vec<R>, id_of: impl Fn(&R) -> Uuid, map: impl Fn(R) -> T) -> Page<T> {
        let has_more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let next_cursor = if has_more { rows.last().map(|r| encode_cursor(&self.key, id_of(r))) } else { None };
        Page { items: rows.into_iter().map(map).collect(), next_cursor }
    }
}

fn encode_cursor(key: &CursorKey, id: Uuid) -> String {
    key.seal(id.as_bytes())
}

fn decode_cursor(key: &CursorKey, cursor: &str) -> Result<Uuid, ApiError> {
    let plain = key.open(cursor)?;
    Uuid::from_slice(&plain).map_err(|_| ApiError::invalid("cursor", "not a cursor of this list"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CursorKey {
        CursorKey::derive(&crate::auth::keys::SigningKey::Secret(b"test".to_vec()))
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&key(), &encode_cursor(&key(), id)).ok(), Some(id));
        assert!(decode_cursor(&key(), "not-a-cursor!").is_err());
        assert!(PageRequest::parse(&key(), None, Some("")).is_ok_and(|p| p.after_id.is_none()));
    }

    #[test]
    fn a_page_knows_whether_more_follow() {
        let request = PageRequest::parse(&key(), Some(2), None).unwrap();
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let page = request.page(ids.clone(), |id| *id, |id| id);
        assert_eq!(page.items, ids[..2].to_vec());
        assert_eq!(page.next_cursor, Some(encode_cursor(&key(), ids[1])));
        let last = request.page(ids[..2].to_vec(), |id| *id, |id| id);
        assert_eq!(last.next_cursor, None);
    }
}
