//! `/api/v1/tickets/{id}/sla`: each clock explained, and the explicit
//! recompute under the current calendar and policy.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::resolve;
use super::types::TicketResponse;
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::sla::clocks::{self, context_of, StoredClock};
use crate::db::sla::context::SlaContext;
use crate::db::sla::replay::{self, Agreement};
use crate::db::tickets;
use crate::db::{DbConnection, StoreError};
use crate::domain::policy::{Action, Principal};
use crate::domain::sla::clock::{ClockKind, PauseCause, Standing};
use crate::domain::sla::explain::explain;
use crate::domain::ticket::access::TicketScope;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionRef {
    pub id: Uuid,
    pub name: String,
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PauseView {
    pub from: DateTime<Utc>,
    /// `null` while the pause lasts.
    pub to: Option<DateTime<Utc>>,
    pub cause: PauseCause,
    pub reason: Option<String>,
    /// Clock time the pause held back (so far, if it lasts).
    pub clock_seconds: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayView {
    pub date: NaiveDate,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    pub kind: ClockKind,
    /// `{"unit": "business_minutes" | "business_days" | "calendar_hours", "value": n}`.
    pub target: crate::domain::sla::Target,
    pub calendar: VersionRef,
    pub time_zone: String,
    pub policy: VersionRef,
    /// The event's instant cut down to the whole second (SLA time is kept
    /// to the second).
    pub started_at: DateTime<Utc>,
    /// `null` while paused. Whole seconds: a clock starts at its event's instant cut down to the second, so due and warning instants never carry a fraction.
    pub due_at: Option<DateTime<Utc>>,
    /// When the warning falls due; whole seconds, as `due_at`.
    pub warn_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub standing: Standing,
    /// Clock time run (business time, or wall time for calendar-hour targets).
    pub elapsed_seconds: i64,
    /// Target minus elapsed: negative once over.
    pub remaining_seconds: i64,
    pub pauses: Vec<PauseView>,
    /// Holidays on would-be working days between start and due (or stop).
    pub holidays_skipped: Vec<HolidayView>,
    pub warned_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
    /// The clock in words, in the calendar's local time.
    pub explanation: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaResponse {
    pub ticket_id: Uuid,
    pub number: String,
    pub clocks: Vec<ClockView>,
    /// Why the ticket has no clocks, if it has none.
    pub note: Option<String>,
    /// Whether the stored clocks are what the ticket's event log rebuilds
    /// (for the ticket's staff; `null` for its reporter).
    pub replay: Option<ReplayView>,
}

/// The stored clocks against the ones the event log rebuilds.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayView {
    /// `true` when they agree, `false` when not, `null` when the log cannot
    /// rebuild them (tickets filed before clocks were logged).
    pub agrees: Option<bool>,
    /// Each difference in words (clock, field, stored and logged values).
    pub differences: Vec<String>,
    pub note: Option<String>,
}

impl From<Agreement> for ReplayView {
    fn from(a: Agreement) -> Self {
        match a {
            Agreement::Agrees => Self { agrees: Some(true), differences: Vec::new(), note: None },
            Agreement::Differs(differences) => Self { agrees: Some(false), differences, note: None },
            Agreement::Unknown(why) => Self { agrees: None, differences: Vec::new(), note: Some(why) },
        }
    }
}

fn view(conn: &mut DbConnection, c: &StoredClock, now: DateTime<Utc>) -> Result<ClockView, StoreError> {
    let SlaContext { calendar, policy } = context_of(conn, c)?;
    let cal = &calendar.working;
    let clock = &c.clock;
    let length = clock.target_length(cal).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let elapsed = clock.elapsed(cal, now);
    let until = clock.stopped_at.or(c.due_at).unwrap_or(now);
    let holidays = clock.holidays_skipped(cal, until);
    let pauses = clock
        .pauses
        .iter()
        .map(|p| PauseView {
            from: p.from,
            to: p.to,
            cause: p.cause,
            reason: p.reason.clone(),
            clock_seconds: clock.pause_length(cal, p, now).num_seconds(),
        })
        .collect();
    Ok(ClockView {
        kind: clock.kind,
        target: clock.target,
        calendar: VersionRef { id: calendar.id, name: calendar.name.clone(), version: calendar.version },
        time_zone: calendar.time_zone.clone(),
        policy: VersionRef { id: policy.id, name: policy.name.clone(), version: policy.version },
        started_at: clock.started_at,
        due_at: c.due_at,
        warn_at: c.warn_at,
        stopped_at: clock.stopped_at,
        standing: clock.standing(c.due_at, now),
        elapsed_seconds: elapsed.num_seconds(),
        remaining_seconds: (length - elapsed).num_seconds(),
        pauses,
        explanation: explain(clock, cal, c.due_at, &holidays, now),
        holidays_skipped: holidays.into_iter().map(|(date, name)| HolidayView { date, name }).collect(),
        warned_at: c.warned_at,
        breached_at: c.breached_at,
    })
}

/// Each SLA clock of a ticket: target, start, due, elapsed and remaining
/// business time, pauses, holidays skipped, met or breached, and why.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/sla", tag = "sla",
    params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = SlaResponse), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn ticket_sla(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (principal, raw, now) = (auth.principal.clone(), id.into_inner(), state.clock.now());
    let response = state.db.run(move |conn| sla_of(conn, &principal, &raw, now)).await?;
    Ok(HttpResponse::Ok().json(response))
}

/// What the SLA view reads and works out for a ticket (id or number) at `now`.
pub fn sla_of(
    conn: &mut DbConnection,
    principal: &Principal,
    raw: &str,
    now: DateTime<Utc>,
) -> Result<SlaResponse, StoreError> {
    let scope = TicketScope::of(principal);
    let ticket_id = resolve(conn, &scope, raw)?;
    let ticket = tickets::find(conn, &scope, ticket_id)?;
    let stored = clocks::load(conn, ticket_id)?;
    let clocks = stored.iter().map(|c| view(conn, c, now)).collect::<Result<Vec<_>, _>>()?;
    let note = clocks.is_empty().then(|| {
        "no SLA clocks: when the ticket was filed, neither its service nor its unit had a calendar, \
         or no SLA policy applied"
            .to_owned()
    });
    // What moved the clocks is the desk's matter, as on the timeline.
    let staff = crate::domain::ticket::access::is_staff(principal, &ticket.facts());
    let replay = if staff { Some(replay::check(conn, ticket_id)?.into()) } else { None };
    Ok(SlaResponse { ticket_id, number: ticket.number, clocks, note, replay })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecomputeRequest {
    /// Why the clocks are recomputed (kept in the timeline and audit log).
    pub reason: String,
}

/// Re-runs a ticket's clocks under the calendar and policy versions that
/// apply now (starts, pauses and stops kept). Supervisors and admins only;
/// old and new due times are logged.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/sla/recompute", tag = "sla",
    params(("id" = String, Path, description = "id or number")), request_body = RecomputeRequest,
    responses((status = 200, body = TicketResponse), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "no clocks, or no calendar or policy applies"),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn recompute_sla(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Json<RecomputeRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::RecomputeSla)?;
    let reason = crate::domain::ticket::intake::parse_long_text(&body.into_inner()?.reason)
        .map_err(|e| ApiError::invalid("reason", e.to_string()))?;
    let (ctx, principal, raw) = (auth.context(state.clock.now()), auth.principal.clone(), id.into_inner());
    let ticket = state
        .db
        .run(move |conn| {
            let scope = TicketScope::of(&principal);
            let ticket_id = resolve(conn, &scope, &raw)?;
            tickets::recompute_sla(conn, &ctx, &scope, ticket_id, &reason)
        })
        .await?;
    Ok(HttpResponse::Ok().json(TicketResponse::new(ticket, &auth.principal)))
}
