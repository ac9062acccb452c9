//! `/api/v1/calendars/{id}/due`: when a target falls due on a calendar.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::calendars;
use crate::domain::policy::Action;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// When the clock starts (RFC 3339), in the years 1970 to 2200 (422
    /// otherwise).
    pub start: DateTime<Utc>,
    /// `business_minutes`, `business_days` or `calendar_hours`.
    #[param(value_type = TargetUnit)]
    pub unit: String,
    /// How many `unit`s: at least 1, and at most 120 000 business minutes,
    /// 260 business days or 8 760 calendar hours (`Target::within_bounds`;
    /// 422 otherwise).
    #[param(minimum = 1)]
    pub value: u32,
    /// Read the calendar as it was at this version (default: the current one).
    pub version: Option<i64>,
}

crate::api::openapi_values::string_enum!(
    /// The units a target is counted in.
    TargetUnit = crate::domain::sla::Target::UNITS
);

#[derive(Debug, Serialize, ToSchema)]
pub struct DueResponse {
    /// `start` as the clock counts it: cut down to the whole second.
    pub start: DateTime<Utc>,
    /// Whole seconds. A `business_days` target falls due at the same local
    /// time on the n-th working day after, or when that is not working
    /// time, at the last working moment before it (a close, or the start of
    /// a break); before the day's opening, at the opening.
    pub due_at: DateTime<Utc>,
    /// Working time between start and due, in minutes.
    pub business_minutes: i64,
    /// The due instant in the calendar's zone, as people read it.
    pub due_local: String,
    pub calendar_version: i64,
}

/// When a target started at `start` falls due on this calendar: a
/// calculator for checking a calendar before clocks run on it.
#[utoipa::path(get, path = "/api/v1/calendars/{id}/due", tag = "calendars", params(("id" = Uuid, Path), DueQuery),
    responses((status = 200, body = DueResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem, description = "unknown unit, or no working time ahead")),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn due_on_calendar(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
    query: web::Query<DueQuery>,
) -> Result<HttpResponse, ApiError> {
    use crate::domain::sla::{business_elapsed, Target};
    auth.require(Action::ReadUnits)?;
    let q = query.into_inner();
    let target = Target::of_unit(&q.unit, q.value).ok_or_else(|| {
        let units = crate::domain::validation::alternatives(&Target::UNITS);
        ApiError::invalid("unit", format!("unknown unit `{}`; use {units}", q.unit))
    })?;
    if !target.within_bounds() {
        return Err(ApiError::invalid("value", "must be more than zero and at most about a year"));
    }
    if !(1970..=2200).contains(&q.start.year()) {
        return Err(ApiError::invalid("start", "must lie between 1970 and 2200"));
    }
    let id = id.into_inner();
    let calendar = state
        .db
        .run(move |conn| match q.version {
            Some(version) => calendars::find_version(conn, id, version),
            None => calendars::find(conn, id),
        })
        .await?;
    let working = calendar.working().map_err(ApiError::from)?;
    let due_at = target.due_at(&working, q.start).map_err(|e| ApiError::invalid("value", e.to_string()))?;
    let due_local = due_at.with_timezone(&working.zone).format("%Y-%m-%d %H:%M:%S %Z").to_string();
    Ok(HttpResponse::Ok().json(DueResponse {
        start: q.start,
        due_at,
        business_minutes: business_elapsed(&working, q.start, due_at).num_minutes(),
        due_local,
        calendar_version: calendar.version,
    }))
}
