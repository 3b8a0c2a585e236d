//! The events the service publishes (R-CON2–4): written to the outbox in the transaction of the
//! change they report, then streamed, mailed to contacts and delivered to webhooks.

use crate::timeline::text_enum;
use crate::DomainError;

text_enum!(
    /// Every kind of event, by its published name.
    EventType, "event_type", {
        IncidentCreated => "incident.created",
        IncidentUpdated => "incident.updated",
        IncidentEscalated => "incident.escalated",
        IncidentAttachmentAdded => "incident.attachment_added",
        MajorIncidentUpdated => "major_incident.updated",
        MajorIncidentNotice => "major_incident.notice",
        PlannedWorkScheduled => "planned_work.scheduled",
        PlannedWorkUpdated => "planned_work.updated",
        PlannedWorkStarted => "planned_work.started",
        PlannedWorkCompleted => "planned_work.completed",
        PlannedWorkCancelled => "planned_work.cancelled",
        PlannedWorkReminder => "planned_work.reminder",
        MaintenanceRequestSubmitted => "maintenance_request.submitted",
        MaintenanceRequestAcknowledged => "maintenance_request.acknowledged",
        MaintenanceRequestAccepted => "maintenance_request.accepted",
        MaintenanceRequestRejected => "maintenance_request.rejected",
        MaintenanceRequestWithdrawn => "maintenance_request.withdrawn",
        ContactConfirmationRequested => "contact.confirmation_requested",
        RegistrationVerificationRequested => "registration.verification_requested",
        RegistrationAwaitingApproval => "registration.awaiting_approval",
        PasswordResetRequested => "account.password_reset_requested",
        PasswordChanged => "account.password_changed",
        ServiceReportMonthly => "service_report.monthly",
    }
);

impl EventType {
    /// The provider's own bookkeeping (a confirmation mail to send) and the monthly service
    /// report: mailed only to the addresses concerned (the report to its company's contacts who
    /// receive service reports), never to webhooks, streamed to staff only.
    pub fn is_internal(self) -> bool {
        matches!(
            self,
            EventType::ContactConfirmationRequested
                | EventType::RegistrationVerificationRequested
                | EventType::RegistrationAwaitingApproval
                | EventType::PasswordResetRequested
                | EventType::PasswordChanged
                | EventType::ServiceReportMonthly
        )
    }

    /// A step of a provider planned work.
    pub fn is_planned_work(self) -> bool {
        use EventType::*;
        matches!(
            self,
            PlannedWorkScheduled
                | PlannedWorkUpdated
                | PlannedWorkStarted
                | PlannedWorkCompleted
                | PlannedWorkCancelled
                | PlannedWorkReminder
        )
    }

    /// Planned works and maintenance requests are change management's; the rest is incidents'.
    pub fn is_change_management(self) -> bool {
        use EventType::*;
        self.is_planned_work()
            || matches!(
                self,
                MaintenanceRequestSubmitted
                    | MaintenanceRequestAcknowledged
                    | MaintenanceRequestAccepted
                    | MaintenanceRequestRejected
                    | MaintenanceRequestWithdrawn
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let names: std::collections::BTreeSet<_> =
            EventType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(names.len(), EventType::ALL.len());
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()).unwrap(), *t);
        }
        assert!(EventType::parse("incident.deleted").is_err());
        assert!(EventType::PlannedWorkStarted.is_change_management());
        assert!(!EventType::IncidentUpdated.is_change_management());
        // The names say the same as the variants.
        for t in EventType::ALL {
            assert_eq!(t.is_planned_work(), t.as_str().starts_with("planned_work."));
            assert_eq!(
                t.is_change_management(),
                t.is_planned_work() || t.as_str().starts_with("maintenance_request.")
            );
        }
    }
}
