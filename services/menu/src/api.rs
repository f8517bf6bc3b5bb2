//! HTTP handlers of the menu service: parse, authorise, call [`Menu`], shape the answer.
//! Any member of staff may read the menu (the kitchen included); only managers and owners
//! change it, and only they see what an item costs the restaurant.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use comanda_api::{ApiError, ErrorBody, IdempotentJson, Json, Page, Path, Query, write_once};
use comanda_domain::{CategoryId, ItemId, ModifierGroupId, StationId};
use comanda_staff::AuthStaff;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Menu;
use crate::model::{
    Category, CategoryChanges, Item, ItemChanges, MenuTree, ModifierGroup, ModifierGroupChanges, NewCategory, NewItem,
    NewModifierGroup, NewStation, Station, StationChanges,
};

/// The menu and kitchen-station routes, relative to `/api/v1`.
pub fn router(menu: Menu) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(get_menu))
        .routes(routes!(create_category))
        .routes(routes!(update_category))
        .routes(routes!(create_item))
        .routes(routes!(get_item, update_item))
        .routes(routes!(create_modifier_group))
        .routes(routes!(update_modifier_group))
        .routes(routes!(list_stations, create_station))
        .routes(routes!(update_station))
        .with_state(menu)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MenuParams {
    /// Also deactivated categories, items, groups and stations (managers and owners only).
    pub include_inactive: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StationParams {
    /// Also stations taken out of service (default false).
    pub include_inactive: Option<bool>,
}

/// The whole menu for a tablet in one call: stations, categories with their items, modifier
/// groups. Active things only, by position then name; 86'd items come with `available: false`.
/// `cost` is `null` unless you are a manager or owner.
#[utoipa::path(get, path = "/menu", tag = "menu", params(MenuParams), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = MenuTree),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody)))]
async fn get_menu(
    State(menu): State<Menu>,
    who: AuthStaff,
    Query(params): Query<MenuParams>,
) -> Result<axum::Json<MenuTree>, ApiError> {
    let include_inactive = params.include_inactive.unwrap_or(false);
    if include_inactive {
        who.require_manager()?;
    }
    menu.tree(include_inactive, who.role.is_manager()).await.map(axum::Json)
}

/// Add a category (managers and owners).
#[utoipa::path(post, path = "/menu/categories", tag = "menu", request_body = NewCategory, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    responses((status = 201, description = "Created", body = Category),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 409, description = "A category with that name exists", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn create_category(
    State(menu): State<Menu>,
    who: AuthStaff,
    req: IdempotentJson<NewCategory>,
) -> Result<Response, ApiError> {
    who.require_manager()?;
    let draft = req.body.validate()?;
    let actor = who.actor();
    write_once(&menu.store, req.idempotency.for_actor(actor), StatusCode::CREATED, move |tx| {
        Menu::insert_category(tx, actor, &draft)
    })
    .await
}

/// Rename, reorder, hide (`active: false`) or show a category (managers and owners).
#[utoipa::path(patch, path = "/menu/categories/{id}", tag = "menu", params(("id" = CategoryId, Path)),
    request_body = CategoryChanges, security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Category),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "A category with that name exists", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn update_category(
    State(menu): State<Menu>,
    who: AuthStaff,
    Path(id): Path<CategoryId>,
    Json(changes): Json<CategoryChanges>,
) -> Result<axum::Json<Category>, ApiError> {
    who.require_manager()?;
    menu.change_category(who.actor(), id, changes).await.map(axum::Json)
}

/// Add an item (managers and owners). Its category, station and modifier groups must exist
/// and be active.
#[utoipa::path(post, path = "/menu/items", tag = "menu", request_body = NewItem, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    responses((status = 201, description = "Created", body = Item),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 409, description = "Idempotency-Key reused with another body", body = ErrorBody),
        (status = 422, description = "Validation failed, or an unknown category, station or group", body = ErrorBody)))]
async fn create_item(
    State(menu): State<Menu>,
    who: AuthStaff,
    req: IdempotentJson<NewItem>,
) -> Result<Response, ApiError> {
    who.require_manager()?;
    let draft = req.body.validate()?;
    let actor = who.actor();
    write_once(&menu.store, req.idempotency.for_actor(actor), StatusCode::CREATED, move |tx| {
        Menu::insert_item(tx, actor, &draft)
    })
    .await
}

/// One item, active or not. `cost` is `null` unless you are a manager or owner.
#[utoipa::path(get, path = "/menu/items/{id}", tag = "menu", params(("id" = ItemId, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Item),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody)))]
async fn get_item(
    State(menu): State<Menu>,
    who: AuthStaff,
    Path(id): Path<ItemId>,
) -> Result<axum::Json<Item>, ApiError> {
    let mut item = menu.item(id).await?;
    if !who.role.is_manager() {
        item.cost = None;
    }
    Ok(axum::Json(item))
}

/// Change an item (managers and owners): `{"available": false}` 86s it, `true` brings it
/// back; `cost: null` forgets the cost; `modifier_group_ids` replaces the list.
#[utoipa::path(patch, path = "/menu/items/{id}", tag = "menu", params(("id" = ItemId, Path)),
    request_body = ItemChanges, security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Item),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 422, description = "Validation failed, or an unknown category, station or group", body = ErrorBody)))]
async fn update_item(
    State(menu): State<Menu>,
    who: AuthStaff,
    Path(id): Path<ItemId>,
    Json(changes): Json<ItemChanges>,
) -> Result<axum::Json<Item>, ApiError> {
    who.require_manager()?;
    menu.change_item(who.actor(), id, changes).await.map(axum::Json)
}

/// Add a modifier group with its options (managers and owners).
#[utoipa::path(post, path = "/menu/modifier-groups", tag = "menu", request_body = NewModifierGroup,
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    responses((status = 201, description = "Created", body = ModifierGroup),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 409, description = "Idempotency-Key reused with another body", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn create_modifier_group(
    State(menu): State<Menu>,
    who: AuthStaff,
    req: IdempotentJson<NewModifierGroup>,
) -> Result<Response, ApiError> {
    who.require_manager()?;
    let draft = req.body.validate()?;
    let actor = who.actor();
    write_once(&menu.store, req.idempotency.for_actor(actor), StatusCode::CREATED, move |tx| {
        Menu::insert_modifier_group(tx, actor, &draft)
    })
    .await
}

/// Change a modifier group (managers and owners). `options`, when given, replaces every
/// option with new ones (new ids); orders already taken keep what they copied.
#[utoipa::path(patch, path = "/menu/modifier-groups/{id}", tag = "menu", params(("id" = ModifierGroupId, Path)),
    request_body = ModifierGroupChanges, security(("bearer" = [])),
    responses((status = 200, description = "OK", body = ModifierGroup),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn update_modifier_group(
    State(menu): State<Menu>,
    who: AuthStaff,
    Path(id): Path<ModifierGroupId>,
    Json(changes): Json<ModifierGroupChanges>,
) -> Result<axum::Json<ModifierGroup>, ApiError> {
    who.require_manager()?;
    menu.change_modifier_group(who.actor(), id, changes).await.map(axum::Json)
}

/// Kitchen stations in display order, all on one page (a box has at most 50).
#[utoipa::path(get, path = "/kitchen/stations", tags = ["kitchen", "menu"], params(StationParams),
    security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<Station>),
        (status = 401, description = "Not authenticated", body = ErrorBody)))]
async fn list_stations(
    State(menu): State<Menu>,
    _who: AuthStaff,
    Query(params): Query<StationParams>,
) -> Result<axum::Json<Page<Station>>, ApiError> {
    let items = menu.stations(params.include_inactive.unwrap_or(false)).await?;
    Ok(axum::Json(Page { items, next_cursor: None }))
}

/// Add a kitchen station (managers and owners). Names are unique whatever their case.
#[utoipa::path(post, path = "/kitchen/stations", tags = ["kitchen", "menu"], request_body = NewStation,
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    responses((status = 201, description = "Created", body = Station),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 409, description = "A station with that name exists, or too many stations", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn create_station(
    State(menu): State<Menu>,
    who: AuthStaff,
    req: IdempotentJson<NewStation>,
) -> Result<Response, ApiError> {
    who.require_manager()?;
    let draft = req.body.validate()?;
    let actor = who.actor();
    write_once(&menu.store, req.idempotency.for_actor(actor), StatusCode::CREATED, move |tx| {
        Menu::insert_station(tx, actor, &draft)
    })
    .await
}

/// Rename, re-link (`printer_id`, `null` to unlink), reorder, or take a station out of
/// service (managers and owners). A station active items still use cannot be deactivated.
#[utoipa::path(patch, path = "/kitchen/stations/{id}", tags = ["kitchen", "menu"], params(("id" = StationId, Path)),
    request_body = StationChanges, security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Station),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Name taken, or items still use the station", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn update_station(
    State(menu): State<Menu>,
    who: AuthStaff,
    Path(id): Path<StationId>,
    Json(changes): Json<StationChanges>,
) -> Result<axum::Json<Station>, ApiError> {
    who.require_manager()?;
    menu.change_station(who.actor(), id, changes).await.map(axum::Json)
}
