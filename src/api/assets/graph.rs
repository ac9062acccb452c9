//! An asset's life cycle, history, relations and impact.

use actix_web::{web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::types::{
    AddRelationRequest, AssetHistory, AssetResponse, ImpactResponse, MoveAssetRequest, RelationList, RelationResponse,
};
use super::{admit, asset_request};
use crate::api::etag::ok_with_etag;
use crate::api::extract::Json;
use crate::auth::Authenticated;
use crate::db::assets::relations::{self, RelationKey};
use crate::db::assets::{self as store, impact, write};
use crate::db::journal::{list_audit, AuditFilter};
use crate::domain::asset::access::AssetVisibility;
use crate::domain::asset::RelationKind;
use crate::domain::ticket::intake::parse_long_text;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// The most history entries one answer holds.
const HISTORY_LIMIT: u32 = 1_000;

/// Move an asset in its life cycle (`If-Match` recommended):
/// perencanaan → pengadaan → digunakan ⇄ pemeliharaan, and dihapuskan.
#[utoipa::path(post, path = "/api/v1/assets/{id}/status", tag = "assets", request_body = MoveAssetRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = AssetResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "not a move of the life cycle from where the asset stands"),
        (status = 412, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn move_asset(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<MoveAssetRequest>,
) -> Result<HttpResponse, ApiError> {
    let asset_id = id.into_inner();
    admit(&state, &auth, asset_id).await?;
    let body = body.into_inner()?;
    let reason =
        body.reason.map(|r| parse_long_text(&r)).transpose().map_err(|e| ApiError::invalid("reason", e.to_string()))?;
    let (request, ctx) = (asset_request(&auth, asset_id, &req)?, auth.context(state.clock.now()));
    let asset =
        state.db.run(move |conn| write::move_status(conn, &ctx, &request, body.status, reason.as_deref())).await?;
    Ok(ok_with_etag(asset.version, &AssetResponse::from(asset)))
}

/// The history of an asset the caller sees: every change of its audit
/// chain (registration, edits, moves, relations), first first.
#[utoipa::path(get, path = "/api/v1/assets/{id}/history", tag = "assets", params(("id" = Uuid, Path)),
    responses((status = 200, body = AssetHistory), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn asset_history(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (visibility, id) = (AssetVisibility::of(&auth.principal), id.into_inner());
    let records = state
        .db
        .run(move |conn| {
            store::find(conn, visibility, id)?;
            list_audit(conn, &AuditFilter { chain_id: Some(id), limit: HISTORY_LIMIT, ..Default::default() })
        })
        .await?;
    Ok(HttpResponse::Ok().json(AssetHistory { items: records.into_iter().map(Into::into).collect() }))
}

/// Record that this asset needs another (the caller edits this one and
/// sees the other). A relation that would close a cycle of `runs_on`,
/// `depends_on` and `licensed_by` is 409, not 422: the request is valid
/// on its own, it conflicts with relations already recorded (the answer
/// names the cycle); nothing changes.
#[utoipa::path(post, path = "/api/v1/assets/{id}/relations", tag = "assets", request_body = AddRelationRequest,
    params(("id" = Uuid, Path)),
    responses((status = 201, body = RelationList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the relation exists, or would close a cycle"),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_relation(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
    body: Json<AddRelationRequest>,
) -> Result<HttpResponse, ApiError> {
    let asset_id = id.into_inner();
    admit(&state, &auth, asset_id).await?;
    let body = body.into_inner()?;
    let (ctx, principal) = (auth.context(state.clock.now()), auth.principal.clone());
    let visibility = AssetVisibility::of(&principal);
    let items = state
        .db
        .run(move |conn| {
            relations::add(
                conn,
                &ctx,
                &principal,
                RelationKey { from: asset_id, to: body.to_asset_id, kind: body.kind },
            )?;
            relations::list(conn, visibility, asset_id)
        })
        .await?;
    let items = items.into_iter().map(RelationResponse::from).collect();
    Ok(HttpResponse::Created().json(RelationList { items }))
}

/// The relations of an asset the caller sees, both ways, to assets the
/// caller sees.
#[utoipa::path(get, path = "/api/v1/assets/{id}/relations", tag = "assets", params(("id" = Uuid, Path)),
    responses((status = 200, body = RelationList), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_relations(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (visibility, id) = (AssetVisibility::of(&auth.principal), id.into_inner());
    let items = state.db.run(move |conn| relations::list(conn, visibility, id)).await?;
    Ok(HttpResponse::Ok().json(RelationList { items: items.into_iter().map(RelationResponse::from).collect() }))
}

/// Remove a relation of this asset (404 when there is none).
#[utoipa::path(delete, path = "/api/v1/assets/{id}/relations/{kind}/{to_asset_id}", tag = "assets",
    params(("id" = Uuid, Path), ("kind" = RelationKind, Path), ("to_asset_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn remove_relation(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, RelationKind, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (from, kind, to) = path.into_inner();
    let (ctx, principal, key) =
        (auth.context(state.clock.now()), auth.principal.clone(), RelationKey { from, to, kind });
    state.db.run(move |conn| relations::remove(conn, &ctx, &principal, key)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What stops if this asset stops: the assets that need it through the
/// graph, the services they provide, the units that own them and the open
/// tickets of those services, each with the path that explains it; within
/// what the caller sees.
#[utoipa::path(get, path = "/api/v1/assets/{id}/impact", tag = "assets", params(("id" = Uuid, Path)),
    responses((status = 200, body = ImpactResponse), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn asset_impact(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (visibility, id) = (AssetVisibility::of(&auth.principal), id.into_inner());
    let found = state.db.run(move |conn| impact::of(conn, visibility, id)).await?;
    Ok(HttpResponse::Ok().json(ImpactResponse::from(found)))
}
