//! `/api/v1/changes`: change records (Manajemen Perubahan), their moves,
//! approvals, conflicts and schedule; templates and freeze windows.

pub mod actions;
pub mod admin;
pub mod approval_types;
pub mod approvals;
pub mod conflict_types;
pub mod schedule;
pub mod types;

use actix_web::{web, HttpRequest, HttpResponse};

use self::types::{ChangePage, ChangeQuery, ChangeResponse, CreateChangeRequest, UpdateChangeRequest};
use super::etag::{created_with_etag, ok_with_etag, precondition};
use super::pagination::PageRequest;
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::changes::{self, round, timeline, Change, ChangeEdit, ChangeFilter, MoveRequest, NewChange};
use crate::db::{DbConnection, StoreError};
use crate::domain::change::access::{may, mover, ChangeAction, ChangeMove, ChangeVisibility};
use crate::domain::change::approval::ApprovalPolicy;
use crate::domain::organisation::UnitKind;
use crate::domain::role::Role;
use crate::domain::ticket::access::TicketScope;
use crate::domain::ticket::intake::{parse_long_text, parse_title};
use crate::domain::validation::ValidationErrors;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// A plan: absent until written, never blank once given.
fn plan(errors: &mut ValidationErrors, field: &str, raw: Option<&str>) -> Option<String> {
    raw.and_then(|text| errors.check(field, parse_long_text(text)))
}

/// A change read alone, as a caller with `visibility` sees it, with what
/// its round still needs.
pub(crate) fn one_change(
    conn: &mut DbConnection,
    policy: &ApprovalPolicy,
    visibility: ChangeVisibility,
    change: Change,
) -> Result<ChangeResponse, StoreError> {
    let needed = round::needed(conn, policy, &change)?;
    Ok(ChangeResponse::seen_by(change, visibility).with_needs(needed))
}

fn parse_new(r: &CreateChangeRequest, auth: &Authenticated) -> Result<NewChange, ApiError> {
    let mut errors = ValidationErrors::new();
    let title = r.title.as_deref().map(|t| errors.check("title", parse_title(t))).unwrap_or(Some(String::new()));
    let description = r
        .description
        .as_deref()
        .map(|d| errors.check("description", parse_long_text(d)))
        .unwrap_or(Some(String::new()));
    let reason = errors.check("reason", parse_long_text(&r.reason));
    let owner_unit_id = r.owner_unit_id.unwrap_or(auth.principal.unit_id);
    let dinas_staff = auth.principal.unit_kind == UnitKind::Dinas
        || [Role::Supervisor, Role::Tier2Engineer, Role::Admin].iter().any(|role| auth.principal.has(*role));
    if owner_unit_id != auth.principal.unit_id && !dinas_staff {
        errors.add("owner_unit_id", "a Perangkat Daerah raises changes for itself");
    }
    let new = NewChange {
        change_type: r.change_type,
        scope: r.scope,
        title: r.title.as_ref().and(title.clone()),
        description: r.description.as_ref().and(description.clone()),
        reason: reason.unwrap_or_default(),
        owner_unit_id,
        service_ids: r.service_ids.clone(),
        ticket_ids: r.ticket_ids.clone(),
        template_id: r.template_id,
        risk: r.risk,
        impact_analysis: plan(&mut errors, "impact_analysis", r.impact_analysis.as_deref()).unwrap_or_default(),
        implementation_plan: plan(&mut errors, "implementation_plan", r.implementation_plan.as_deref())
            .unwrap_or_default(),
        test_plan: plan(&mut errors, "test_plan", r.test_plan.as_deref()).unwrap_or_default(),
        rollback_plan: plan(&mut errors, "rollback_plan", r.rollback_plan.as_deref()).unwrap_or_default(),
    };
    errors.finish()?;
    Ok(new)
}

/// Raise a change (a draft). Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/changes", tag = "changes", request_body = CreateChangeRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "same key and body: the same change; same key, other body: 422")),
    responses((status = 201, body = ChangeResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_change(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: Json<CreateChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    if !may(&auth.principal, ChangeAction::Create, None) {
        return Err(ApiError::forbidden());
    }
    mover(&auth.principal).map_err(|e| ApiError::Forbidden(e.to_string()))?;
    let body = body.into_inner()?;
    let key = crate::api::idempotency::key(&state, &req, &auth.principal, "change:", &body)?;
    let new = parse_new(&body, &auth)?;
    let ctx = auth.context(state.clock.now());
    let scope = TicketScope::of(&auth.principal);
    let (visibility, policy) = (ChangeVisibility::of(&auth.principal), state.settings.changes.policy());
    let change = state
        .db
        .run(move |conn| {
            let (change, _) = changes::create(conn, &ctx, &scope, &new, key.as_ref())?;
            one_change(conn, &policy, visibility, change)
        })
        .await?;
    Ok(created_with_etag(format!("/api/v1/changes/{}", change.id), change.version, &change))
}

/// Checks the caller may make `change_move` on the change (404 when it
/// may not see it, 403 without the right) before a handler reads the
/// body: a caller without the right learns nothing of the body's rules.
/// The move checks again in its transaction.
async fn admit(
    state: &web::Data<AppState>,
    auth: &Authenticated,
    change_id: uuid::Uuid,
    change_move: ChangeMove,
) -> Result<(), ApiError> {
    let principal = auth.principal.clone();
    Ok(state.db.run(move |conn| changes::admit(conn, &principal, change_id, change_move).map(drop)).await?)
}

/// The changes the caller sees.
#[utoipa::path(get, path = "/api/v1/changes", tag = "changes", params(ChangeQuery),
    responses((status = 200, body = ChangePage), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_changes(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<ChangeQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    let descending = match query.sort.as_deref() {
        None | Some("created") => false,
        Some("-created") => true,
        Some(_) => return Err(ApiError::invalid("sort", crate::domain::validation::alternatives(&types::SORTS))),
    };
    let filter = ChangeFilter {
        status: query.status,
        change_type: query.change_type,
        scope: query.scope,
        service_id: query.service_id,
        owner_unit_id: query.owner_unit_id,
        window: None,
        descending,
        after: page.after_id,
        limit: page.fetch_limit(),
    };
    let visibility = ChangeVisibility::of(&auth.principal);
    let rows = state.db.run(move |conn| changes::list(conn, visibility, &filter)).await?;
    let page = page.page(rows, |c| c.id, |c| ChangeResponse::seen_by(c, visibility));
    Ok(HttpResponse::Ok().json(ChangePage { items: page.items, next_cursor: page.next_cursor }))
}

/// Read a change (by id or number), with the approvals its round still needs and who may give each.
#[utoipa::path(get, path = "/api/v1/changes/{id}", tag = "changes", params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = ChangeResponse), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_change(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let visibility = ChangeVisibility::of(&auth.principal);
    let (raw, policy) = (id.into_inner(), state.settings.changes.policy());
    let change = state
        .db
        .run(move |conn| {
            let change = changes::resolve(conn, visibility, &raw)?;
            one_change(conn, &policy, visibility, change)
        })
        .await?;
    Ok(ok_with_etag(change.version, &change))
}

fn parse_edit(r: UpdateChangeRequest) -> Result<ChangeEdit, ApiError> {
    let mut errors = ValidationErrors::new();
    let edit = ChangeEdit {
        impact_analysis: plan(&mut errors, "impact_analysis", r.impact_analysis.as_deref()),
        implementation_plan: plan(&mut errors, "implementation_plan", r.implementation_plan.as_deref()),
        test_plan: plan(&mut errors, "test_plan", r.test_plan.as_deref()),
        rollback_plan: plan(&mut errors, "rollback_plan", r.rollback_plan.as_deref()),
        title: r.title.and_then(|t| errors.check("title", parse_title(&t))),
        description: r.description.and_then(|d| errors.check("description", parse_long_text(&d))),
        reason: r.reason.and_then(|d| errors.check("reason", parse_long_text(&d))),
        scope: r.scope,
        service_ids: r.service_ids,
        risk: r.risk,
    };
    errors.finish()?;
    Ok(edit)
}

/// Edit the plan (`If-Match` recommended). After approvals, an edit of the
/// approved content voids them and returns the change to `awaiting_approval`.
#[utoipa::path(patch, path = "/api/v1/changes/{id}", tag = "changes", request_body = UpdateChangeRequest,
    params(("id" = uuid::Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = ChangeResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "implementation began"),
        (status = 412, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_change(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<uuid::Uuid>,
    body: Json<UpdateChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let change_id = id.into_inner();
    admit(&state, &auth, change_id, ChangeMove::Edit).await?;
    let edit = parse_edit(body.into_inner()?)?;
    let precondition = precondition(&req)?;
    let (ctx, principal, rules) =
        (auth.context(state.clock.now()), auth.principal.clone(), state.settings.changes.rules());
    let change = state
        .db
        .run(move |conn| {
            let request = MoveRequest { principal: &principal, change_id, precondition, rules: &rules };
            let change = changes::edit(conn, &ctx, &request, &edit)?;
            one_change(conn, &rules.policy, ChangeVisibility::of(&principal), change)
        })
        .await?;
    Ok(ok_with_etag(change.version, &change))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ChangeEventResponse {
    pub seq: i32,
    pub kind: String,
    pub actor_kind: String,
    pub actor_id: Option<uuid::Uuid>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ChangeEventList {
    pub items: Vec<ChangeEventResponse>,
}

/// The change's timeline, oldest first.
#[utoipa::path(get, path = "/api/v1/changes/{id}/events", tag = "changes", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ChangeEventList), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_change_events(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let visibility = ChangeVisibility::of(&auth.principal);
    let id = id.into_inner();
    let events = state
        .db
        .run(move |conn| {
            changes::find(conn, visibility, id)?;
            timeline::list(conn, id, 0, 10_000)
        })
        .await?;
    let items = events
        .into_iter()
        .map(|e| ChangeEventResponse {
            seq: e.seq,
            kind: e.kind,
            actor_kind: e.actor_kind,
            actor_id: e.actor_id,
            from_status: e.from_status,
            to_status: e.to_status,
            data: e.data,
            occurred_at: e.occurred_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ChangeEventList { items }))
}
