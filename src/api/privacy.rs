//! `/api/v1/privacy/erasures`: erasing the contact of someone reported on
//! behalf of (UU 27/2022), online, as `spbe-desk privacy erase` does
//! (`docs/privacy.md`).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::privacy::erase::{self, Erasure};
use crate::domain::email::EmailAddress;
use crate::domain::policy::Action;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    /// The e-mail address of the person reported on behalf of.
    pub reporter_email: String,
}

/// What an erasure did; a second one finds nothing (all zero, no ticket).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureResponse {
    /// The tickets whose contact was blanked now (numbers).
    pub tickets: Vec<String>,
    /// Committed values emptied with their salts.
    pub values_erased: u64,
    /// Mails and deliveries whose texts held a value.
    pub notices_changed: u64,
    /// Entries written before commitments that still hold a value (their
    /// hashes cover it; `docs/privacy.md`).
    pub entries_in_the_clear: u64,
}

impl From<Erasure> for ErasureResponse {
    fn from(e: Erasure) -> Self {
        Self {
            tickets: e.tickets,
            values_erased: e.values_erased as u64,
            notices_changed: e.notices_changed as u64,
            entries_in_the_clear: e.entries_in_the_clear,
        }
    }
}

/// Erase a reporter's contact from the tickets reported on their behalf,
/// the values their audit entries commit to, and the outbox; every audit
/// chain keeps verifying, and each ticket's chain records the erasure.
#[utoipa::path(post, path = "/api/v1/privacy/erasures", tag = "privacy", request_body = ErasureRequest,
    responses((status = 200, body = ErasureResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn erase_personal_data(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Json<ErasureRequest>,
) -> Result<HttpResponse, ApiError> {
    // The right first: a caller without it learns nothing from its body.
    auth.require(Action::ErasePersonalData)?;
    let body = body.into_inner()?;
    let email =
        EmailAddress::parse(&body.reporter_email).map_err(|e| ApiError::invalid("reporter_email", e.to_string()))?;
    let ctx = auth.context(state.clock.now());
    let erasure = state.db.run(move |conn| erase::erase_reporter(conn, &ctx, &email)).await?;
    Ok(HttpResponse::Ok().json(ErasureResponse::from(erasure)))
}
