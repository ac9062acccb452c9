//! The `Idempotency-Key` of creating POSTs: scoped to the caller (and to
//! the kind of resource), with the hash of the body it came with, and
//! remembered for `housekeeping.idempotency_key_hours`.

use actix_web::HttpRequest;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::tickets::IdempotencyKey;
use crate::domain::policy::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// The request's key, if it sent one; `namespace` keeps one caller's keys
/// for different resources apart (`""` for tickets, `change:` for changes).
pub fn key<T: Serialize>(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    namespace: &str,
    body: &T,
) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else { return Ok(None) };
    // As the document states it: 1 to 200 visible ASCII characters, no
    // spaces or tabs (which a trim would otherwise take in the middle).
    let visible = |k: &&[u8]| (1..=200).contains(&k.len()) && k.iter().all(u8::is_ascii_graphic);
    let key = Some(value.as_bytes()).filter(visible).and_then(|k| std::str::from_utf8(k).ok());
    let key = key.ok_or_else(|| ApiError::invalid("Idempotency-Key", "must be 1 to 200 visible ASCII characters"))?;
    let canonical = serde_json::to_vec(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Some(IdempotencyKey {
        actor_id: principal.actor.id(),
        key: format!("{namespace}{key}"),
        request_hash: Sha256::digest(canonical).to_vec(),
        fresh_since: (state.clock.now() - state.settings.housekeeping.idempotency_key_lifetime()).naive_utc(),
    }))
}
