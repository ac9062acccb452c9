//! `/api/v1/auth/*` and `/api/v1/me`: sessions and the caller's identity.

use actix_web::http::header;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::extract::Json;
use crate::auth::{password, secrets, Authenticated};
use crate::db::sessions::{self, Refreshed};
use crate::db::throttle;
use crate::db::{api_keys, users, DbConnection};
use crate::domain::journal::Context;
use crate::domain::policy::{Actor, UserVisibility};
use crate::domain::role::Role;
use crate::domain::throttle::{Admission, LoginLimits};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Single use: each refresh returns the next one.
    pub refresh_token: String,
    pub token_type: String,
    /// Lifetime of the access token in seconds.
    pub expires_in: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    /// `user` or `api_key`.
    pub kind: String,
    pub id: Uuid,
    pub name: String,
    pub email: Option<String>,
    pub unit_id: Uuid,
    pub roles: Vec<Role>,
}

/// The client's address: the peer, or, behind a trusted proxy, the last
/// `X-Forwarded-For` hop that is not itself a trusted proxy.
pub(crate) fn client_address(req: &HttpRequest, trusted: &[std::net::IpAddr]) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    let Some(peer) = peer else { return String::new() };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()).unwrap_or("");
    forwarded
        .rsplit(',')
        .filter_map(|hop| hop.trim().parse::<std::net::IpAddr>().ok())
        .find(|hop| !trusted.contains(hop))
        .unwrap_or(peer)
        .to_string()
}

const BAD_CREDENTIALS: &str = "wrong e-mail address or password";

fn request_context(req: &HttpRequest, now: chrono::DateTime<chrono::Utc>, actor: Option<Actor>) -> Context {
    Context::new(actor, req.extensions().get::<RequestId>().map(ToString::to_string), now)
}

/// What a password attempt came to, once the throttle admitted it.
pub(crate) enum Attempt {
    /// The password is the active user's: their id.
    Valid(Uuid),
    /// A wrong password, an unknown address or an inactive user (counted).
    Invalid,
}

/// Admits a password attempt through the throttle (429 while the account or
/// the address is locked out), then checks the password. The account's
/// failure is counted before the (slow) hash comparison and cleared on
/// success; the address's only on failure. Logins and password changes
/// share the counts, so neither gives more guesses than the other.
pub(crate) fn attempt_password(
    conn: &mut DbConnection,
    state: &AppState,
    now: chrono::DateTime<chrono::Utc>,
    email: &str,
    password: &str,
    address: &str,
) -> Result<Attempt, ApiError> {
    let auth = &state.settings.auth;
    let limits = LoginLimits::new(
        auth.max_failures_per_account,
        auth.max_failures_per_address,
        auth.failure_window_seconds,
        auth.lockout_seconds,
    );
    let account_key = format!("account:{email}");
    let address_key = format!("address:{address}");
    if let Admission::LockedOut { retry_after_seconds, .. } =
        throttle::admit(conn, &address_key, &account_key, &limits, now)?
    {
        return Err(ApiError::TooManyRequests {
            detail: "too many failed password attempts; try again later".to_owned(),
            retry_after_seconds,
        });
    }
    let found = users::find_for_login(conn, email)?;
    let hash = found.as_ref().and_then(|(_, hash)| hash.as_deref());
    let valid = password::verify(hash, password) && found.as_ref().is_some_and(|(user, _)| user.active);
    match found {
        Some((user, _)) if valid => {
            throttle::clear(conn, &account_key)?;
            Ok(Attempt::Valid(user.id))
        }
        _ => {
            throttle::record_failure(conn, &address_key, &limits, now)?;
            Ok(Attempt::Invalid)
        }
    }
}

fn token_response(
    state: &AppState,
    user_id: Uuid,
    session_id: Uuid,
    refresh_token: String,
) -> Result<HttpResponse, ApiError> {
    let access_token = state.tokens.issue(user_id, session_id, state.clock.now()).map_err(ApiError::Internal)?;
    // Tokens must not be kept by caches (RFC 6749 §5.1).
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token,
            refresh_token,
            token_type: "Bearer".to_owned(),
            expires_in: state.tokens.access_ttl_seconds(),
        }))
}

/// Log in with e-mail and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem, headers(("Retry-After" = String)))))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { email, password } = body.into_inner()?;
    let email = email.trim().to_lowercase();
    if email.is_empty() || email.len() > 254 || email.chars().any(char::is_control) {
        // Not an address anyone can have: no account to throttle or check.
        return Err(ApiError::Unauthenticated(BAD_CREDENTIALS.to_owned()));
    }
    let address = client_address(&req, &state.settings.server.trusted_proxies);
    let ctx = request_context(&req, state.clock.now(), None);
    let refresh_token = secrets::random_token();
    let refresh_hash = secrets::digest(&refresh_token);
    let refresh_expires = ctx.now + Duration::seconds(i64::from(state.settings.auth.refresh_token_seconds));
    let app = state.clone();
    let (user_id, session_id) = state
        .db
        .run(move |conn| {
            let Attempt::Valid(user_id) = attempt_password(conn, &app, ctx.now, &email, &password, &address)? else {
                return Err(ApiError::Unauthenticated(BAD_CREDENTIALS.to_owned()));
            };
            let ctx = Context { actor: Some(Actor::User(user_id)), ..ctx };
            let session_id = sessions::open(conn, &ctx, user_id, &refresh_hash, refresh_expires)?;
            Ok::<_, ApiError>((user_id, session_id))
        })
        .await?;
    token_response(&state, user_id, session_id, refresh_token)
}

/// Exchange a refresh token for new tokens (the old one is then spent).
/// Refreshes with one token within `auth.refresh_reuse_grace_seconds` of
/// its use (several tabs at once) get the same new refresh token; a reuse
/// after that ends the session.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 400, body = Problem),
        (status = 401, body = Problem, description = "unknown, expired or reused token; reuse ends the session"), (status = 422, body = Problem)))]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let presented = secrets::digest(body.refresh_token.trim());
    let next_token = state.tokens.refresh_successor(body.refresh_token.trim());
    let next_hash = secrets::digest(&next_token);
    let ctx = request_context(&req, state.clock.now(), None);
    let next_expires = ctx.now + Duration::seconds(i64::from(state.settings.auth.refresh_token_seconds));
    let grace = Duration::seconds(i64::from(state.settings.auth.refresh_reuse_grace_seconds));
    let outcome =
        state.db.run(move |conn| sessions::rotate(conn, &ctx, &presented, &next_hash, next_expires, grace)).await?;
    match outcome {
        Refreshed::Rotated { user_id, session_id } => token_response(&state, user_id, session_id, next_token),
        Refreshed::ReuseDetected => Err(ApiError::Unauthenticated(
            "this refresh token was already used; the session has been ended, log in again".to_owned(),
        )),
        Refreshed::Rejected => Err(ApiError::Unauthenticated("the refresh token is invalid or expired".to_owned())),
    }
}

/// End the caller's session (its refresh tokens and access tokens stop working).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = Problem), (status = 422, body = Problem, description = "API keys have no session")),
    security(("bearer" = [])))]
pub async fn logout(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    let session_id = auth
        .session_id
        .ok_or_else(|| ApiError::invalid("authorization", "API keys have no session; revoke the key instead"))?;
    let ctx = auth.context(state.clock.now());
    state.db.run(move |conn| sessions::revoke(conn, &ctx, session_id, "logout")).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who the caller is: user or service account, unit and roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = MeResponse), (status = 401, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn me(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    let actor = auth.principal.actor;
    let response = match actor {
        Actor::User(id) => {
            let user = state.db.run(move |conn| users::find(conn, UserVisibility::All, id)).await?;
            MeResponse {
                kind: "user".to_owned(),
                id,
                name: user.name,
                email: Some(user.email),
                unit_id: user.unit_id,
                roles: user.roles,
            }
        }
        Actor::ApiKey(id) => {
            let key = state.db.run(move |conn| api_keys::find(conn, id)).await?;
            MeResponse {
                kind: "api_key".to_owned(),
                id,
                name: key.name,
                email: None,
                unit_id: key.unit_id,
                roles: key.roles,
            }
        }
    };
    Ok(HttpResponse::Ok().json(response))
}
