//! `GET /api/v1/sync/status`: whether the box syncs, how far the cloud has confirmed, the
//! backlog and the last error (managers and owners). `POST /api/v1/sync/pair`: the owner
//! pairs the box with its site using the cloud's one-time code.

use axum::extract::{FromRef, State};
use comanda_api::{ApiError, ErrorBody};
use comanda_staff::{Auth, AuthStaff};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{Sync, SyncStatus};

#[derive(Clone)]
struct SyncState {
    sync: Sync,
    auth: Auth,
}

impl FromRef<SyncState> for Auth {
    fn from_ref(state: &SyncState) -> Auth {
        state.auth.clone()
    }
}

pub fn router(sync: Sync, auth: Auth) -> OpenApiRouter {
    OpenApiRouter::new().routes(routes!(sync_status)).routes(routes!(sync_pair)).with_state(SyncState { sync, auth })
}

/// Cloud sync: enabled or not, the last seq the cloud confirmed, the backlog, the last
/// success and the last error.
#[utoipa::path(get, path = "/sync/status", tag = "sync", security(("bearer" = [])),
    responses(
        (status = 200, description = "The sync's state", body = SyncStatus),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Managers and owners only", body = ErrorBody)))]
async fn sync_status(State(state): State<SyncState>, who: AuthStaff) -> Result<axum::Json<SyncStatus>, ApiError> {
    who.require_manager()?;
    Ok(axum::Json(state.sync.status()))
}

/// The cloud's address and the one-time code it showed the owner for this site.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct PairRequest {
    /// e.g. `https://cloud.example.com`
    pub cloud_url: String,
    /// e.g. `7KQ2M-X9D4F` (case, spaces and dashes do not matter).
    pub code: String,
}

/// Pairs the box with its site on the cloud: the code is traded for the site's token, kept on
/// the box, and uploads start (or resume) at once, without a restart.
#[utoipa::path(post, path = "/sync/pair", tag = "sync", security(("bearer" = [])), request_body = PairRequest,
    responses(
        (status = 200, description = "Paired; the sync's state", body = SyncStatus),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Owners only", body = ErrorBody),
        (status = 422, description = "Not a cloud address, or the cloud refused the code", body = ErrorBody),
        (status = 429, description = "The cloud saw too many wrong codes; wait a minute", body = ErrorBody),
        (status = 503, description = "The cloud cannot be reached", body = ErrorBody)))]
async fn sync_pair(
    State(state): State<SyncState>,
    who: AuthStaff,
    comanda_api::Json(req): comanda_api::Json<PairRequest>,
) -> Result<axum::Json<SyncStatus>, ApiError> {
    who.require_role(&[comanda_domain::Role::Owner])?;
    state.sync.pair(&req.cloud_url, &req.code).await.map(axum::Json)
}
