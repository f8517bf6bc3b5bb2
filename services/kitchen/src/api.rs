//! HTTP handlers of the kitchen: the ticket list for displays, bump and recall.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use comanda_api::{ApiError, ErrorBody, Idempotent, Page, PageParams, Path, Query, write_once};
use comanda_domain::{StationId, TicketId};
use comanda_staff::AuthStaff;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::model::{Ticket, parse_status};
use crate::{Kitchen, sql};

pub fn router(kitchen: Kitchen) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_tickets))
        .routes(routes!(get_ticket))
        .routes(routes!(bump))
        .routes(routes!(recall))
        .with_state(kitchen)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketListParams {
    pub station_id: Option<StationId>,
    /// `new`, `preparing`, `ready` or `served`; absent: everything not yet served.
    pub status: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Tickets for a kitchen display, oldest first.
#[utoipa::path(get, path = "/kitchen/tickets", tag = "kitchen", params(TicketListParams), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<Ticket>), (status = 400, description = "Malformed request", body = ErrorBody)))]
async fn list_tickets(
    State(kitchen): State<Kitchen>,
    _who: AuthStaff,
    Query(p): Query<TicketListParams>,
) -> Result<axum::Json<Page<Ticket>>, ApiError> {
    let status = match p.status.as_deref() {
        None | Some("active") => None,
        Some(s) => Some(
            parse_status(s)
                .ok_or_else(|| ApiError::bad_request("status must be new, preparing, ready, served or active"))?,
        ),
    };
    let limit = PageParams { limit: p.limit, cursor: None }.limit();
    let after =
        p.cursor.as_deref().map(|c| c.parse().map_err(|_| ApiError::bad_request("malformed cursor"))).transpose()?;
    let filter = sql::TicketFilter { station_id: p.station_id, status, after, limit };
    let now = kitchen.store.clock().now();
    let rows = kitchen.store.read(move |c| sql::list(c, &filter, now)).await?;
    Ok(axum::Json(Page::from_rows(rows, limit, |t| t.id.to_string())))
}

/// One ticket.
#[utoipa::path(get, path = "/kitchen/tickets/{id}", tag = "kitchen", params(("id" = TicketId, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Ticket), (status = 404, description = "Not found", body = ErrorBody)))]
async fn get_ticket(
    State(kitchen): State<Kitchen>,
    _who: AuthStaff,
    Path(id): Path<TicketId>,
) -> Result<axum::Json<Ticket>, ApiError> {
    kitchen.ticket(id).await.map(axum::Json)
}

/// Move a ticket on: new → preparing → ready → served.
#[utoipa::path(post, path = "/kitchen/tickets/{id}/bump", tag = "kitchen", params(("id" = TicketId, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")), security(("bearer" = [])),
    responses((status = 200, description = "The ticket after the bump", body = Ticket), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Already served", body = ErrorBody)))]
async fn bump(
    State(kitchen): State<Kitchen>,
    who: AuthStaff,
    idem: Idempotent,
    Path(id): Path<TicketId>,
) -> Result<Response, ApiError> {
    write_once(&kitchen.store, idem.for_actor(who.actor()), StatusCode::OK, move |tx| Kitchen::step(tx, &who, id, true))
        .await
}

/// Bring a ticket back one state (e.g. a served ticket back to ready).
#[utoipa::path(post, path = "/kitchen/tickets/{id}/recall", tag = "kitchen", params(("id" = TicketId, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")), security(("bearer" = [])),
    responses((status = 200, description = "The ticket after the recall", body = Ticket), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Nothing to recall", body = ErrorBody)))]
async fn recall(
    State(kitchen): State<Kitchen>,
    who: AuthStaff,
    idem: Idempotent,
    Path(id): Path<TicketId>,
) -> Result<Response, ApiError> {
    write_once(&kitchen.store, idem.for_actor(who.actor()), StatusCode::OK, move |tx| {
        Kitchen::step(tx, &who, id, false)
    })
    .await
}
