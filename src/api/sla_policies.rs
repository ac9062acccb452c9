//! `/api/v1/sla-policies`: response and resolution targets per priority.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::etag::{created_with_etag, ok_with_etag, precondition};
use super::pagination::{Page, PageRequest};
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::sla_policies::{self, Policy, PolicyDraft};
use crate::domain::policy::Action;
use crate::domain::sla::policy::{PriorityTargets, SlaPolicy};
use crate::domain::text::{bounded, DisplayName};
use crate::domain::ticket::{PendingReason, Priority};
use crate::domain::validation::ValidationErrors;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// A policy: targets for every priority (each `{"unit": "business_minutes"
/// | "business_days" | "calendar_hours", "value": n}`), the warning
/// threshold, auto-escalation and the pending reasons that pause the clock.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyRequest {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Keys `critical`, `high`, `medium`, `low`; all four are required.
    /// (String keys, so that errors can name the priority they are in.)
    #[schema(value_type = crate::api::openapi_values::PolicyTargets)]
    pub targets: BTreeMap<String, PriorityTargets>,
    /// 1–99: a warning when this share of a target has elapsed.
    #[schema(minimum = 1, maximum = 99)]
    pub warning_percent: i64,
    /// A breached tier-1 resolution escalates the ticket to tier 2.
    #[serde(default)]
    pub auto_escalate: bool,
    #[serde(default)]
    pub pausing_reasons: Vec<PendingReason>,
    /// Make this the policy of services that name none.
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyResponse {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub targets: BTreeMap<Priority, PriorityTargets>,
    pub warning_percent: u8,
    pub auto_escalate: bool,
    pub pausing_reasons: Vec<PendingReason>,
    pub is_default: bool,
    /// Every change makes a new version; clocks keep the one they started under.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Policy> for PolicyResponse {
    fn from(p: Policy) -> Self {
        Self {
            id: p.id,
            name: p.name,
            description: p.description,
            targets: p.policy.targets,
            warning_percent: p.policy.warning_percent,
            auto_escalate: p.policy.auto_escalate,
            pausing_reasons: p.policy.pausing_reasons,
            is_default: p.is_default,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PolicyQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl TryFrom<PolicyRequest> for PolicyDraft {
    type Error = ValidationErrors;

    fn try_from(r: PolicyRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", DisplayName::parse(&r.name));
        let description = if r.description.trim().is_empty() {
            Some(String::new())
        } else {
            errors.check("description", bounded(&r.description, 2000))
        };
        let mut targets = BTreeMap::new();
        for (key, value) in r.targets {
            match key.parse::<Priority>() {
                Ok(priority) => {
                    targets.insert(priority, value);
                }
                Err(e) => errors.add(&format!("targets.{key}"), e),
            }
        }
        let policy = match SlaPolicy::new(targets, r.warning_percent, r.auto_escalate, r.pausing_reasons) {
            Ok(policy) => Some(policy),
            Err(e) => {
                errors.add(&e.field(), e.to_string());
                None
            }
        };
        match (name, description, policy) {
            (Some(name), Some(description), Some(policy)) => {
                Ok(PolicyDraft { name: name.as_str().to_owned(), description, policy, is_default: r.is_default })
            }
            _ => Err(errors),
        }
    }
}

/// List SLA policies (every authenticated caller).
#[utoipa::path(get, path = "/api/v1/sla-policies", tag = "sla-policies", params(PolicyQuery),
    responses((status = 200, body = Page<PolicyResponse>), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_policies(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<PolicyQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadUnits)?;
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    let (after, limit) = (page.after_id, page.fetch_limit());
    let rows = state.db.run(move |conn| sla_policies::list(conn, after, limit)).await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |p| p.id, PolicyResponse::from)))
}

/// Create an SLA policy (admin).
#[utoipa::path(post, path = "/api/v1/sla-policies", tag = "sla-policies", request_body = PolicyRequest,
    responses((status = 201, body = PolicyResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_policy(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Json<PolicyRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageUnits)?;
    let draft = PolicyDraft::try_from(body.into_inner()?)?;
    let ctx = auth.context(state.clock.now());
    let policy = state.db.run(move |conn| sla_policies::insert(conn, &ctx, &draft)).await?;
    let location = format!("/api/v1/sla-policies/{}", policy.id);
    Ok(created_with_etag(location, policy.version, &PolicyResponse::from(policy)))
}

/// Read an SLA policy.
#[utoipa::path(get, path = "/api/v1/sla-policies/{id}", tag = "sla-policies", params(("id" = Uuid, Path)),
    responses((status = 200, body = PolicyResponse), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_policy(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadUnits)?;
    let id = id.into_inner();
    let policy = state.db.run(move |conn| sla_policies::find(conn, id)).await?;
    Ok(ok_with_etag(policy.version, &PolicyResponse::from(policy)))
}

/// A past version of a policy, as clocks started under it see it.
#[utoipa::path(get, path = "/api/v1/sla-policies/{id}/versions/{version}", tag = "sla-policies", params(("id" = Uuid, Path), ("version" = i64, Path)),
    responses((status = 200, body = PolicyResponse), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_policy_version(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, i64)>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ReadUnits)?;
    let (id, version) = path.into_inner();
    let policy = state.db.run(move |conn| sla_policies::find_version(conn, id, version)).await?;
    Ok(HttpResponse::Ok().json(PolicyResponse::from(policy)))
}

/// Replace an SLA policy (admin); running clocks keep their version.
#[utoipa::path(put, path = "/api/v1/sla-policies/{id}", tag = "sla-policies", request_body = PolicyRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = PolicyResponse), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn replace_policy(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<PolicyRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageUnits)?;
    let draft = PolicyDraft::try_from(body.into_inner()?)?;
    let (id, precondition, ctx) = (id.into_inner(), precondition(&req)?, auth.context(state.clock.now()));
    let policy = state.db.run(move |conn| sla_policies::update(conn, &ctx, id, &precondition, &draft)).await?;
    Ok(ok_with_etag(policy.version, &PolicyResponse::from(policy)))
}

/// Delete a policy that is not the default and no service uses (admin).
#[utoipa::path(delete, path = "/api/v1/sla-policies/{id}", tag = "sla-policies", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the default, or in use")),
    security(("bearer" = [])))]
pub async fn delete_policy(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageUnits)?;
    let (id, ctx) = (id.into_inner(), auth.context(state.clock.now()));
    state.db.run(move |conn| sla_policies::delete(conn, &ctx, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
