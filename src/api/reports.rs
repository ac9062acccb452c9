//! `/api/v1/reports/sla`: SLA compliance by unit, service, tier or
//! priority over a period, as JSON or CSV (`Accept: text/csv`).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::sla_report::{self as report, GroupBy, ReportFilter};
use crate::domain::policy::Action;
use crate::domain::sla::report::{ClockStats, GroupStats};
use crate::domain::ticket::access::TicketScope;
use crate::domain::ticket::{Priority, Tier};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlaReportQuery {
    /// Tickets filed at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Tickets filed before this instant: after `from` when both are given
    /// (422 otherwise).
    pub to: Option<DateTime<Utc>>,
    /// `unit` (default), `service`, `tier`, `priority` or `none`.
    #[param(value_type = Option<SlaReportGrouping>)]
    pub group_by: Option<String>,
    pub unit_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    /// 1 or 2 (the ticket's current tier).
    #[param(minimum = 1, maximum = 2)]
    pub tier: Option<i16>,
    pub priority: Option<Priority>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportGroup {
    /// Unit or service name, when grouped by those.
    pub label: Option<String>,
    #[serde(flatten)]
    pub stats: GroupStats,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaReport {
    pub group_by: String,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub groups: Vec<ReportGroup>,
    pub total: GroupStats,
}

/// The groupings of the report (`unit` when none is given).
const GROUPINGS: [(&str, GroupBy); 5] = [
    ("unit", GroupBy::Unit),
    ("service", GroupBy::Service),
    ("tier", GroupBy::Tier),
    ("priority", GroupBy::Priority),
    ("none", GroupBy::Nothing),
];

fn group_by(raw: Option<&str>) -> Result<GroupBy, ApiError> {
    let raw = raw.unwrap_or("unit");
    GROUPINGS.iter().find(|(name, _)| *name == raw).map(|(_, grouping)| *grouping).ok_or_else(|| {
        let names: Vec<&str> = GROUPINGS.iter().map(|(name, _)| *name).collect();
        let names = crate::domain::validation::alternatives(&names);
        ApiError::invalid("group_by", format!("unknown grouping `{raw}`; use {names}"))
    })
}

super::openapi_values::string_enum!(
    /// The groupings of the SLA report.
    SlaReportGrouping = GROUPINGS.iter().map(|(name, _)| *name)
);

/// Whether the request's `Accept` asks for `media` (CSV reports, iCalendar).
pub(crate) fn accepts(req: &HttpRequest, media: &str) -> bool {
    req.headers().get("Accept").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(media))
}

fn cell(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn csv_body(report: &SlaReport) -> Result<String, ApiError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["group_by".to_owned(), "key".to_owned(), "label".to_owned(), "tickets".to_owned()];
    for clock in ["response", "resolution", "tier2_resolution"] {
        for column in ["met", "breached", "open", "compliance_percent", "mean_seconds", "median_seconds"] {
            header.push(format!("{clock}_{column}"));
        }
    }
    header.extend(["escalation_rate_percent".to_owned(), "reopen_rate_percent".to_owned()]);
    let internal = |e: csv::Error| ApiError::Internal(e.to_string());
    out.write_record(&header).map_err(internal)?;
    let rows = report.groups.iter().map(|g| (g.label.clone(), &g.stats)).chain([(None, &report.total)]);
    for (label, stats) in rows {
        let mut record =
            vec![report.group_by.clone(), stats.key.clone(), label.unwrap_or_default(), stats.tickets.to_string()];
        for c in [&stats.response, &stats.resolution, &stats.tier2_resolution] {
            let ClockStats { met, breached, open, compliance_percent, mean_seconds, median_seconds } = c;
            record.extend([met.to_string(), breached.to_string(), open.to_string()]);
            record.extend([cell(*compliance_percent), cell(*mean_seconds), cell(*median_seconds)]);
        }
        record.extend([cell(stats.escalation_rate_percent), cell(stats.reopen_rate_percent)]);
        out.write_record(&record).map_err(internal)?;
    }
    let bytes = out.into_inner().map_err(|e| ApiError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(e.to_string()))
}

/// The store's filter for a report query (the load harness reads its raw
/// queries through it too).
pub fn report_filter(q: &SlaReportQuery) -> Result<ReportFilter, ApiError> {
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if to <= from {
            return Err(ApiError::invalid("to", "must be after `from`"));
        }
    }
    Ok(ReportFilter {
        from: q.from,
        to: q.to,
        unit_id: q.unit_id,
        service_id: q.service_id,
        tier: q.tier.map(|t| Tier::try_from(t).map_err(|e| ApiError::invalid("tier", e))).transpose()?,
        priority: q.priority,
        group_by: group_by(q.group_by.as_deref())?,
    })
}

/// SLA compliance over the tickets the caller's scope covers, filed in a
/// period: per clock met, breached, open, compliance, mean and median
/// business time; escalation and reopen rates. The last CSV row is the total.
#[utoipa::path(get, path = "/api/v1/reports/sla", tag = "sla", params(SlaReportQuery),
    responses((status = 200, description = "JSON, or with `Accept: text/csv` one row per group, then the total",
            content((SlaReport = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn sla_report(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    query: web::Query<SlaReportQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadSlaReports)?;
    let q = query.into_inner();
    let filter = report_filter(&q)?;
    let grouping = q.group_by.unwrap_or_else(|| "unit".to_owned());
    let (scope, now) = (TicketScope::of(&auth.principal), state.clock.now());
    let (tally, labels) = state.db.run(move |conn| report::tally(conn, &scope, &filter, now)).await?;
    let (groups, total) = tally.finish();
    let groups =
        groups.into_iter().map(|stats| ReportGroup { label: labels.get(&stats.key).cloned(), stats }).collect();
    let report = SlaReport { group_by: grouping, from: q.from, to: q.to, groups, total };
    if accepts(&req, "text/csv") {
        return Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").body(csv_body(&report)?));
    }
    Ok(HttpResponse::Ok().json(report))
}
