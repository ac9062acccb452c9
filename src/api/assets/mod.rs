//! `/api/v1/assets`: the register of TIK assets (Manajemen Aset TIK) —
//! registering, reading, listing and editing assets here; their life
//! cycle, history, relations and impact in [`graph`].

pub mod graph;
pub mod types;

use actix_web::{web, HttpRequest, HttpResponse};
use uuid::Uuid;

use self::types::{AssetPage, AssetQuery, AssetResponse, CreateAssetRequest, UpdateAssetRequest};
use super::etag::{created_with_etag, ok_with_etag, precondition};
use super::pagination::PageRequest;
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::assets::write::{self, AssetEdit, AssetRequest, NewAsset};
use crate::db::assets::{self as store, AssetFilter};
use crate::domain::asset::access::{may_write, AssetVisibility};
use crate::domain::asset::{AssetAttributes, AssetStatus, InventoryCode};
use crate::domain::text::{bounded, DisplayName};
use crate::domain::validation::ValidationErrors;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// A short free text: trimmed, empty allowed, at most `max` characters.
fn short_text(raw: &str, max: usize) -> Result<String, crate::domain::text::TextError> {
    if raw.trim().is_empty() {
        return Ok(String::new());
    }
    bounded(raw, max)
}

fn not_negative(value: Option<i64>) -> Result<Option<i64>, &'static str> {
    match value {
        Some(v) if v < 0 => Err("not negative"),
        other => Ok(other),
    }
}

fn parse_new(r: CreateAssetRequest, auth: &Authenticated) -> Result<NewAsset, ApiError> {
    let mut errors = ValidationErrors::new();
    let code = errors.check("inventory_code", InventoryCode::parse(&r.inventory_code));
    let name = errors.check("name", DisplayName::parse(&r.name));
    let location = errors.check("location", short_text(r.location.as_deref().unwrap_or(""), 200));
    let custodian = errors.check("custodian", short_text(r.custodian.as_deref().unwrap_or(""), 200));
    let serial = r.serial_number.map(|s| errors.check("serial_number", bounded(&s, 100)));
    let value = errors.check("acquisition_value", not_negative(r.acquisition_value));
    let attributes = r.attributes.unwrap_or(serde_json::Value::Null);
    let attributes = errors.check("attributes", AssetAttributes::parse(r.kind, &attributes));
    errors.finish()?;
    let (Some(code), Some(name), Some(location), Some(custodian), Some(attributes)) =
        (code, name, location, custodian, attributes)
    else {
        return Err(ApiError::invalid("body", "invalid asset"));
    };
    Ok(NewAsset {
        inventory_code: code,
        name: name.as_str().to_owned(),
        kind: r.kind,
        status: r.status.unwrap_or(AssetStatus::Perencanaan),
        owner_unit_id: r.owner_unit_id.unwrap_or(auth.principal.unit_id),
        service_id: r.service_id,
        location,
        custodian,
        serial_number: serial.flatten(),
        acquired_on: r.acquired_on,
        acquisition_value: value.flatten(),
        warranty_ends_on: r.warranty_ends_on,
        attributes,
    })
}

/// Register an asset (tier 1 for its own unit; the Dinas's tier 2,
/// supervisors and admins for any). Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/assets", tag = "assets", request_body = CreateAssetRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "same key and body: the same asset; same key, other body: 422")),
    responses((status = 201, body = AssetResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem, description = "the inventory code is taken"),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_asset(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: Json<CreateAssetRequest>,
) -> Result<HttpResponse, ApiError> {
    if !may_write(&auth.principal) {
        return Err(ApiError::forbidden());
    }
    let body = body.into_inner()?;
    let key = crate::api::idempotency::key(&state, &req, &auth.principal, "asset:", &body)?;
    let new = parse_new(body, &auth)?;
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let asset = state.db.run(move |conn| write::create(conn, &ctx, &principal, &new, key.as_ref())).await?;
    let response = AssetResponse::from(asset);
    Ok(created_with_etag(format!("/api/v1/assets/{}", response.id), response.version, &response))
}

/// The assets the caller sees, oldest first: the Dinas all, a desk its
/// unit's and the shared infrastructure, reporters none.
#[utoipa::path(get, path = "/api/v1/assets", tag = "assets", params(AssetQuery),
    responses((status = 200, body = AssetPage), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_assets(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<AssetQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(&state.cursors, query.limit, query.cursor.as_deref())?;
    let text = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned);
    let filter = AssetFilter {
        kind: query.kind,
        status: query.status,
        owner_unit_id: query.owner_unit_id,
        service_id: query.service_id,
        text,
        after: page.after_id,
        limit: page.fetch_limit(),
    };
    let visibility = AssetVisibility::of(&auth.principal);
    let rows = state.db.run(move |conn| store::list(conn, visibility, &filter)).await?;
    let page = page.page(rows, |a| a.id, AssetResponse::from);
    Ok(HttpResponse::Ok().json(AssetPage { items: page.items, next_cursor: page.next_cursor }))
}

/// Read an asset the caller sees (404 otherwise).
#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "assets", params(("id" = Uuid, Path)),
    responses((status = 200, body = AssetResponse), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_asset(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (visibility, id) = (AssetVisibility::of(&auth.principal), id.into_inner());
    let asset = state.db.run(move |conn| store::find(conn, visibility, id)).await?;
    Ok(ok_with_etag(asset.version, &AssetResponse::from(asset)))
}

fn parse_edit(r: UpdateAssetRequest) -> Result<AssetEdit, ApiError> {
    let mut errors = ValidationErrors::new();
    let serial_number = match r.serial_number {
        Some(Some(s)) => errors.check("serial_number", bounded(&s, 100)).map(Some),
        Some(None) => Some(None),
        None => None,
    };
    let acquisition_value = match r.acquisition_value {
        Some(v) => errors.check("acquisition_value", not_negative(v)),
        None => None,
    };
    let edit = AssetEdit {
        inventory_code: r.inventory_code.and_then(|c| errors.check("inventory_code", InventoryCode::parse(&c))),
        name: r.name.and_then(|n| errors.check("name", DisplayName::parse(&n))).map(|n| n.as_str().to_owned()),
        owner_unit_id: r.owner_unit_id,
        service_id: r.service_id,
        location: r.location.and_then(|l| errors.check("location", short_text(&l, 200))),
        custodian: r.custodian.and_then(|c| errors.check("custodian", short_text(&c, 200))),
        serial_number,
        acquired_on: r.acquired_on,
        acquisition_value,
        warranty_ends_on: r.warranty_ends_on,
        attributes: r.attributes,
    };
    errors.finish()?;
    Ok(edit)
}

/// The request of a write on one asset, as the store takes it.
pub(crate) fn asset_request(auth: &Authenticated, asset_id: Uuid, req: &HttpRequest) -> Result<AssetRequest, ApiError> {
    Ok(AssetRequest { principal: auth.principal.clone(), asset_id, precondition: precondition(req)? })
}

/// Checks the caller may change the asset before a handler reads its body
/// (404 when they do not see it, 403 when they may not change it).
pub(crate) async fn admit(state: &web::Data<AppState>, auth: &Authenticated, asset_id: Uuid) -> Result<(), ApiError> {
    let principal = auth.principal.clone();
    Ok(state.db.run(move |conn| write::admit(conn, &principal, asset_id).map(drop)).await?)
}

/// Edit an asset (`If-Match` recommended); its kind stays.
#[utoipa::path(patch, path = "/api/v1/assets/{id}", tag = "assets", request_body = UpdateAssetRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = AssetResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the inventory code is taken"),
        (status = 412, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_asset(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<UpdateAssetRequest>,
) -> Result<HttpResponse, ApiError> {
    let asset_id = id.into_inner();
    admit(&state, &auth, asset_id).await?;
    let edit = parse_edit(body.into_inner()?)?;
    let (request, ctx) = (asset_request(&auth, asset_id, &req)?, auth.context(state.clock.now()));
    let asset = state.db.run(move |conn| write::edit(conn, &ctx, &request, &edit)).await?;
    Ok(ok_with_etag(asset.version, &AssetResponse::from(asset)))
}
