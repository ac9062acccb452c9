//! The caller's right on a ticket, checked before a body is read: a
//! caller who may not do something learns nothing of its body's rules.

use actix_web::{web, HttpRequest};
use uuid::Uuid;

use super::resolve_ticket;
use crate::api::etag::precondition;
use crate::auth::Authenticated;
use crate::db::tickets::rights::{self, TicketRight};
use crate::db::StoreError;
use crate::domain::ticket::access::TicketScope;
use crate::domain::ticket::workflow::CommandKind;
use crate::domain::version::Precondition;
use crate::error::ApiError;
use crate::state::AppState;

/// Finds the ticket (by id or number) and refuses what no body could do
/// there: 404 when the caller may not see it, 412 for a stale `If-Match`,
/// 409 when its state permits no such move, 403 without the right. The
/// store checks again when it writes; the ticket's id.
pub async fn admit(
    state: &web::Data<AppState>,
    auth: &Authenticated,
    raw: String,
    precondition: Precondition,
    right: TicketRight,
) -> Result<Uuid, ApiError> {
    let principal = auth.principal.clone();
    state
        .db
        .run(move |conn| {
            let ticket = resolve_ticket(conn, &TicketScope::of(&principal), &raw)?;
            rights::admit(&principal, &ticket, &precondition, right)?;
            Ok::<_, StoreError>(ticket.id)
        })
        .await
        .map_err(ApiError::from)
}

/// [`admit`] for a workflow move, under the request's `If-Match`.
pub async fn admit_move(
    state: &web::Data<AppState>,
    auth: &Authenticated,
    req: &HttpRequest,
    raw: String,
    kind: CommandKind,
) -> Result<Uuid, ApiError> {
    admit(state, auth, raw, precondition(req)?, TicketRight::Move(kind)).await
}
