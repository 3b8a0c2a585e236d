//! Accounts that can obtain tokens: people (users) and machine clients (API clients, R-AUTH1).

use chrono::{DateTime, Utc};

use crate::{CustomerNumber, DomainError, Role};

/// Whether a user may log in. Self-registered accounts start `pending` (R-AUTH2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    Pending,
    Disabled,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Pending => "pending",
            AccountStatus::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "active" => Ok(AccountStatus::Active),
            "pending" => Ok(AccountStatus::Pending),
            "disabled" => Ok(AccountStatus::Disabled),
            other => Err(DomainError::invalid(
                "status",
                format!("unknown account status '{other}'"),
            )),
        }
    }
}

/// A person's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    /// Stored lower-cased: emails are compared case-insensitively.
    pub email: String,
    pub name: String,
    pub role: Role,
    pub customer_number: Option<CustomerNumber>,
    pub status: AccountStatus,
    pub created_at: DateTime<Utc>,
}

impl User {
    /// Token subject for this user.
    pub fn subject(&self) -> String {
        format!("user:{}", self.id)
    }
}

/// A partner integration's machine credentials (client-credentials grant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub role: Role,
    pub customer_number: Option<CustomerNumber>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiClient {
    pub fn subject(&self) -> String {
        format!("client:{}", self.client_id)
    }
}

/// Canonical form of an email address for storage and lookup.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}
