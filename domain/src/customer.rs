//! Customer numbers (OCN): the identity of a customer company and the unit of tenancy (R-SEC1).

use std::fmt;

use crate::DomainError;

/// A customer number such as `OCN-1001`: 3–32 characters, upper-case letters, digits and dashes,
/// starting with a letter or digit. Input is upper-cased so `ocn-1001` names the same company.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CustomerNumber(String);

impl CustomerNumber {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().to_ascii_uppercase();
        let valid = (3..=32).contains(&s.len())
            && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        if valid {
            Ok(Self(s))
        } else {
            Err(DomainError::invalid(
                "customer_number",
                "must be 3-32 characters of letters, digits and dashes, e.g. OCN-1001",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CustomerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_whitespace() {
        assert_eq!(
            CustomerNumber::parse(" ocn-1001 ").unwrap().as_str(),
            "OCN-1001"
        );
    }

    #[test]
    fn rejects_bad_forms() {
        for bad in [
            "",
            "AB",
            "-OCN1",
            "OCN 1001",
            "OCN_1001",
            &"X".repeat(33),
            "OCN/1",
        ] {
            assert!(CustomerNumber::parse(bad).is_err(), "{bad:?}");
        }
    }
}

/// A customer company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub customer_number: CustomerNumber,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}
