//! HTTP handlers of billing. Floor staff and managers take bills and payments; the kitchen
//! may not read bills. Every changing POST honours `Idempotency-Key`: a payment retried after
//! a dropped answer is taken once.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use comanda_api::{ApiError, ErrorBody, IdempotentJson, Path, Query, write_once};
use comanda_domain::{BillId, CashSessionId, OrderId, PaymentId, PaymentMethod, Role};
use comanda_staff::AuthStaff;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::cash::{self, CashReport};
use crate::model::{Bill, SplitRequest};
use crate::money::ServiceCharge;
use crate::{Billing, PaymentReceipt, RefundReceipt, SplitResult, bill_in, receipt};

pub fn router(billing: Billing) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(create_bill))
        .routes(routes!(list_bills))
        .routes(routes!(get_bill))
        .routes(routes!(discount))
        .routes(routes!(split))
        .routes(routes!(pay))
        .routes(routes!(refund))
        .routes(routes!(bill_receipt))
        .routes(routes!(open_cash_session))
        .routes(routes!(current_cash_session))
        .routes(routes!(cash_session_report))
        .routes(routes!(move_cash))
        .routes(routes!(close_cash_session))
        .with_state(billing)
}

fn floor(who: &AuthStaff) -> Result<(), ApiError> {
    who.require_role(&[Role::Owner, Role::Manager, Role::Waiter])
}

const KEY: &str = "Replays the first answer on retry";

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CreateBill {
    /// e.g. `{"rate_bp": 1000, "tax_rate_bp": 2000}`: 10 % service, taxed at 20 %.
    pub service_charge: Option<ServiceCharge>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DiscountRequest {
    /// `percent` (value: whole percent 1–100) or `amount` (value: minor units).
    pub kind: String,
    pub value: i64,
    pub reason: String,
    pub approval_pin: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PaymentRequest {
    pub method: PaymentMethod,
    pub amount: i64,
    #[serde(default)]
    pub tip: i64,
    /// Cash handed over; the answer says the change.
    pub tendered: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefundRequest {
    pub amount: i64,
    pub reason: String,
    pub approval_pin: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenCash {
    pub opening_float: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CashMovement {
    /// `in` or `out`.
    pub kind: String,
    pub amount: i64,
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseCash {
    pub counted: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BillListParams {
    pub order_id: OrderId,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BillList {
    pub items: Vec<Bill>,
}

/// The bill for an order (replaces an unpaid earlier bill of the same order).
#[utoipa::path(post, path = "/orders/{id}/bill", tag = "billing", request_body = CreateBill, security(("bearer" = [])),
    params(("id" = OrderId, Path), ("Idempotency-Key" = Option<String>, Header, description = KEY)),
    responses((status = 201, description = "Created", body = Bill), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Unsent lines, closed order, or a bill with payments", body = ErrorBody)))]
async fn create_bill(
    State(b): State<Billing>,
    who: AuthStaff,
    Path(id): Path<OrderId>,
    req: IdempotentJson<CreateBill>,
) -> Result<Response, ApiError> {
    floor(&who)?;
    let service = req.body.service_charge;
    write_once(&b.store, req.idempotency.for_actor(who.actor()), StatusCode::CREATED, move |tx| {
        Billing::create(tx, &who, id, service)
    })
    .await
}

/// The bills of an order, parts of splits included.
#[utoipa::path(get, path = "/bills", tag = "billing", params(BillListParams), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = BillList), (status = 403, description = "Not allowed for your role", body = ErrorBody)))]
async fn list_bills(
    State(b): State<Billing>,
    who: AuthStaff,
    Query(p): Query<BillListParams>,
) -> Result<axum::Json<BillList>, ApiError> {
    floor(&who)?;
    Ok(axum::Json(BillList { items: b.bills_of_order(p.order_id).await? }))
}

/// One bill.
#[utoipa::path(get, path = "/bills/{id}", tag = "billing", params(("id" = BillId, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Bill), (status = 404, description = "Not found", body = ErrorBody)))]
async fn get_bill(
    State(b): State<Billing>,
    who: AuthStaff,
    Path(id): Path<BillId>,
) -> Result<axum::Json<Bill>, ApiError> {
    floor(&who)?;
    b.bill(id).await.map(axum::Json)
}

/// A discount on the whole bill, spread over its lines. Above 10 % a manager approves.
#[utoipa::path(post, path = "/bills/{id}/discounts", tag = "billing", request_body = DiscountRequest, security(("bearer" = [])),
    params(("id" = BillId, Path), ("Idempotency-Key" = Option<String>, Header, description = KEY)),
    responses((status = 200, description = "The bill after the discount", body = Bill), (status = 403, description = "Manager approval needed", body = ErrorBody),
        (status = 409, description = "Bill paid, split or with payments", body = ErrorBody), (status = 422, description = "Validation failed", body = ErrorBody),
        (status = 429, description = "Too many wrong manager PINs; try again after Retry-After seconds", body = ErrorBody)))]
async fn discount(
    State(b): State<Billing>,
    who: AuthStaff,
    Path(id): Path<BillId>,
    req: IdempotentJson<DiscountRequest>,
) -> Result<Response, ApiError> {
    floor(&who)?;
    let body = req.body;
    let approved_by = if b.discount_needs_approval(id, &body.kind, body.value).await? {
        Some(b.staff.approve(&who, body.approval_pin.as_deref(), "give more than 10 % off").await?)
    } else {
        None
    };
    write_once(&b.store, req.idempotency.for_actor(who.actor()), StatusCode::OK, move |tx| {
        Billing::discount(tx, &who, id, &body.kind, body.value, &body.reason, approved_by)
    })
    .await
}

/// Split a bill: `{"by":"even","parts":3}`, `{"by":"seat"}` or `{"by":"lines","groups":[[line_id…]…]}`.
#[utoipa::path(post, path = "/bills/{id}/split", tag = "billing", request_body = SplitRequest, security(("bearer" = [])),
    params(("id" = BillId, Path), ("Idempotency-Key" = Option<String>, Header, description = KEY)),
    responses((status = 201, description = "The parts; they add up to the bill exactly", body = SplitResult),
        (status = 409, description = "Bill paid, split or with payments", body = ErrorBody), (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn split(
    State(b): State<Billing>,
    who: AuthStaff,
    Path(id): Path<BillId>,
    req: IdempotentJson<SplitRequest>,
) -> Result<Response, ApiError> {
    floor(&who)?;
    let request = req.body;
    write_once(&b.store, req.idempotency.for_actor(who.actor()), StatusCode::CREATED, move |tx| {
        Billing::split(tx, &who, id, &request)
    })
    .await
}

/// Take a payment: cash (with `tendered` → change), card or other, with an optional tip.
#[utoipa::path(post, path = "/bills/{id}/payments", tag = "billing", request_body = PaymentRequest, security(("bearer" = [])),
    params(("id" = BillId, Path), ("Idempotency-Key" = Option<String>, Header, description = KEY)),
    responses((status = 201, description = "Payment taken", body = PaymentReceipt), (status = 409, description = "Bill paid or split, or no cash session", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn pay(
    State(b): State<Billing>,
    who: AuthStaff,
    Path(id): Path<BillId>,
    req: IdempotentJson<PaymentRequest>,
) -> Result<Response, ApiError> {
    floor(&who)?;
    let p = req.body;
    write_once(&b.store, req.idempotency.for_actor(who.actor()), StatusCode::CREATED, move |tx| {
        Billing::pay(tx, &who, id, p.method, p.amount, p.tip, p.tendered)
    })
    .await
}

/// Refund (part of) a payment; a manager approves.
#[utoipa::path(post, path = "/payments/{id}/refund", tag = "billing", request_body = RefundRequest, security(("bearer" = [])),
    params(("id" = PaymentId, Path), ("Idempotency-Key" = Option<String>, Header, description = KEY)),
    responses((status = 201, description = "Refunded", body = RefundReceipt), (status = 403, description = "Manager approval needed", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Validation failed", body = ErrorBody),
        (status = 429, description = "Too many wrong manager PINs; try again after Retry-After seconds", body = ErrorBody)))]
async fn refund(
    State(b): State<Billing>,
    who: AuthStaff,
    Path(id): Path<PaymentId>,
    req: IdempotentJson<RefundRequest>,
) -> Result<Response, ApiError> {
    floor(&who)?;
    let body = req.body;
    b.payment(id).await?;
    let approved_by = b.staff.approve(&who, body.approval_pin.as_deref(), "refund a payment").await?;
    write_once(&b.store, req.idempotency.for_actor(who.actor()), StatusCode::CREATED, move |tx| {
        Billing::refund(tx, &who, id, body.amount, &body.reason, approved_by)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceiptParams {
    /// Paper width in characters: 32, 42 (default) or 48.
    pub width: Option<usize>,
}

/// The receipt as printed, in plain text.
#[utoipa::path(get, path = "/bills/{id}/receipt", tag = "billing", params(("id" = BillId, Path), ReceiptParams), security(("bearer" = [])),
    responses((status = 200, description = "The receipt", content_type = "text/plain"), (status = 404, description = "Not found", body = ErrorBody)))]
async fn bill_receipt(
    State(b): State<Billing>,
    who: AuthStaff,
    Path(id): Path<BillId>,
    Query(p): Query<ReceiptParams>,
) -> Result<Response, ApiError> {
    floor(&who)?;
    let width = p.width.unwrap_or(receipt::DEFAULT_WIDTH);
    if ![32, 42, 48].contains(&width) {
        return Err(ApiError::bad_request("width must be 32, 42 or 48"));
    }
    let document = b
        .store
        .read(move |c| {
            let name = comanda_site::settings_in(c)?.map(|s| s.name).unwrap_or_default();
            Ok::<_, ApiError>(receipt::document_in(c, &bill_in(c, id)?, &name))
        })
        .await?;
    let text = document.to_text(width);
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// Open the cash drawer with a float.
#[utoipa::path(post, path = "/cash/sessions", tag = "cash", request_body = OpenCash, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = KEY)),
    responses((status = 201, description = "Opened", body = CashReport), (status = 409, description = "A session is already open", body = ErrorBody)))]
async fn open_cash_session(
    State(b): State<Billing>,
    who: AuthStaff,
    req: IdempotentJson<OpenCash>,
) -> Result<Response, ApiError> {
    floor(&who)?;
    let float = req.body.opening_float;
    write_once(&b.store, req.idempotency.for_actor(who.actor()), StatusCode::CREATED, move |tx| {
        cash::open(tx, &who, float)
    })
    .await
}

/// The open cash session's X report.
#[utoipa::path(get, path = "/cash/sessions/current", tag = "cash", security(("bearer" = [])),
    responses((status = 200, description = "X report", body = CashReport), (status = 404, description = "No open session", body = ErrorBody)))]
async fn current_cash_session(State(b): State<Billing>, who: AuthStaff) -> Result<axum::Json<CashReport>, ApiError> {
    floor(&who)?;
    b.store.read(cash::current).await.map(axum::Json)
}

/// A session's report: X while open, Z once closed (managers).
#[utoipa::path(get, path = "/cash/sessions/{id}", tag = "cash", params(("id" = CashSessionId, Path)), security(("bearer" = [])),
    responses((status = 200, description = "X or Z report", body = CashReport), (status = 404, description = "Not found", body = ErrorBody)))]
async fn cash_session_report(
    State(b): State<Billing>,
    who: AuthStaff,
    Path(id): Path<CashSessionId>,
) -> Result<axum::Json<CashReport>, ApiError> {
    who.require_manager()?;
    b.store.read(move |c| cash::by_id(c, id)).await.map(axum::Json)
}

/// Cash put into or taken out of the drawer.
#[utoipa::path(post, path = "/cash/sessions/{id}/movements", tag = "cash", request_body = CashMovement, security(("bearer" = [])),
    params(("id" = CashSessionId, Path), ("Idempotency-Key" = Option<String>, Header, description = KEY)),
    responses((status = 201, description = "Recorded; the X report", body = CashReport), (status = 409, description = "Session closed", body = ErrorBody)))]
async fn move_cash(
    State(b): State<Billing>,
    who: AuthStaff,
    Path(id): Path<CashSessionId>,
    req: IdempotentJson<CashMovement>,
) -> Result<Response, ApiError> {
    who.require_manager()?;
    let m = req.body;
    write_once(&b.store, req.idempotency.for_actor(who.actor()), StatusCode::CREATED, move |tx| {
        cash::move_cash(tx, &who, id, &m.kind, m.amount, &m.reason)
    })
    .await
}

/// Close the drawer with the counted cash: the Z report (managers).
#[utoipa::path(post, path = "/cash/sessions/{id}/close", tag = "cash", request_body = CloseCash, security(("bearer" = [])),
    params(("id" = CashSessionId, Path), ("Idempotency-Key" = Option<String>, Header, description = KEY)),
    responses((status = 200, description = "Z report", body = CashReport), (status = 409, description = "Already closed", body = ErrorBody)))]
async fn close_cash_session(
    State(b): State<Billing>,
    who: AuthStaff,
    Path(id): Path<CashSessionId>,
    req: IdempotentJson<CloseCash>,
) -> Result<Response, ApiError> {
    who.require_manager()?;
    let counted = req.body.counted;
    write_once(&b.store, req.idempotency.for_actor(who.actor()), StatusCode::OK, move |tx| {
        cash::close(tx, &who, id, counted)
    })
    .await
}
