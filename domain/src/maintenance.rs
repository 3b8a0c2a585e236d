//! Customer planned-works requests (R-CHG3): a customer asks for a maintenance window on one of
//! its services at least 20 working days ahead; change management acknowledges, then accepts or
//! rejects it; the customer may withdraw it while undecided.

use chrono::{DateTime, Utc};

use crate::calendar::WorkingCalendar;
use crate::timeline::text_enum;
use crate::{CustomerNumber, DomainError, ServiceId};

/// Working days of notice a customer request needs.
pub const NOTICE_WORKING_DAYS: u32 = 20;

text_enum!(
    /// Where a request is in its lifecycle.
    RequestStatus, "status", {
        Submitted => "submitted",
        Acknowledged => "acknowledged",
        Accepted => "accepted",
        Rejected => "rejected",
        Withdrawn => "withdrawn",
    }
);

pub use crate::person::ServiceOwner;

/// A customer's planned-works request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceRequest {
    pub id: i64,
    pub customer_number: CustomerNumber,
    pub service_id: ServiceId,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub description: String,
    pub service_owner: ServiceOwner,
    pub status: RequestStatus,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Checks a requested window submitted at `now`: it must end after it starts and start at least
/// 20 working days after submission on `calendar`.
pub fn check_request_window(
    calendar: &WorkingCalendar,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    crate::planned_work::check_window(start, end)?;
    let earliest = calendar.working_days_after(now, NOTICE_WORKING_DAYS);
    if start < earliest {
        return Err(DomainError::refused(
            crate::error::Reason::TooEarly {
                earliest_allowed_start: earliest,
            },
            format!(
                "a maintenance window must start at least {NOTICE_WORKING_DAYS} working days after \
                 submission; the earliest start allowed now is {}",
                earliest.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        ));
    }
    Ok(())
}

impl MaintenanceRequest {
    fn illegal(&self, action: &str) -> DomainError {
        DomainError::refused(
            crate::error::Reason::IllegalTransition,
            format!(
                "maintenance request {} is {}: cannot {action} it",
                self.id, self.status
            ),
        )
    }

    /// Change management has seen it.
    pub fn acknowledge(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        if self.status != RequestStatus::Submitted {
            return Err(self.illegal("acknowledge"));
        }
        self.status = RequestStatus::Acknowledged;
        self.acknowledged_at = Some(now);
        self.updated_at = now;
        Ok(())
    }

    /// Accepted or rejected (with a reason), from submitted or acknowledged.
    pub fn decide(
        &mut self,
        accept: bool,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        if !matches!(
            self.status,
            RequestStatus::Submitted | RequestStatus::Acknowledged
        ) {
            return Err(self.illegal(if accept { "accept" } else { "reject" }));
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if !accept && reason.is_none() {
            return Err(DomainError::invalid("reason", "a rejection needs a reason"));
        }
        self.status = if accept {
            RequestStatus::Accepted
        } else {
            RequestStatus::Rejected
        };
        self.decided_at = Some(now);
        self.decision_reason = reason.map(str::to_owned);
        self.updated_at = now;
        Ok(())
    }

    /// The customer withdraws an undecided request.
    pub fn withdraw(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        if !matches!(
            self.status,
            RequestStatus::Submitted | RequestStatus::Acknowledged
        ) {
            return Err(self.illegal("withdraw"));
        }
        self.status = RequestStatus::Withdrawn;
        self.withdrawn_at = Some(now);
        self.updated_at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn request(status: RequestStatus) -> MaintenanceRequest {
        MaintenanceRequest {
            id: 3,
            customer_number: CustomerNumber::parse("OCN-1").unwrap(),
            service_id: ServiceId::parse("SVC-1").unwrap(),
            start_at: at("2026-06-01T01:00:00Z"),
            end_at: at("2026-06-01T03:00:00Z"),
            description: "firewall upgrade".into(),
            service_owner: ServiceOwner {
                name: "O".into(),
                email: "o@x.example".into(),
                phone: "+441234567".into(),
            },
            status,
            submitted_by: "user:1".into(),
            submitted_at: at("2026-03-01T00:00:00Z"),
            acknowledged_at: None,
            decided_at: None,
            decision_reason: None,
            withdrawn_at: None,
            updated_at: at("2026-03-01T00:00:00Z"),
            version: 1,
        }
    }

    fn too_early(earliest: DateTime<Utc>) -> DomainError {
        DomainError::refused(
            crate::error::Reason::TooEarly {
                earliest_allowed_start: earliest,
            },
            format!(
                "a maintenance window must start at least 20 working days after submission; the \
                 earliest start allowed now is {}",
                earliest.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        )
    }

    #[test]
    fn twenty_working_days_at_the_boundary() {
        let cal = WorkingCalendar::new("UTC", "2026-12-25\n2026-12-28\n2027-01-01").unwrap();
        // Submitted Tue 1 Dec 2026 10:00 UTC: 20 working days later is Thu 31 Dec 10:00.
        let now = at("2026-12-01T10:00:00Z");
        let earliest = at("2026-12-31T10:00:00Z");
        let ok = |start: &str| {
            let start = at(start);
            check_request_window(&cal, start, start + chrono::Duration::hours(2), now)
        };
        assert_eq!(ok("2026-12-31T10:00:00Z"), Ok(()));
        assert_eq!(ok("2026-12-31T09:59:59Z"), Err(too_early(earliest)));
        assert_eq!(ok("2026-12-29T10:00:00Z"), Err(too_early(earliest)));
        assert_eq!(ok("2027-02-01T00:00:00Z"), Ok(()));
        let start = at("2027-02-01T02:00:00Z");
        assert!(
            check_request_window(&cal, start, start, now).is_err(),
            "empty window"
        );
    }

    #[test]
    fn lifecycle_table() {
        use RequestStatus::*;
        let now = at("2026-03-02T00:00:00Z");
        for status in RequestStatus::ALL {
            let undecided = matches!(status, Submitted | Acknowledged);
            assert_eq!(
                request(*status).acknowledge(now).is_ok(),
                *status == Submitted,
                "ack {status}"
            );
            assert_eq!(
                request(*status).decide(true, None, now).is_ok(),
                undecided,
                "accept {status}"
            );
            assert_eq!(
                request(*status).decide(false, Some("clash"), now).is_ok(),
                undecided,
                "reject {status}"
            );
            assert_eq!(
                request(*status).withdraw(now).is_ok(),
                undecided,
                "withdraw {status}"
            );
        }
        let mut r = request(Submitted);
        assert!(
            r.decide(false, None, now).is_err(),
            "rejection needs a reason"
        );
        assert_eq!(r.status, Submitted);
    }
}
