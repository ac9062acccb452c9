//! `/api/v1/units`: the Perangkat Daerah and the Dinas.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::etag::{created_with_etag, ok_with_etag, precondition};
use super::pagination::{Page, PageRequest};
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::units::{self, Unit, UnitFilter};
use crate::domain::email::EmailAddress;
use crate::domain::organisation::{NewUnit, TimeZone, UnitChanges, UnitKind};
use crate::domain::policy::Action;
use crate::domain::text::{Code, DisplayName};
use crate::domain::validation::ValidationErrors;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnitRequest {
    pub kind: UnitKind,
    /// Short code, e.g. `BAPPEDA` (2–32 of A–Z, 0–9, `-`, `_`).
    pub code: String,
    pub name: String,
    /// Whether the PD builds and runs its own applications (*Mandiri TIK*).
    #[serde(default)]
    pub mandiri_tik: bool,
    /// IANA zone: `Asia/Jakarta` (WIB), `Asia/Makassar` (WITA), `Asia/Jayapura` (WIT).
    #[schema(value_type = crate::api::openapi_values::IanaZone)]
    pub time_zone: String,
    /// The team mailbox that receives the unit's notices.
    pub mailbox: String,
    /// The working calendar the unit's SLA clocks run on: an existing one
    /// (422 otherwise).
    pub calendar_id: Option<Uuid>,
}

impl TryFrom<CreateUnitRequest> for NewUnit {
    type Error = ValidationErrors;

    fn try_from(request: CreateUnitRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let code = errors.check("code", Code::parse(&request.code));
        let name = errors.check("name", DisplayName::parse(&request.name));
        let time_zone = errors.check("time_zone", TimeZone::parse(&request.time_zone));
        let mailbox = errors.check("mailbox", EmailAddress::parse(&request.mailbox));
        match (code, name, time_zone, mailbox) {
            (Some(code), Some(name), Some(time_zone), Some(mailbox)) => Ok(NewUnit {
                kind: request.kind,
                code,
                name,
                mandiri_tik: request.mandiri_tik,
                time_zone,
                mailbox,
                calendar_id: request.calendar_id,
            }),
            _ => Err(errors),
        }
    }
}

/// Fields to change; absent fields stay as they are. The kind cannot change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnitRequest {
    pub code: Option<String>,
    pub name: Option<String>,
    pub mandiri_tik: Option<bool>,
    #[schema(value_type = Option<crate::api::openapi_values::IanaZone>)]
    pub time_zone: Option<String>,
    pub mailbox: Option<String>,
    pub active: Option<bool>,
    /// An existing calendar (422 otherwise); `null` clears the calendar.
    #[serde(default, deserialize_with = "crate::api::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub calendar_id: Option<Option<Uuid>>,
    /// The head of the unit (*Kepala*), told of SLA breaches; `null` clears.
    #[serde(default, deserialize_with = "crate::api::nullable")]
    #[schema(value_type = Option<String>)]
    pub head_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::nullable")]
    #[schema(value_type = Option<String>)]
    pub head_email: Option<Option<String>>,
}

impl TryFrom<UpdateUnitRequest> for UnitChanges {
    type Error = ValidationErrors;

    fn try_from(request: UpdateUnitRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let changes = UnitChanges {
            code: request.code.and_then(|c| errors.check("code", Code::parse(&c))),
            name: request.name.and_then(|n| errors.check("name", DisplayName::parse(&n))),
            mandiri_tik: request.mandiri_tik,
            time_zone: request.time_zone.and_then(|z| errors.check("time_zone", TimeZone::parse(&z))),
            mailbox: request.mailbox.and_then(|m| errors.check("mailbox", EmailAddress::parse(&m))),
            active: request.active,
            calendar_id: request.calendar_id,
            head_name: request.head_name.map(|n| n.and_then(|n| errors.check("head_name", DisplayName::parse(&n)))),
            head_email: request.head_email.map(|e| e.and_then(|e| errors.check("head_email", EmailAddress::parse(&e)))),
        };
        errors.finish().map(|()| changes)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitResponse {
    pub id: Uuid,
    pub kind: UnitKind,
    pub code: String,
    pub name: String,
    pub mandiri_tik: bool,
    pub time_zone: String,
    pub mailbox: String,
    pub active: bool,
    pub calendar_id: Option<Uuid>,
    pub head_name: Option<String>,
    pub head_email: Option<String>,
    /// On an active Perangkat Daerah: whether it has an active tier-1
    /// technician (the regulation requires one; without, its new tickets go
    /// to tier 2). Shown to admins and supervisors only: omitted for every
    /// other caller (reporters, technicians, auditors, API keys), and on
    /// the Dinas and inactive units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier1_coverage: Option<bool>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The PDs without tier-1 coverage, read only for a caller who may see them.
fn uncovered(conn: &mut crate::db::DbConnection, sees: bool) -> Result<Option<Vec<Uuid>>, crate::db::StoreError> {
    sees.then(|| units::without_tier1(conn)).transpose()
}

/// Whether the caller sees tier-1 coverage (of units, and in the ticket
/// summary's list of PDs without it).
pub(crate) fn sees_coverage(principal: &crate::domain::policy::Principal) -> bool {
    use crate::domain::role::Role;
    principal.has(Role::Admin) || principal.has(Role::Supervisor)
}

impl UnitResponse {
    /// With the coverage flag, from the list of uncovered PDs (`None`: the
    /// caller may not see coverage, which only admins and supervisors do).
    fn with_coverage(unit: Unit, uncovered: Option<&[Uuid]>) -> Self {
        let pd = unit.kind == UnitKind::PerangkatDaerah && unit.active;
        let coverage = uncovered.filter(|_| pd).map(|uncovered| !uncovered.contains(&unit.id));
        Self { tier1_coverage: coverage, ..Self::from(unit) }
    }
}

impl From<Unit> for UnitResponse {
    fn from(unit: Unit) -> Self {
        Self {
            id: unit.id,
            kind: unit.kind,
            code: unit.code,
            name: unit.name,
            mandiri_tik: unit.mandiri_tik,
            time_zone: unit.time_zone.name().to_owned(),
            mailbox: unit.mailbox,
            active: unit.active,
            calendar_id: unit.calendar_id,
            head_name: unit.head_name,
            head_email: unit.head_email,
            tier1_coverage: None,
            version: unit.version,
            created_at: unit.created_at,
            updated_at: unit.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    pub kind: Option<UnitKind>,
    pub active: Option<bool>,
    /// Text to find in the name or code.
    pub q: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Parses a free-text search term (at most 200 characters).
pub fn search_text(q: Option<String>) -> Result<Option<String>, ApiError> {
    match q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()) {
        Some(q) if q.chars().count() > 200 => Err(ApiError::invalid("q", "must be at most 200 characters")),
        Some(q) if q.chars().any(char::is_control) => {
            Err(ApiError::invalid("q", "must not contain control characters"))
        }
        other => Ok(other),
    }
}

/// List units.
#[utoipa::path(get, path = "/api/v1/units", tag = "units", params(UnitQuery),
    responses((status = 200, body = Page<UnitResponse>), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_units(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<UnitQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadUnits)?;
    let query = query.into_inner();
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    let filter = UnitFilter {
        kind: query.kind,
        active: query.active,
        text: search_text(query.q)?,
        after_id: page.after_id,
        limit: page.fetch_limit(),
    };
    let sees = sees_coverage(&auth.principal);
    let (rows, uncovered) = state
        .db
        .run(move |conn| Ok::<_, crate::db::StoreError>((units::list(conn, &filter)?, uncovered(conn, sees)?)))
        .await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |u| u.id, |u| UnitResponse::with_coverage(u, uncovered.as_deref()))))
}

/// Register a unit (admin).
#[utoipa::path(post, path = "/api/v1/units", tag = "units", request_body = CreateUnitRequest,
    responses((status = 201, body = UnitResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem, description = "duplicate code or a second Dinas"),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_unit(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Json<CreateUnitRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageUnits)?;
    let new = NewUnit::try_from(body.into_inner()?)?;
    let ctx = auth.context(state.clock.now());
    let unit = state.db.run(move |conn| units::insert(conn, &ctx, &new)).await?;
    let location = format!("/api/v1/units/{}", unit.id);
    // A new unit has nobody yet: a new PD starts without tier-1 coverage.
    let uncovered = [unit.id];
    let shown = sees_coverage(&auth.principal).then_some(&uncovered[..]);
    Ok(created_with_etag(location, unit.version, &UnitResponse::with_coverage(unit, shown)))
}

/// Read a unit.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units", params(("id" = Uuid, Path)),
    responses((status = 200, body = UnitResponse, headers(("ETag" = String))), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_unit(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadUnits)?;
    let id = id.into_inner();
    let sees = sees_coverage(&auth.principal);
    let (unit, uncovered) = state
        .db
        .run(move |conn| Ok::<_, crate::db::StoreError>((units::find(conn, id)?, uncovered(conn, sees)?)))
        .await?;
    Ok(ok_with_etag(unit.version, &UnitResponse::with_coverage(unit, uncovered.as_deref())))
}

/// Update a unit (admin); honours `If-Match`.
#[utoipa::path(patch, path = "/api/v1/units/{id}", tag = "units", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = UpdateUnitRequest,
    responses((status = 200, body = UnitResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_unit(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<UpdateUnitRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageUnits)?;
    let changes = UnitChanges::try_from(body.into_inner()?)?;
    let (id, precondition) = (id.into_inner(), precondition(&req)?);
    let ctx = auth.context(state.clock.now());
    let (unit, uncovered) = state
        .db
        .run(move |conn| {
            let unit = units::update(conn, &ctx, id, &precondition, &changes)?;
            Ok::<_, crate::db::StoreError>((unit, units::without_tier1(conn)?))
        })
        .await?;
    let shown = sees_coverage(&auth.principal).then_some(&uncovered[..]);
    Ok(ok_with_etag(unit.version, &UnitResponse::with_coverage(unit, shown)))
}
