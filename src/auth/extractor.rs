//! The `Authenticated` extractor: a bearer JWT or an API key, checked
//! against the database on every request so that logout, deactivation and
//! revocation take effect at once.

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderMap, AUTHORIZATION};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use tracing_actix_web::RequestId;
use uuid::Uuid;

use super::jwt::{TokenError, TokenService};
use super::secrets::{digest, API_KEY_PREFIX};
use crate::clock::Clock;
use crate::db::{api_keys, sessions, Db};
use crate::domain::journal::Context;
use crate::domain::policy::{Action, Principal};
use crate::error::ApiError;

/// What a credential is checked against: the token service, the store of
/// sessions and API keys, and the clock. Startup registers it as app data
/// beside the handlers' state, which sits above `auth` and is not named here.
pub struct Authenticator {
    pub tokens: Arc<TokenService>,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
}

/// An authenticated caller, and the session behind it (none for API keys).
pub struct Authenticated {
    pub principal: Principal,
    pub session_id: Option<Uuid>,
    pub request_id: Option<String>,
}

impl Authenticated {
    /// Fails with 403 unless the policy allows `action`.
    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        if self.principal.can(action) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// The audit context of a mutation made by this caller at `now`.
    pub fn context(&self, now: chrono::DateTime<chrono::Utc>) -> Context {
        Context::new(Some(self.principal.actor), self.request_id.clone(), now)
    }
}

enum Credential {
    Jwt(String),
    ApiKey(String),
}

fn credential(headers: &HeaderMap) -> Result<Credential, ApiError> {
    // Serving one of two credentials silently would act as someone the
    // caller may not have meant.
    if headers.contains_key("x-api-key") && headers.contains_key(AUTHORIZATION) {
        return Err(unauthenticated("send either an Authorization header or an X-Api-Key, not both"));
    }
    if let Some(key) = headers.get("x-api-key") {
        let key = key.to_str().map_err(|_| unauthenticated("the API key is malformed"))?;
        return Ok(Credential::ApiKey(key.trim().to_owned()));
    }
    let header = headers
        .get(AUTHORIZATION)
        .ok_or_else(|| unauthenticated("send an access token (Authorization: Bearer ...) or an API key (X-Api-Key)"))?;
    let value = header.to_str().map_err(|_| unauthenticated("the Authorization header is malformed"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| unauthenticated("the Authorization header must use the Bearer scheme"))?
        .trim();
    // Front ends that only speak bearer tokens may send their API key so.
    if token.starts_with(API_KEY_PREFIX) {
        Ok(Credential::ApiKey(token.to_owned()))
    } else {
        Ok(Credential::Jwt(token.to_owned()))
    }
}

fn unauthenticated(detail: &str) -> ApiError {
    ApiError::Unauthenticated(detail.to_owned())
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<Authenticator>>().cloned();
        let found = credential(req.headers());
        let request_id = req.extensions().get::<RequestId>().map(ToString::to_string);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("authenticator missing".to_owned()))?;
            let (principal, session_id) = match found? {
                Credential::Jwt(token) => {
                    let claims = state.tokens.verify(&token, state.clock.now()).map_err(|e| match e {
                        TokenError::Expired => unauthenticated("the access token has expired; refresh it"),
                        TokenError::Invalid => unauthenticated("the access token is invalid"),
                    })?;
                    let (user_id, session_id) = (claims.sub, claims.sid);
                    let principal = state
                        .db
                        .run(move |conn| sessions::principal(conn, user_id, session_id))
                        .await?
                        .ok_or_else(|| unauthenticated("the session has ended; log in again"))?;
                    (principal, Some(session_id))
                }
                Credential::ApiKey(key) => {
                    let hash = digest(&key);
                    let principal = state
                        .db
                        .run(move |conn| api_keys::principal(conn, &hash))
                        .await?
                        .ok_or_else(|| unauthenticated("the API key is unknown or revoked"))?;
                    (principal, None)
                }
            };
            Ok(Authenticated { principal, session_id, request_id })
        })
    }
}
