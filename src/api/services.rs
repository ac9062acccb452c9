//! `/api/v1/services`: the Layanan SPBE catalog.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::etag::{created_with_etag, ok_with_etag, precondition};
use super::pagination::{Page, PageRequest};
use super::units::search_text;
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::services::{self, Service, ServiceFilter};
use crate::domain::policy::Action;
use crate::domain::service::{
    check_application, parse_depends_on, parse_description, NewService, Platform, ServiceCategory, ServiceChanges,
    SHARED_INFRASTRUCTURE,
};
use crate::domain::text::{Code, DisplayName};
use crate::domain::validation::ValidationErrors;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateServiceRequest {
    /// Short code, e.g. `SIMPEG`.
    pub code: String,
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub description: String,
    pub category: ServiceCategory,
    /// The *PD pemilik layanan*: an active unit (422 otherwise).
    pub owner_unit_id: Uuid,
    pub platform: Platform,
    /// The application's name: required when `platform` is `aplikasi_umum`
    /// or `aplikasi_khusus`, and absent for every other platform (422
    /// otherwise).
    pub application_name: Option<String>,
    /// Tier 2 takes its tickets directly (Dinas-run infrastructure).
    #[serde(default)]
    pub direct_tier2: bool,
    /// A calendar of its own (e.g. 24×7), an existing one (422 otherwise);
    /// the owner unit's applies otherwise.
    pub calendar_id: Option<Uuid>,
    /// Its SLA policy, an existing one (422 otherwise); the default policy
    /// applies otherwise.
    pub sla_policy_id: Option<Uuid>,
    /// The shared infrastructure it runs on (`pusat_data`, `jaringan_intra`):
    /// changes to services on the same infrastructure conflict.
    #[serde(default)]
    #[schema(value_type = Vec<SharedInfrastructure>)]
    pub depends_on: Vec<Platform>,
}

impl TryFrom<CreateServiceRequest> for NewService {
    type Error = ValidationErrors;

    fn try_from(r: CreateServiceRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let code = errors.check("code", Code::parse(&r.code));
        let name = errors.check("name", DisplayName::parse(&r.name));
        let description = errors.check("description", parse_description(&r.description));
        let application_name = match r.application_name.as_deref() {
            Some(raw) => errors.check("application_name", DisplayName::parse(raw)).map(Some),
            None => Some(None),
        };
        if let Some(application) = &application_name {
            errors.check("application_name", check_application(r.platform, application.as_ref()));
        }
        let depends_on = errors.check("depends_on", parse_depends_on(&r.depends_on));
        match (code, name, description, application_name, depends_on) {
            (Some(code), Some(name), Some(description), Some(application_name), Some(depends_on))
                if errors.is_empty() =>
            {
                Ok(NewService {
                    code,
                    name,
                    description,
                    category: r.category,
                    owner_unit_id: r.owner_unit_id,
                    platform: r.platform,
                    application_name,
                    direct_tier2: r.direct_tier2,
                    calendar_id: r.calendar_id,
                    sla_policy_id: r.sla_policy_id,
                    depends_on,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Fields to change; absent fields stay. `application_name: null` clears it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateServiceRequest {
    pub code: Option<String>,
    pub name: Option<String>,
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    pub category: Option<ServiceCategory>,
    /// An active unit (422 otherwise).
    pub owner_unit_id: Option<Uuid>,
    pub platform: Option<Platform>,
    /// As on creation: the result must name an application exactly when
    /// the platform is one (422 otherwise).
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub application_name: Option<Option<String>>,
    pub direct_tier2: Option<bool>,
    pub active: Option<bool>,
    /// `null` clears the calendar.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub calendar_id: Option<Option<Uuid>>,
    /// `null` returns the service to the default policy.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub sla_policy_id: Option<Option<Uuid>>,
    /// Replaces the list of shared infrastructure the service runs on.
    #[schema(value_type = Option<Vec<SharedInfrastructure>>)]
    pub depends_on: Option<Vec<Platform>>,
}

super::openapi_values::string_enum!(
    /// The platforms a service may depend on (`service::parse_depends_on`).
    SharedInfrastructure = SHARED_INFRASTRUCTURE.iter().map(|p| p.as_str())
);

impl TryFrom<UpdateServiceRequest> for ServiceChanges {
    type Error = ValidationErrors;

    fn try_from(r: UpdateServiceRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let application_name = match r.application_name {
            Some(Some(raw)) => errors.check("application_name", DisplayName::parse(&raw)).map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let changes = ServiceChanges {
            code: r.code.and_then(|c| errors.check("code", Code::parse(&c))),
            name: r.name.and_then(|n| errors.check("name", DisplayName::parse(&n))),
            description: r.description.and_then(|d| errors.check("description", parse_description(&d))),
            category: r.category,
            owner_unit_id: r.owner_unit_id,
            platform: r.platform,
            application_name,
            direct_tier2: r.direct_tier2,
            active: r.active,
            calendar_id: r.calendar_id,
            sla_policy_id: r.sla_policy_id,
            depends_on: r.depends_on.and_then(|d| errors.check("depends_on", parse_depends_on(&d))),
        };
        errors.finish().map(|()| changes)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceResponse {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub description: String,
    pub category: ServiceCategory,
    pub owner_unit_id: Uuid,
    pub platform: Platform,
    pub application_name: Option<String>,
    pub direct_tier2: bool,
    pub active: bool,
    pub calendar_id: Option<Uuid>,
    pub sla_policy_id: Option<Uuid>,
    pub depends_on: Vec<Platform>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Service> for ServiceResponse {
    fn from(s: Service) -> Self {
        Self {
            id: s.id,
            code: s.code,
            name: s.name,
            description: s.description,
            category: s.category,
            owner_unit_id: s.owner_unit_id,
            platform: s.platform,
            application_name: s.application_name,
            direct_tier2: s.direct_tier2,
            active: s.active,
            calendar_id: s.calendar_id,
            sla_policy_id: s.sla_policy_id,
            depends_on: s.depends_on,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceQuery {
    pub category: Option<ServiceCategory>,
    pub platform: Option<Platform>,
    pub owner_unit_id: Option<Uuid>,
    pub direct_tier2: Option<bool>,
    pub active: Option<bool>,
    /// Text to find in the name or code.
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// List the catalog (every authenticated caller).
#[utoipa::path(get, path = "/api/v1/services", tag = "services", params(ServiceQuery),
    responses((status = 200, body = Page<ServiceResponse>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_services(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<ServiceQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadUnits)?;
    let q = query.into_inner();
    let page = PageRequest::parse(&state.cursors, q.limit, q.cursor.as_deref())?;
    let filter = ServiceFilter {
        category: q.category,
        platform: q.platform,
        owner_unit_id: q.owner_unit_id,
        direct_tier2: q.direct_tier2,
        active: q.active,
        text: search_text(q.q)?,
        after_id: page.after_id,
        limit: page.fetch_limit(),
    };
    let rows = state.db.run(move |conn| services::list(conn, &filter)).await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |s| s.id, ServiceResponse::from)))
}

/// Add a service to the catalog (admin).
#[utoipa::path(post, path = "/api/v1/services", tag = "services", request_body = CreateServiceRequest,
    responses((status = 201, body = ServiceResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_service(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Json<CreateServiceRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageUnits)?;
    let new = NewService::try_from(body.into_inner()?)?;
    let ctx = auth.context(state.clock.now());
    let service = state.db.run(move |conn| services::insert(conn, &ctx, &new)).await?;
    let location = format!("/api/v1/services/{}", service.id);
    Ok(created_with_etag(location, service.version, &ServiceResponse::from(service)))
}

/// Read a service.
#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "services", params(("id" = Uuid, Path)),
    responses((status = 200, body = ServiceResponse), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_service(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadUnits)?;
    let id = id.into_inner();
    let service = state.db.run(move |conn| services::find(conn, id)).await?;
    Ok(ok_with_etag(service.version, &ServiceResponse::from(service)))
}

/// Update a service (admin); honours `If-Match`.
#[utoipa::path(patch, path = "/api/v1/services/{id}", tag = "services", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = UpdateServiceRequest,
    responses((status = 200, body = ServiceResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_service(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<UpdateServiceRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageUnits)?;
    let changes = ServiceChanges::try_from(body.into_inner()?)?;
    let (id, precondition) = (id.into_inner(), precondition(&req)?);
    let ctx = auth.context(state.clock.now());
    let service = state.db.run(move |conn| services::update(conn, &ctx, id, &precondition, &changes)).await?;
    Ok(ok_with_etag(service.version, &ServiceResponse::from(service)))
}
