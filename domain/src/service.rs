//! Network services bought by customers (R-SVC1) and how a caller names one when raising a ticket.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A service identifier such as `SVC-0001`: 1–64 printable ASCII characters without spaces.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId(String);

impl ServiceId {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        if (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::invalid(
                "service_id",
                "must be 1-64 printable characters without spaces",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Operational state of a service. Incidents can be raised on active and suspended services,
/// not on ceased ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    Active,
    Suspended,
    Ceased,
}

impl ServiceStatus {
    pub const ALL: &'static [ServiceStatus] = &[
        ServiceStatus::Active,
        ServiceStatus::Suspended,
        ServiceStatus::Ceased,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Active => "active",
            ServiceStatus::Suspended => "suspended",
            ServiceStatus::Ceased => "ceased",
        }
    }

    pub fn accepts_incidents(self) -> bool {
        self != ServiceStatus::Ceased
    }
}

impl FromStr for ServiceStatus {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(ServiceStatus::Active),
            "suspended" => Ok(ServiceStatus::Suspended),
            "ceased" => Ok(ServiceStatus::Ceased),
            other => Err(DomainError::invalid(
                "status",
                format!("unknown service status '{other}'"),
            )),
        }
    }
}

/// A service's availability commitment over a month, in percent (e.g. `99.95`): above 0 and at
/// most 100. Never NaN, so it is `Eq`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct AvailabilityTarget(f64);

impl Eq for AvailabilityTarget {}

impl AvailabilityTarget {
    pub fn from_percent(percent: f64) -> Result<Self, DomainError> {
        if percent > 0.0 && percent <= 100.0 {
            Ok(Self(percent))
        } else {
            Err(DomainError::invalid(
                "availability_target",
                "a percentage above 0 and at most 100 (e.g. 99.95)",
            ))
        }
    }

    pub fn percent(self) -> f64 {
        self.0
    }
}

/// A network service a customer buys (R-SVC1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub service_id: ServiceId,
    pub circuit_reference: String,
    pub order_number: String,
    pub customer_number: crate::CustomerNumber,
    pub product: String,
    pub label: String,
    pub status: ServiceStatus,
    pub handover_date: Option<chrono::NaiveDate>,
    /// Where the service runs, as major incidents name regions (compared without case).
    pub region: Option<String>,
    /// Its availability commitment, if the contract gives one.
    pub availability_target: Option<AvailabilityTarget>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
}

/// How a caller names the affected service when raising a ticket (R-INC1): exactly one of the three.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceLocator {
    CircuitReference(String),
    OrderNumber(String),
    ServiceId(ServiceId),
}

impl ServiceLocator {
    /// Accepts exactly one non-blank identifier; none or several is a validation error.
    pub fn from_parts(
        circuit_reference: Option<&str>,
        order_number: Option<&str>,
        service_id: Option<&str>,
    ) -> Result<Self, DomainError> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|s| !s.is_empty())
        }
        match (
            given(circuit_reference),
            given(order_number),
            given(service_id),
        ) {
            (Some(c), None, None) => Ok(Self::CircuitReference(c.to_owned())),
            (None, Some(o), None) => Ok(Self::OrderNumber(o.to_owned())),
            (None, None, Some(s)) => Ok(Self::ServiceId(ServiceId::parse(s)?)),
            (None, None, None) => Err(DomainError::invalid(
                "service",
                "name the affected service with one of circuit_reference, order_number or service_id",
            )),
            _ => Err(DomainError::invalid(
                "service",
                "give only one of circuit_reference, order_number or service_id",
            )),
        }
    }

    /// Which identifier was used, for error messages.
    pub fn describe(&self) -> String {
        match self {
            Self::CircuitReference(c) => format!("circuit reference '{c}'"),
            Self::OrderNumber(o) => format!("order number '{o}'"),
            Self::ServiceId(s) => format!("service id '{s}'"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locator_takes_exactly_one_identifier() {
        assert_eq!(
            ServiceLocator::from_parts(Some("LON/ETH/1"), None, None).unwrap(),
            ServiceLocator::CircuitReference("LON/ETH/1".into())
        );
        assert_eq!(
            ServiceLocator::from_parts(None, Some(" ORD-1 "), None).unwrap(),
            ServiceLocator::OrderNumber("ORD-1".into())
        );
        assert!(matches!(
            ServiceLocator::from_parts(None, None, Some("SVC-1")).unwrap(),
            ServiceLocator::ServiceId(_)
        ));
        assert!(ServiceLocator::from_parts(None, None, None).is_err());
        assert!(ServiceLocator::from_parts(Some("  "), None, None).is_err());
        assert!(ServiceLocator::from_parts(Some("a"), Some("b"), None).is_err());
        assert!(ServiceLocator::from_parts(Some("a"), None, Some("c")).is_err());
        assert!(ServiceLocator::from_parts(Some("a"), Some("b"), Some("c")).is_err());
    }

    #[test]
    fn ceased_services_refuse_incidents() {
        assert!(ServiceStatus::Active.accepts_incidents());
        assert!(ServiceStatus::Suspended.accepts_incidents());
        assert!(!ServiceStatus::Ceased.accepts_incidents());
        for s in [
            ServiceStatus::Active,
            ServiceStatus::Suspended,
            ServiceStatus::Ceased,
        ] {
            assert_eq!(s.as_str().parse::<ServiceStatus>().unwrap(), s);
        }
    }

    #[test]
    fn availability_targets_are_percentages() {
        let t = AvailabilityTarget::from_percent(99.95).unwrap();
        assert_eq!(t.percent(), 99.95);
        assert_eq!(
            AvailabilityTarget::from_percent(100.0).unwrap().percent(),
            100.0
        );
        assert!(AvailabilityTarget::from_percent(99.9).unwrap() < t);
        for bad in [0.0, -1.0, 100.001, f64::NAN, f64::INFINITY] {
            assert!(AvailabilityTarget::from_percent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn service_id_rejects_spaces_and_empties() {
        assert!(ServiceId::parse("SVC 1").is_err());
        assert!(ServiceId::parse("").is_err());
        assert!(ServiceId::parse(&"S".repeat(65)).is_err());
        assert_eq!(ServiceId::parse(" SVC-1 ").unwrap().as_str(), "SVC-1");
    }
}
