//! `/api/v1/audit/verify/state`: the tables checked against the journal,
//! page by page, for auditors and admins.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::state_check::{self, StateCursor};
use crate::db::StoreError;
use crate::domain::journal::state::Difference;
use crate::domain::policy::Action;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Records checked per page unless `records` says otherwise, and at most.
const DEFAULT_RECORDS: u32 = 5_000;
const MAX_RECORDS: u32 = 50_000;
/// Differences listed per page; beyond this only their number is given.
const MAX_LISTED: usize = 1_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StateCheckQuery {
    /// How many records to check in this page (1–50 000, default 5 000; a
    /// page ends at a batch's end, so it may check a few hundred more).
    #[param(minimum = 1, maximum = 50000)]
    pub records: Option<u32>,
    /// The `next_after` of the page before: `ticket` or `change`,
    /// optionally followed by `:` and the last record id checked; absent or
    /// empty, the check starts at the first ticket.
    #[param(
        pattern = "^((ticket|change)(:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?)?$"
    )]
    pub after: Option<String>,
}

/// One disagreement between a record's row and its journal.
#[derive(Debug, Serialize, ToSchema)]
pub struct StateDifferenceResponse {
    /// `ticket` or `change`.
    pub record: String,
    pub id: Uuid,
    /// `field` (the row differs from the journal's last state),
    /// `changed_between_entries` (the state an entry found differs from the
    /// one the entry before left), `no_journal` or `row_gone`.
    pub kind: String,
    pub field: Option<String>,
    /// The entry that found the row changed (`changed_between_entries`).
    pub position: Option<i64>,
    /// The value the journal holds (JSON).
    #[schema(value_type = Option<Object>)]
    pub journal: Option<serde_json::Value>,
    /// The value the row holds, or held when the entry was written (JSON).
    #[schema(value_type = Option<Object>)]
    pub table: Option<serde_json::Value>,
}

impl From<Difference> for StateDifferenceResponse {
    fn from(d: Difference) -> Self {
        Self {
            record: d.record.entity_type().to_owned(),
            id: d.id,
            kind: serde_json::to_value(d.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            field: d.field.map(str::to_owned),
            position: d.position,
            journal: d.journal,
            table: d.table,
        }
    }
}

/// One page of the state check: what it checked, how fast, what differs.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditStateResponse {
    /// Whether this page found nothing different.
    pub consistent: bool,
    pub tickets_checked: u64,
    pub changes_checked: u64,
    pub entries_read: u64,
    pub differences_found: u64,
    pub elapsed_ms: u64,
    pub records_per_second: f64,
    /// The first differences of the page (at most 1 000).
    pub differences: Vec<StateDifferenceResponse>,
    /// Where the next page starts; absent when every record was checked.
    pub next_after: Option<String>,
}

/// Check the tickets' and changes' rows against the state their journal
/// tells, a page of records at a time (`docs/audit.md`).
#[utoipa::path(get, path = "/api/v1/audit/verify/state", tag = "audit", params(StateCheckQuery),
    responses((status = 200, body = AuditStateResponse), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn verify_audit_state(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<StateCheckQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadAudit)?;
    let records = query.records.unwrap_or(DEFAULT_RECORDS);
    if !(1..=MAX_RECORDS).contains(&records) {
        return Err(ApiError::invalid("records", format!("must be between 1 and {MAX_RECORDS}")));
    }
    let from = match query.after.as_deref().filter(|text| !text.is_empty()) {
        Some(text) => text.parse::<StateCursor>().map_err(|e| ApiError::invalid("after", e))?,
        None => StateCursor::START,
    };
    let (report, listed) = state
        .db
        .run(move |conn| {
            let mut listed = Vec::new();
            let report = state_check::check(conn, from, Some(u64::from(records)), |d| {
                if listed.len() < MAX_LISTED {
                    listed.push(StateDifferenceResponse::from(d));
                }
                Ok(())
            })?;
            Ok::<_, StoreError>((report, listed))
        })
        .await?;
    Ok(HttpResponse::Ok().json(AuditStateResponse {
        consistent: report.differences_found == 0,
        tickets_checked: report.tickets_checked,
        changes_checked: report.changes_checked,
        entries_read: report.entries_read,
        differences_found: report.differences_found,
        elapsed_ms: report.elapsed_ms,
        records_per_second: report.records_per_second(),
        differences: listed,
        next_after: report.next.clone(),
    }))
}
