//! Errors raised by business rules; the API maps each to a stable problem `code`.

use thiserror::Error;

/// A business rule refused an operation or a value could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A value does not have the required form; `field` names the input it came from.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The operation is not allowed in the resource's current state (HTTP 409).
    #[error("{message}")]
    IllegalState { code: &'static str, message: String },
}

impl DomainError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    pub fn illegal_state(code: &'static str, message: impl Into<String>) -> Self {
        Self::IllegalState {
            code,
            message: message.into(),
        }
    }
}
