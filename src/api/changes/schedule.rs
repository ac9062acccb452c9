//! The forward schedule of changes (JSON or iCalendar) and the change report
//! (JSON or CSV).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::types::ChangeResponse;
use crate::api::reports::accepts;
use crate::auth::Authenticated;
use crate::db::changes::report::{self, ChangeReport, ReportFilter};
use crate::db::changes::{self, Change, ChangeFilter};
use crate::domain::change::access::{may, ChangeAction, ChangeVisibility};
use crate::domain::change::ical::{self, CalendarEntry};
use crate::domain::change::{ChangeScope, ChangeType};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScheduleQuery {
    /// From (default: now).
    pub from: Option<DateTime<Utc>>,
    /// To (default: 90 days after `from`): after `from`, and at most 400
    /// days after it (422 otherwise).
    pub to: Option<DateTime<Utc>>,
    pub service_id: Option<Uuid>,
}

/// Windows worth showing: planned, running or done; planned but with its
/// approvals voided; or cancelled or rejected after planning (so calendars
/// learn what became of them).
fn on_schedule(change: &Change) -> bool {
    change.planned.is_some() && ical::entry_status(change.status).is_some()
}

/// The windows of the changes the caller sees, as JSON or, with
/// `Accept: text/calendar`, as iCalendar (one VEVENT per change, stable UID,
/// SEQUENCE raised by every reschedule and status change; STATUS CONFIRMED,
/// TENTATIVE once an edit voided the approvals, CANCELLED when cancelled or
/// rejected; DTSTAMP the feed's generation time).
#[utoipa::path(get, path = "/api/v1/changes/schedule", tag = "changes", params(ScheduleQuery),
    responses((status = 200, description = "JSON, or iCalendar with `Accept: text/calendar`",
            content((Vec<ChangeResponse> = "application/json"), (String = "text/calendar"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn change_schedule(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    query: web::Query<ScheduleQuery>,
) -> Result<HttpResponse, ApiError> {
    let from = query.from.unwrap_or_else(|| state.clock.now());
    let to = query.to.unwrap_or(from + Duration::days(90));
    if to <= from {
        return Err(ApiError::invalid("to", "must be after from"));
    }
    if to - from > Duration::days(400) {
        return Err(ApiError::invalid("to", "at most 400 days after from"));
    }
    let visibility = ChangeVisibility::of(&auth.principal);
    let service_id = query.service_id;
    let found = state
        .db
        .run(move |conn| {
            let filter =
                ChangeFilter { service_id, window: Some((from, to)), limit: 10_000, ..ChangeFilter::default() };
            let all = changes::list(conn, visibility, &filter)?;
            Ok::<_, crate::db::StoreError>(all.into_iter().filter(on_schedule).collect::<Vec<_>>())
        })
        .await?;
    let mut found = found;
    found.sort_by_key(|c| c.planned.map(|w| w.start));
    if accepts(&req, "text/calendar") {
        let entries: Vec<CalendarEntry> = found
            .iter()
            .filter_map(|c| {
                Some(CalendarEntry {
                    change_id: c.id,
                    number: c.number.clone(),
                    title: c.title.clone(),
                    description: c.description.clone(),
                    window: c.planned?,
                    sequence: u32::try_from(c.schedule_sequence).unwrap_or(0),
                    updated_at: c.updated_at,
                    status: ical::entry_status(c.status)?,
                    url: Some(state.settings.notices.change_link(c.id, &c.number)),
                })
            })
            .collect();
        let (name, domain) = ("Jadwal Perubahan Layanan SPBE", &state.settings.changes.calendar_domain);
        let body = ical::render(name, domain, state.clock.now(), &entries);
        return Ok(HttpResponse::Ok().content_type("text/calendar; charset=utf-8").body(body));
    }
    let items: Vec<ChangeResponse> = found.into_iter().map(|c| ChangeResponse::seen_by(c, visibility)).collect();
    Ok(HttpResponse::Ok().json(items))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChangeReportQuery {
    /// Changes raised from (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Changes raised before (exclusive): after `from` when both are given
    /// (422 otherwise).
    pub to: Option<DateTime<Utc>>,
    pub service_id: Option<Uuid>,
    pub scope: Option<ChangeScope>,
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub change_type: Option<ChangeType>,
}

fn csv_body(report: &ChangeReport) -> Result<String, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(e.to_string());
    w.write_record(["measure", "key", "value"]).map_err(fail)?;
    let mut row = |measure: &str, key: &str, value: String| w.write_record([measure, key, &value]).map_err(fail);
    row("total", "", report.total.to_string())?;
    for (name, map) in [
        ("by_type", &report.by_type),
        ("by_scope", &report.by_scope),
        ("by_status", &report.by_status),
        ("by_outcome", &report.by_outcome),
    ] {
        for (key, value) in map {
            row(name, key, value.to_string())?;
        }
    }
    let opt = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_default();
    row("success_rate", "", opt(report.success_rate))?;
    row("emergency_share", "", opt(report.emergency_share))?;
    row("approval_lead_time_avg_minutes", "", opt(report.approval_lead_time_avg_minutes))?;
    row(
        "approval_lead_time_max_minutes",
        "",
        report.approval_lead_time_max_minutes.map(|v| v.to_string()).unwrap_or_default(),
    )?;
    row("completed", "", report.completed.to_string())?;
    row("completed_without_skipped_phase", "", report.completed_without_skipped_phase.to_string())?;
    row("reviews_done", "", report.reviews_done.to_string())?;
    row("emergency_reviews_pending", "", report.emergency_reviews_pending.to_string())?;
    row("follow_ups_open", "", report.follow_ups_open.to_string())?;
    row("follow_ups_done", "", report.follow_ups_done.to_string())?;
    let bytes = w.into_inner().map_err(|e| ApiError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Counts by type, scope, status and outcome; success rate, emergency share,
/// approval lead time, changes that skipped no phase, reviews and follow-ups.
#[utoipa::path(get, path = "/api/v1/reports/changes", tag = "changes", params(ChangeReportQuery),
    responses((status = 200, description = "JSON, or with `Accept: text/csv` one row per measure",
            content((inline(Object) = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn change_report(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    query: web::Query<ChangeReportQuery>,
) -> Result<HttpResponse, ApiError> {
    if !may(&auth.principal, ChangeAction::ReadReports, None) {
        return Err(ApiError::forbidden());
    }
    if let (Some(from), Some(to)) = (query.from, query.to) {
        if to <= from {
            return Err(ApiError::invalid("to", "must be after from"));
        }
    }
    let q = query.into_inner();
    let filter =
        ReportFilter { from: q.from, to: q.to, service_id: q.service_id, scope: q.scope, change_type: q.change_type };
    let report = state.db.run(move |conn| report::report(conn, &filter)).await?;
    if accepts(&req, "text/csv") {
        return Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").body(csv_body(&report)?));
    }
    Ok(HttpResponse::Ok().json(report))
}
