//! `/api/v1/notifications`: the notice outbox for admins (list, one notice
//! with its attempts, retry a dead one, preview a template), and each
//! user's own notice preferences.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::pagination::{Page, PageRequest};
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::journal::notice_events::QueuedEvent;
use crate::db::notices::outbox::{self, Notice, NoticeFilter, NoticeKind, NoticeStatus};
use crate::db::notices::preferences;
use crate::domain::notice::rules::{may_opt_out, NOTICE_EVENTS};
use crate::domain::notice::wording::team_name;
use crate::domain::policy::{Action, Actor};
use crate::domain::ticket::access::TicketScope;
use crate::domain::validation::ValidationErrors;
use crate::error::{ApiError, Problem};
use crate::notify::context::{self, Addressee};
use crate::notify::fanout::ticket_view;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeResponse {
    /// Also the mail's `Message-ID` (`<id@domain>`) or the webhook's
    /// `webhook-id` (`msg_` + the id without dashes).
    pub id: Uuid,
    pub kind: NoticeKind,
    pub event: String,
    pub ticket_id: Option<Uuid>,
    pub audience: String,
    pub subscription_id: Option<Uuid>,
    /// The address, or the URL of a webhook.
    pub recipient: String,
    pub template: Option<String>,
    pub subject: Option<String>,
    pub critical: bool,
    pub status: NoticeStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    /// The receiver's HTTP status, or the SMTP reply code.
    pub last_status_code: Option<i32>,
    pub last_latency_ms: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<Notice> for NoticeResponse {
    fn from(n: Notice) -> Self {
        Self {
            id: n.id,
            kind: n.kind,
            event: n.event,
            ticket_id: n.ticket_id,
            audience: n.audience,
            subscription_id: n.subscription_id,
            recipient: n.recipient,
            template: n.template,
            subject: n.subject,
            critical: n.critical,
            status: n.status,
            attempts: n.attempts,
            next_attempt_at: n.next_attempt_at,
            last_error: n.last_error,
            last_status_code: n.last_status_code,
            last_latency_ms: n.last_latency_ms,
            created_at: n.created_at,
            sent_at: n.sent_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptResponse {
    pub attempt: i32,
    pub at: DateTime<Utc>,
    /// `sent`, `retry` or `dead`.
    pub outcome: String,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeDetailResponse {
    pub notice: NoticeResponse,
    /// The rendered mail (plain text) or the webhook's JSON body.
    pub body_text: String,
    pub body_html: Option<String>,
    pub attempts: Vec<AttemptResponse>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NoticeQuery {
    pub status: Option<NoticeStatus>,
    pub kind: Option<NoticeKind>,
    pub ticket_id: Option<Uuid>,
    /// 1–200 (default 50).
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// List notices by status and kind (admin, auditor).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NoticeQuery),
    responses((status = 200, body = Page<NoticeResponse>), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_notifications(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadNotices)?;
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    let filter = NoticeFilter {
        status: query.status,
        kind: query.kind,
        ticket_id: query.ticket_id,
        subscription_id: None,
        after_id: page.after_id,
        limit: page.fetch_limit(),
    };
    let rows = state.db.run(move |conn| outbox::list(conn, &filter)).await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |n| n.id, NoticeResponse::from)))
}

/// One notice with its content and every attempt (admin, auditor).
#[utoipa::path(get, path = "/api/v1/notifications/{id}", tag = "notifications", params(("id" = Uuid, Path)),
    responses((status = 200, body = NoticeDetailResponse), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_notification(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadNotices)?;
    let id = id.into_inner();
    let (notice, attempts) =
        state.db.run(move |conn| Ok::<_, ApiError>((outbox::find(conn, id)?, outbox::attempts(conn, id)?))).await?;
    Ok(HttpResponse::Ok().json(NoticeDetailResponse {
        body_text: notice.body_text.clone(),
        body_html: notice.body_html.clone(),
        notice: notice.into(),
        attempts: attempts
            .into_iter()
            .map(|a| AttemptResponse {
                attempt: a.attempt,
                at: a.at_naive.and_utc(),
                outcome: a.outcome,
                status_code: a.status_code,
                latency_ms: a.latency_ms,
                error: a.error,
            })
            .collect(),
    }))
}

/// Queue a failed or dead notice again, now, with the same id (admin).
#[utoipa::path(post, path = "/api/v1/notifications/{id}/retry", tag = "notifications", params(("id" = Uuid, Path)),
    responses((status = 202, body = NoticeResponse), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn retry_notification(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageNotices)?;
    let id = id.into_inner();
    let ctx = auth.context(state.clock.now());
    let notice = state.db.run(move |conn| outbox::requeue(conn, &ctx, id, false)).await?;
    Ok(HttpResponse::Accepted().json(NoticeResponse::from(notice)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PreviewQuery {
    /// A template name, e.g. `ticket_escalated`: one of the service's mail
    /// templates (the built-in ones, or the operator's folder), which renders
    /// for a ticket (422 otherwise).
    pub template: String,
    /// The ticket (id) the mail would be about.
    pub ticket_id: Uuid,
    /// The event the mail would tell of (default `ticket.created`).
    #[param(value_type = Option<crate::api::openapi_values::NoticeEvent>)]
    pub event: Option<String>,
    /// The zone the times are written in (default the ticket unit's).
    #[param(value_type = Option<crate::api::openapi_values::IanaZone>)]
    pub time_zone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewResponse {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Render a mail template for a ticket without sending it (admin).
#[utoipa::path(get, path = "/api/v1/notifications/preview", tag = "notifications", params(PreviewQuery),
    responses((status = 200, body = PreviewResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn preview_notification(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<PreviewQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageNotices)?;
    let query = query.into_inner();
    let event = query.event.unwrap_or_else(|| "ticket.created".to_owned());
    if !NOTICE_EVENTS.contains(&event.as_str()) {
        return Err(ApiError::invalid("event", format!("unknown event `{event}`")));
    }
    let zone: Option<Tz> = match &query.time_zone {
        Some(z) => Some(z.parse().map_err(|_| ApiError::invalid("time_zone", format!("unknown zone `{z}`")))?),
        None => None,
    };
    let scope = TicketScope::of(&auth.principal);
    let ticket_id = query.ticket_id;
    let view = state
        .db
        .run(move |conn| {
            crate::db::tickets::find(conn, &scope, ticket_id)?;
            let view = ticket_view(conn, ticket_id)?;
            let unit = crate::db::units::find(conn, view.ticket.unit_id)?;
            Ok::<_, ApiError>((view, unit))
        })
        .await?;
    let (view, unit) = view;
    let zone = zone.unwrap_or_else(|| unit.time_zone.tz());
    let queued = QueuedEvent {
        id: Uuid::nil(),
        event,
        subject_id: ticket_id,
        actor_id: Some(auth.principal.actor.id()),
        occurred_at: state.clock.now(),
        payload: serde_json::json!({ "payload": {}, "internal": false }),
    };
    let name = team_name(&unit.name);
    let to = Addressee { name: &name, address: &unit.mailbox, zone };
    let link = state.settings.notices.ticket_link(view.ticket.id, &view.ticket.number);
    let rendered = state
        .notifier
        .templates
        .render(&query.template, &context::ticket_context(&view, &queued, &to, &link))
        .map_err(|e| ApiError::invalid("template", e))?;
    Ok(HttpResponse::Ok().json(PreviewResponse { subject: rendered.subject, text: rendered.text, html: rendered.html }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticePreferences {
    /// Event types the caller receives no mail for. Essential notices cannot
    /// be turned off: SLA breaches never (so they are not listed), and
    /// whatever else the notice rules make essential (by default the
    /// auto-escalations to supervision), refused with 422.
    #[schema(value_type = Vec<crate::api::openapi_values::OptionalNoticeEvent>)]
    pub opted_out: Vec<String>,
}

fn people_only(auth: &Authenticated) -> Result<Uuid, ApiError> {
    match auth.principal.actor {
        Actor::User(id) => Ok(id),
        Actor::ApiKey(_) => Err(ApiError::Forbidden("notice preferences are a person's".to_owned())),
    }
}

/// The caller's notice preferences.
#[utoipa::path(get, path = "/api/v1/me/notice-preferences", tag = "notifications",
    responses((status = 200, body = NoticePreferences), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_preferences(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    let user = people_only(&auth)?;
    let opted_out = state.db.run(move |conn| preferences::opted_out(conn, user)).await?;
    Ok(HttpResponse::Ok().json(NoticePreferences { opted_out }))
}

/// Replace the caller's notice preferences.
#[utoipa::path(put, path = "/api/v1/me/notice-preferences", tag = "notifications", request_body = NoticePreferences,
    responses((status = 200, body = NoticePreferences), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn put_preferences(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Json<NoticePreferences>,
) -> Result<HttpResponse, ApiError> {
    let user = people_only(&auth)?;
    let mut events = body.into_inner()?.opted_out;
    let mut errors = ValidationErrors::new();
    for event in &events {
        if !NOTICE_EVENTS.contains(&event.as_str()) {
            errors.add("opted_out", format!("unknown event `{event}`"));
        } else if !may_opt_out(&state.settings.notices.rules, event) {
            errors.add("opted_out", format!("`{event}` notices are essential and cannot be turned off"));
        }
    }
    errors.finish()?;
    events.sort();
    events.dedup();
    let ctx = auth.context(state.clock.now());
    let opted_out = state.db.run(move |conn| preferences::set_opted_out(conn, &ctx, user, &events)).await?;
    Ok(HttpResponse::Ok().json(NoticePreferences { opted_out }))
}
