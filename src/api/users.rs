//! `/api/v1/users`: people, their unit and roles.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::etag::{created_with_etag, ok_with_etag, precondition};
use super::pagination::{Page, PageRequest};
use super::units::search_text;
use crate::api::extract::Json;
use crate::auth::{password, secrets, Authenticated};
use crate::db::users::{self, User, UserFilter};
use crate::domain::email::EmailAddress;
use crate::domain::password::NewPassword;
use crate::domain::policy::Action;
use crate::domain::role::{Role, RoleSet};
use crate::domain::text::DisplayName;
use crate::domain::user::{NewUser, UserChanges};
use crate::domain::validation::ValidationErrors;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub name: String,
    pub email: String,
    /// An active unit (422 otherwise).
    pub unit_id: Uuid,
    /// One or more roles; `tier2_engineer` and `supervisor` only in the Dinas
    /// (422 otherwise).
    pub roles: Vec<Role>,
    /// 10–128 characters; when absent a password is generated and returned once.
    pub password: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub name: Option<String>,
    pub email: Option<String>,
    /// An active unit (422 otherwise).
    pub unit_id: Option<Uuid>,
    /// As on creation: the roles must fit the user's unit (422 otherwise).
    pub roles: Option<Vec<Role>>,
    /// `false` deactivates the user and ends every session they hold.
    pub active: Option<bool>,
    /// Sets a new password (10–128 characters) and ends their sessions.
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            unit_id: user.unit_id,
            name: user.name,
            email: user.email,
            roles: user.roles,
            active: user.active,
            version: user.version,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// A created user, with the generated password when none was given.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUserResponse {
    pub user: UserResponse,
    /// Shown only once; absent when the request set a password.
    pub generated_password: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    pub unit_id: Option<Uuid>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Text to find in the name or e-mail.
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

fn parse_roles(errors: &mut ValidationErrors, roles: Vec<Role>) -> Option<RoleSet> {
    errors.check("roles", RoleSet::new(roles))
}

fn parse_password(errors: &mut ValidationErrors, raw: Option<&str>) -> Option<NewPassword> {
    raw.and_then(|p| errors.check("password", NewPassword::parse(p)))
}

fn hash(password: &NewPassword) -> Result<String, ApiError> {
    password::hash(password).map_err(ApiError::Internal)
}

/// List the users the caller may see.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery),
    responses((status = 200, body = Page<UserResponse>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_users(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<UserQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadUsers)?;
    let query = query.into_inner();
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    let filter = UserFilter {
        unit_id: query.unit_id,
        role: query.role,
        active: query.active,
        text: search_text(query.q)?,
        after_id: page.after_id,
        limit: page.fetch_limit(),
    };
    let visibility = auth.principal.user_visibility();
    let rows = state.db.run(move |conn| users::list(conn, visibility, &filter)).await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |u| u.id, UserResponse::from)))
}

/// Create a user (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUserRequest,
    responses((status = 201, body = CreatedUserResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem, description = "e-mail already used"),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_user(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageUsers)?;
    let body = body.into_inner()?;
    let mut errors = ValidationErrors::new();
    let name = errors.check("name", DisplayName::parse(&body.name));
    let email = errors.check("email", EmailAddress::parse(&body.email));
    let roles = parse_roles(&mut errors, body.roles);
    let given = parse_password(&mut errors, body.password.as_deref());
    let (Some(name), Some(email), Some(roles)) = (name, email, roles) else {
        return Err(errors.into());
    };
    errors.finish()?;
    let new = NewUser { name, email, unit_id: body.unit_id, roles };
    let generated = given.is_none().then(secrets::random_token);
    let chosen = match (&given, &generated) {
        (Some(p), _) => p.clone(),
        (None, Some(g)) => NewPassword::parse(g).map_err(|e| ApiError::Internal(e.to_string()))?,
        (None, None) => return Err(ApiError::Internal("no password".to_owned())),
    };
    let ctx = auth.context(state.clock.now());
    let user = state
        .db
        .run(move |conn| {
            let password_hash = hash(&chosen)?;
            users::insert(conn, &ctx, &new, Some(password_hash)).map_err(ApiError::from)
        })
        .await?;
    let location = format!("/api/v1/users/{}", user.id);
    let version = user.version;
    let body = CreatedUserResponse { user: user.into(), generated_password: generated };
    Ok(created_with_etag(location, version, &body))
}

/// Read a user the caller may see.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = Uuid, Path)),
    responses((status = 200, body = UserResponse, headers(("ETag" = String))), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_user(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (id, visibility) = (id.into_inner(), auth.principal.user_visibility());
    let user = state.db.run(move |conn| users::find(conn, visibility, id)).await?;
    Ok(ok_with_etag(user.version, &UserResponse::from(user)))
}

/// Update a user (admin); honours `If-Match`.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = UpdateUserRequest,
    responses((status = 200, body = UserResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_user(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageUsers)?;
    let body = body.into_inner()?;
    let mut errors = ValidationErrors::new();
    let changes = UserChanges {
        name: body.name.and_then(|n| errors.check("name", DisplayName::parse(&n))),
        email: body.email.and_then(|e| errors.check("email", EmailAddress::parse(&e))),
        unit_id: body.unit_id,
        roles: body.roles.and_then(|r| parse_roles(&mut errors, r)),
        active: body.active,
    };
    let password = parse_password(&mut errors, body.password.as_deref());
    errors.finish()?;
    let (id, precondition) = (id.into_inner(), precondition(&req)?);
    let ctx = auth.context(state.clock.now());
    let user = state
        .db
        .run(move |conn| {
            let password_hash = password.as_ref().map(hash).transpose()?;
            users::update(conn, &ctx, id, &precondition, &changes, password_hash).map_err(ApiError::from)
        })
        .await?;
    Ok(ok_with_etag(user.version, &UserResponse::from(user)))
}
