//! `/api/v1/calendars`: working hours, holidays and special schedules of
//! the regions' desks (WIB, WITA, WIT).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::etag::{created_with_etag, ok_with_etag, precondition};
use super::openapi_values;
use super::pagination::{Page, PageRequest};
use crate::api::extract::{Json, RawBody};
use crate::auth::Authenticated;
use crate::db::calendars::{self, Calendar, CalendarDraft, StoredSpecial};
use crate::domain::policy::Action;
use crate::domain::sla::calendar_rules::{CalendarDefinition, CalendarRuleError, SpecialInput, CALENDAR_ZONES};
use crate::domain::sla::holiday::{self, Holiday, HolidayImportError, HolidayInput, HolidayKind};
use crate::domain::sla::spec::WeekSpec;
use crate::domain::validation::ValidationErrors;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecialScheduleSpec {
    /// e.g. `Ramadan 1447 H`.
    pub name: String,
    #[schema(value_type = openapi_values::PlannedDate)]
    pub from: NaiveDate,
    /// Inclusive: on or after `from` (422 otherwise). Special schedules do
    /// not overlap (422 otherwise).
    #[schema(value_type = openapi_values::PlannedDate)]
    pub to: NaiveDate,
    pub week: WeekSpec,
}

/// A calendar's name, zone and hours (holidays are managed apart).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarRequest {
    pub name: String,
    /// A zone without daylight saving: `Asia/Jakarta` (WIB), `Asia/Pontianak`
    /// (WIB), `Asia/Makassar` (WITA), `Asia/Jayapura` (WIT) or `UTC`.
    #[schema(value_type = CalendarZone)]
    pub time_zone: String,
    /// Working hours on at least one day (422 otherwise).
    pub week: WeekSpec,
    #[serde(default)]
    pub special_schedules: Vec<SpecialScheduleSpec>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayResponse {
    pub date: NaiveDate,
    pub kind: HolidayKind,
    pub name: String,
    pub source: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarResponse {
    pub id: Uuid,
    pub name: String,
    pub time_zone: String,
    pub week: WeekSpec,
    pub special_schedules: Vec<SpecialScheduleSpec>,
    pub holidays: Vec<HolidayResponse>,
    /// Every change makes a new version; clocks keep the one they started under.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Calendar> for CalendarResponse {
    fn from(c: Calendar) -> Self {
        Self {
            id: c.id,
            name: c.name,
            time_zone: c.time_zone,
            week: c.week,
            special_schedules: c
                .specials
                .into_iter()
                .map(|s| SpecialScheduleSpec { name: s.name, from: s.from, to: s.to, week: s.week })
                .collect(),
            holidays: c
                .holidays
                .into_iter()
                .map(|h| HolidayResponse { date: h.date, kind: h.kind, name: h.name, source: h.source })
                .collect(),
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayRequest {
    /// `YYYY-MM-DD`, in the calendar's zone.
    #[schema(value_type = openapi_values::PlannedDate)]
    pub date: String,
    pub kind: HolidayKind,
    pub name: String,
    pub source: Option<String>,
}

openapi_values::string_enum!(
    /// The zones a calendar may use.
    CalendarZone = CALENDAR_ZONES
);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The request field a calendar rule's error belongs to.
fn rule_field(error: &CalendarRuleError) -> String {
    use CalendarRuleError as E;
    match error {
        E::Name(_) => "name".to_owned(),
        E::Zone(_) => "time_zone".to_owned(),
        E::Week { day, .. } => format!("week.{day}"),
        E::NoWorkingHours => "week".to_owned(),
        E::SpecialOverlaps { special } | E::SpecialOutsidePlannedYears { special } => {
            format!("special_schedules[{special}].from")
        }
        E::SpecialName { special, .. } => format!("special_schedules[{special}].name"),
        E::SpecialWeek { special, day, .. } => format!("special_schedules[{special}].week.{day}"),
        E::SpecialRange { special, .. } => format!("special_schedules[{special}].to"),
    }
}

impl TryFrom<CalendarRequest> for CalendarDraft {
    type Error = ValidationErrors;

    fn try_from(r: CalendarRequest) -> Result<Self, ValidationErrors> {
        let specials: Vec<SpecialInput<'_>> = r
            .special_schedules
            .iter()
            .map(|s| SpecialInput { name: &s.name, from: s.from, to: s.to, week: &s.week })
            .collect();
        let calendar = CalendarDefinition::parse(&r.name, &r.time_zone, &r.week, &specials).map_err(|found| {
            let mut errors = ValidationErrors::new();
            for error in found {
                errors.add(&rule_field(&error), error.to_string());
            }
            errors
        })?;
        Ok(CalendarDraft {
            name: calendar.name.as_str().to_owned(),
            time_zone: calendar.zone.name().to_owned(),
            week: r.week,
            specials: r
                .special_schedules
                .into_iter()
                .zip(calendar.specials)
                .map(|(s, checked)| StoredSpecial { name: checked.name, from: s.from, to: s.to, week: s.week })
                .collect(),
        })
    }
}

/// List calendars (every authenticated caller).
#[utoipa::path(get, path = "/api/v1/calendars", tag = "calendars", params(CalendarQuery),
    responses((status = 200, body = Page<CalendarResponse>), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_calendars(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadUnits)?;
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    let (after, limit) = (page.after_id, page.fetch_limit());
    let rows = state.db.run(move |conn| calendars::list(conn, after, limit)).await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |c| c.id, CalendarResponse::from)))
}

/// Create a calendar (admin).
#[utoipa::path(post, path = "/api/v1/calendars", tag = "calendars", request_body = CalendarRequest,
    responses((status = 201, body = CalendarResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_calendar(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Json<CalendarRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageUnits)?;
    let draft = CalendarDraft::try_from(body.into_inner()?)?;
    let ctx = auth.context(state.clock.now());
    let calendar = state.db.run(move |conn| calendars::insert(conn, &ctx, &draft)).await?;
    let location = format!("/api/v1/calendars/{}", calendar.id);
    Ok(created_with_etag(location, calendar.version, &CalendarResponse::from(calendar)))
}

/// Read a calendar with its holidays.
#[utoipa::path(get, path = "/api/v1/calendars/{id}", tag = "calendars", params(("id" = Uuid, Path)),
    responses((status = 200, body = CalendarResponse), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_calendar(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadUnits)?;
    let id = id.into_inner();
    let calendar = state.db.run(move |conn| calendars::find(conn, id)).await?;
    Ok(ok_with_etag(calendar.version, &CalendarResponse::from(calendar)))
}

/// A past version of a calendar, as clocks started under it see it.
#[utoipa::path(get, path = "/api/v1/calendars/{id}/versions/{version}", tag = "calendars", params(("id" = Uuid, Path), ("version" = i64, Path)),
    responses((status = 200, body = CalendarResponse), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_calendar_version(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, i64)>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadUnits)?;
    let (id, version) = path.into_inner();
    let calendar = state.db.run(move |conn| calendars::find_version(conn, id, version)).await?;
    Ok(HttpResponse::Ok().json(CalendarResponse::from(calendar)))
}

/// Replace a calendar's name, zone, hours and special schedules (admin);
/// running clocks keep the version they started under.
#[utoipa::path(put, path = "/api/v1/calendars/{id}", tag = "calendars", request_body = CalendarRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = CalendarResponse), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn replace_calendar(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<CalendarRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageUnits)?;
    let draft = CalendarDraft::try_from(body.into_inner()?)?;
    let (id, precondition, ctx) = (id.into_inner(), precondition(&req)?, auth.context(state.clock.now()));
    let calendar = state.db.run(move |conn| calendars::update(conn, &ctx, id, &precondition, &draft)).await?;
    Ok(ok_with_etag(calendar.version, &CalendarResponse::from(calendar)))
}

/// Delete a calendar no unit or service uses (admin).
#[utoipa::path(delete, path = "/api/v1/calendars/{id}", tag = "calendars", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "still in use")),
    security(("bearer" = [])))]
pub async fn delete_calendar(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageUnits)?;
    let (id, ctx) = (id.into_inner(), auth.context(state.clock.now()));
    state.db.run(move |conn| calendars::delete(conn, &ctx, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn parse_holidays(req: &HttpRequest, body: &[u8]) -> Result<Vec<Holiday>, ApiError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let rows: Vec<HolidayRequest> = if content_type.starts_with("text/csv") {
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(body);
        reader
            .deserialize()
            .enumerate()
            .map(|(i, row)| row.map_err(|e| ApiError::invalid(&format!("line {}", i + 2), e.to_string())))
            .collect::<Result<_, _>>()?
    } else if content_type.starts_with("application/json") {
        let deserializer = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(deserializer)
            .map_err(|e| ApiError::invalid(&e.path().to_string(), e.inner().to_string()))?
    } else {
        return Err(ApiError::UnsupportedMediaType("send a JSON array or text/csv (date,kind,name,source)".to_owned()));
    };
    let inputs = rows.iter().map(|row| HolidayInput {
        date: &row.date,
        kind: row.kind,
        name: &row.name,
        source: row.source.as_deref(),
    });
    holiday::parse_import(inputs).map_err(|e| match e {
        HolidayImportError::Holidays(found) => {
            let mut errors = ValidationErrors::new();
            for (i, error) in found {
                errors.add(&format!("[{i}].{}", error.field()), error.to_string());
            }
            ApiError::Validation(errors)
        }
        HolidayImportError::Empty => ApiError::invalid("body", e.to_string()),
    })
}

/// Import holidays in bulk (a year's SKB list), as JSON or CSV
/// (`date,kind,name,source` with a header line). Same-date entries are replaced.
#[utoipa::path(post, path = "/api/v1/calendars/{id}/holidays", tag = "calendars",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body(content = Vec<HolidayRequest>, content_type = "application/json", description = "At least one holiday; or text/csv: date,kind,name,source"),
    responses((status = 200, body = CalendarResponse), (status = 400, body = Problem, description = "malformed If-Match"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "changed at the same moment"), (status = 412, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn import_holidays(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageUnits)?;
    let body = body.into_inner()?;
    let holidays = parse_holidays(&req, &body)?;
    let (id, precondition, ctx) = (id.into_inner(), precondition(&req)?, auth.context(state.clock.now()));
    let calendar =
        state.db.run(move |conn| calendars::import_holidays(conn, &ctx, id, &precondition, &holidays)).await?;
    Ok(ok_with_etag(calendar.version, &CalendarResponse::from(calendar)))
}

/// Remove one holiday (admin).
#[utoipa::path(delete, path = "/api/v1/calendars/{id}/holidays/{date}", tag = "calendars",
    params(("id" = Uuid, Path), ("date" = String, Path, format = Date, description = "YYYY-MM-DD")),
    responses((status = 200, body = CalendarResponse), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn remove_holiday(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageUnits)?;
    let (id, raw) = path.into_inner();
    let day = NaiveDate::parse_from_str(&raw, "%Y-%m-%d").map_err(|_| ApiError::not_found())?;
    let ctx = auth.context(state.clock.now());
    let calendar = state.db.run(move |conn| calendars::remove_holiday(conn, &ctx, id, day)).await?;
    Ok(ok_with_etag(calendar.version, &CalendarResponse::from(calendar)))
}
