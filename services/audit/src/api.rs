//! HTTP handlers of the audit trail: parse, authorise (managers and owners), call [`Audit`].

use axum::extract::State;
use comanda_api::{ApiError, ErrorBody, Page, Query};
use comanda_staff::AuthStaff;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Audit;
use crate::model::{AuditEntry, AuditParams};

/// The audit routes, relative to `/api/v1`.
pub fn router(audit: Audit) -> OpenApiRouter {
    OpenApiRouter::new().routes(routes!(trail)).with_state(audit)
}

/// The audit trail, newest first: voids, comps, discounts, refunds, the cash drawer, price
/// changes and staff changes, each with who did it, who approved it and why.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of audit entries, newest first", body = Page<AuditEntry>),
        (status = 400, description = "Malformed instant, staff id or cursor", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Managers and owners only", body = ErrorBody),
        (status = 422, description = "Unknown type, or to before from", body = ErrorBody)))]
async fn trail(
    State(audit): State<Audit>,
    who: AuthStaff,
    Query(params): Query<AuditParams>,
) -> Result<axum::Json<Page<AuditEntry>>, ApiError> {
    who.require_manager()?;
    audit.trail(params.filter()?).await.map(axum::Json)
}
