//! What can go wrong in the store, in terms a caller can act on.

/// `Unavailable` is the disk or the database being out of reach (full, I/O error, locked):
/// the request may succeed later, so the HTTP layer answers 503. `Constraint` is a
/// uniqueness or foreign-key rule the caller usually wants to turn into a 409.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("constraint violated: {0}")]
    Constraint(String),
    #[error("migration problem: {0}")]
    Migration(String),
    #[error("the store is shut down")]
    Closed,
    #[error("storage error: {0}")]
    Internal(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::*;
        match e.sqlite_error_code() {
            Some(DiskFull | SystemIoFailure | DatabaseBusy | DatabaseLocked | CannotOpen | ReadOnly | OutOfMemory) => {
                StoreError::Unavailable(e.to_string())
            }
            Some(ConstraintViolation) => StoreError::Constraint(e.to_string()),
            _ => StoreError::Internal(e.to_string()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Internal(format!("stored JSON: {e}"))
    }
}
