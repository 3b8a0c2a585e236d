//! Custom validators used by request bodies (`#[validate(custom(function = …))]`).

use domain::{CustomerNumber, DomainError, ServiceId};
use validator::ValidationError;

/// A customer number given in a query: exactly the published pattern,
/// `^[A-Za-z0-9][A-Za-z0-9-]{2,31}$` (a query value is not trimmed: what the contract calls
/// invalid is refused, not repaired).
pub fn query_customer_number(value: &str) -> Result<CustomerNumber, DomainError> {
    if value.bytes().any(|b| b.is_ascii_whitespace()) {
        return CustomerNumber::parse("");
    }
    CustomerNumber::parse(value)
}

/// A service id given in a query: `^[!-~]{1,64}$` exactly (not trimmed).
pub fn query_service_id(value: &str) -> Result<ServiceId, DomainError> {
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return ServiceId::parse("");
    }
    ServiceId::parse(value)
}

/// A telephone number as people write it: optional leading `+`, then digits, spaces and
/// `( ) . / -`, with at least five digits.
pub fn phone(value: &str) -> Result<(), ValidationError> {
    let body = value.trim().strip_prefix('+').unwrap_or(value.trim());
    let allowed = body
        .chars()
        .all(|c| c.is_ascii_digit() || " ()./-".contains(c));
    let digits = body.chars().filter(char::is_ascii_digit).count();
    if allowed && digits >= 5 {
        Ok(())
    } else {
        let mut err = ValidationError::new("phone");
        err.message = Some("must be a telephone number, e.g. +44 20 7946 0000".into());
        Err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::phone;

    #[test]
    fn accepts_common_forms_and_rejects_text() {
        for ok in [
            "+44 20 7946 0000",
            "020 7946 0000",
            "+1 (555) 010-9999",
            "12345",
        ] {
            assert!(phone(ok).is_ok(), "{ok}");
        }
        for bad in ["call me", "+44 20 ext 5", "1234", "++4420794600", ""] {
            assert!(phone(bad).is_err(), "{bad}");
        }
    }
}
