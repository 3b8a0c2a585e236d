//! The public references of planned works (`PW-000042`) and maintenance requests (`MR-000042`):
//! a prefix and the record's number, zero-padded to six digits.

use std::fmt;

use crate::DomainError;

macro_rules! reference {
    ($(#[$meta:meta])* $name:ident, $prefix:literal, $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(i64);

        impl $name {
            pub fn new(id: i64) -> Self {
                Self(id)
            }

            /// The stored record's id.
            pub fn id(self) -> i64 {
                self.0
            }

            /// Reads `PREFIX-<digits>` (any number of digits, at least 1, greater than 0).
            pub fn parse(text: &str) -> Result<Self, DomainError> {
                text.strip_prefix(concat!($prefix, "-"))
                    .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|n| n.parse::<i64>().ok())
                    .filter(|n| *n > 0)
                    .map(Self)
                    .ok_or_else(|| {
                        DomainError::invalid(
                            $what,
                            format!("'{text}' is not a reference like {}-000042", $prefix),
                        )
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}-{:06}", $prefix, self.0)
            }
        }
    };
}

reference!(
    /// A planned work's reference, `PW-000042`.
    WorkRef, "PW", "planned_work"
);
reference!(
    /// A maintenance request's reference, `MR-000042`.
    RequestRef, "MR", "maintenance_request"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip_and_refuse_others() {
        assert_eq!(WorkRef::new(42).to_string(), "PW-000042");
        assert_eq!(WorkRef::parse("PW-000042").unwrap(), WorkRef::new(42));
        assert_eq!(RequestRef::parse("MR-1234567").unwrap().id(), 1_234_567);
        for bad in ["PW-", "PW-0", "MR-42", "PW-+4", "pw-42", "PW-4x", "PW- 42"] {
            assert!(WorkRef::parse(bad).is_err(), "{bad}");
        }
    }
}
