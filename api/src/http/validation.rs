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

/// The pattern of every phone field in the contract: [`phone`]'s rule.
pub const PHONE_PATTERN: &str = r"^ *\+?(?:[ ()./-]*[0-9]){5}[0-9 ()./-]*$";

/// A service id given in a query: `^[!-~]{1,64}$` exactly (not trimmed).
pub fn query_service_id(value: &str) -> Result<ServiceId, DomainError> {
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return ServiceId::parse("");
    }
    ServiceId::parse(value)
}

/// A telephone number as people write it: optional leading `+`, then digits, spaces and
/// `( ) . / -`, with at least five digits. The contract states it as the pattern
/// [`PHONE_PATTERN`] (the same rule; tested below), which every phone field carries.
pub fn phone(value: &str) -> Result<(), ValidationError> {
    let trimmed = value.trim_start_matches(' ');
    let body = trimmed.strip_prefix('+').unwrap_or(trimmed);
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
    use super::{phone, PHONE_PATTERN};

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

    #[test]
    fn the_published_phone_pattern_is_the_rule() {
        let pattern = regex::Regex::new(PHONE_PATTERN).unwrap();
        for value in [
            "+44 20 7946 0000",
            "  +44 (0)20 7946-0000",
            "12345",
            "1234",
            "+ +12345",
            "+(((((",
            "12 34 5 ",
            "\t12345",
            "12345\t",
            "+44 20 7946 000x",
            "1.2/3-4(5)",
            "++12345",
        ] {
            assert_eq!(pattern.is_match(value), phone(value).is_ok(), "{value:?}");
        }
    }
}
