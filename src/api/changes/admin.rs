//! Templates of standard changes and freeze windows (admins write; every
//! caller reads).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::etag::{created_with_etag, ok_with_etag, precondition};
use crate::api::extract::Json;
use crate::api::pagination::{Page, PageRequest};
use crate::auth::Authenticated;
use crate::db::changes::freezes::{self, Freeze, FreezeDraft};
use crate::db::changes::templates::{self, Template, TemplateDraft};
use crate::domain::change::access::{may, ChangeAction};
use crate::domain::change::schedule::FreezeRule;
use crate::domain::change::ChangeScope;
use crate::domain::sla::calendar::Interval;
use crate::domain::ticket::intake::{parse_long_text, parse_title};
use crate::domain::validation::ValidationErrors;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

fn administer(auth: &Authenticated) -> Result<(), ApiError> {
    if may(&auth.principal, ChangeAction::Administer, None) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    /// An active service (422 otherwise).
    pub service_id: Uuid,
    pub name: String,
    pub scope: ChangeScope,
    pub title: String,
    pub description: String,
    pub implementation_plan: String,
    pub test_plan: String,
    pub rollback_plan: String,
    /// Retired templates raise no new changes.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateResponse {
    pub id: Uuid,
    pub service_id: Uuid,
    pub name: String,
    pub scope: ChangeScope,
    pub title: String,
    pub description: String,
    pub implementation_plan: String,
    pub test_plan: String,
    pub rollback_plan: String,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Template> for TemplateResponse {
    fn from(t: Template) -> Self {
        Self {
            id: t.id,
            service_id: t.service_id,
            name: t.name,
            scope: t.scope,
            title: t.title,
            description: t.description,
            implementation_plan: t.implementation_plan,
            test_plan: t.test_plan,
            rollback_plan: t.rollback_plan,
            active: t.active,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

fn template_draft(r: TemplateRequest) -> Result<TemplateDraft, ApiError> {
    let mut errors = ValidationErrors::new();
    let draft = TemplateDraft {
        service_id: r.service_id,
        name: errors.check("name", parse_title(&r.name)).unwrap_or_default(),
        scope: r.scope,
        title: errors.check("title", parse_title(&r.title)).unwrap_or_default(),
        description: errors.check("description", parse_long_text(&r.description)).unwrap_or_default(),
        implementation_plan: errors
            .check("implementation_plan", parse_long_text(&r.implementation_plan))
            .unwrap_or_default(),
        test_plan: errors.check("test_plan", parse_long_text(&r.test_plan)).unwrap_or_default(),
        rollback_plan: errors.check("rollback_plan", parse_long_text(&r.rollback_plan)).unwrap_or_default(),
        active: r.active,
    };
    errors.finish()?;
    Ok(draft)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TemplateQuery {
    pub service_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Add a template of standard changes (pre-approved, for one service).
#[utoipa::path(post, path = "/api/v1/change-templates", tag = "change templates", request_body = TemplateRequest,
    responses((status = 201, body = TemplateResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_template(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Json<TemplateRequest>,
) -> Result<HttpResponse, ApiError> {
    administer(&auth)?;
    let draft = template_draft(body.into_inner()?)?;
    let ctx = auth.context(state.clock.now());
    let t = state.db.run(move |conn| templates::insert(conn, &ctx, &draft)).await?;
    Ok(created_with_etag(format!("/api/v1/change-templates/{}", t.id), t.version, &TemplateResponse::from(t)))
}

/// The templates of standard changes.
#[utoipa::path(get, path = "/api/v1/change-templates", tag = "change templates", params(TemplateQuery),
    responses((status = 200, body = Page<TemplateResponse>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_templates(
    state: web::Data<AppState>,
    _auth: Authenticated,
    query: web::Query<TemplateQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    let (service, after, limit) = (query.service_id, page.after_id, page.fetch_limit());
    let rows = state.db.run(move |conn| templates::list(conn, service, after, limit)).await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |t| t.id, TemplateResponse::from)))
}

/// Read a template.
#[utoipa::path(get, path = "/api/v1/change-templates/{id}", tag = "change templates", params(("id" = Uuid, Path)),
    responses((status = 200, body = TemplateResponse), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_template(
    state: web::Data<AppState>,
    _auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let t = state.db.run(move |conn| templates::find(conn, id)).await?;
    Ok(ok_with_etag(t.version, &TemplateResponse::from(t)))
}

/// Replace a template (changes raised from it keep the plans they copied).
#[utoipa::path(put, path = "/api/v1/change-templates/{id}", tag = "change templates", request_body = TemplateRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = TemplateResponse), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "changed at the same moment"),
        (status = 412, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn replace_template(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<TemplateRequest>,
) -> Result<HttpResponse, ApiError> {
    administer(&auth)?;
    let draft = template_draft(body.into_inner()?)?;
    let (ctx, precondition, id) = (auth.context(state.clock.now()), precondition(&req)?, id.into_inner());
    let t = state.db.run(move |conn| templates::replace(conn, &ctx, id, &precondition, &draft)).await?;
    Ok(ok_with_etag(t.version, &TemplateResponse::from(t)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FreezeRequest {
    pub name: String,
    pub reason: String,
    /// First local date frozen.
    pub from_date: NaiveDate,
    /// Last local date frozen (inclusive): on or after `from_date`, and at
    /// most 366 days after it (422 otherwise).
    pub to_date: NaiveDate,
    /// `HH:MM`: only this part of each day (with `daily_end`, both or
    /// neither: 422 otherwise); absent: whole days.
    pub daily_start: Option<String>,
    /// `HH:MM`, after `daily_start` (422 otherwise).
    pub daily_end: Option<String>,
    /// Only the working days of `calendar_id` (weekends and holidays stay open).
    #[serde(default)]
    pub working_days_only: bool,
    /// The calendar whose zone, working days and holidays apply: an
    /// existing one (422 otherwise).
    pub calendar_id: Option<Uuid>,
    /// The zone when no calendar is given (default `Asia/Jakarta`).
    #[schema(value_type = Option<crate::api::openapi_values::IanaZone>)]
    pub time_zone: Option<String>,
    /// Only changes touching these services (empty: all).
    #[serde(default)]
    pub service_ids: Vec<Uuid>,
    /// Only changes of, or touching services of, these units (empty: all).
    #[serde(default)]
    pub unit_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FreezeResponse {
    pub id: Uuid,
    pub name: String,
    pub reason: String,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    pub daily_start: Option<String>,
    pub daily_end: Option<String>,
    pub working_days_only: bool,
    pub calendar_id: Option<Uuid>,
    pub time_zone: String,
    pub service_ids: Vec<Uuid>,
    pub unit_ids: Vec<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Freeze> for FreezeResponse {
    fn from(f: Freeze) -> Self {
        Self {
            id: f.id,
            name: f.name,
            reason: f.reason,
            from_date: f.from_date,
            to_date: f.to_date,
            daily_start: f.daily_start,
            daily_end: f.daily_end,
            working_days_only: f.working_days_only,
            calendar_id: f.calendar_id,
            time_zone: f.time_zone,
            service_ids: f.service_ids,
            unit_ids: f.unit_ids,
            version: f.version,
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

fn freeze_draft(r: FreezeRequest) -> Result<FreezeDraft, ApiError> {
    let mut errors = ValidationErrors::new();
    let name = errors.check("name", parse_title(&r.name)).unwrap_or_default();
    let reason = errors.check("reason", parse_long_text(&r.reason)).unwrap_or_default();
    let daily = match (&r.daily_start, &r.daily_end) {
        (Some(start), Some(end)) => errors.check("daily_start", Interval::parse(start, end)),
        (None, None) => None,
        _ => {
            errors.add("daily_end", "give daily_start and daily_end together");
            None
        }
    };
    let zone = r.time_zone.clone().unwrap_or_else(|| "Asia/Jakarta".to_owned());
    if zone.parse::<chrono_tz::Tz>().is_err() {
        errors.add("time_zone", "not an IANA time zone");
    }
    let rule = errors.check("to_date", FreezeRule::new(r.from_date, r.to_date, daily, r.working_days_only));
    errors.finish()?;
    let rule = rule.ok_or_else(|| ApiError::invalid("to_date", "invalid period"))?;
    Ok(FreezeDraft {
        name,
        reason,
        rule,
        calendar_id: r.calendar_id,
        time_zone: zone,
        service_ids: r.service_ids,
        unit_ids: r.unit_ids,
    })
}

/// Add a freeze window (e.g. every working day 07:30–12:00 in the last week of the budget year).
#[utoipa::path(post, path = "/api/v1/freeze-windows", tag = "change templates", request_body = FreezeRequest,
    responses((status = 201, body = FreezeResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_freeze(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Json<FreezeRequest>,
) -> Result<HttpResponse, ApiError> {
    administer(&auth)?;
    let draft = freeze_draft(body.into_inner()?)?;
    let ctx = auth.context(state.clock.now());
    let f = state.db.run(move |conn| freezes::insert(conn, &ctx, &draft)).await?;
    Ok(created_with_etag(format!("/api/v1/freeze-windows/{}", f.id), f.version, &FreezeResponse::from(f)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FreezeQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The freeze windows.
#[utoipa::path(get, path = "/api/v1/freeze-windows", tag = "change templates", params(FreezeQuery),
    responses((status = 200, body = Page<FreezeResponse>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_freezes(
    state: web::Data<AppState>,
    _auth: Authenticated,
    query: web::Query<FreezeQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    let (after, limit) = (page.after_id, page.fetch_limit());
    let rows = state.db.run(move |conn| freezes::list(conn, after, limit)).await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |f| f.id, FreezeResponse::from)))
}

/// Read a freeze window.
#[utoipa::path(get, path = "/api/v1/freeze-windows/{id}", tag = "change templates", params(("id" = Uuid, Path)),
    responses((status = 200, body = FreezeResponse), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_freeze(
    state: web::Data<AppState>,
    _auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let f = state.db.run(move |conn| freezes::find(conn, id)).await?;
    Ok(ok_with_etag(f.version, &FreezeResponse::from(f)))
}

/// Replace a freeze window.
#[utoipa::path(put, path = "/api/v1/freeze-windows/{id}", tag = "change templates", request_body = FreezeRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = FreezeResponse), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "changed at the same moment"),
        (status = 412, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn replace_freeze(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<FreezeRequest>,
) -> Result<HttpResponse, ApiError> {
    administer(&auth)?;
    let draft = freeze_draft(body.into_inner()?)?;
    let (ctx, precondition, id) = (auth.context(state.clock.now()), precondition(&req)?, id.into_inner());
    let f = state.db.run(move |conn| freezes::replace(conn, &ctx, id, &precondition, &draft)).await?;
    Ok(ok_with_etag(f.version, &FreezeResponse::from(f)))
}

/// Remove a freeze window.
#[utoipa::path(delete, path = "/api/v1/freeze-windows/{id}", tag = "change templates",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 204, description = "removed"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "changed at the same moment"), (status = 412, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete_freeze(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    administer(&auth)?;
    let (ctx, precondition, id) = (auth.context(state.clock.now()), precondition(&req)?, id.into_inner());
    state.db.run(move |conn| freezes::delete(conn, &ctx, id, &precondition)).await?;
    Ok(HttpResponse::NoContent().finish())
}
