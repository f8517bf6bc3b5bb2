//! `comanda-cloud`: the boxes' event logs, taken exactly once, on PostgreSQL.
//!
//! Stateless: every instance works from the database alone, so several can run behind a load
//! balancer. A box posts batches of its log to `POST /api/v1/sites/{site_id}/events` with its
//! site token ([`ingest`]); organisations, owners and sites are made with the CLI ([`admin`]).

pub mod admin;
pub mod db;
pub mod ingest;
pub mod owners;
pub mod sales;
pub mod sites;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use comanda_sync_wire::{ErrorBody, ErrorDetail, MAX_BATCH_BYTES};

/// What every handler shares: the database pool.
#[derive(Clone)]
pub struct Cloud {
    pub pool: Arc<deadpool_postgres::Pool>,
}

pub fn router(cloud: Cloud) -> Router {
    Router::new()
        .route("/api/v1/sites/{site_id}/events", axum::routing::post(ingest::events))
        .route("/api/v1/auth/login", post(owners::login))
        .route("/api/v1/auth/refresh", post(owners::refresh))
        .route("/api/v1/auth/logout", post(owners::logout))
        .route("/api/v1/sites", get(sites::list).post(sites::create))
        .route("/api/v1/sites/{site_id}/pairing-code", post(sites::new_code))
        .route("/api/v1/pair", post(sites::pair))
        .route("/api/v1/reports/sales", get(sites::sales_report))
        .route("/", get(|| page("text/html; charset=utf-8", include_str!("../static/index.html"))))
        .route("/app.js", get(|| page("text/javascript; charset=utf-8", include_str!("../static/app.js"))))
        .route("/style.css", get(|| page("text/css; charset=utf-8", include_str!("../static/style.css"))))
        .route("/healthz", axum::routing::get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .layer(DefaultBodyLimit::max(MAX_BATCH_BYTES + (64 << 10)))
        .with_state(cloud)
}

/// The owners' dashboard (`cloud/static/`), compiled in: no files to deploy beside the binary.
/// Same-origin only, never framed.
async fn page(content_type: &'static str, body: &'static str) -> Response {
    use axum::http::header;
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response()
}

/// An error answer: `{"error":{"code","message"}}` with its status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after_secs: None }
    }
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", message)
    }
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many failed attempts; wait and try again")
        }
    }
    /// The box's error (the report's rules answer with it), as the cloud's.
    pub fn from_box(e: comanda_api::ApiError) -> Self {
        Self::new(e.status(), e.code(), e.message())
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the cloud could not do that; try again")
    }
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(%cause, "database unavailable");
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the cloud's database is not reachable; try again")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { code: self.code.to_owned(), message: self.message } };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        response
    }
}
