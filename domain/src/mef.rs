//! The MEF 124 (LSO Sonata Trouble Ticket and Incident Management) view of our tickets and
//! major incidents: how our statuses, impacts, priorities and severities read in Sonata's
//! vocabulary, and which Sonata notification an event of ours is (issue 15).
//!
//! | ours | Sonata trouble ticket `status` |
//! |---|---|
//! | `new`, `acknowledged` | `acknowledged` |
//! | `in_progress` | `inProgress`, or `reopened` when it came back from `resolved` |
//! | `pending_customer` | `pending` |
//! | `resolved` | `resolved` |
//! | `closed` | `closed` |
//! | `cancelled` | `cancelled` |
//! | an open ticket whose buyer asked to cancel it, the desk not yet decided | `assessingCancellation` |
//!
//! | major incident | Sonata incident `status` |
//! |---|---|
//! | active, no update posted yet | `created` |
//! | active, updated | `inProgress` |
//! | resolved | `closed` |

use crate::{
    DomainError, EntryKind, EventType, Impact, IncidentStatus, MajorStatus, Priority, Severity,
    TimelineEntry,
};

/// Sonata `TroubleTicketStatusType`.
pub const TICKET_STATUSES: &[&str] = &[
    "acknowledged",
    "assessingCancellation",
    "cancelled",
    "closed",
    "inProgress",
    "pending",
    "resolved",
    "reopened",
];

/// How a ticket of ours reads in Sonata. `reopened`: its last status move came from
/// `resolved`; `cancellation_asked`: the buyer asked to cancel it since its last status move.
pub fn ticket_status(
    status: IncidentStatus,
    reopened: bool,
    cancellation_asked: bool,
) -> &'static str {
    use IncidentStatus::*;
    match status {
        _ if cancellation_asked && status.is_open() && status != Resolved => {
            "assessingCancellation"
        }
        New | Acknowledged => "acknowledged",
        InProgress if reopened => "reopened",
        InProgress => "inProgress",
        PendingCustomer => "pending",
        Resolved => "resolved",
        Closed => "closed",
        Cancelled => "cancelled",
    }
}

/// Whether a ticket's last status move (of its timeline `entries`, oldest first) brought it
/// back from `resolved`: Sonata's `reopened`.
pub fn reopened(entries: &[TimelineEntry]) -> bool {
    entries
        .iter()
        .rev()
        .find_map(|e| e.status.as_ref())
        .is_some_and(|m| m.from == IncidentStatus::Resolved && m.to == IncidentStatus::InProgress)
}

/// Whether the buyer asked to cancel the ticket since its last status move (of its timeline
/// `entries`, oldest first): Sonata's `assessingCancellation` while it is open.
pub fn cancellation_asked(entries: &[TimelineEntry]) -> bool {
    entries
        .iter()
        .rev()
        .find(|e| e.kind == EntryKind::CancellationRequest || e.status.is_some())
        .is_some_and(|e| e.kind == EntryKind::CancellationRequest)
}

/// Our statuses a Sonata status filter selects (`assessingCancellation` and `reopened` are
/// judged per ticket after this first cut).
pub fn statuses_of(name: &str) -> Result<&'static [IncidentStatus], DomainError> {
    use IncidentStatus::*;
    Ok(match name {
        "acknowledged" => &[New, Acknowledged],
        "inProgress" | "reopened" => &[InProgress],
        "pending" => &[PendingCustomer],
        "resolved" => &[Resolved],
        "closed" => &[Closed],
        "cancelled" => &[Cancelled],
        "assessingCancellation" => &[New, Acknowledged, InProgress, PendingCustomer],
        other => {
            return Err(DomainError::invalid(
                "status",
                format!(
                    "unknown status '{other}'; expected one of: {}",
                    TICKET_STATUSES.join(", ")
                ),
            ))
        }
    })
}

/// Sonata `TroubleTicketSeverityType` of an impact.
pub fn severity_of(impact: Impact) -> &'static str {
    match impact {
        Impact::ServiceDown => "extensive",
        Impact::Degraded => "significant",
        Impact::Intermittent => "moderate",
        Impact::NoImpact => "minor",
    }
}

/// The impact a Sonata severity names.
pub fn impact_of_severity(severity: &str) -> Result<Impact, DomainError> {
    Impact::ALL
        .iter()
        .copied()
        .find(|i| severity_of(*i) == severity)
        .ok_or_else(|| {
            DomainError::invalid(
                "severity",
                format!(
                    "unknown severity '{severity}'; expected extensive, significant, moderate or minor"
                ),
            )
        })
}

/// Sonata `MEFObservedImpactType` of an impact: it has no "no impact", so a ticket without
/// impact reads as `intermittent`, the least of the three.
pub fn observed_impact_of(impact: Impact) -> &'static str {
    match impact {
        Impact::ServiceDown => "down",
        Impact::Degraded => "degraded",
        Impact::Intermittent | Impact::NoImpact => "intermittent",
    }
}

/// Checks that the buyer's `observedImpact` agrees with its `severity` (which sets our impact):
/// `down` is `extensive`, `degraded` `significant`, `intermittent` `moderate`; a `minor` ticket
/// may have observed any of them.
pub fn check_observed_impact(impact: Impact, observed: &str) -> Result<(), DomainError> {
    if !["down", "degraded", "intermittent"].contains(&observed) {
        return Err(DomainError::invalid(
            "observedImpact",
            format!(
                "unknown observed impact '{observed}'; expected down, degraded or intermittent"
            ),
        ));
    }
    if impact == Impact::NoImpact || observed_impact_of(impact) == observed {
        return Ok(());
    }
    Err(DomainError::invalid(
        "observedImpact",
        format!(
            "'{observed}' contradicts severity '{}': its observed impact is '{}'",
            severity_of(impact),
            observed_impact_of(impact)
        ),
    ))
}

/// Sonata `TroubleTicketPriorityType` of our priority.
pub fn priority_name(priority: Priority) -> &'static str {
    match priority {
        Priority::P1 => "critical",
        Priority::P2 => "high",
        Priority::P3 => "medium",
        Priority::P4 => "low",
    }
}

/// Our priority a Sonata priority names.
pub fn parse_priority(text: &str) -> Result<Priority, DomainError> {
    Priority::ALL
        .iter()
        .copied()
        .find(|p| priority_name(*p) == text)
        .ok_or_else(|| {
            DomainError::invalid(
                "priority",
                format!("unknown priority '{text}'; expected critical, high, medium or low"),
            )
        })
}

/// Sonata incident `status` of a major incident.
pub fn incident_status(status: MajorStatus, updated: bool) -> &'static str {
    match (status, updated) {
        (MajorStatus::Resolved, _) => "closed",
        (MajorStatus::Active, false) => "created",
        (MajorStatus::Active, true) => "inProgress",
    }
}

/// Sonata incident `severity` of a major incident's severity.
pub fn incident_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "extensive",
        Severity::Major => "significant",
        Severity::Minor => "moderate",
    }
}

/// Sonata incident `impact` of a major incident's severity: a critical one takes services
/// down, a major one degrades them, a minor one is intermittent.
pub fn incident_impact(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "down",
        Severity::Major => "degraded",
        Severity::Minor => "intermittent",
    }
}

/// Sonata incident `priority` of a major incident's severity.
pub fn incident_priority(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::Major => "high",
        Severity::Minor => "medium",
    }
}

pub const TICKET_ATTRIBUTE_EVENT: &str = "troubleTicketAttributeValueChangeEvent";
pub const TICKET_STATUS_EVENT: &str = "troubleTicketStatusChangeEvent";
pub const TICKET_RESOLVED_EVENT: &str = "troubleTicketResolvedEvent";
pub const TICKET_INFORMATION_EVENT: &str = "troubleTicketInformationRequiredEvent";
pub const INCIDENT_CREATE_EVENT: &str = "incidentCreateEvent";
pub const INCIDENT_ATTRIBUTE_EVENT: &str = "incidentAttributeValueChangeEvent";
pub const INCIDENT_STATUS_EVENT: &str = "incidentStatusChangeEvent";

/// The Sonata notifications a hub listener may ask for.
pub const EVENT_TYPES: &[&str] = &[
    TICKET_ATTRIBUTE_EVENT,
    TICKET_STATUS_EVENT,
    TICKET_RESOLVED_EVENT,
    TICKET_INFORMATION_EVENT,
    INCIDENT_CREATE_EVENT,
    INCIDENT_ATTRIBUTE_EVENT,
    INCIDENT_STATUS_EVENT,
];

/// Whether a Sonata notification is about an incident (else about a trouble ticket).
pub fn is_incident_event(name: &str) -> bool {
    name.starts_with("incident")
}

/// A Sonata hub listener's `query`: `eventType=A,B` as TMF621's
/// ([`crate::tmf::parse_event_query`]) over Sonata's [`EVENT_TYPES`]; empty: every notification.
pub fn parse_hub_query(query: Option<&str>) -> Result<Vec<String>, DomainError> {
    crate::tmf::parse_event_query(query, EVENT_TYPES)
}

/// What one of our events says, as far as Sonata's notifications tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Happening {
    /// A ticket's Sonata status changed to `to` (ours).
    TicketStatus { to: IncidentStatus },
    /// Anything else changed on a ticket (notes, priority, escalation, its major incident's news).
    TicketChanged,
    /// A major incident was raised.
    IncidentRaised,
    /// A major incident's Sonata status changed (its first update, or its resolution).
    IncidentStatus,
    /// A major incident was updated.
    IncidentUpdated,
}

/// Which Sonata notification, among those `wanted`, a happening becomes — `None` when the
/// listener wants none that fit. A ticket resolved is `troubleTicketResolvedEvent`, one waiting
/// on the buyer `troubleTicketInformationRequiredEvent`, each falling back to the status event.
pub fn event_for(happening: Happening, wanted: &[String]) -> Option<&'static str> {
    let wants = |t: &str| wanted.iter().any(|w| w == t);
    let candidates: &[&'static str] = match happening {
        Happening::TicketStatus {
            to: IncidentStatus::Resolved,
        } => &[TICKET_RESOLVED_EVENT, TICKET_STATUS_EVENT],
        Happening::TicketStatus {
            to: IncidentStatus::PendingCustomer,
        } => &[TICKET_INFORMATION_EVENT, TICKET_STATUS_EVENT],
        Happening::TicketStatus { .. } => &[TICKET_STATUS_EVENT],
        Happening::TicketChanged => &[TICKET_ATTRIBUTE_EVENT],
        Happening::IncidentRaised => &[INCIDENT_CREATE_EVENT],
        Happening::IncidentStatus => &[INCIDENT_STATUS_EVENT],
        Happening::IncidentUpdated => &[INCIDENT_ATTRIBUTE_EVENT],
    };
    candidates.iter().copied().find(|c| wants(c))
}

/// What an event of ours is in Sonata's terms: `status_changed`/`status` as the event records
/// them for a ticket (ours); `about_major` when the event is the provider's own record of a
/// major incident (not a child's copy); `raised`, `first_update`, `resolved` from its payload.
pub fn happening_of(
    event_type: EventType,
    status_changed: bool,
    status: Option<IncidentStatus>,
    about_major: bool,
    raised: bool,
    incident_status_changed: bool,
) -> Option<Happening> {
    use EventType::*;
    Some(match event_type {
        MajorIncidentUpdated if about_major && raised => Happening::IncidentRaised,
        MajorIncidentUpdated if about_major && incident_status_changed => Happening::IncidentStatus,
        MajorIncidentUpdated if about_major => Happening::IncidentUpdated,
        IncidentUpdated if status_changed => Happening::TicketStatus { to: status? },
        IncidentUpdated | IncidentEscalated | IncidentAttachmentAdded | MajorIncidentUpdated => {
            Happening::TicketChanged
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_statuses_read_in_sonata_and_filter_back() {
        for status in IncidentStatus::ALL {
            for (reopened, asked) in [(false, false), (true, false), (false, true)] {
                let name = ticket_status(*status, reopened, asked);
                assert!(TICKET_STATUSES.contains(&name), "{name}");
                assert!(
                    statuses_of(name).unwrap().contains(status),
                    "{status} {name}"
                );
            }
        }
        assert_eq!(
            ticket_status(IncidentStatus::InProgress, true, false),
            "reopened"
        );
        assert_eq!(
            ticket_status(IncidentStatus::Acknowledged, false, true),
            "assessingCancellation"
        );
        // A request to cancel does not outlive the ticket's end.
        assert_eq!(
            ticket_status(IncidentStatus::Resolved, false, true),
            "resolved"
        );
        assert_eq!(ticket_status(IncidentStatus::Closed, false, true), "closed");
        assert!(statuses_of("held").is_err());
    }

    #[test]
    fn severities_priorities_and_impacts_round_trip() {
        for impact in Impact::ALL {
            assert_eq!(impact_of_severity(severity_of(*impact)).unwrap(), *impact);
            check_observed_impact(*impact, observed_impact_of(*impact)).unwrap();
        }
        assert!(impact_of_severity("Critical").is_err());
        assert!(check_observed_impact(Impact::ServiceDown, "intermittent").is_err());
        assert!(check_observed_impact(Impact::NoImpact, "down").is_ok());
        assert!(check_observed_impact(Impact::NoImpact, "gone").is_err());
        for p in Priority::ALL {
            assert_eq!(parse_priority(priority_name(*p)).unwrap(), *p);
        }
        assert!(parse_priority("P1").is_err());
    }

    #[test]
    fn major_incidents_read_as_incidents() {
        assert_eq!(incident_status(MajorStatus::Active, false), "created");
        assert_eq!(incident_status(MajorStatus::Active, true), "inProgress");
        assert_eq!(incident_status(MajorStatus::Resolved, true), "closed");
        assert_eq!(incident_severity(Severity::Critical), "extensive");
        assert_eq!(incident_impact(Severity::Major), "degraded");
        assert_eq!(incident_priority(Severity::Minor), "medium");
    }

    #[test]
    fn hub_queries_name_sonata_event_types() {
        assert_eq!(parse_hub_query(None).unwrap().len(), EVENT_TYPES.len());
        assert_eq!(
            parse_hub_query(Some("eventType = incidentCreateEvent")).unwrap(),
            [INCIDENT_CREATE_EVENT]
        );
        assert_eq!(
            parse_hub_query(Some(
                "eventType=troubleTicketStatusChangeEvent&eventType=troubleTicketResolvedEvent"
            ))
            .unwrap(),
            [TICKET_STATUS_EVENT, TICKET_RESOLVED_EVENT]
        );
        assert!(parse_hub_query(Some("eventType=TroubleTicketCreateEvent")).is_err());
        assert!(parse_hub_query(Some("status=closed")).is_err());
    }

    #[test]
    fn events_become_the_most_specific_notification_wanted() {
        let all: Vec<String> = EVENT_TYPES.iter().map(|s| (*s).to_owned()).collect();
        let status_only = vec![TICKET_STATUS_EVENT.to_owned()];
        let resolved = Happening::TicketStatus {
            to: IncidentStatus::Resolved,
        };
        assert_eq!(event_for(resolved, &all), Some(TICKET_RESOLVED_EVENT));
        assert_eq!(event_for(resolved, &status_only), Some(TICKET_STATUS_EVENT));
        let pending = Happening::TicketStatus {
            to: IncidentStatus::PendingCustomer,
        };
        assert_eq!(event_for(pending, &all), Some(TICKET_INFORMATION_EVENT));
        assert_eq!(event_for(Happening::TicketChanged, &status_only), None);
        use EventType::*;
        // A ticket's creation is the buyer's own doing: Sonata has no event for it.
        assert_eq!(
            happening_of(IncidentCreated, false, None, false, false, false),
            None
        );
        assert_eq!(
            happening_of(MajorIncidentUpdated, false, None, true, false, false),
            Some(Happening::IncidentUpdated)
        );
        assert_eq!(
            happening_of(MajorIncidentUpdated, false, None, true, false, true),
            Some(Happening::IncidentStatus)
        );
        assert_eq!(
            happening_of(MajorIncidentUpdated, false, None, true, true, false),
            Some(Happening::IncidentRaised)
        );
        // A child's copy of the update is news on the child ticket.
        assert_eq!(
            happening_of(MajorIncidentUpdated, false, None, false, false, false),
            Some(Happening::TicketChanged)
        );
    }
}
