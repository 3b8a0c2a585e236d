//! Incidents (trouble tickets): impact, priority, status and the rules applied to them (R-INC1–4).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{CustomerNumber, DomainError, ServiceId, TicketRef};

/// How badly the customer's service is affected, as reported when raising.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    ServiceDown,
    Degraded,
    Intermittent,
    NoImpact,
}

/// Ticket priority; P1 is the most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

/// Where a ticket is in its lifecycle (R-INC4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    New,
    Acknowledged,
    InProgress,
    PendingCustomer,
    Resolved,
    Closed,
    Cancelled,
}

macro_rules! string_enum {
    ($ty:ident, $field:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    other => Err(DomainError::invalid(
                        $field,
                        format!("unknown value '{}'; expected one of: {}", other,
                            [$($name),+].join(", ")),
                    )),
                }
            }
        }
    };
}

string_enum!(Impact, "impact", {
    ServiceDown => "service_down",
    Degraded => "degraded",
    Intermittent => "intermittent",
    NoImpact => "no_impact",
});

string_enum!(Priority, "priority", { P1 => "P1", P2 => "P2", P3 => "P3", P4 => "P4" });

string_enum!(IncidentStatus, "status", {
    New => "new",
    Acknowledged => "acknowledged",
    InProgress => "in_progress",
    PendingCustomer => "pending_customer",
    Resolved => "resolved",
    Closed => "closed",
    Cancelled => "cancelled",
});

impl Priority {
    /// The priority a ticket starts with, derived from its reported impact (R-INC6).
    pub fn from_impact(impact: Impact) -> Self {
        match impact {
            Impact::ServiceDown => Priority::P1,
            Impact::Degraded => Priority::P2,
            Impact::Intermittent => Priority::P3,
            Impact::NoImpact => Priority::P4,
        }
    }
}

impl IncidentStatus {
    /// Open tickets are still being worked; closed and cancelled ones are final. A resolved ticket
    /// counts as open until it is closed, because the customer may still reopen it.
    pub fn is_open(self) -> bool {
        !matches!(self, IncidentStatus::Closed | IncidentStatus::Cancelled)
    }
}

/// The customer-side person who reported the incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reporter {
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// A trouble ticket as the business sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: i64,
    pub ticket: TicketRef,
    pub customer_number: CustomerNumber,
    pub service_id: ServiceId,
    pub summary: String,
    pub description: String,
    pub impact: Impact,
    pub priority: Priority,
    pub status: IncidentStatus,
    pub reporter: Reporter,
    pub raised_by: String,
    pub logged_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub parent_ticket: Option<TicketRef>,
    /// Optimistic-concurrency version, bumped on every change.
    pub version: i64,
}

impl Incident {
    /// Closes the ticket at the customer's request (R-INC4). Any ticket that is not already
    /// closed or cancelled may be closed; the reason is kept.
    pub fn close(&mut self, reason: &str, now: DateTime<Utc>) -> Result<(), DomainError> {
        if !self.status.is_open() {
            return Err(DomainError::illegal_state(
                "illegal_transition",
                format!(
                    "ticket {} is {} and cannot be closed",
                    self.ticket, self.status
                ),
            ));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DomainError::invalid("reason", "a reason is required"));
        }
        self.status = IncidentStatus::Closed;
        self.closed_at = Some(now);
        self.close_reason = Some(reason.to_owned());
        self.updated_at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn incident(status: IncidentStatus) -> Incident {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        Incident {
            id: 1,
            ticket: TicketRef::from_number(42).unwrap(),
            customer_number: CustomerNumber::parse("OCN-1").unwrap(),
            service_id: ServiceId::parse("SVC-1").unwrap(),
            summary: "down".into(),
            description: "link down".into(),
            impact: Impact::ServiceDown,
            priority: Priority::P1,
            status,
            reporter: Reporter {
                name: "A".into(),
                email: "a@example.com".into(),
                phone: "+441".into(),
            },
            raised_by: "user:1".into(),
            logged_at: at,
            updated_at: at,
            closed_at: None,
            close_reason: None,
            parent_ticket: None,
            version: 1,
        }
    }

    #[test]
    fn priority_follows_impact() {
        assert_eq!(Priority::from_impact(Impact::ServiceDown), Priority::P1);
        assert_eq!(Priority::from_impact(Impact::Degraded), Priority::P2);
        assert_eq!(Priority::from_impact(Impact::Intermittent), Priority::P3);
        assert_eq!(Priority::from_impact(Impact::NoImpact), Priority::P4);
    }

    #[test]
    fn enums_round_trip_and_reject_unknown_names() {
        for s in IncidentStatus::ALL {
            assert_eq!(s.as_str().parse::<IncidentStatus>().unwrap(), *s);
        }
        for i in Impact::ALL {
            assert_eq!(i.as_str().parse::<Impact>().unwrap(), *i);
        }
        for p in Priority::ALL {
            assert_eq!(p.as_str().parse::<Priority>().unwrap(), *p);
        }
        let err = "down".parse::<Impact>().unwrap_err().to_string();
        assert!(err.contains("service_down"), "{err}");
    }

    #[test]
    fn every_open_status_can_be_closed_with_a_reason() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        for status in IncidentStatus::ALL.iter().copied().filter(|s| s.is_open()) {
            let mut inc = incident(status);
            inc.close(" fixed by customer ", now).unwrap();
            assert_eq!(inc.status, IncidentStatus::Closed);
            assert_eq!(inc.closed_at, Some(now));
            assert_eq!(inc.close_reason.as_deref(), Some("fixed by customer"));
            assert_eq!(inc.updated_at, now);
        }
    }

    #[test]
    fn closed_and_cancelled_tickets_cannot_be_closed_and_stay_unchanged() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        for status in [IncidentStatus::Closed, IncidentStatus::Cancelled] {
            let mut inc = incident(status);
            let before = inc.clone();
            let err = inc.close("again", now).unwrap_err();
            assert!(matches!(err, DomainError::IllegalState { .. }));
            assert_eq!(inc, before);
        }
    }

    #[test]
    fn closing_needs_a_reason() {
        let mut inc = incident(IncidentStatus::New);
        assert!(inc.close("   ", Utc::now()).is_err());
        assert_eq!(inc.status, IncidentStatus::New);
    }
}
