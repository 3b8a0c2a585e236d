//! Custom validators used by request bodies (`#[validate(custom(function = …))]`).

use validator::ValidationError;

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
