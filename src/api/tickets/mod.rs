//! `/api/v1/tickets`: intake, queues, reads and edits.

pub mod actions;
mod admit;
pub mod attachments;
pub mod comments;
mod cursor;
pub mod knowledge;
/// The sorts the list takes, by their names in `sort=` (the combination walk tries each).
pub use cursor::SORTS;
pub mod sla;
pub mod types;

pub use cursor::TicketListSort;

use actix_web::{web, HttpRequest, HttpResponse};
use uuid::Uuid;

use self::types::{CreateTicketRequest, SummaryResponse, TicketPage, TicketQuery, TicketResponse, UpdateTicketRequest};
use super::etag::{ok_with_etag, precondition};
use super::units::search_text;
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::tickets::rights::TicketRight;
use crate::db::tickets::{self, CreateOutcome, TicketFilter, TicketPatch};
use crate::db::{DbConnection, StoreError};
use crate::domain::email::EmailAddress;
use crate::domain::policy::{Actor, Principal};
use crate::domain::text::DisplayName;
use crate::domain::ticket::access::{self, TicketScope};
use crate::domain::ticket::intake::{parse_long_text, parse_title, ExternalRef, NewTicket, Phone, ReporterRef};
use crate::domain::ticket::{Channel, Tier};
use crate::domain::validation::ValidationErrors;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Finds the id of a ticket the caller may see, from an id or a number.
pub fn resolve(conn: &mut DbConnection, scope: &TicketScope, raw: &str) -> Result<Uuid, StoreError> {
    resolve_ticket(conn, scope, raw).map(|t| t.id)
}

/// Finds a ticket the caller may see, from an id or a number.
fn resolve_ticket(conn: &mut DbConnection, scope: &TicketScope, raw: &str) -> Result<tickets::Ticket, StoreError> {
    match Uuid::parse_str(raw) {
        Ok(id) => tickets::find(conn, scope, id),
        Err(_) if looks_like_number(raw) => tickets::find_by_number(conn, scope, raw),
        Err(_) => Err(StoreError::NotFound),
    }
}

/// `TKT-2026-000123` (any case): only such strings are looked up.
fn looks_like_number(raw: &str) -> bool {
    let parts: Vec<&str> = raw.split('-').collect();
    matches!(parts.as_slice(), [prefix, year, n]
        if prefix.eq_ignore_ascii_case("TKT")
            && year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && (6..=12).contains(&n.len())
            && n.bytes().all(|b| b.is_ascii_digit()))
}

fn parse_new_ticket(r: CreateTicketRequest, principal: &Principal, state: &AppState) -> Result<NewTicket, ApiError> {
    let mut errors = ValidationErrors::new();
    let title = errors.check("title", parse_title(&r.title));
    let description = errors.check("description", parse_long_text(&r.description));
    let reporter = match (r.reporter_id, r.reporter, principal.actor) {
        (Some(_), Some(_), _) => {
            errors.add("reporter", "give reporter_id or reporter, not both");
            None
        }
        (Some(id), None, _) => Some(ReporterRef::User(id)),
        (None, Some(contact), _) => {
            let name = errors.check("reporter.name", DisplayName::parse(&contact.name));
            let email = contact.email.map(|e| errors.check("reporter.email", EmailAddress::parse(&e)));
            let phone = contact.phone.map(|p| errors.check("reporter.phone", Phone::parse(&p)));
            match (name, email, phone) {
                (Some(name), Some(Some(email)), phone) => {
                    Some(ReporterRef::OnBehalf { name, email: Some(email), phone: phone.flatten() })
                }
                (Some(name), None, Some(Some(phone))) => {
                    Some(ReporterRef::OnBehalf { name, email: None, phone: Some(phone) })
                }
                (Some(_), None, None) => {
                    errors.add("reporter", "give an e-mail address or a phone number to reach the reporter");
                    None
                }
                _ => None,
            }
        }
        (None, None, Actor::User(id)) => Some(ReporterRef::User(id)),
        (None, None, Actor::ApiKey(_)) => {
            errors.add("reporter", "a service account files tickets for reporter_id or reporter");
            None
        }
    };
    let external = match (r.external_ref, r.external_source) {
        (Some(reference), label) => {
            // The source is the caller (its account or API key), so no one
            // files under another front end's references or learns of them;
            // `external_source` only names a channel within the caller.
            let caller = format!("{}:{}", principal.actor.kind(), principal.actor.id());
            let label = label.map(|l| errors.check("external_source", crate::domain::text::bounded(&l, 50)));
            match label {
                Some(None) => None,
                Some(Some(label)) => {
                    errors.check("external_ref", ExternalRef::parse(&format!("{caller}/{label}"), &reference))
                }
                None => errors.check("external_ref", ExternalRef::parse(&caller, &reference)),
            }
        }
        (None, Some(_)) => {
            errors.add("external_source", "only with external_ref");
            None
        }
        (None, None) => None,
    };
    let complaint_ref = r.complaint_ref.map(|c| errors.check("complaint_ref", crate::domain::text::bounded(&c, 100)));
    let (Some(title), Some(description), Some(reporter)) = (title, description, reporter) else {
        return Err(errors.into());
    };
    errors.finish()?;
    let default_channel = if matches!(principal.actor, Actor::ApiKey(_)) { Channel::Api } else { Channel::Web };
    Ok(NewTicket {
        ticket_type: r.ticket_type,
        title,
        description,
        service_id: r.service_id,
        unit_id: r.unit_id.unwrap_or(principal.unit_id),
        reporter,
        channel: r.channel.unwrap_or(default_channel),
        impact: r.impact,
        urgency: r.urgency,
        priority: state.settings.tickets.priority_matrix.priority(r.impact, r.urgency),
        external,
        complaint_ref: complaint_ref.flatten(),
        route_uncovered: state.settings.tickets.route_uncovered_to_tier2,
    })
}

/// File a ticket: reporters for themselves, tier-1 desks and service
/// accounts for someone of their unit. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = CreateTicketRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "same key and body: the same ticket; same key, other body: 422")),
    responses((status = 201, body = TicketResponse, description = "created, or replayed for the same Idempotency-Key"),
        (status = 200, body = TicketResponse, description = "a ticket with this external_ref already exists (201 when the request also replays an Idempotency-Key)"),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn create_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: Json<CreateTicketRequest>,
) -> Result<HttpResponse, ApiError> {
    if !access::may_file_any(&auth.principal) {
        return Err(ApiError::Forbidden("your roles do not allow filing tickets".to_owned()));
    }
    let body = body.into_inner()?;
    let key = crate::api::idempotency::key(&state, &req, &auth.principal, "", &body)?;
    let new = parse_new_ticket(body, &auth.principal, &state)?;
    let on_behalf = new.reporter != ReporterRef::User(auth.principal.actor.id())
        || matches!(auth.principal.actor, Actor::ApiKey(_));
    if !access::may_create(&auth.principal, new.unit_id, on_behalf) {
        return Err(ApiError::Forbidden(
            "you may file tickets only for yourself, or as your unit's desk for its people".to_owned(),
        ));
    }
    let ctx = auth.context(state.clock.now());
    let outcome = state.intake.file(tickets::Intake { ctx, new, key }).await?;
    let scope = TicketScope::of(&auth.principal);
    let (status, ticket) = match outcome {
        CreateOutcome::Created(ticket) => (actix_web::http::StatusCode::CREATED, ticket),
        CreateOutcome::Existing(ticket) if !scope.sees(&ticket.facts()) => {
            return Err(ApiError::Conflict("this external_ref is already used by another ticket".to_owned()))
        }
        CreateOutcome::Existing(ticket) if req.headers().contains_key("idempotency-key") => {
            (actix_web::http::StatusCode::CREATED, ticket)
        }
        CreateOutcome::Existing(ticket) => (actix_web::http::StatusCode::OK, ticket),
    };
    Ok(HttpResponse::build(status)
        .insert_header(("Location", format!("/api/v1/tickets/{}", ticket.id)))
        .insert_header(("ETag", super::etag::etag(ticket.version)))
        .json(TicketResponse::new(ticket, &auth.principal)))
}

/// The store's filter for a list or summary query, as the handlers read it
/// (the load harness reads its raw queries through it too, so that they
/// cannot drift from the served ones).
pub fn filter_from(q: TicketQuery, cursors: &crate::auth::cursor_seal::CursorKey) -> Result<TicketFilter, ApiError> {
    let tier = q.tier.map(|t| Tier::try_from(t).map_err(|e| ApiError::invalid("tier", e))).transpose()?;
    let page = crate::domain::page::PageLimit::parse(q.limit).map_err(|e| ApiError::invalid("limit", e))?;
    Ok(TicketFilter {
        status: q.status,
        tier,
        unit_id: q.unit_id,
        service_id: q.service_id,
        priority: q.priority,
        ticket_type: q.ticket_type,
        assignee_id: q.assignee_id,
        unassigned: q.unassigned,
        problem_id: q.problem_id,
        created_from: q.created_from,
        created_to: q.created_to,
        text: search_text(q.q)?,
        breached: q.breached,
        due_before: q.due_before,
        sort: cursor::parse_sort(q.sort.as_deref())?,
        after: crate::api::pagination::given(q.cursor.as_deref()).map(|c| cursor::decode(cursors, c)).transpose()?,
        limit: page.get() + 1,
    })
}

/// The caller's queue: tickets they may see, filtered and sorted.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(TicketQuery),
    responses((status = 200, body = TicketPage), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_tickets(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<TicketQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = filter_from(query.into_inner(), &state.cursors)?;
    let scope = TicketScope::of(&auth.principal);
    let (sort, limit) = (filter.sort, filter.limit as usize - 1);
    let mut rows = state.db.run(move |conn| tickets::list(conn, &scope, &filter)).await?;
    let next_cursor = (rows.len() > limit)
        .then(|| rows.get(limit - 1).map(|t| cursor::encode(&state.cursors, tickets::position(sort, t))))
        .flatten();
    rows.truncate(limit);
    let items = rows.into_iter().map(|t| TicketResponse::new(t, &auth.principal)).collect();
    Ok(HttpResponse::Ok().json(TicketPage { items, next_cursor }))
}

/// Counts per status, tier and priority in the caller's scope (dashboards).
#[utoipa::path(get, path = "/api/v1/tickets/summary", tag = "tickets", params(TicketQuery),
    responses((status = 200, body = SummaryResponse), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn ticket_summary(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<TicketQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = filter_from(query.into_inner(), &state.cursors)?;
    let principal = auth.principal.clone();
    let (s, uncovered) = state.db.run(move |conn| summary_of(conn, &principal, &filter)).await?;
    Ok(HttpResponse::Ok().json(SummaryResponse {
        total: s.total,
        by_status: s.by_status,
        by_tier: s.by_tier,
        by_priority: s.by_priority,
        unassigned_open: s.unassigned_open,
        units_without_tier1: uncovered,
    }))
}

/// What the summary reads: the counts in the caller's scope and, for those
/// who watch coverage, the units without a tier-1 technician.
pub fn summary_of(
    conn: &mut DbConnection,
    principal: &Principal,
    filter: &TicketFilter,
) -> Result<(tickets::Summary, Option<Vec<Uuid>>), StoreError> {
    let uncovered =
        if super::units::sees_coverage(principal) { Some(crate::db::units::without_tier1(conn)?) } else { None };
    Ok((tickets::summary(conn, &TicketScope::of(principal), filter)?, uncovered))
}

/// Read a ticket by id or number (`TKT-2026-000123`).
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = TicketResponse, headers(("ETag" = String))), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = TicketScope::of(&auth.principal);
    let raw = id.into_inner();
    let ticket = state
        .db
        .run(move |conn| {
            let id = resolve(conn, &scope, &raw)?;
            tickets::find(conn, &scope, id)
        })
        .await?;
    Ok(ok_with_etag(ticket.version, &TicketResponse::new(ticket, &auth.principal)))
}

/// Edit a ticket's fields; impact or urgency recompute the priority.
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = String, Path, description = "id or number"), ("If-Match" = Option<String>, Header)),
    request_body = UpdateTicketRequest,
    responses((status = 200, body = TicketResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn update_ticket(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<UpdateTicketRequest>,
) -> Result<HttpResponse, ApiError> {
    let precondition = precondition(&req)?;
    let id = admit::admit(&state, &auth, id.into_inner(), precondition.clone(), TicketRight::Edit).await?;
    let body = body.into_inner()?;
    let mut errors = ValidationErrors::new();
    let changes = TicketPatch {
        title: body.title.and_then(|t| errors.check("title", parse_title(&t))),
        description: body.description.and_then(|d| errors.check("description", parse_long_text(&d))),
        impact: body.impact,
        urgency: body.urgency,
        service_id: body.service_id,
        complaint_ref: body
            .complaint_ref
            .map(|c| c.and_then(|c| errors.check("complaint_ref", crate::domain::text::bounded(&c, 100)))),
    };
    errors.finish()?;
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let matrix = state.settings.tickets.priority_matrix.clone();
    let ticket =
        state.db.run(move |conn| tickets::patch(conn, &ctx, &principal, id, &precondition, &changes, &matrix)).await?;
    Ok(ok_with_etag(ticket.version, &TicketResponse::new(ticket, &auth.principal)))
}
