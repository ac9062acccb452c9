//! `/api/v1/api-keys`: service accounts for helpdesk front ends.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::pagination::{Page, PageRequest};
use crate::api::extract::Json;
use crate::auth::{secrets, Authenticated};
use crate::db::api_keys::{self, ApiKey, NewApiKey};
use crate::domain::policy::{Action, Actor};
use crate::domain::role::{Role, RoleSet};
use crate::domain::text::DisplayName;
use crate::domain::validation::ValidationErrors;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// What the key is for, e.g. `Helpdesk web Dinas Kesehatan`.
    pub name: String,
    /// The unit the service account acts for: an active one (422 otherwise).
    pub unit_id: Uuid,
    /// `reporter` and `tier1_technician` only.
    #[schema(value_type = Vec<ServiceAccountRole>)]
    pub roles: Vec<Role>,
}

super::openapi_values::string_enum!(
    /// The roles a service account may hold.
    ServiceAccountRole = SERVICE_ACCOUNT_ROLES.iter().map(|role| role.as_str())
);

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyResponse {
    pub id: Uuid,
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    pub unit_id: Uuid,
    pub roles: Vec<Role>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyResponse {
    fn from(key: ApiKey) -> Self {
        Self {
            id: key.id,
            name: key.name,
            prefix: key.prefix,
            unit_id: key.unit_id,
            roles: key.roles,
            created_by: key.created_by,
            created_at: key.created_at,
            revoked_at: key.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyResponse {
    pub api_key: ApiKeyResponse,
    /// The secret: shown only now. Send it as `X-Api-Key` (or as a bearer token).
    pub key: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiKeyQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Roles a front end's key may act with: filing and working its unit's
/// tickets. Anything wider (admin, supervisor, tier 2) stays with people,
/// so a leaked key cannot take over accounts or see every unit.
const SERVICE_ACCOUNT_ROLES: [Role; 2] = [Role::Reporter, Role::Tier1Technician];

/// Keys are managed by people, never by other keys (a leaked key must not
/// mint or revoke keys). Returns the acting user's id.
fn people_only(auth: &Authenticated) -> Result<Uuid, ApiError> {
    match auth.principal.actor {
        Actor::User(id) => Ok(id),
        Actor::ApiKey(_) => Err(ApiError::Forbidden("API keys are managed by people, not by other keys".to_owned())),
    }
}

/// Create an API key (admin); the secret is in the response only.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "api-keys", request_body = CreateApiKeyRequest,
    responses((status = 201, body = CreatedApiKeyResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_api_key(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Json<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageApiKeys)?;
    let created_by = people_only(&auth)?;
    let body = body.into_inner()?;
    let mut errors = ValidationErrors::new();
    let name = errors.check("name", DisplayName::parse(&body.name));
    let roles = errors.check("roles", RoleSet::new(body.roles));
    if roles.as_ref().is_some_and(|r| r.iter().any(|role| !SERVICE_ACCOUNT_ROLES.contains(&role))) {
        errors.add("roles", "a service account may hold only reporter and tier1_technician");
    }
    let (Some(name), Some(roles)) = (name, roles) else {
        return Err(errors.into());
    };
    errors.finish()?;
    let (key, prefix) = secrets::new_api_key();
    let new = NewApiKey {
        name: name.as_str().to_owned(),
        prefix,
        key_hash: secrets::digest(&key),
        unit_id: body.unit_id,
        roles,
        created_by,
    };
    let ctx = auth.context(state.clock.now());
    let stored = state.db.run(move |conn| api_keys::insert(conn, &ctx, new)).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/api-keys/{}", stored.id)))
        .json(CreatedApiKeyResponse { api_key: stored.into(), key }))
}

/// List API keys (admin, auditor).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "api-keys", params(ApiKeyQuery),
    responses((status = 200, body = Page<ApiKeyResponse>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<ApiKeyQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadApiKeys)?;
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    let (after, limit) = (page.after_id, page.fetch_limit());
    let rows = state.db.run(move |conn| api_keys::list(conn, after, limit)).await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |k| k.id, ApiKeyResponse::from)))
}

/// Read an API key (admin, auditor).
#[utoipa::path(get, path = "/api/v1/api-keys/{id}", tag = "api-keys", params(("id" = Uuid, Path)),
    responses((status = 200, body = ApiKeyResponse), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_api_key(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadApiKeys)?;
    let id = id.into_inner();
    let key = state.db.run(move |conn| api_keys::find(conn, id)).await?;
    Ok(HttpResponse::Ok().json(ApiKeyResponse::from(key)))
}

/// Revoke an API key (admin); it stops working at once.
#[utoipa::path(post, path = "/api/v1/api-keys/{id}/revoke", tag = "api-keys", params(("id" = Uuid, Path)),
    responses((status = 200, body = ApiKeyResponse), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageApiKeys)?;
    people_only(&auth)?;
    let id = id.into_inner();
    let ctx = auth.context(state.clock.now());
    let key = state.db.run(move |conn| api_keys::revoke(conn, &ctx, id)).await?;
    Ok(HttpResponse::Ok().json(ApiKeyResponse::from(key)))
}
