//! The one place where diesel and pool errors become [`StoreError`]s the API can answer with.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use domain::DomainError;
use thiserror::Error;

/// What went wrong in a repository call, in terms a caller can act on.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The named thing does not exist (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule was broken, e.g. an email already registered.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The caller's copy is not the current version (its `If-Match`, or the version it read
    /// before changing); nothing was written (HTTP 412).
    #[error("{0}")]
    VersionMismatch(String),
    /// Another change to the same row won a race the caller did not name a version for;
    /// nothing was written (HTTP 409 `concurrent_update`).
    #[error("{0}")]
    Stale(String),
    /// A business rule refused the change; nothing was written.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// No connection could be had in time, or the database is unreachable.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Stored data no longer parses into the domain (a bug or manual edit).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(DieselError),
}

impl StoreError {
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }
}

impl From<DieselError> for StoreError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => StoreError::NotFound("record"),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::conflict("already_exists", info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            // Waited too long for a lock or ran too long: retryable, not a bug.
            DieselError::DatabaseError(_, info) if is_timeout(info.message()) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            other => StoreError::Database(other),
        }
    }
}

/// SQLite's SQLITE_BUSY/SQLITE_LOCKED after `busy_timeout`, PostgreSQL's lock and statement
/// timeouts and deadlock victims.
fn is_timeout(message: &str) -> bool {
    [
        "database is locked",
        "database table is locked",
        "canceling statement due to lock timeout",
        "canceling statement due to statement timeout",
        "deadlock detected",
    ]
    .iter()
    .any(|m| message.contains(m))
}

impl From<r2d2::Error> for StoreError {
    fn from(err: r2d2::Error) -> Self {
        StoreError::Unavailable(err.to_string())
    }
}

/// Maps a stored value that fails to parse into [`StoreError::Corrupt`].
pub(crate) fn corrupt(err: DomainError) -> StoreError {
    StoreError::Corrupt(err.to_string())
}

/// Runs `f` and turns a unique violation into a conflict with a message fit for the caller.
pub(crate) fn on_unique_violation(
    err: DieselError,
    code: &'static str,
    message: impl FnOnce() -> String,
) -> StoreError {
    match err {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            StoreError::conflict(code, message())
        }
        other => other.into(),
    }
}
