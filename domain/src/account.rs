//! Accounts that can obtain tokens: people (users) and machine clients (API clients, R-AUTH1).

use chrono::{DateTime, Utc};

use crate::{CustomerNumber, DomainError, Role};

/// Whether a user may log in. Self-registered accounts start `pending` (R-AUTH2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    Pending,
    Disabled,
    Rejected,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Pending => "pending",
            AccountStatus::Disabled => "disabled",
            AccountStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "active" => Ok(AccountStatus::Active),
            "pending" => Ok(AccountStatus::Pending),
            "disabled" => Ok(AccountStatus::Disabled),
            "rejected" => Ok(AccountStatus::Rejected),
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
    /// Why it was rejected or disabled.
    pub status_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the person proved the address reaches them (the code mailed at registration);
    /// accounts staff create are verified from the start.
    pub email_verified_at: Option<DateTime<Utc>>,
}

impl User {
    /// Token subject for this user.
    pub fn subject(&self) -> String {
        format!("user:{}", self.id)
    }

    /// Only active accounts sign in; a registration waits for its company admin's approval.
    pub fn check_may_sign_in(&self) -> Result<(), DomainError> {
        match self.status {
            AccountStatus::Active => Ok(()),
            AccountStatus::Pending => Err(DomainError::Forbidden(
                "the account is waiting for approval by the company's admin".into(),
            )),
            _ => Err(DomainError::Forbidden(
                "the account is not active; it cannot sign in".into(),
            )),
        }
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

/// The password rule as the contract states it (a JSON Schema `pattern`, which needs no
/// lookahead and no Unicode classes, so that every client's regex engine reads it alike): somewhere
/// a digit, space or ASCII symbol stands next to a character that is none of these (a letter).
/// That is [`check_password`]'s "mixes letters with digits, spaces or symbols", exactly: a
/// password holds both kinds if and only if two neighbours are of different kinds.
pub const PASSWORD_MIX_PATTERN: &str = "[ -@\\[-`{-~][^ -@\\[-`{-~]|[^ -@\\[-`{-~][ -@\\[-`{-~]";

/// A digit, space or ASCII symbol: printable ASCII that is not a letter.
fn digit_space_or_symbol(c: char) -> bool {
    matches!(c, ' '..='~') && !c.is_ascii_alphabetic()
}

/// Password rules (stated in the contract): 12 to 1024 characters, mixing digits, spaces or ASCII
/// symbols with other characters (letters, in any script), and not the email address itself.
pub fn check_password(password: &str, email: &str) -> Result<(), DomainError> {
    let len = password.chars().count();
    if !(12..=1024).contains(&len) {
        return Err(DomainError::invalid(
            "password",
            "must be 12 to 1024 characters long",
        ));
    }
    let others = password
        .chars()
        .filter(|c| !digit_space_or_symbol(*c))
        .count();
    if others == 0 || others == len {
        return Err(DomainError::invalid(
            "password",
            "must mix letters with digits, spaces or symbols",
        ));
    }
    if normalize_email(password) == normalize_email(email) {
        return Err(DomainError::invalid(
            "password",
            "must not be the email address",
        ));
    }
    Ok(())
}

impl User {
    /// Approves a pending registration.
    pub fn approve(&mut self) -> Result<(), DomainError> {
        self.expect_pending()?;
        if self.email_verified_at.is_none() {
            // Anyone can type a colleague's address: the address must answer first.
            return Err(DomainError::refused(
                crate::error::Reason::EmailNotVerified,
                "the registration's email address is not verified yet (the code mailed to it \
                 has not been used)",
            ));
        }
        self.status = AccountStatus::Active;
        self.status_reason = None;
        Ok(())
    }

    /// Rejects a pending registration with a reason.
    pub fn reject(&mut self, reason: &str) -> Result<(), DomainError> {
        self.expect_pending()?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DomainError::invalid("reason", "a reason is required"));
        }
        self.status = AccountStatus::Rejected;
        self.status_reason = Some(reason.to_owned());
        Ok(())
    }

    fn expect_pending(&self) -> Result<(), DomainError> {
        if self.status == AccountStatus::Pending {
            Ok(())
        } else {
            Err(DomainError::refused(
                crate::error::Reason::IllegalTransition,
                format!("the account is {}, not pending", self.status.as_str()),
            ))
        }
    }

    /// Disables or re-enables an account (not pending or rejected ones).
    pub fn set_enabled(&mut self, enabled: bool, reason: Option<&str>) -> Result<(), DomainError> {
        if !matches!(self.status, AccountStatus::Active | AccountStatus::Disabled) {
            return Err(DomainError::refused(
                crate::error::Reason::IllegalTransition,
                format!(
                    "the account is {}; approve or reject it first",
                    self.status.as_str()
                ),
            ));
        }
        self.status = if enabled {
            AccountStatus::Active
        } else {
            AccountStatus::Disabled
        };
        self.status_reason = if enabled {
            None
        } else {
            reason.map(str::to_owned)
        };
        Ok(())
    }
}

/// Canonical form of an email address for storage and lookup.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules() {
        assert!(check_password("correct horse 1", "a@b.example").is_ok());
        for bad in [
            "short1",
            "onlyletterslong",
            "123456789012345",
            "a@b.example",
        ] {
            assert!(check_password(bad, "a@b.example").is_err(), "{bad}");
        }
        assert!(check_password("A@B.example12", "a@b.example12").is_err());
        // Letters of any script count as letters.
        assert!(check_password("пароль пароль", "a@b.example").is_ok());
        assert!(check_password("парольпароль", "a@b.example").is_err());
    }

    #[test]
    fn the_published_pattern_is_the_mix_rule() {
        let pattern = regex::Regex::new(PASSWORD_MIX_PATTERN).unwrap();
        for p in [
            "correct horse 1",
            "onlyletterslong",
            "123456789012345",
            "пароль пароль",
            "парольпароль",
            "1234567890ab",
            "ab~~~~~~~~~~",
            "ééééééé@éééé",
            "            ",
            "{{{{{{{{{{{{",
            "[[[[[[[[[[[z",
            "`a`a`a`a`a`a",
        ] {
            let mixes = check_password(p, "x@y.example").is_ok();
            assert_eq!(pattern.is_match(p), mixes, "{p:?}");
        }
    }

    #[test]
    fn registration_and_enablement_lifecycle() {
        let mut u = User {
            id: 1,
            email: "a@b.example".into(),
            name: "A".into(),
            role: Role::CustomerUser,
            customer_number: None,
            status: AccountStatus::Pending,
            status_reason: None,
            created_at: Utc::now(),
            email_verified_at: None,
        };
        assert!(
            u.set_enabled(false, None).is_err(),
            "pending accounts are decided first"
        );
        assert!(u.reject(" ").is_err());
        let refused = u.approve().unwrap_err();
        assert_eq!(
            refused.reason().map(|r| r.code()),
            Some("email_not_verified")
        );
        assert_eq!(u.status, AccountStatus::Pending);
        u.email_verified_at = Some(Utc::now());
        u.approve().unwrap();
        assert!(u.approve().is_err());
        u.set_enabled(false, Some("left the company")).unwrap();
        assert_eq!(u.status, AccountStatus::Disabled);
        u.set_enabled(true, None).unwrap();
        assert_eq!(u.status_reason, None);
    }
}
