//! Ticket references (R-INC2): `1-` followed by ten digits, e.g. `1-0123456789`.
//!
//! The IVR form typed on a telephone keypad drops the dash: `10123456789`. Every endpoint taking a
//! reference accepts both; [`TicketRef`] is the only way to hold one.

use std::fmt;
use std::str::FromStr;

use crate::DomainError;

/// Largest number that fits in the ten digits of a reference.
pub const MAX_TICKET_NUMBER: i64 = 9_999_999_999;

/// A valid ticket reference, stored as its ten-digit number (1..=9 999 999 999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TicketRef(i64);

impl TicketRef {
    /// Wraps a number taken from the ticket sequence.
    pub fn from_number(number: i64) -> Result<Self, DomainError> {
        if (1..=MAX_TICKET_NUMBER).contains(&number) {
            Ok(Self(number))
        } else {
            Err(DomainError::invalid(
                "ticket_number",
                format!("ticket number {number} is outside 1..={MAX_TICKET_NUMBER}"),
            ))
        }
    }

    /// Parses the display form `1-0123456789` or the IVR form `10123456789`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        let digits = s
            .strip_prefix("1-")
            .or_else(|| s.strip_prefix('1').filter(|rest| rest.len() == 10));
        match digits {
            Some(d) if d.len() == 10 && d.bytes().all(|b| b.is_ascii_digit()) => d
                .parse::<i64>()
                .map_err(|_| Self::format_error(input))
                .and_then(|n| Self::from_number(n).map_err(|_| Self::format_error(input))),
            _ => Err(Self::format_error(input)),
        }
    }

    fn format_error(input: &str) -> DomainError {
        DomainError::invalid(
            "ticket_number",
            format!(
                "'{}' is not a ticket reference: expected 1- followed by ten digits \
                 (1-0123456789) or its IVR form (10123456789)",
                input.chars().take(40).collect::<String>()
            ),
        )
    }

    /// The number behind the reference, as stored.
    pub fn number(self) -> i64 {
        self.0
    }

    /// The form typed on a telephone keypad: the reference without its dash.
    pub fn ivr(self) -> String {
        format!("1{:010}", self.0)
    }
}

impl fmt::Display for TicketRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1-{:010}", self.0)
    }
}

impl FromStr for TicketRef {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_dash_and_ten_digits() {
        let r = TicketRef::from_number(42).unwrap();
        assert_eq!(r.to_string(), "1-0000000042");
        assert_eq!(r.ivr(), "10000000042");
    }

    #[test]
    fn parses_both_forms_to_the_same_reference() {
        let display = TicketRef::parse("1-0123456789").unwrap();
        let ivr = TicketRef::parse("10123456789").unwrap();
        assert_eq!(display, ivr);
        assert_eq!(display.number(), 123_456_789);
        assert_eq!(display.to_string(), "1-0123456789");
        assert_eq!(ivr.ivr(), "10123456789");
    }

    #[test]
    fn round_trips_the_extremes() {
        for n in [1, 9, 10, 999_999_999, MAX_TICKET_NUMBER] {
            let r = TicketRef::from_number(n).unwrap();
            assert_eq!(TicketRef::parse(&r.to_string()).unwrap(), r);
            assert_eq!(TicketRef::parse(&r.ivr()).unwrap(), r);
        }
    }

    #[test]
    fn tolerates_surrounding_whitespace() {
        assert_eq!(TicketRef::parse(" 1-0000000042\n").unwrap().number(), 42);
    }

    #[test]
    fn rejects_malformed_references() {
        for bad in [
            "",
            "1-",
            "1",
            "2-0123456789",
            "1-012345678",
            "1-01234567890",
            "1012345678",
            "101234567890",
            "1-01234a6789",
            "1-+123456789",
            "1--123456789",
            "20123456789",
            "1 0123456789",
            "1-0000000000",
            "10000000000",
            "１-0123456789",
            "1-٠١٢٣٤٥٦٧٨٩",
        ] {
            assert!(TicketRef::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn rejects_numbers_outside_ten_digits() {
        assert!(TicketRef::from_number(0).is_err());
        assert!(TicketRef::from_number(-5).is_err());
        assert!(TicketRef::from_number(MAX_TICKET_NUMBER + 1).is_err());
    }

    #[test]
    fn error_names_the_field_and_both_forms() {
        let err = TicketRef::parse("abc").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("ticket_number:"), "{text}");
        assert!(text.contains("1-0123456789") && text.contains("10123456789"));
    }
}
