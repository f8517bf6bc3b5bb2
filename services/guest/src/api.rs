//! HTTP handlers of guest ordering. `/guest/{token}…` is public (the table's token is the key);
//! `/guest-requests…` is for the floor staff who accept or decline.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use comanda_api::{ApiError, ErrorBody, IdempotentJson, Json, Path, Query, write_once};
use comanda_domain::Role;
use comanda_staff::AuthStaff;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::{Guest, GuestMenu, GuestRequest, NewGuestRequest};

const FLOOR: &[Role] = &[Role::Owner, Role::Manager, Role::Waiter];

/// The guest routes, relative to `/api/v1`.
pub fn router(guest: Guest) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(guest_menu))
        .routes(routes!(guest_request))
        .routes(routes!(guest_request_status))
        .routes(routes!(list_guest_requests))
        .routes(routes!(accept_guest_request))
        .routes(routes!(decline_guest_request))
        .with_state(guest)
}

/// The table's menu for guests: what can be ordered, allergens, what is sold out (no login:
/// the table's token from its QR code).
#[utoipa::path(get, path = "/guest/{token}", tag = "guest", params(("token" = String, Path)),
    responses((status = 200, description = "OK", body = GuestMenu),
        (status = 404, description = "Unknown or rotated token", body = ErrorBody)))]
async fn guest_menu(State(g): State<Guest>, Path(token): Path<String>) -> Result<axum::Json<GuestMenu>, ApiError> {
    g.menu(token).await.map(axum::Json)
}

/// Send the basket to the waiter (no login). One request waits at a time per device; 6 per
/// 10 minutes per device and 12 per table.
#[utoipa::path(post, path = "/guest/{token}/requests", tag = "guest", params(("token" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    request_body = NewGuestRequest,
    responses((status = 201, description = "With the waiter", body = GuestRequest),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 404, description = "Unknown or rotated token", body = ErrorBody),
        (status = 409, description = "Sold out, or the last request still waits", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody),
        (status = 429, description = "Too many requests from this device or table", body = ErrorBody)))]
async fn guest_request(
    State(g): State<Guest>,
    Path(token): Path<String>,
    req: IdempotentJson<NewGuestRequest>,
) -> Result<Response, ApiError> {
    let body = req.body;
    let key = req.idempotency.for_actor(comanda_domain::Actor::System);
    write_once(&g.store, key, StatusCode::CREATED, move |tx| Guest::request(tx, &token, &body)).await
}

/// Where the guest's request stands (no login).
#[utoipa::path(get, path = "/guest/{token}/requests/{id}", tag = "guest",
    params(("token" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "OK", body = GuestRequest),
        (status = 404, description = "Unknown token or request", body = ErrorBody)))]
async fn guest_request_status(
    State(g): State<Guest>,
    Path((token, id)): Path<(String, String)>,
) -> Result<axum::Json<GuestRequest>, ApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::not_found("no such request"))?;
    g.status(token, id).await.map(axum::Json)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `pending`, `accepted` or `declined`.
    pub status: Option<String>,
}

/// Guests' requests, newest first (the floor staff).
#[utoipa::path(get, path = "/guest-requests", tag = "guest", params(ListParams), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Vec<GuestRequest>),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not for the kitchen", body = ErrorBody),
        (status = 422, description = "Unknown status", body = ErrorBody)))]
async fn list_guest_requests(
    State(g): State<Guest>,
    who: AuthStaff,
    Query(p): Query<ListParams>,
) -> Result<axum::Json<Vec<GuestRequest>>, ApiError> {
    who.require_role(FLOOR)?;
    g.list(p.status).await.map(axum::Json)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// Guests, when this opens the table's order (default 1).
    pub guests: Option<u32>,
}

fn id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found("no such request"))
}

/// Accept: the lines join the table's order, unsent; fire them as usual.
#[utoipa::path(post, path = "/guest-requests/{id}/accept", tag = "guest", params(("id" = String, Path)),
    request_body = AcceptBody, security(("bearer" = [])),
    responses((status = 200, description = "Accepted; `order_id` has the lines", body = GuestRequest),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not for the kitchen", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Already decided, or an item sold out since", body = ErrorBody)))]
async fn accept_guest_request(
    State(g): State<Guest>,
    who: AuthStaff,
    Path(raw): Path<String>,
    Json(body): Json<AcceptBody>,
) -> Result<axum::Json<GuestRequest>, ApiError> {
    who.require_role(FLOOR)?;
    g.accept(who, id(&raw)?, body.guests).await.map(axum::Json)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineBody {
    /// Shown to the guest.
    pub reason: Option<String>,
}

/// Decline: nothing is ordered; the guest sees the reason.
#[utoipa::path(post, path = "/guest-requests/{id}/decline", tag = "guest", params(("id" = String, Path)),
    request_body = DeclineBody, security(("bearer" = [])),
    responses((status = 200, description = "Declined", body = GuestRequest),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not for the kitchen", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Already decided", body = ErrorBody)))]
async fn decline_guest_request(
    State(g): State<Guest>,
    who: AuthStaff,
    Path(raw): Path<String>,
    Json(body): Json<DeclineBody>,
) -> Result<axum::Json<GuestRequest>, ApiError> {
    who.require_role(FLOOR)?;
    g.decline(who, id(&raw)?, body.reason).await.map(axum::Json)
}
