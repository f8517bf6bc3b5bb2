//! HTTP handlers of notifications: managers see the outbox and retry a failed message; owners
//! send a test message to check the settings.

use axum::extract::State;
use comanda_api::{ApiError, ErrorBody, Json, Path, Query};
use comanda_domain::Role;
use comanda_staff::AuthStaff;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::{Channel, Message, Notifications};

/// The notifications routes, relative to `/api/v1`.
pub fn router(n: Notifications) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(retry_notification))
        .routes(routes!(test_notification))
        .with_state(n)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `pending`, `sent`, `failed` or `cancelled`.
    pub status: Option<String>,
    /// 1–200 (default 50).
    pub limit: Option<u32>,
}

/// The outbox, newest first.
#[utoipa::path(get, path = "/notifications", tag = "notifications", params(ListParams), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Vec<Message>),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Managers and owners only", body = ErrorBody),
        (status = 422, description = "Unknown status", body = ErrorBody)))]
async fn list_notifications(
    State(n): State<Notifications>,
    who: AuthStaff,
    Query(p): Query<ListParams>,
) -> Result<axum::Json<Vec<Message>>, ApiError> {
    who.require_manager()?;
    if let Some(s) = &p.status
        && crate::OutboxStatus::parse(s).is_none()
    {
        return Err(ApiError::validation("status must be pending, sent, failed or cancelled"));
    }
    n.recent(p.status, p.limit.unwrap_or(50).clamp(1, 200)).await.map(axum::Json)
}

/// Send a failed message again, now.
#[utoipa::path(post, path = "/notifications/{id}/retry", tag = "notifications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "Queued again", body = Message),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Managers and owners only", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Not a failed message", body = ErrorBody)))]
async fn retry_notification(
    State(n): State<Notifications>,
    who: AuthStaff,
    Path(raw): Path<String>,
) -> Result<axum::Json<Message>, ApiError> {
    who.require_manager()?;
    let id = Uuid::parse_str(&raw).map_err(|_| ApiError::not_found("no such message"))?;
    n.retry(id).await.map(axum::Json)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    /// `email` or `sms`.
    pub channel: Channel,
    /// An email address or a phone number.
    pub to: String,
}

/// Send a test message (owners), to check the mail server or the SMS gateway.
#[utoipa::path(post, path = "/notifications/test", tag = "notifications", request_body = TestRequest,
    security(("bearer" = [])),
    responses((status = 200, description = "Queued", body = Message),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Owners only", body = ErrorBody),
        (status = 409, description = "That channel is not configured", body = ErrorBody),
        (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn test_notification(
    State(n): State<Notifications>,
    who: AuthStaff,
    Json(req): Json<TestRequest>,
) -> Result<axum::Json<Message>, ApiError> {
    who.require_role(&[Role::Owner])?;
    let to = comanda_api::validate::text("to", &req.to, 3, 254)?;
    n.test(req.channel, to).await.map(axum::Json)
}
