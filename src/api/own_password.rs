//! `POST /api/v1/me/password`: a person changes their own password.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::{attempt_password, client_address, Attempt};
use crate::api::extract::Json;
use crate::auth::{password, Authenticated};
use crate::db::users;
use crate::domain::password::NewPassword;
use crate::domain::policy::{Actor, UserVisibility};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The current password (422 when it is not).
    pub old_password: String,
    /// 10–128 characters.
    pub new_password: String,
}

/// Change your own password. The old one is checked like a login (wrong
/// guesses count toward the same lockout); the session making the change
/// stays open, and every other session of yours ends at once: its refresh
/// token is refused and its access tokens already issued stop working
/// (each request checks its session).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", request_body = ChangePasswordRequest,
    responses((status = 204, description = "changed; your other sessions are ended"), (status = 400, body = Problem),
        (status = 401, body = Problem),
        (status = 422, body = Problem, description = "a wrong old password (`old_password`), a new one the rules refuse (`new_password`), or an API key"),
        (status = 429, body = Problem, description = "too many wrong passwords; as for logins", headers(("Retry-After" = String)))),
    security(("bearer" = [])))]
pub async fn change_own_password(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let (Actor::User(user_id), Some(session_id)) = (auth.principal.actor, auth.session_id) else {
        return Err(ApiError::invalid("authorization", "API keys have no password"));
    };
    let ChangePasswordRequest { old_password, new_password } = body.into_inner()?;
    let new_password =
        NewPassword::parse(&new_password).map_err(|e| ApiError::invalid("new_password", e.to_string()))?;
    let address = client_address(&req, &state.settings.server.trusted_proxies);
    let ctx = auth.context(state.clock.now());
    let app = state.clone();
    state
        .db
        .run(move |conn| {
            let email = users::find(conn, UserVisibility::All, user_id)?.email;
            match attempt_password(conn, &app, ctx.now, &email, &old_password, &address)? {
                Attempt::Valid(id) if id == user_id => {}
                _ => return Err(ApiError::invalid("old_password", "is not your current password")),
            }
            let hash = password::hash(&new_password).map_err(ApiError::Internal)?;
            users::change_own_password(conn, &ctx, user_id, session_id, hash)?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
