//! Provider planned works (R-CHG1): `proposed → scheduled → in_progress → completed`, or
//! `cancelled`. A non-emergency work needs at least ten days' notice when it is scheduled.

use chrono::{DateTime, Duration, Utc};

use crate::timeline::text_enum;
use crate::{DomainError, EventType, ServiceId};

/// Notice a non-emergency work needs between scheduling and its start.
pub fn minimum_notice() -> Duration {
    Duration::days(10)
}

text_enum!(
    /// Where a planned work is in its lifecycle.
    WorkStatus, "status", {
        Proposed => "proposed",
        Scheduled => "scheduled",
        InProgress => "in_progress",
        Completed => "completed",
        Cancelled => "cancelled",
    }
);

/// A maintenance window the provider plans on customers' services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedWork {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    /// What customers should expect, e.g. "outage up to 30 minutes".
    pub expected_impact: String,
    pub outage_minutes: Option<i32>,
    pub affected_services: Vec<ServiceId>,
    pub emergency: bool,
    pub emergency_justification: Option<String>,
    pub status: WorkStatus,
    pub cancel_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// iCalendar SEQUENCE: bumped whenever the published event changes.
    pub sequence: i32,
    pub version: i64,
}

/// A window's start must be before its end.
pub fn check_window(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<(), DomainError> {
    if end <= start {
        return Err(DomainError::invalid(
            "end_at",
            "the window must end after it starts",
        ));
    }
    if end - start > Duration::days(14) {
        return Err(DomainError::invalid(
            "end_at",
            "a window may last at most 14 days",
        ));
    }
    Ok(())
}

/// An emergency work needs a justification; a normal one must not pretend to have one.
pub fn check_emergency(emergency: bool, justification: Option<&str>) -> Result<(), DomainError> {
    let given = justification.is_some_and(|j| !j.trim().is_empty());
    if emergency && !given {
        return Err(DomainError::invalid(
            "emergency_justification",
            "an emergency work needs a justification",
        ));
    }
    Ok(())
}

/// Changes to a work's announcement; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct WorkChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub expected_impact: Option<String>,
    pub outage_minutes: Option<i32>,
    pub start_at: Option<DateTime<Utc>>,
    pub end_at: Option<DateTime<Utc>>,
}

impl PlannedWork {
    /// Customers see a work once it is scheduled: never while it is only proposed.
    pub fn is_announced(&self) -> bool {
        self.status != WorkStatus::Proposed
    }

    /// Changes a proposed or scheduled work (a new window keeps the notice rule of a scheduled
    /// work); every change is a new revision of the calendar entry. Returns the event the
    /// affected customers get: `planned_work.updated` once the work is scheduled, none before.
    pub fn update(
        &mut self,
        changes: WorkChanges,
        now: DateTime<Utc>,
    ) -> Result<Option<EventType>, DomainError> {
        let (start, end) = (
            changes.start_at.unwrap_or(self.start_at),
            changes.end_at.unwrap_or(self.end_at),
        );
        if (start, end) != (self.start_at, self.end_at) {
            self.reschedule(start, end, now)?;
        } else {
            self.sequence += 1;
            self.updated_at = now;
        }
        if let Some(t) = changes.title {
            self.title = t.trim().to_owned();
        }
        if let Some(d) = changes.description {
            self.description = d.trim().to_owned();
        }
        if let Some(i) = changes.expected_impact {
            self.expected_impact = i.trim().to_owned();
        }
        if changes.outage_minutes.is_some() {
            self.outage_minutes = changes.outage_minutes;
        }
        Ok((self.status == WorkStatus::Scheduled).then_some(EventType::PlannedWorkUpdated))
    }

    /// Earliest start a non-emergency work may have if scheduled at `now`.
    pub fn earliest_start(now: DateTime<Utc>) -> DateTime<Utc> {
        now + minimum_notice()
    }

    /// Schedules (approves) a proposed work. Non-emergency works need ten days' notice.
    pub fn schedule(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        if self.status != WorkStatus::Proposed {
            return Err(self.illegal("schedule"));
        }
        self.check_notice(now)?;
        self.status = WorkStatus::Scheduled;
        self.sequence += 1;
        self.updated_at = now;
        Ok(())
    }

    fn check_notice(&self, now: DateTime<Utc>) -> Result<(), DomainError> {
        let earliest = Self::earliest_start(now);
        if !self.emergency && self.start_at < earliest {
            return Err(DomainError::refused(
                crate::error::Reason::InsufficientNotice {
                    earliest_allowed_start: earliest,
                },
                format!(
                    "a non-emergency planned work needs at least {} days' notice; the earliest \
                     start allowed now is {}",
                    minimum_notice().num_days(),
                    earliest.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
            ));
        }
        Ok(())
    }

    /// Moves the window of a proposed or scheduled work. A scheduled non-emergency work keeps
    /// needing ten days' notice for its new start.
    pub fn reschedule(
        &mut self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        if !matches!(self.status, WorkStatus::Proposed | WorkStatus::Scheduled) {
            return Err(self.illegal("reschedule"));
        }
        check_window(start, end)?;
        let before = (self.start_at, self.end_at);
        self.start_at = start;
        self.end_at = end;
        if self.status == WorkStatus::Scheduled {
            if let Err(e) = self.check_notice(now) {
                (self.start_at, self.end_at) = before;
                return Err(e);
            }
        }
        self.sequence += 1;
        self.updated_at = now;
        Ok(())
    }

    /// The work begins.
    pub fn start(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        if self.status != WorkStatus::Scheduled {
            return Err(self.illegal("start"));
        }
        self.status = WorkStatus::InProgress;
        self.sequence += 1;
        self.updated_at = now;
        Ok(())
    }

    /// The work is done.
    pub fn complete(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        if self.status != WorkStatus::InProgress {
            return Err(self.illegal("complete"));
        }
        self.status = WorkStatus::Completed;
        self.sequence += 1;
        self.updated_at = now;
        Ok(())
    }

    /// Calls the work off, with a reason; not once it is completed or cancelled.
    pub fn cancel(&mut self, reason: &str, now: DateTime<Utc>) -> Result<(), DomainError> {
        if matches!(self.status, WorkStatus::Completed | WorkStatus::Cancelled) {
            return Err(self.illegal("cancel"));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DomainError::invalid("reason", "a reason is required"));
        }
        self.status = WorkStatus::Cancelled;
        self.cancel_reason = Some(reason.to_owned());
        self.sequence += 1;
        self.updated_at = now;
        Ok(())
    }

    fn illegal(&self, action: &str) -> DomainError {
        DomainError::refused(
            crate::error::Reason::IllegalTransition,
            format!(
                "planned work {} is {}: cannot {action} it",
                self.id, self.status
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn work(status: WorkStatus, start: &str, emergency: bool) -> PlannedWork {
        let start = at(start);
        PlannedWork {
            id: 7,
            title: "t".into(),
            description: "d".into(),
            start_at: start,
            end_at: start + Duration::hours(2),
            expected_impact: "outage up to 30 minutes".into(),
            outage_minutes: Some(30),
            affected_services: vec![],
            emergency,
            emergency_justification: emergency.then(|| "core router failing".into()),
            status,
            cancel_reason: None,
            created_by: "user:1".into(),
            created_at: at("2026-01-01T00:00:00Z"),
            updated_at: at("2026-01-01T00:00:00Z"),
            sequence: 0,
            version: 1,
        }
    }

    #[test]
    fn ten_days_notice_at_its_boundaries() {
        let now = at("2026-03-01T12:00:00Z");
        let cases = [
            ("2026-03-11T12:00:00Z", false, true),  // exactly ten days
            ("2026-03-11T11:59:59Z", false, false), // one second short
            ("2026-03-20T00:00:00Z", false, true),
            ("2026-03-01T13:00:00Z", false, false),
            ("2026-03-01T13:00:00Z", true, true), // emergency: any time
            ("2026-02-28T13:00:00Z", true, true),
        ];
        for (start, emergency, ok) in cases {
            let mut w = work(WorkStatus::Proposed, start, emergency);
            let result = w.schedule(now);
            assert_eq!(result.is_ok(), ok, "{start} emergency={emergency}");
            match result {
                Ok(()) => assert_eq!((w.status, w.sequence), (WorkStatus::Scheduled, 1)),
                Err(DomainError::Refused {
                    reason:
                        crate::error::Reason::InsufficientNotice {
                            earliest_allowed_start,
                        },
                    ..
                }) => {
                    assert_eq!(earliest_allowed_start, at("2026-03-11T12:00:00Z"));
                    assert_eq!(w.status, WorkStatus::Proposed);
                }
                Err(other) => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn lifecycle_table() {
        use WorkStatus::*;
        let now = at("2026-03-01T12:00:00Z");
        for status in WorkStatus::ALL {
            let far = "2026-06-01T00:00:00Z";
            assert_eq!(
                work(*status, far, false).schedule(now).is_ok(),
                *status == Proposed,
                "schedule {status}"
            );
            assert_eq!(
                work(*status, far, false).start(now).is_ok(),
                *status == Scheduled,
                "start {status}"
            );
            assert_eq!(
                work(*status, far, false).complete(now).is_ok(),
                *status == InProgress,
                "complete {status}"
            );
            assert_eq!(
                work(*status, far, false)
                    .cancel("no longer needed", now)
                    .is_ok(),
                !matches!(status, Completed | Cancelled),
                "cancel {status}"
            );
        }
        assert!(work(Proposed, "2026-06-01T00:00:00Z", false)
            .cancel(" ", now)
            .is_err());
    }

    #[test]
    fn rescheduling_a_scheduled_work_keeps_the_notice_rule() {
        let now = at("2026-03-01T12:00:00Z");
        let mut w = work(WorkStatus::Scheduled, "2026-04-01T00:00:00Z", false);
        let err = w.reschedule(at("2026-03-05T00:00:00Z"), at("2026-03-05T02:00:00Z"), now);
        assert_eq!(
            err.unwrap_err().reason().map(|r| r.code()),
            Some("insufficient_notice")
        );
        assert_eq!(w.start_at, at("2026-04-01T00:00:00Z"), "unchanged");
        w.reschedule(at("2026-04-02T00:00:00Z"), at("2026-04-02T02:00:00Z"), now)
            .unwrap();
        assert_eq!(w.sequence, 1);
        assert!(w
            .reschedule(at("2026-04-02T00:00:00Z"), at("2026-04-01T00:00:00Z"), now)
            .is_err());
    }

    #[test]
    fn windows_and_emergencies_are_validated() {
        assert!(check_window(at("2026-03-01T00:00:00Z"), at("2026-03-01T00:00:00Z")).is_err());
        assert!(check_window(at("2026-03-01T00:00:00Z"), at("2026-03-20T00:00:00Z")).is_err());
        assert!(check_window(at("2026-03-01T00:00:00Z"), at("2026-03-01T04:00:00Z")).is_ok());
        assert!(check_emergency(true, None).is_err());
        assert!(check_emergency(true, Some("  ")).is_err());
        assert!(check_emergency(true, Some("router failing")).is_ok());
        assert!(check_emergency(false, None).is_ok());
    }
}
