//! The HTTP conventions of BRIEF §4 that every service router shares, so each service's
//! `api.rs` only parses, authorises, calls the service and maps errors:
//!
//! - [`ApiError`]: the one JSON error shape `{"error":{"code","message"}}` with the right status;
//! - [`Json`], [`Path`], [`Query`]: axum's extractors with their rejections in that shape;
//! - [`IdempotentJson`] and [`write_once`]: `Idempotency-Key` replay, recorded in the same
//!   transaction as the change it protects;
//! - [`Page`] / [`PageParams`]: `?limit=&cursor=` pagination;
//! - [`validate`]: bounded, trimmed strings and numbers.
//!
//! Authentication is not here: it belongs to the staff service (`comanda_staff::Auth`).

mod error;
mod extract;
mod idempotency;
mod page;
pub mod validate;

pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use extract::{ClientAddr, Json, Path, Query};
pub use idempotency::{IDEMPOTENCY_HEADER, Idempotent, IdempotentJson, write_once};
pub use page::{Page, PageParams};
