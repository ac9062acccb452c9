//! `/api/v1/webhooks`: subscriptions of front ends to ticket events, their
//! deliveries, redelivery, a test ping and secret rotation.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::etag::{created_with_etag, ok_with_etag, precondition};
use super::notifications::NoticeResponse;
use super::openapi_values;
use super::pagination::{Page, PageRequest};
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::notices::outbox::{self, NewNotice, NoticeFilter, NoticeKind, WebhookEvent};
use crate::db::notices::subscriptions::{self, NewSubscription, Owner, Subscription, SubscriptionChange};
use crate::db::StoreError;
use crate::domain::notice::webhook::{check_event_type, WebhookSecret};
use crate::domain::policy::{Action, Actor};
use crate::domain::validation::ValidationErrors;
use crate::error::{ApiError, Problem};
use crate::notify::context::ping_body;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// Where deliveries are POSTed: `https://` (or `http://` where configured),
    /// never with credentials, nor to a loopback, link-local or private
    /// address (as written, or as its name resolves now) unless allowed
    /// (422 otherwise).
    pub url: String,
    /// Event types such as `ticket.escalated`, or `*` for all.
    #[schema(value_type = Vec<openapi_values::WebhookEvent>, min_items = 1)]
    pub events: Vec<String>,
    /// Only this unit's tickets: an existing unit (422 otherwise). A front
    /// end's key is always limited to its own unit (422 for another); an
    /// admin may leave it out for every unit.
    pub unit_id: Option<Uuid>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub description: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    /// As on creation: `https://` (or `http://` where configured), never
    /// with credentials, nor to a loopback, link-local or private address
    /// (as written, or as its name resolves now) unless allowed (422
    /// otherwise).
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<openapi_values::WebhookEvent>>, min_items = 1)]
    pub events: Option<Vec<String>>,
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// `true` re-enables a subscription disabled after dead deliveries.
    pub active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub unit_id: Option<Uuid>,
    /// `user` or `api_key`.
    pub owner_kind: String,
    pub owner_id: Uuid,
    pub active: bool,
    /// Why it was disabled (dead deliveries), if it was.
    pub disabled_reason: Option<String>,
    pub consecutive_dead: i32,
    /// Until when the previous secret still signs, after a rotation.
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
    /// Until when its receiver is backed off after a failed delivery: its
    /// deliveries, waiting or new, are not tried before then. Past or null:
    /// not backed off.
    pub deliveries_held_until: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Subscription> for WebhookResponse {
    fn from(s: Subscription) -> Self {
        let (owner_kind, owner_id) = match s.owner {
            Owner::User(id) => ("user", id),
            Owner::ApiKey(id) => ("api_key", id),
        };
        Self {
            id: s.id,
            url: s.url,
            description: s.description,
            events: s.events,
            unit_id: s.unit_id,
            owner_kind: owner_kind.to_owned(),
            owner_id,
            active: s.active,
            disabled_reason: s.disabled_reason,
            consecutive_dead: s.consecutive_dead,
            previous_secret_valid_until: s.previous_secret.map(|(_, until)| until),
            deliveries_held_until: s.deliveries_held_until,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecretResponse {
    pub webhook: WebhookResponse,
    /// The signing secret (`whsec_…`), shown only now; verify deliveries
    /// with any Standard Webhooks library.
    pub secret: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WebhookListQuery {
    /// 1–200 (default 50).
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

fn new_secret() -> WebhookSecret {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    WebhookSecret::from_bytes(bytes)
}

fn check_events(events: &[String], errors: &mut ValidationErrors) {
    if events.is_empty() {
        errors.add("events", "name at least one event type, or `*`");
    }
    for event in events {
        if let Err(e) = check_event_type(event) {
            errors.add("events", e);
        }
    }
}

async fn check_url(state: &AppState, url: &str, errors: &mut ValidationErrors) {
    if let Err(e) = state.notifier.webhooks.check_reachable(url).await {
        errors.add("url", e.to_string());
    }
}

/// Reads a subscription the caller manages: admins manage every one, a
/// front end's key only its own (others are 404, so they cannot be probed).
async fn owned(state: &AppState, auth: &Authenticated, id: Uuid) -> Result<Subscription, ApiError> {
    auth.require(Action::ManageWebhooks)?;
    let found = state.db.run(move |conn| subscriptions::find(conn, id)).await?;
    match auth.principal.actor {
        Actor::User(_) => Ok(found),
        Actor::ApiKey(key) if found.owner == Owner::ApiKey(key) => Ok(found),
        Actor::ApiKey(_) => Err(ApiError::not_found()),
    }
}

/// Subscribe to events (admin, or a front end's key for its own unit); the
/// secret is in the response only.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = CreateWebhookRequest,
    responses((status = 201, body = WebhookWithSecretResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn create_webhook(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Json<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageWebhooks)?;
    let body = body.into_inner()?;
    let mut errors = ValidationErrors::new();
    check_events(&body.events, &mut errors);
    check_url(&state, &body.url, &mut errors).await;
    if body.description.chars().count() > 200 {
        errors.add("description", "must be at most 200 characters");
    }
    let unit_id = match auth.principal.actor {
        Actor::User(_) => body.unit_id,
        Actor::ApiKey(_) => {
            if body.unit_id.is_some_and(|unit| unit != auth.principal.unit_id) {
                errors.add("unit_id", "a front end's key subscribes to its own unit's tickets only");
            }
            Some(auth.principal.unit_id)
        }
    };
    errors.finish()?;
    if let Some(unit) = unit_id {
        state.db.run(move |conn| crate::db::units::find(conn, unit)).await.map_err(|e| match e {
            StoreError::NotFound => ApiError::invalid("unit_id", "no such unit"),
            other => other.into(),
        })?;
    }
    let secret = new_secret();
    let new = NewSubscription {
        url: body.url,
        description: body.description,
        events: body.events,
        unit_id,
        owner: auth.principal.actor.into(),
        secret: secret.clone(),
    };
    let ctx = auth.context(state.clock.now());
    let stored = state.db.run(move |conn| subscriptions::insert(conn, &ctx, &new)).await?;
    let location = format!("/api/v1/webhooks/{}", stored.id);
    let version = stored.version;
    Ok(created_with_etag(
        location,
        version,
        &WebhookWithSecretResponse { webhook: stored.into(), secret: secret.expose() },
    ))
}

/// List the subscriptions the caller manages.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", params(WebhookListQuery),
    responses((status = 200, body = Page<WebhookResponse>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<WebhookListQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Action::ManageWebhooks)?;
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    let owner = match auth.principal.actor {
        Actor::User(_) => None,
        Actor::ApiKey(key) => Some(Owner::ApiKey(key)),
    };
    let (after, limit) = (page.after_id, page.fetch_limit());
    let rows = state.db.run(move |conn| subscriptions::list(conn, owner, after, limit)).await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |s| s.id, WebhookResponse::from)))
}

/// Read a subscription.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = Uuid, Path)),
    responses((status = 200, body = WebhookResponse), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_webhook(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = owned(&state, &auth, id.into_inner()).await?;
    Ok(ok_with_etag(found.version, &WebhookResponse::from(found)))
}

/// Change a subscription (`If-Match` with its ETag is honoured).
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = UpdateWebhookRequest,
    responses((status = 200, body = WebhookResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn update_webhook(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<UpdateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let found = owned(&state, &auth, id.into_inner()).await?;
    let precondition = precondition(&req)?;
    let body = body.into_inner()?;
    let mut errors = ValidationErrors::new();
    if let Some(events) = &body.events {
        check_events(events, &mut errors);
    }
    if let Some(url) = &body.url {
        check_url(&state, url, &mut errors).await;
    }
    if body.description.as_ref().is_some_and(|d| d.chars().count() > 200) {
        errors.add("description", "must be at most 200 characters");
    }
    errors.finish()?;
    let change =
        SubscriptionChange { url: body.url, description: body.description, events: body.events, active: body.active };
    let ctx = auth.context(state.clock.now());
    let id = found.id;
    let stored = state.db.run(move |conn| subscriptions::update(conn, &ctx, id, &precondition, &change)).await?;
    Ok(ok_with_etag(stored.version, &WebhookResponse::from(stored)))
}

/// Delete a subscription; its past deliveries stay queryable by an admin.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = owned(&state, &auth, id.into_inner()).await?;
    let ctx = auth.context(state.clock.now());
    state.db.run(move |conn| subscriptions::delete(conn, &ctx, found.id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replace the signing secret; the old one keeps signing (beside the new)
/// for `notices.webhooks.secret_overlap_seconds`.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks", params(("id" = Uuid, Path)),
    responses((status = 200, body = WebhookWithSecretResponse), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = owned(&state, &auth, id.into_inner()).await?;
    let now = state.clock.now();
    let until = now + Duration::seconds(i64::from(state.settings.notices.webhooks.secret_overlap_seconds));
    let secret = new_secret();
    let ctx = auth.context(now);
    let for_store = secret.clone();
    let stored =
        state.db.run(move |conn| subscriptions::rotate_secret(conn, &ctx, found.id, &for_store, until)).await?;
    let version = stored.version;
    Ok(ok_with_etag(version, &WebhookWithSecretResponse { webhook: stored.into(), secret: secret.expose() }))
}

/// The deliveries of a subscription, oldest first: status, attempts, the
/// last response code, latency and error.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = Uuid, Path), WebhookListQuery),
    responses((status = 200, body = Page<NoticeResponse>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
    query: web::Query<WebhookListQuery>,
) -> Result<HttpResponse, ApiError> {
    let found = owned(&state, &auth, id.into_inner()).await?;
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    let filter = NoticeFilter {
        kind: Some(NoticeKind::Webhook),
        subscription_id: Some(found.id),
        after_id: page.after_id,
        limit: page.fetch_limit(),
        ..NoticeFilter::default()
    };
    let rows = state.db.run(move |conn| outbox::list(conn, &filter)).await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |n| n.id, NoticeResponse::from)))
}

/// Send a delivery again (same `webhook-id`, newly signed), at once.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    params(("id" = Uuid, Path), ("delivery_id" = Uuid, Path)),
    responses((status = 202, body = NoticeResponse), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn redeliver(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery) = path.into_inner();
    let found = owned(&state, &auth, id).await?;
    let now = state.clock.now();
    let ctx = auth.context(now);
    let notice = state
        .db
        .run(move |conn| {
            let notice = outbox::find(conn, delivery)?;
            if notice.subscription_id != Some(found.id) || notice.kind != NoticeKind::Webhook {
                return Err(StoreError::NotFound);
            }
            outbox::requeue(conn, &ctx, delivery, true)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(NoticeResponse::from(notice)))
}

/// Queue a `webhook.ping` delivery to the subscription, sent with the next
/// dispatch; see it among the deliveries.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/ping", tag = "webhooks", params(("id" = Uuid, Path)),
    responses((status = 202, body = NoticeResponse), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn ping_webhook(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = owned(&state, &auth, id.into_inner()).await?;
    let now = state.clock.now();
    let about = WebhookEvent { event_id: Uuid::now_v7(), event: "webhook.ping".to_owned(), ticket_id: None };
    let notice = NewNotice::webhook(about, found.id, found.url.clone(), ping_body(found.id, now), now);
    let id = notice.id;
    let stored = state
        .db
        .run(move |conn| {
            crate::db::write_tx(conn, |conn| outbox::insert_all(conn, now, &[notice]))?;
            outbox::find(conn, id)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(NoticeResponse::from(stored)))
}
