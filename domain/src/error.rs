//! Errors raised by business rules: a typed reason for every refusal, each with a stable `code()`
//! that the API answers with and the data a client needs to act on it.

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::TicketRef;

/// A business rule refused an operation or a value could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A value does not have the required form; `field` names the input it came from (422).
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The caller's role does not allow it (403); the text says who may.
    #[error("{0}")]
    Forbidden(String),
    /// The resource's state, or the clock, does not allow it now; `message` explains.
    #[error("{message}")]
    Refused { reason: Reason, message: String },
}

/// Why a rule refused an operation: its stable code, and what a client needs to act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The lifecycle does not allow this move from the current state.
    IllegalTransition,
    /// A closed or cancelled ticket takes no more changes.
    TicketFinal,
    /// The ticket is already a child of a major incident.
    AlreadyLinked,
    /// A major incident cannot become another one's child.
    ParentCannotBeChild,
    /// The major incident is resolved: no more children, updates or resolution.
    MajorIncidentResolved,
    /// A child of an active major incident is not escalated: the crisis process supersedes.
    CrisisProcessActive {
        major_incident: TicketRef,
        incident_manager: Option<String>,
    },
    EscalationOutOfSequence,
    EscalationLimitReached,
    TicketNotEscalatable,
    /// The SLA clock is paused or stopped and cannot be paused again.
    SlaNotRunning,
    /// A planned work needs ten days' notice (unless an emergency).
    InsufficientNotice {
        earliest_allowed_start: DateTime<Utc>,
    },
    /// A maintenance request needs twenty working days' notice.
    TooEarly {
        earliest_allowed_start: DateTime<Utc>,
    },
    /// A registration is approved only once its email address is verified.
    EmailNotVerified,
    /// A major incident always affects something: named services or a region.
    NothingAffected,
    /// The ticket holds as many attachments as it may.
    AttachmentCountLimit {
        limit: u32,
    },
    /// The company's attachments would hold more bytes than it may.
    AttachmentStorageQuota {
        limit_bytes: u64,
        used_bytes: u64,
    },
}

impl Reason {
    /// The stable snake_case code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::IllegalTransition => "illegal_transition",
            Reason::TicketFinal => "ticket_final",
            Reason::AlreadyLinked => "already_linked",
            Reason::ParentCannotBeChild => "parent_cannot_be_child",
            Reason::MajorIncidentResolved => "major_incident_resolved",
            Reason::CrisisProcessActive { .. } => "crisis_process_active",
            Reason::EscalationOutOfSequence => "escalation_out_of_sequence",
            Reason::EscalationLimitReached => "escalation_limit_reached",
            Reason::TicketNotEscalatable => "ticket_not_escalatable",
            Reason::SlaNotRunning => "sla_not_running",
            Reason::InsufficientNotice { .. } => "insufficient_notice",
            Reason::TooEarly { .. } => "too_early",
            Reason::EmailNotVerified => "email_not_verified",
            Reason::NothingAffected => "nothing_affected",
            Reason::AttachmentCountLimit { .. } => "attachment_count_limit",
            Reason::AttachmentStorageQuota { .. } => "attachment_storage_quota",
        }
    }

    /// Refusals about the request's own content measured against the clock (a start too soon),
    /// rather than about the resource's state: the API answers them 422, the others 409.
    pub fn is_about_the_request(&self) -> bool {
        matches!(
            self,
            Reason::InsufficientNotice { .. } | Reason::TooEarly { .. }
        )
    }
}

impl DomainError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    pub fn refused(reason: Reason, message: impl Into<String>) -> Self {
        Self::Refused {
            reason,
            message: message.into(),
        }
    }

    /// The refusal's reason, if it is one.
    pub fn reason(&self) -> Option<&Reason> {
        match self {
            Self::Refused { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_snake_case() {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let reasons = [
            Reason::IllegalTransition,
            Reason::TicketFinal,
            Reason::AlreadyLinked,
            Reason::ParentCannotBeChild,
            Reason::MajorIncidentResolved,
            Reason::CrisisProcessActive {
                major_incident: TicketRef::from_number(1).unwrap(),
                incident_manager: None,
            },
            Reason::EscalationOutOfSequence,
            Reason::EscalationLimitReached,
            Reason::TicketNotEscalatable,
            Reason::SlaNotRunning,
            Reason::InsufficientNotice {
                earliest_allowed_start: at,
            },
            Reason::TooEarly {
                earliest_allowed_start: at,
            },
            Reason::EmailNotVerified,
            Reason::NothingAffected,
            Reason::AttachmentCountLimit { limit: 1 },
            Reason::AttachmentStorageQuota {
                limit_bytes: 1,
                used_bytes: 1,
            },
        ];
        let codes: std::collections::BTreeSet<_> = reasons.iter().map(Reason::code).collect();
        assert_eq!(codes.len(), reasons.len(), "one code per reason");
        assert!(codes
            .iter()
            .all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')));
        let unprocessable: Vec<_> = reasons
            .iter()
            .filter(|r| r.is_about_the_request())
            .map(Reason::code)
            .collect();
        assert_eq!(unprocessable, ["insufficient_notice", "too_early"]);
    }
}
