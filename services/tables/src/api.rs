//! HTTP handlers of the tables service: parse, authorise, call [`Tables`], shape the answer.
//! Floor staff and managers read the floor (the kitchen does not need it); managers edit it.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comanda_api::{ApiError, ErrorBody, Idempotent, IdempotentJson, Json, Page, PageParams, Path, Query, write_once};
use comanda_domain::{AreaId, Role, TableId};
use comanda_staff::AuthStaff;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::model::{Area, AreaChanges, GuestToken, NewArea, NewTable, Table, TableChanges};
use crate::{AreaCursor, TableQuery, Tables};

/// Who may see the floor plan.
const FLOOR: &[Role] = &[Role::Owner, Role::Manager, Role::Waiter];

/// The tables routes, relative to `/api/v1`.
pub fn router(tables: Tables) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_areas, create_area))
        .routes(routes!(get_area, update_area))
        .routes(routes!(list_tables, create_table))
        .routes(routes!(get_table, update_table))
        .routes(routes!(table_qr))
        .routes(routes!(rotate_token))
        .with_state(tables)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AreaListParams {
    /// How many areas, 1–200 (default 200: the whole floor at once).
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    /// Include deactivated areas (default false).
    pub include_inactive: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TableListParams {
    /// Only the tables of this area.
    pub area_id: Option<AreaId>,
    /// How many tables, 1–200 (default 200: the whole floor at once).
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    /// Include tables taken off the floor (default false).
    pub include_inactive: Option<bool>,
}

/// A floor plan is fetched whole, so lists default to the largest page.
fn limit(requested: Option<u32>) -> u32 {
    requested.unwrap_or(PageParams::MAX).clamp(1, PageParams::MAX)
}

fn malformed_cursor() -> ApiError {
    ApiError::bad_request("malformed cursor")
}

/// The floor's areas, in tab order.
#[utoipa::path(get, path = "/areas", tag = "tables", params(AreaListParams), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<Area>),
        (status = 400, description = "Malformed request", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody)))]
async fn list_areas(
    State(tables): State<Tables>,
    who: AuthStaff,
    Query(p): Query<AreaListParams>,
) -> Result<axum::Json<Page<Area>>, ApiError> {
    who.require_role(FLOOR)?;
    let after = p.cursor.as_deref().map(|c| AreaCursor::parse(c).ok_or_else(malformed_cursor)).transpose()?;
    let limit = limit(p.limit);
    let rows = tables.areas(after, limit, p.include_inactive.unwrap_or(false)).await?;
    Ok(axum::Json(Page::from_rows(rows, limit, |a| AreaCursor::of(a).to_string())))
}

/// Add an area (managers and owners).
#[utoipa::path(post, path = "/areas", tag = "tables", request_body = NewArea, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    responses((status = 201, description = "Created", body = Area),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 409, description = "An active area has this name", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn create_area(
    State(tables): State<Tables>,
    who: AuthStaff,
    req: IdempotentJson<NewArea>,
) -> Result<Response, ApiError> {
    who.require_manager()?;
    req.body.validate()?;
    let actor = who.actor();
    let body = req.body;
    write_once(&tables.store, req.idempotency.for_actor(actor), StatusCode::CREATED, move |tx| {
        Tables::insert_area(tx, actor, &body)
    })
    .await
}

/// One area.
#[utoipa::path(get, path = "/areas/{id}", tag = "tables", params(("id" = AreaId, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Area),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody)))]
async fn get_area(
    State(tables): State<Tables>,
    who: AuthStaff,
    Path(id): Path<AreaId>,
) -> Result<axum::Json<Area>, ApiError> {
    who.require_role(FLOOR)?;
    tables.area(id).await.map(axum::Json)
}

/// Rename, reorder, hide or show an area (managers and owners). Only an area without active
/// tables can be deactivated.
#[utoipa::path(patch, path = "/areas/{id}", tag = "tables", params(("id" = AreaId, Path)), request_body = AreaChanges,
    security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Area),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Name taken, or the area still has tables", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn update_area(
    State(tables): State<Tables>,
    who: AuthStaff,
    Path(id): Path<AreaId>,
    Json(changes): Json<AreaChanges>,
) -> Result<axum::Json<Area>, ApiError> {
    who.require_manager()?;
    tables.update_area(who.actor(), id, changes).await.map(axum::Json)
}

/// The tables on the floor plan, with their status.
#[utoipa::path(get, path = "/tables", tag = "tables", params(TableListParams), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<Table>),
        (status = 400, description = "Malformed request", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody)))]
async fn list_tables(
    State(tables): State<Tables>,
    who: AuthStaff,
    Query(p): Query<TableListParams>,
) -> Result<axum::Json<Page<Table>>, ApiError> {
    who.require_role(FLOOR)?;
    let after = p.cursor.as_deref().map(|c| c.parse().map_err(|_| malformed_cursor())).transpose()?;
    let limit = limit(p.limit);
    let query = TableQuery { area_id: p.area_id, include_inactive: p.include_inactive.unwrap_or(false), after, limit };
    let rows = tables.tables(query).await?;
    Ok(axum::Json(Page::from_rows(rows, limit, |t| t.id.to_string())))
}

/// Add a table (managers and owners). It starts free, with its own guest QR code.
#[utoipa::path(post, path = "/tables", tag = "tables", request_body = NewTable, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    responses((status = 201, description = "Created", body = Table),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 409, description = "An active table has this name", body = ErrorBody),
        (status = 422, description = "Validation failed (including an unknown or deactivated area)", body = ErrorBody)))]
async fn create_table(
    State(tables): State<Tables>,
    who: AuthStaff,
    req: IdempotentJson<NewTable>,
) -> Result<Response, ApiError> {
    who.require_manager()?;
    req.body.validate()?;
    let actor = who.actor();
    let body = req.body;
    write_once(&tables.store, req.idempotency.for_actor(actor), StatusCode::CREATED, move |tx| {
        Tables::insert_table(tx, actor, &body)
    })
    .await
}

/// One table, with its status.
#[utoipa::path(get, path = "/tables/{id}", tag = "tables", params(("id" = TableId, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Table),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody)))]
async fn get_table(
    State(tables): State<Tables>,
    who: AuthStaff,
    Path(id): Path<TableId>,
) -> Result<axum::Json<Table>, ApiError> {
    who.require_role(FLOOR)?;
    tables.table(id).await.map(axum::Json)
}

/// Move, resize, rename or re-seat a table, or take it off the floor and back (managers and
/// owners). Only a free table can be deactivated.
#[utoipa::path(patch, path = "/tables/{id}", tag = "tables", params(("id" = TableId, Path)), request_body = TableChanges,
    security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Table),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Name taken, the table is in use, or its area is deactivated", body = ErrorBody),
        (status = 422, description = "Validation failed (including an unknown or deactivated area)", body = ErrorBody)))]
async fn update_table(
    State(tables): State<Tables>,
    who: AuthStaff,
    Path(id): Path<TableId>,
    Json(changes): Json<TableChanges>,
) -> Result<axum::Json<Table>, ApiError> {
    who.require_manager()?;
    tables.update_table(who.actor(), id, changes).await.map(axum::Json)
}

/// The table's QR code (SVG) for guests: it opens `http://{Host}/t/{token}`, the Host being the
/// address this request was sent to (`comanda.local` without one).
#[utoipa::path(get, path = "/tables/{id}/qr.svg", tag = "tables", params(("id" = TableId, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The QR code", content_type = "image/svg+xml", body = String),
        (status = 400, description = "Malformed Host header", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody)))]
async fn table_qr(
    State(tables): State<Tables>,
    who: AuthStaff,
    Path(id): Path<TableId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    who.require_role(FLOOR)?;
    let host = match headers.get(header::HOST) {
        Some(value) => Some(value.to_str().map_err(|_| ApiError::bad_request("the Host header must be ASCII"))?),
        None => None,
    };
    let svg = tables.qr_svg(id, host).await?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml")),
        // A rotated token must not live on in a cache.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    Ok((headers, svg).into_response())
}

/// Give the table a new guest token (managers and owners): QR codes printed before stop working.
#[utoipa::path(post, path = "/tables/{id}/rotate-token", tag = "tables", security(("bearer" = [])),
    params(("id" = TableId, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    responses((status = 200, description = "The new token", body = GuestToken),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody)))]
async fn rotate_token(
    State(tables): State<Tables>,
    who: AuthStaff,
    idem: Idempotent,
    Path(id): Path<TableId>,
) -> Result<Response, ApiError> {
    who.require_manager()?;
    let actor = who.actor();
    write_once(&tables.store, idem.for_actor(actor), StatusCode::OK, move |tx| Tables::rotate_token(tx, actor, id))
        .await
}
