//! `/api/v1/reports/knowledge`: the evidence of knowledge management an
//! evaluator asks for, per month and per unit or service, as JSON or CSV
//! (`Accept: text/csv`). The rules are `domain::knowledge::report`.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::report_figures::ReportFigures;
use crate::api::reports::accepts;
use crate::auth::Authenticated;
use crate::db::knowledge::report::{self as store, KnowledgeGroupBy, KnowledgeReportFilter};
use crate::domain::knowledge::report::{self as rules, MAX_MONTHS};
use crate::domain::knowledge::self_service::SELF_SERVICE_WINDOW_HOURS;
use crate::domain::policy::Action;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KnowledgeReportQuery {
    /// Start of the period (default: the first day, in WITA, of the month
    /// eleven months before the period's last).
    pub from: Option<DateTime<Utc>>,
    /// End of the period, exclusive (default: the end of the current
    /// month in WITA); after `from`, within 36 WITA calendar months of it
    /// (422 otherwise).
    pub to: Option<DateTime<Utc>>,
    /// `unit` (default), `service` or `none`.
    #[param(value_type = Option<KnowledgeReportGrouping>)]
    pub group_by: Option<String>,
    /// Only this unit: articles it owns, tickets it resolved; an existing
    /// unit (422 otherwise). A PD's staff always see their own unit only.
    pub unit_id: Option<Uuid>,
    /// Only this service: an existing service (422 otherwise).
    pub service_id: Option<Uuid>,
}

const GROUPINGS: [(&str, KnowledgeGroupBy); 3] =
    [("unit", KnowledgeGroupBy::Unit), ("service", KnowledgeGroupBy::Service), ("none", KnowledgeGroupBy::Nothing)];

super::super::openapi_values::string_enum!(
    /// The groupings of the knowledge report.
    KnowledgeReportGrouping = GROUPINGS.iter().map(|(name, _)| *name)
);

#[derive(Debug, Serialize, ToSchema)]
pub struct KnowledgeReportGroup {
    /// The unit's or service's id (`all` when not grouped).
    pub key: String,
    /// Unit or service name, when grouped by those.
    pub label: Option<String>,
    #[serde(flatten)]
    pub figures: ReportFigures,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KnowledgeReportMonth {
    /// `YYYY-MM`, a calendar month in WITA.
    pub month: String,
    pub groups: Vec<KnowledgeReportGroup>,
    pub total: ReportFigures,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KnowledgeReport {
    pub group_by: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The rule of self-service: hours after a reporter opens an article
    /// within which filing a ticket on its service means it did not help.
    pub self_service_window_hours: i64,
    /// Every month of the period, empty ones included.
    pub months: Vec<KnowledgeReportMonth>,
    pub total: ReportFigures,
}

fn grouping(raw: Option<&str>) -> Result<KnowledgeGroupBy, ApiError> {
    let raw = raw.unwrap_or("unit");
    GROUPINGS.iter().find(|(name, _)| *name == raw).map(|(_, g)| *g).ok_or_else(|| {
        let names: Vec<&str> = GROUPINGS.iter().map(|(name, _)| *name).collect();
        let names = crate::domain::validation::alternatives(&names);
        ApiError::invalid("group_by", format!("unknown grouping `{raw}`; use {names}"))
    })
}

const FIGURES: [&str; 18] = [
    "articles_published",
    "versions_published",
    "reviews_due",
    "reviewed_on_time",
    "reviewed_late",
    "review_overdue",
    "resolved_tickets",
    "linked_tickets",
    "link_rate_percent",
    "links",
    "articles_reused",
    "reporter_views",
    "self_service_solutions",
    "self_service_pending",
    "rated_helpful",
    "rated_not_helpful",
    "helpful_percent",
    "flags",
];

fn cells(f: &ReportFigures) -> Vec<String> {
    let rate = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut out: Vec<String> = [f.articles_published, f.versions_published, f.reviews_due, f.reviewed_on_time]
        .iter()
        .chain(&[f.reviewed_late, f.review_overdue, f.resolved_tickets, f.linked_tickets])
        .map(u64::to_string)
        .collect();
    out.push(rate(f.link_rate_percent));
    out.extend([f.links, f.articles_reused, f.reporter_views, f.self_service_solutions].map(|n| n.to_string()));
    out.push(f.self_service_pending.to_string());
    out.extend([f.rated_helpful, f.rated_not_helpful].map(|n| n.to_string()));
    out.push(rate(f.helpful_percent));
    out.push(f.flags.to_string());
    out
}

/// One row per month and group, then the month's total (key `total`),
/// and last the period's (month `total`).
fn csv_body(report: &KnowledgeReport) -> Result<String, ApiError> {
    let internal = |e: csv::Error| ApiError::Internal(e.to_string());
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = ["month", "group_by", "key", "label"].into_iter().chain(FIGURES);
    out.write_record(header).map_err(internal)?;
    let by = report.group_by.as_str();
    for month in &report.months {
        for g in &month.groups {
            let label = g.label.clone().unwrap_or_default();
            let row = [month.month.clone(), by.to_owned(), g.key.clone(), label].into_iter().chain(cells(&g.figures));
            out.write_record(row.collect::<Vec<_>>()).map_err(internal)?;
        }
        let row = [month.month.clone(), by.to_owned(), "total".to_owned(), String::new()];
        out.write_record(row.into_iter().chain(cells(&month.total)).collect::<Vec<_>>()).map_err(internal)?;
    }
    let row = ["total".to_owned(), by.to_owned(), "total".to_owned(), String::new()];
    out.write_record(row.into_iter().chain(cells(&report.total)).collect::<Vec<_>>()).map_err(internal)?;
    let bytes = out.into_inner().map_err(|e| ApiError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Knowledge management per month: articles published, reviews due, on
/// time, late and overdue, resolved tickets linked to an article (link
/// rate), reuse, reporters helped by self-service, ratings and flags.
#[utoipa::path(get, path = "/api/v1/reports/knowledge", tag = "knowledge", params(KnowledgeReportQuery),
    responses((status = 200, description = "JSON, or with `Accept: text/csv` one row per month and group, each month's total, then the period's",
            content((KnowledgeReport = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn knowledge_report(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    query: web::Query<KnowledgeReportQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadSlaReports)?;
    let q = query.into_inner();
    let group_by = grouping(q.group_by.as_deref())?;
    let now = state.clock.now();
    let to = match q.to {
        Some(to) => to,
        None => rules::default_to(now).ok_or_else(|| ApiError::invalid("to", "is out of range"))?,
    };
    let from = match q.from {
        Some(from) => from,
        None => {
            let last = q.to.map_or(now, |to| to - chrono::Duration::seconds(1));
            rules::default_from(last).ok_or_else(|| ApiError::invalid("to", "is out of range"))?
        }
    };
    if to <= from {
        return Err(ApiError::invalid("to", "must be after `from`"));
    }
    let months = rules::months(from, to)
        .ok_or_else(|| ApiError::invalid("from", format!("the period spans more than {MAX_MONTHS} months")))?;
    let filter = KnowledgeReportFilter {
        unit_id: rules::report_reach(&auth.principal, q.unit_id).map_err(|m| ApiError::Forbidden(m.to_owned()))?,
        service_id: q.service_id,
    };
    let span = months.clone();
    let (tally, labels) = state.db.run(move |conn| store::tally(conn, &filter, group_by, &span, now)).await?;
    let (finished, total) = tally.finish(&months);
    let months = finished
        .into_iter()
        .map(|m| KnowledgeReportMonth {
            groups: m
                .groups
                .into_iter()
                .map(|(key, figures)| KnowledgeReportGroup {
                    label: labels.get(&key).cloned(),
                    key,
                    figures: figures.into(),
                })
                .collect(),
            month: m.month,
            total: m.total.into(),
        })
        .collect();
    let group_by = q.group_by.unwrap_or_else(|| "unit".to_owned());
    let report = KnowledgeReport {
        group_by,
        from,
        to,
        self_service_window_hours: SELF_SERVICE_WINDOW_HOURS,
        months,
        total: total.into(),
    };
    if accepts(&req, "text/csv") {
        return Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").body(csv_body(&report)?));
    }
    Ok(HttpResponse::Ok().json(report))
}
