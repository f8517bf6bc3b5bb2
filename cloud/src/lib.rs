//! `comanda-cloud`: the boxes' event logs, taken exactly once, on PostgreSQL.
//!
//! Stateless: every instance works from the database alone, so several can run behind a load
//! balancer. A box posts batches of its log to `POST /api/v1/sites/{site_id}/events` with its
//! site token ([`ingest`]); organisations, owners and sites are made with the CLI ([`admin`]).

pub mod admin;
pub mod db;
pub mod ingest;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use comanda_sync_wire::{ErrorBody, ErrorDetail, MAX_BATCH_BYTES};

/// What every handler shares: the database pool.
#[derive(Clone)]
pub struct Cloud {
    pub pool: Arc<deadpool_postgres::Pool>,
}

pub fn router(cloud: Cloud) -> Router {
    Router::new()
        .route("/api/v1/sites/{site_id}/events", axum::routing::post(ingest::events))
        .route("/healthz", axum::routing::get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .layer(DefaultBodyLimit::max(MAX_BATCH_BYTES + (64 << 10)))
        .with_state(cloud)
}

/// An error answer: `{"error":{"code","message"}}` with its status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
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
        (self.status, axum::Json(body)).into_response()
    }
}
