//! One error type for every route, with one `IntoResponse`: the status and the stable `code`
//! are for programs, the `message` is for people. Internal causes are logged here, once, and
//! never sent to the client (no SQL, no stack traces).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comanda_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after_secs: Option<u64>,
}

/// `{"error": {"code": "...", "message": "..."}}`
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `bad_request`, `unauthenticated`, `forbidden`, `not_found`,
    /// `conflict`, `idempotency_conflict`, `payload_too_large`, `unsupported_media_type`,
    /// `validation_failed`, `rate_limited`, `unavailable`, `insufficient_storage`, `internal`.
    pub code: String,
    /// What happened and what to do next, for a person.
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after_secs: None }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn idempotency_conflict() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "idempotency_conflict",
            "this Idempotency-Key was already used with a different request body",
        )
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", message)
    }

    pub fn payload_too_large(limit_bytes: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body is larger than {} KiB", limit_bytes / 1024),
        )
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many attempts; try again in {} s", retry_after_secs.max(1)),
            )
        }
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// The box's disk is full: nothing was saved. Unlike 503 this does not pass by itself, so
    /// the message says what a person has to do.
    pub fn insufficient_storage() -> Self {
        Self::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "insufficient_storage",
            "the box's disk is full, so nothing was saved; free some space on the box, then try again",
        )
    }

    /// A bug or an unexpected failure: logged with its cause, sent without it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on the box; it has been logged")
    }

    /// The status code and code for a bare status, for responses produced outside any
    /// handler (unknown routes, wrong methods, layers).
    pub fn from_status(status: StatusCode) -> Self {
        let (code, message) = match status {
            StatusCode::BAD_REQUEST => ("bad_request", "the request is malformed"),
            StatusCode::UNAUTHORIZED => ("unauthenticated", "log in first"),
            StatusCode::FORBIDDEN => ("forbidden", "your role may not do this"),
            StatusCode::NOT_FOUND => ("not_found", "no such resource"),
            StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "this method is not allowed here"),
            StatusCode::CONFLICT => ("conflict", "the request conflicts with the current state"),
            StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "request body is too large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("unsupported_media_type", "send JSON with Content-Type: application/json")
            }
            StatusCode::UNPROCESSABLE_ENTITY => ("validation_failed", "the request did not pass validation"),
            StatusCode::TOO_MANY_REQUESTS => ("rate_limited", "too many requests; slow down"),
            StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "the box cannot do this right now; try again"),
            StatusCode::INSUFFICIENT_STORAGE => ("insufficient_storage", "the box's disk is full; nothing was saved"),
            StatusCode::REQUEST_TIMEOUT => ("timeout", "the request took too long"),
            s if s.is_client_error() => ("bad_request", "the request was refused"),
            _ => ("internal", "something went wrong on the box; it has been logged"),
        };
        Self::new(status, code, message)
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { code: self.code.to_owned(), message: self.message } };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::DiskFull(cause) => {
                tracing::warn!(%cause, "disk full: a write was refused");
                ApiError::insufficient_storage()
            }
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "storage unavailable");
                ApiError::unavailable("the box cannot save right now (storage unavailable); try again shortly")
            }
            StoreError::Closed => ApiError::unavailable("the box is shutting down; try again shortly"),
            StoreError::Constraint(cause) => {
                tracing::info!(%cause, "constraint refused a write");
                ApiError::conflict("this conflicts with existing data")
            }
            other => ApiError::internal(other),
        }
    }
}
