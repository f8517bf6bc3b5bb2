//! HTTP handlers of the assets service (managers and owners): parse, authorise, call
//! [`Assets`].

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use comanda_api::{ApiError, ErrorBody, IdempotentJson, Json, Path, Query, write_once};
use comanda_domain::{AssetId, Money};
use comanda_staff::AuthStaff;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Assets;
use crate::model::{self, Asset, AssetChanges, AssetDepreciation, NewAsset};

/// The assets routes, relative to `/api/v1`.
pub fn router(assets: Assets) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_assets, create_asset))
        .routes(routes!(asset_depreciation))
        .routes(routes!(get_asset, update_asset))
        .with_state(assets)
}

/// All the equipment, by name, with book values today.
#[utoipa::path(get, path = "/assets", tag = "assets", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Vec<Asset>),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Managers and owners only", body = ErrorBody)))]
async fn list_assets(State(assets): State<Assets>, who: AuthStaff) -> Result<axum::Json<Vec<Asset>>, ApiError> {
    who.require_manager()?;
    assets.list().await.map(axum::Json)
}

/// Add a piece of equipment.
#[utoipa::path(post, path = "/assets", tag = "assets", request_body = NewAsset, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    responses((status = 201, description = "Created", body = Asset),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Managers and owners only", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn create_asset(
    State(assets): State<Assets>,
    who: AuthStaff,
    req: IdempotentJson<NewAsset>,
) -> Result<Response, ApiError> {
    who.require_manager()?;
    model::Record::new(AssetId::new(), &req.body)?;
    let actor = who.actor();
    let body = req.body;
    write_once(&assets.store, req.idempotency.for_actor(actor), StatusCode::CREATED, move |tx| {
        Assets::insert(tx, actor, &body)
    })
    .await
}

/// One asset.
#[utoipa::path(get, path = "/assets/{id}", tag = "assets", params(("id" = AssetId, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Asset),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Managers and owners only", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody)))]
async fn get_asset(
    State(assets): State<Assets>,
    who: AuthStaff,
    Path(id): Path<AssetId>,
) -> Result<axum::Json<Asset>, ApiError> {
    who.require_manager()?;
    assets.get(id).await.map(axum::Json)
}

/// Edit an asset, or record that it left (`disposed_on`).
#[utoipa::path(patch, path = "/assets/{id}", tag = "assets", params(("id" = AssetId, Path)), request_body = AssetChanges,
    security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Asset),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Managers and owners only", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn update_asset(
    State(assets): State<Assets>,
    who: AuthStaff,
    Path(id): Path<AssetId>,
    Json(changes): Json<AssetChanges>,
) -> Result<axum::Json<Asset>, ApiError> {
    who.require_manager()?;
    assets.update(who.actor(), id, changes).await.map(axum::Json)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// First local day, `YYYY-MM-DD`.
    pub from: String,
    /// Last local day (included), `YYYY-MM-DD`.
    pub to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepreciationReport {
    pub from: String,
    pub to: String,
    pub total: Money,
    pub assets: Vec<AssetDepreciation>,
}

/// Depreciation of each asset over the local days `from..=to` (at most 366 days).
#[utoipa::path(get, path = "/assets/depreciation", tag = "assets", params(PeriodParams), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = DepreciationReport),
        (status = 400, description = "Missing dates", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Managers and owners only", body = ErrorBody),
        (status = 422, description = "Malformed or backwards dates", body = ErrorBody)))]
async fn asset_depreciation(
    State(assets): State<Assets>,
    who: AuthStaff,
    Query(p): Query<PeriodParams>,
) -> Result<axum::Json<DepreciationReport>, ApiError> {
    who.require_manager()?;
    let (from, to) = (model::date("from", &p.from)?, model::date("to", &p.to)?);
    let days = from.until((jiff::Unit::Day, to)).map(|s| s.get_days()).unwrap_or(-1);
    if !(0..=366).contains(&days) {
        return Err(ApiError::validation("to must be on or after from, at most 366 days later"));
    }
    let rows = assets.depreciation(from, to).await?;
    let total = Money::from_minor(rows.iter().map(|r| r.amount.minor()).sum());
    Ok(axum::Json(DepreciationReport { from: from.to_string(), to: to.to_string(), total, assets: rows }))
}
