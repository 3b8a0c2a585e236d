//! The one error every use case returns: what went wrong, in terms the API renders without
//! looking inside strings.

use domain::DomainError;
use persistence::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum AppError {
    /// The named thing does not exist, or the caller may not know it exists (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A business rule refused it, a value is invalid, or the role may not (see `DomainError`).
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// A field names something that is not there or not fit (422 with the field's `code`, e.g.
    /// `unknown`): a reference the request makes that the database contradicts.
    #[error("{field}: {message}")]
    Field {
        field: &'static str,
        code: &'static str,
        message: String,
    },
    /// Something with the same identity exists already (409 with `code`).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Sign-in credentials that match no active account (401); unknown and wrong look alike.
    #[error("the credentials are not valid")]
    InvalidCredentials,
    /// Too many failed sign-ins for this account or address; retry after `until` (429).
    #[error("too many failed sign-ins")]
    TooManyAttempts {
        until: chrono::DateTime<chrono::Utc>,
    },
    /// The caller's `If-Match` names a version that is no longer current (412).
    #[error("{0}")]
    PreconditionFailed(String),
    /// The database is busy or unreachable; worth retrying (503).
    #[error("{0}")]
    Unavailable(String),
    /// A bug or corrupt data: logged, never shown (500).
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        DomainError::invalid(field, message).into()
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        DomainError::Forbidden(message.into()).into()
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict { code, message } => AppError::Conflict { code, message },
            StoreError::VersionMismatch(message) => AppError::PreconditionFailed(message),
            StoreError::Stale(message) => AppError::Conflict {
                code: "concurrent_update",
                message,
            },
            StoreError::Domain(domain) => AppError::Domain(domain),
            StoreError::Unavailable(cause) => AppError::Unavailable(cause),
            other @ (StoreError::Corrupt(_) | StoreError::Database(_)) => {
                AppError::Internal(other.to_string())
            }
        }
    }
}
