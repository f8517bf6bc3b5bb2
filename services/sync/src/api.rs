//! `GET /api/v1/sync/status`: whether the box syncs, how far the cloud has confirmed, the
//! backlog and the last error. Managers and owners.

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
    OpenApiRouter::new().routes(routes!(sync_status)).with_state(SyncState { sync, auth })
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
