//! The owner uploads an update from the dashboard: `POST /api/v1/system/update?sha256=…`.
//!
//! comanda runs unprivileged and cannot write a root partition. It streams the upload into
//! `update/` in the data dir, checks its SHA-256, and drops `staged.sha256` beside it last;
//! root's `comanda-update.path` sees that file and runs `comanda update --staged --reboot`
//! (see `update.rs`), which writes `update/status.json`, shown by `GET /api/v1/system/update`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRef, State};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderMap, StatusCode};
use comanda_api::{ApiError, ErrorBody, Query};
use comanda_domain::Role;
use comanda_staff::{Auth, AuthStaff};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The largest update file taken (a compressed image is ≈ 200 MB; a raw root 1 GiB).
pub const UPDATE_LIMIT: u64 = 2 << 30;
/// What an upload must leave free on the data partition: the restaurant keeps taking orders.
const KEEP_FREE: u64 = 512 << 20;
pub const UPDATE_PATH: &str = "/api/v1/system/update";

/// The files of a staged update, in `<data dir>/update/`.
pub struct Staging {
    pub dir: PathBuf,
}

impl Staging {
    pub fn new(data_dir: &Path) -> Self {
        Self { dir: data_dir.join("update") }
    }
    pub fn file(&self) -> PathBuf {
        self.dir.join("staged")
    }
    /// Written last: its appearance starts `comanda-update.service`.
    pub fn checksum(&self) -> PathBuf {
        self.dir.join("staged.sha256")
    }
    pub fn status(&self) -> PathBuf {
        self.dir.join("status.json")
    }
    /// Each upload streams into its own file: two at once never mix.
    fn partial(&self) -> PathBuf {
        self.dir.join(format!("upload-{}.partial", uuid::Uuid::new_v4()))
    }
}

#[derive(Clone)]
struct UpdateState {
    auth: Auth,
    dir: Arc<Path>,
}

impl FromRef<UpdateState> for Auth {
    fn from_ref(state: &UpdateState) -> Auth {
        state.auth.clone()
    }
}

pub fn router(auth: Auth, data_dir: &Path) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(upload_update, update_status))
        .with_state(UpdateState { auth, dir: Arc::from(data_dir) })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct UploadParams {
    /// The file's SHA-256 in hex (the `.sha256` file next to it).
    sha256: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct Staged {
    /// `staged`: the box writes it to its spare system and restarts into it in a minute.
    state: &'static str,
    bytes: u64,
    sha256: String,
}

/// Upload a new version (`comanda-….raw.zst` or `….root.ext4.zst` from `cargo xtask image`).
/// The box checks it, writes it to its spare system partition and restarts into it; if the new
/// version does not become healthy, it restarts into the current one by itself. Owners only.
#[utoipa::path(post, path = "/system/update", tag = "system", params(UploadParams), security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The update file"),
    responses(
        (status = 202, description = "Staged: the box applies it and restarts", body = Staged),
        (status = 400, description = "Malformed checksum", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Owners only", body = ErrorBody),
        (status = 409, description = "An update is already being applied", body = ErrorBody),
        (status = 413, description = "Larger than 2 GiB", body = ErrorBody),
        (status = 422, description = "The file does not match its checksum", body = ErrorBody),
        (status = 507, description = "Not enough room on the data partition beside the restaurant's data", body = ErrorBody)))]
async fn upload_update(
    State(state): State<UpdateState>,
    who: AuthStaff,
    Query(p): Query<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, axum::Json<Staged>), ApiError> {
    who.require_role(&[Role::Owner])?;
    let expected = p.sha256.trim().to_ascii_lowercase();
    if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::bad_request("sha256 must be 64 hex digits"));
    }
    let length = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| ApiError::bad_request("send the update file with its Content-Length"))?;
    let staging = Staging::new(&state.dir);
    if tokio::fs::try_exists(staging.checksum()).await.unwrap_or(false) {
        return Err(ApiError::conflict("an update is already being applied; wait for the box to restart"));
    }
    if comanda_store::free_bytes(&state.dir).is_some_and(|free| free < length.saturating_add(KEEP_FREE)) {
        return Err(ApiError::insufficient_storage());
    }
    tokio::fs::create_dir_all(&staging.dir).await.map_err(ApiError::internal)?;
    let partial = staging.partial();
    let mut file = tokio::fs::File::create(&partial).await.map_err(ApiError::internal)?;
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            drop(file);
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(ApiError::bad_request("the upload was cut off"));
        };
        bytes += chunk.len() as u64;
        if bytes > UPDATE_LIMIT {
            drop(file);
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(ApiError::payload_too_large(UPDATE_LIMIT as usize));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(|e| disk_error(&e))?;
    }
    file.sync_all().await.map_err(|e| disk_error(&e))?;
    drop(file);
    let actual = hex::encode(hasher.finalize());
    if actual != expected {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(ApiError::validation(format!(
            "the upload's SHA-256 is {actual}, not {expected}: the file is damaged or incomplete; nothing was changed"
        )));
    }
    let _ = tokio::fs::remove_file(staging.status()).await;
    tokio::fs::rename(&partial, staging.file()).await.map_err(ApiError::internal)?;
    let (checksum, line) = (staging.checksum(), format!("{actual}  staged\n"));
    tokio::task::spawn_blocking(move || comanda_store::write_file_durably(&checksum, line.as_bytes(), 0o644))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| disk_error(&e))?;
    tracing::info!(bytes, sha256 = %actual, by = %who.name, "update uploaded and staged");
    Ok((StatusCode::ACCEPTED, axum::Json(Staged { state: "staged", bytes, sha256: actual })))
}

fn disk_error(e: &std::io::Error) -> ApiError {
    if e.raw_os_error() == Some(28) { ApiError::insufficient_storage() } else { ApiError::internal(e) }
}

#[derive(Debug, Serialize, ToSchema)]
struct UpdateStatus {
    /// The version running now.
    version: String,
    /// An uploaded update waits to be applied.
    staged: bool,
    /// The outcome of the last update, as `comanda update` wrote it.
    #[schema(value_type = Option<Object>)]
    last: Option<serde_json::Value>,
}

/// The running version and the outcome of the last update. Managers and owners.
#[utoipa::path(get, path = "/system/update", tag = "system", security(("bearer" = [])),
    responses(
        (status = 200, description = "Version and last update", body = UpdateStatus),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Managers and owners only", body = ErrorBody)))]
async fn update_status(State(state): State<UpdateState>, who: AuthStaff) -> Result<axum::Json<UpdateStatus>, ApiError> {
    who.require_manager()?;
    let staging = Staging::new(&state.dir);
    let last = tokio::fs::read(staging.status()).await.ok().and_then(|b| serde_json::from_slice(&b).ok());
    let staged = tokio::fs::try_exists(staging.checksum()).await.unwrap_or(false);
    Ok(axum::Json(UpdateStatus { version: crate::version().to_owned(), staged, last }))
}
