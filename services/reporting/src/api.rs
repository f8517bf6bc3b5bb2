//! HTTP handlers of reporting: parse, authorise (managers and owners), call [`Reporting`].

use axum::extract::State;
use comanda_api::{ApiError, ErrorBody, Query};
use comanda_staff::AuthStaff;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Reporting;
use crate::model::SalesReport;

/// The reporting routes, relative to `/api/v1`.
pub fn router(reporting: Reporting) -> OpenApiRouter {
    OpenApiRouter::new().routes(routes!(sales)).routes(routes!(profit)).with_state(reporting)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SalesParams {
    /// A local date `YYYY-MM-DD` (from its start) or an RFC 3339 instant (inclusive).
    /// Default: the start of today, or of the day `to` ends in.
    pub from: Option<String>,
    /// A local date `YYYY-MM-DD` (to its end, inclusive) or an RFC 3339 instant (exclusive).
    /// Default: the end of today.
    pub to: Option<String>,
}

/// Sales over bills paid in a period (default: today), in the site's time zone.
#[utoipa::path(get, path = "/reports/sales", tag = "reports", params(SalesParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "The sales report; money in minor units", body = SalesReport),
        (status = 400, description = "Malformed date or instant", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Managers and owners only", body = ErrorBody),
        (status = 409, description = "The box is not set up yet", body = ErrorBody),
        (status = 422, description = "The range ends before it starts or spans more than 366 days", body = ErrorBody)))]
async fn sales(
    State(reporting): State<Reporting>,
    who: AuthStaff,
    Query(p): Query<SalesParams>,
) -> Result<axum::Json<SalesReport>, ApiError> {
    who.require_manager()?;
    reporting.sales_report(p.from.as_deref(), p.to.as_deref()).await.map(axum::Json)
}

/// Profit over a period (default: today): net sales − cost of goods − labour − depreciation,
/// by local day and by category.
#[utoipa::path(get, path = "/reports/profit", tag = "reports", params(SalesParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "The profit report; money in minor units", body = crate::ProfitReport),
        (status = 400, description = "Malformed date or instant", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Managers and owners only", body = ErrorBody),
        (status = 409, description = "The box is not set up yet", body = ErrorBody),
        (status = 422, description = "The range ends before it starts or spans more than 366 days", body = ErrorBody)))]
async fn profit(
    State(reporting): State<Reporting>,
    who: AuthStaff,
    Query(p): Query<SalesParams>,
) -> Result<axum::Json<crate::ProfitReport>, ApiError> {
    who.require_manager()?;
    reporting.profit_report(p.from.as_deref(), p.to.as_deref()).await.map(axum::Json)
}
