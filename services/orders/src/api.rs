//! HTTP handlers of the orders service. Every changing POST honours `Idempotency-Key`: a
//! tablet on flaky Wi-Fi may retry any of them and never doubles a line, a send or a void.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use comanda_api::{ApiError, ErrorBody, IdempotentJson, Page, PageParams, Path, Query, write_once};
use comanda_domain::{OrderId, OrderLineId, Role, TableId};
use comanda_staff::AuthStaff;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::model::{self, LineRequest, Order, OrderStatus};
use crate::{Orders, sql};

pub fn router(orders: Orders) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_orders, open_order))
        .routes(routes!(get_order))
        .routes(routes!(add_lines))
        .routes(routes!(send_order))
        .routes(routes!(void_line))
        .routes(routes!(comp_line))
        .routes(routes!(move_order))
        .routes(routes!(close_order))
        .with_state(orders)
}

/// Floor staff and managers take orders; the kitchen works from tickets.
fn floor(who: &AuthStaff) -> Result<(), ApiError> {
    who.require_role(&[Role::Owner, Role::Manager, Role::Waiter])
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenOrder {
    pub table_id: TableId,
    pub guests: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddLines {
    pub lines: Vec<LineRequest>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SendOrder {
    /// Fire only this course ("fire mains"); absent: everything unsent.
    pub course: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Approval {
    pub reason: String,
    /// A manager's PIN, when the caller is not a manager.
    pub approval_pin: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveOrder {
    pub table_id: TableId,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderListParams {
    /// `open` or `closed`.
    pub status: Option<OrderStatus>,
    pub table_id: Option<TableId>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Seat a table: open its order.
#[utoipa::path(post, path = "/orders", tag = "orders", request_body = OpenOrder, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    responses((status = 201, description = "Created", body = Order), (status = 409, description = "Table already has an order", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn open_order(
    State(orders): State<Orders>,
    who: AuthStaff,
    req: IdempotentJson<OpenOrder>,
) -> Result<Response, ApiError> {
    floor(&who)?;
    let body = req.body;
    write_once(&orders.store, req.idempotency.for_actor(who.actor()), StatusCode::CREATED, move |tx| {
        Orders::open(tx, &who, body.table_id, body.guests)
    })
    .await
}

/// Orders, oldest first (`?status=open` for the floor).
#[utoipa::path(get, path = "/orders", tag = "orders", params(OrderListParams), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<Order>), (status = 403, description = "Not allowed for your role", body = ErrorBody)))]
async fn list_orders(
    State(orders): State<Orders>,
    who: AuthStaff,
    Query(p): Query<OrderListParams>,
) -> Result<axum::Json<Page<Order>>, ApiError> {
    floor(&who)?;
    let limit = PageParams { limit: p.limit, cursor: None }.limit();
    let after =
        p.cursor.as_deref().map(|c| c.parse().map_err(|_| ApiError::bad_request("malformed cursor"))).transpose()?;
    let filter = sql::OrderFilter { status: p.status, table_id: p.table_id, after, limit };
    let rows = orders.store.read(move |c| sql::list(c, &filter)).await?;
    Ok(axum::Json(Page::from_rows(rows, limit, |o| o.id.to_string())))
}

/// One order with its lines.
#[utoipa::path(get, path = "/orders/{id}", tag = "orders", params(("id" = OrderId, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Order), (status = 404, description = "Not found", body = ErrorBody)))]
async fn get_order(
    State(orders): State<Orders>,
    who: AuthStaff,
    Path(id): Path<OrderId>,
) -> Result<axum::Json<Order>, ApiError> {
    floor(&who)?;
    orders.get(id).await.map(axum::Json)
}

/// Add lines (item, quantity, modifiers, seat, course, note).
#[utoipa::path(post, path = "/orders/{id}/lines", tag = "orders", params(("id" = OrderId, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    request_body = AddLines, security(("bearer" = [])),
    responses((status = 201, description = "Lines added; the whole order", body = Order),
        (status = 409, description = "Sold out (86) or order closed", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn add_lines(
    State(orders): State<Orders>,
    who: AuthStaff,
    Path(id): Path<OrderId>,
    req: IdempotentJson<AddLines>,
) -> Result<Response, ApiError> {
    floor(&who)?;
    let lines = model::check_lines(&req.body.lines)?;
    write_once(&orders.store, req.idempotency.for_actor(who.actor()), StatusCode::CREATED, move |tx| {
        Orders::add_lines(tx, &who, id, &lines)
    })
    .await
}

/// Send unsent lines to the kitchen: everything, or one course.
#[utoipa::path(post, path = "/orders/{id}/send", tag = "orders", params(("id" = OrderId, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    request_body = SendOrder, security(("bearer" = [])),
    responses((status = 200, description = "Sent; the whole order", body = Order),
        (status = 409, description = "Nothing to send, or order closed", body = ErrorBody)))]
async fn send_order(
    State(orders): State<Orders>,
    who: AuthStaff,
    Path(id): Path<OrderId>,
    req: IdempotentJson<SendOrder>,
) -> Result<Response, ApiError> {
    floor(&who)?;
    let course = req.body.course;
    if let Some(c) = course {
        comanda_api::validate::range("course", i64::from(c), 1, i64::from(model::MAX_COURSE))?;
    }
    write_once(&orders.store, req.idempotency.for_actor(who.actor()), StatusCode::OK, move |tx| {
        Orders::send(tx, &who, id, course)
    })
    .await
}

/// Void a line. After it was sent, a manager must approve (their PIN) and the kitchen gets a VOID ticket.
#[utoipa::path(post, path = "/orders/{id}/lines/{line_id}/void", tag = "orders",
    params(("id" = OrderId, Path), ("line_id" = OrderLineId, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    request_body = Approval, security(("bearer" = [])),
    responses((status = 200, description = "Voided; the whole order", body = Order),
        (status = 403, description = "Manager approval needed", body = ErrorBody),
        (status = 409, description = "Already voided or order closed", body = ErrorBody),
        (status = 429, description = "Too many wrong manager PINs; try again after Retry-After seconds", body = ErrorBody)))]
async fn void_line(
    State(orders): State<Orders>,
    who: AuthStaff,
    Path((id, line_id)): Path<(OrderId, OrderLineId)>,
    req: IdempotentJson<Approval>,
) -> Result<Response, ApiError> {
    floor(&who)?;
    let body = req.body;
    let approved_by = if orders.line_was_sent(id, line_id).await? {
        Some(orders.staff.approve(&who, body.approval_pin.as_deref(), "void a sent item").await?)
    } else {
        None
    };
    write_once(&orders.store, req.idempotency.for_actor(who.actor()), StatusCode::OK, move |tx| {
        Orders::void(tx, &who, id, line_id, &body.reason, approved_by)
    })
    .await
}

/// Comp a line: it is made and served but not paid for. A manager approves.
#[utoipa::path(post, path = "/orders/{id}/lines/{line_id}/comp", tag = "orders",
    params(("id" = OrderId, Path), ("line_id" = OrderLineId, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    request_body = Approval, security(("bearer" = [])),
    responses((status = 200, description = "Comped; the whole order", body = Order),
        (status = 403, description = "Manager approval needed", body = ErrorBody),
        (status = 409, description = "Voided, already comped or order closed", body = ErrorBody),
        (status = 429, description = "Too many wrong manager PINs; try again after Retry-After seconds", body = ErrorBody)))]
async fn comp_line(
    State(orders): State<Orders>,
    who: AuthStaff,
    Path((id, line_id)): Path<(OrderId, OrderLineId)>,
    req: IdempotentJson<Approval>,
) -> Result<Response, ApiError> {
    floor(&who)?;
    let body = req.body;
    let approver = orders.staff.approve(&who, body.approval_pin.as_deref(), "comp an item").await?;
    write_once(&orders.store, req.idempotency.for_actor(who.actor()), StatusCode::OK, move |tx| {
        Orders::comp(tx, &who, id, line_id, &body.reason, approver)
    })
    .await
}

/// Move the order to another table; onto a table with an order, the two merge.
#[utoipa::path(post, path = "/orders/{id}/move", tag = "orders", params(("id" = OrderId, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    request_body = MoveOrder, security(("bearer" = [])),
    responses((status = 200, description = "The order now holding the lines", body = Order),
        (status = 409, description = "Order closed", body = ErrorBody), (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn move_order(
    State(orders): State<Orders>,
    who: AuthStaff,
    Path(id): Path<OrderId>,
    req: IdempotentJson<MoveOrder>,
) -> Result<Response, ApiError> {
    floor(&who)?;
    let table_id = req.body.table_id;
    write_once(&orders.store, req.idempotency.for_actor(who.actor()), StatusCode::OK, move |tx| {
        Orders::move_to(tx, &who, id, table_id)
    })
    .await
}

/// Close an order with nothing to pay (guests left, everything voided or comped).
#[utoipa::path(post, path = "/orders/{id}/close", tag = "orders", params(("id" = OrderId, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")), security(("bearer" = [])),
    responses((status = 200, description = "Closed", body = Order), (status = 409, description = "Something to pay, or already closed", body = ErrorBody)))]
async fn close_order(
    State(orders): State<Orders>,
    who: AuthStaff,
    Path(id): Path<OrderId>,
    idem: comanda_api::Idempotent,
) -> Result<Response, ApiError> {
    floor(&who)?;
    write_once(&orders.store, idem.for_actor(who.actor()), StatusCode::OK, move |tx| Orders::close_unpaid(tx, &who, id))
        .await
}
