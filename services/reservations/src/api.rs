//! HTTP handlers of reservations: the floor (owners, managers, waiters) keeps the book.

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

use crate::model::{self, NewReservation, NewWaitlistEntry, Reservation, ReservationChanges, Status, WaitlistEntry};
use crate::{Reservations, Slot, parse_date};

const FLOOR: &[Role] = &[Role::Owner, Role::Manager, Role::Waiter];

/// The reservations routes, relative to `/api/v1`.
pub fn router(reservations: Reservations) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_reservations, create_reservation))
        .routes(routes!(availability))
        .routes(routes!(get_reservation, update_reservation))
        .routes(routes!(cancel_reservation))
        .routes(routes!(seat_reservation))
        .routes(routes!(no_show_reservation))
        .routes(routes!(list_waitlist, add_walk_in))
        .routes(routes!(update_walk_in))
        .with_state(reservations)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayParams {
    /// A local day, `YYYY-MM-DD`.
    pub date: String,
}

/// The day's book (every status), by time.
#[utoipa::path(get, path = "/reservations", tag = "reservations", params(DayParams), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Vec<Reservation>),
        (status = 400, description = "Malformed date", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not for the kitchen", body = ErrorBody),
        (status = 409, description = "The box is not set up yet", body = ErrorBody)))]
async fn list_reservations(
    State(r): State<Reservations>,
    who: AuthStaff,
    Query(p): Query<DayParams>,
) -> Result<axum::Json<Vec<Reservation>>, ApiError> {
    who.require_role(FLOOR)?;
    r.day(parse_date(&p.date)?).await.map(axum::Json)
}

/// Book a table. Without `table_id` the smallest free table that seats the party is chosen.
#[utoipa::path(post, path = "/reservations", tag = "reservations", request_body = NewReservation, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    responses((status = 201, description = "Booked", body = Reservation),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not for the kitchen", body = ErrorBody),
        (status = 409, description = "The table is taken then, or no table is free", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn create_reservation(
    State(r): State<Reservations>,
    who: AuthStaff,
    req: IdempotentJson<NewReservation>,
) -> Result<Response, ApiError> {
    who.require_role(FLOOR)?;
    let body = req.body;
    let key = req.idempotency.for_actor(who.actor());
    write_once(&r.store, key, StatusCode::CREATED, move |tx| Reservations::create(tx, &who, &body)).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityParams {
    /// A local day, `YYYY-MM-DD`.
    pub date: String,
    pub party_size: i64,
    /// How long they stay, minutes (default 120).
    pub duration_minutes: Option<i64>,
}

/// The day's quarter-hour slots still to come, each with the tables free for the whole stay.
#[utoipa::path(get, path = "/reservations/availability", tag = "reservations", params(AvailabilityParams),
    security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Vec<Slot>),
        (status = 400, description = "Malformed date", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not for the kitchen", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn availability(
    State(r): State<Reservations>,
    who: AuthStaff,
    Query(p): Query<AvailabilityParams>,
) -> Result<axum::Json<Vec<Slot>>, ApiError> {
    who.require_role(FLOOR)?;
    let party = model::party(p.party_size)?;
    let duration = model::duration(p.duration_minutes)?;
    r.availability(parse_date(&p.date)?, party, duration).await.map(axum::Json)
}

fn id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found("no such reservation"))
}

/// One booking.
#[utoipa::path(get, path = "/reservations/{id}", tag = "reservations", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Reservation),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not for the kitchen", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody)))]
async fn get_reservation(
    State(r): State<Reservations>,
    who: AuthStaff,
    Path(raw): Path<String>,
) -> Result<axum::Json<Reservation>, ApiError> {
    who.require_role(FLOOR)?;
    r.get(id(&raw)?).await.map(axum::Json)
}

/// Change a booking (time, party, table, contact, notes) while it is still booked.
#[utoipa::path(patch, path = "/reservations/{id}", tag = "reservations", params(("id" = String, Path)),
    request_body = ReservationChanges, security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Reservation),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not for the kitchen", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Not booked any more, or the table is taken then", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn update_reservation(
    State(r): State<Reservations>,
    who: AuthStaff,
    Path(raw): Path<String>,
    Json(changes): Json<ReservationChanges>,
) -> Result<axum::Json<Reservation>, ApiError> {
    who.require_role(FLOOR)?;
    r.update(who, id(&raw)?, changes).await.map(axum::Json)
}

async fn transition(
    r: Reservations,
    who: AuthStaff,
    raw: &str,
    to: Status,
) -> Result<axum::Json<Reservation>, ApiError> {
    who.require_role(FLOOR)?;
    r.transition(who, id(raw)?, to).await.map(axum::Json)
}

/// Cancel a booking.
#[utoipa::path(post, path = "/reservations/{id}/cancel", tag = "reservations", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "Cancelled", body = Reservation),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not for the kitchen", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Not booked any more", body = ErrorBody)))]
async fn cancel_reservation(
    State(r): State<Reservations>,
    who: AuthStaff,
    Path(raw): Path<String>,
) -> Result<axum::Json<Reservation>, ApiError> {
    transition(r, who, &raw, Status::Cancelled).await
}

/// Seat the party: opens the order on the booking's table (with the party as guests).
#[utoipa::path(post, path = "/reservations/{id}/seat", tag = "reservations", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "Seated; `order_id` is the new order", body = Reservation),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not for the kitchen", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Not booked any more, or the table is still occupied", body = ErrorBody)))]
async fn seat_reservation(
    State(r): State<Reservations>,
    who: AuthStaff,
    Path(raw): Path<String>,
) -> Result<axum::Json<Reservation>, ApiError> {
    transition(r, who, &raw, Status::Seated).await
}

/// The party did not come (from the booked time on).
#[utoipa::path(post, path = "/reservations/{id}/no-show", tag = "reservations", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "Marked", body = Reservation),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not for the kitchen", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Not booked any more, or not yet its time", body = ErrorBody)))]
async fn no_show_reservation(
    State(r): State<Reservations>,
    who: AuthStaff,
    Path(raw): Path<String>,
) -> Result<axum::Json<Reservation>, ApiError> {
    transition(r, who, &raw, Status::NoShow).await
}

/// Walk-ins waiting, first come first.
#[utoipa::path(get, path = "/waitlist", tag = "reservations", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Vec<WaitlistEntry>),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not for the kitchen", body = ErrorBody)))]
async fn list_waitlist(
    State(r): State<Reservations>,
    who: AuthStaff,
) -> Result<axum::Json<Vec<WaitlistEntry>>, ApiError> {
    who.require_role(FLOOR)?;
    r.waitlist().await.map(axum::Json)
}

/// Add a walk-in; without `quoted_minutes` the box quotes a wait.
#[utoipa::path(post, path = "/waitlist", tag = "reservations", request_body = NewWaitlistEntry, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    responses((status = 201, description = "Added, with the quoted wait", body = WaitlistEntry),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not for the kitchen", body = ErrorBody),
        (status = 409, description = "No table for them in the next three hours", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn add_walk_in(
    State(r): State<Reservations>,
    who: AuthStaff,
    req: IdempotentJson<NewWaitlistEntry>,
) -> Result<Response, ApiError> {
    who.require_role(FLOOR)?;
    let body = req.body;
    let key = req.idempotency.for_actor(who.actor());
    write_once(&r.store, key, StatusCode::CREATED, move |tx| Reservations::add_walk_in(tx, &who, &body)).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalkInUpdate {
    /// `seated` or `left`.
    pub status: String,
}

/// A walk-in was seated, or left.
#[utoipa::path(patch, path = "/waitlist/{id}", tag = "reservations", params(("id" = String, Path)),
    request_body = WalkInUpdate, security(("bearer" = [])),
    responses((status = 200, description = "OK", body = WaitlistEntry),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not for the kitchen", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Not waiting any more", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn update_walk_in(
    State(r): State<Reservations>,
    who: AuthStaff,
    Path(raw): Path<String>,
    Json(u): Json<WalkInUpdate>,
) -> Result<axum::Json<WaitlistEntry>, ApiError> {
    who.require_role(FLOOR)?;
    let id = Uuid::parse_str(&raw).map_err(|_| ApiError::not_found("no such walk-in"))?;
    r.close_walk_in(who, id, u.status).await.map(axum::Json)
}
