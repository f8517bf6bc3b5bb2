//! What can go wrong in the store, in terms a caller can act on.

use std::path::Path;

/// `DiskFull` is the box's disk (or the database's size limit) out of room: nothing was
/// saved, and nothing will be until someone frees space — the HTTP layer answers 507.
/// `Unavailable` is the disk or the database being out of reach for a while (I/O error,
/// locked, busy): the request may succeed later, so the HTTP layer answers 503. `Constraint`
/// is a uniqueness or foreign-key rule the caller usually wants to turn into a 409.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("disk full: {0}")]
    DiskFull(String),
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

impl StoreError {
    pub fn is_disk_full(&self) -> bool {
        matches!(self, StoreError::DiskFull(_))
    }

    /// SQLite says SQLITE_FULL when a write finds no room, but some failures on a full disk
    /// do not say why: an I/O error because the WAL index (`-shm`) could not grow, or a
    /// transaction rolled back underneath a request. On a disk with next to no room left
    /// under `dir` those are disk full too, and the caller should hear so rather than "try
    /// again" or "the database is damaged".
    pub fn considering_disk(self, dir: &Path) -> Self {
        match self {
            StoreError::Unavailable(cause) if crate::files::nearly_full(dir) => {
                StoreError::DiskFull(format!("{cause} (the disk has no room left)"))
            }
            other => other,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::*;
        match e.sqlite_error_code() {
            // SQLITE_FULL: a write to the database, its WAL or a journal found no room
            // (ENOSPC), or `max_page_count` was reached.
            Some(DiskFull) => StoreError::DiskFull(e.to_string()),
            Some(SystemIoFailure | DatabaseBusy | DatabaseLocked | CannotOpen | ReadOnly | OutOfMemory) => {
                StoreError::Unavailable(e.to_string())
            }
            Some(ConstraintViolation) => StoreError::Constraint(e.to_string()),
            _ => StoreError::Internal(e.to_string()),
        }
    }
}

/// For the store's own file writes: ENOSPC (and a full quota) is disk full like SQLITE_FULL.
impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => StoreError::DiskFull(e.to_string()),
            _ => StoreError::Unavailable(e.to_string()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Internal(format!("stored JSON: {e}"))
    }
}
