//! The TM Forum TMF621 (Trouble Ticket Management, v4) view of our tickets: how our statuses,
//! impacts and priorities read in TMF621's vocabulary, how a TMF621 status request maps onto our
//! lifecycle, and which TMF621 notification an event of ours is (R-API, issue 10).
//!
//! | ours | TMF621 `status` |
//! |---|---|
//! | `new`, `acknowledged` | `acknowledged` |
//! | `in_progress` | `inProgress` |
//! | `pending_customer` | `pending` |
//! | `resolved` | `resolved` |
//! | `closed` | `closed` |
//! | `cancelled` | `cancelled` |
//!
//! TMF621's `held` and `rejected` have no counterpart: a logged ticket is never rejected, and
//! waiting on the customer is `pending`.

use std::fmt;

use crate::{DomainError, EventType, Impact, IncidentStatus, Priority};

/// The TMF621 v4 `TroubleTicketStatusType` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TmfStatus {
    Acknowledged,
    Rejected,
    Pending,
    Held,
    InProgress,
    Cancelled,
    Closed,
    Resolved,
}

impl TmfStatus {
    pub const ALL: &'static [TmfStatus] = &[
        TmfStatus::Acknowledged,
        TmfStatus::Rejected,
        TmfStatus::Pending,
        TmfStatus::Held,
        TmfStatus::InProgress,
        TmfStatus::Cancelled,
        TmfStatus::Closed,
        TmfStatus::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TmfStatus::Acknowledged => "acknowledged",
            TmfStatus::Rejected => "rejected",
            TmfStatus::Pending => "pending",
            TmfStatus::Held => "held",
            TmfStatus::InProgress => "inProgress",
            TmfStatus::Cancelled => "cancelled",
            TmfStatus::Closed => "closed",
            TmfStatus::Resolved => "resolved",
        }
    }

    /// Parses a TMF621 status name (exact, as the specification spells it).
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                DomainError::invalid(
                    "status",
                    format!(
                        "unknown TMF621 status '{s}'; expected one of: {}",
                        Self::ALL
                            .iter()
                            .map(|t| t.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    }

    /// How one of our statuses reads in TMF621.
    pub fn of(status: IncidentStatus) -> Self {
        match status {
            IncidentStatus::New | IncidentStatus::Acknowledged => TmfStatus::Acknowledged,
            IncidentStatus::InProgress => TmfStatus::InProgress,
            IncidentStatus::PendingCustomer => TmfStatus::Pending,
            IncidentStatus::Resolved => TmfStatus::Resolved,
            IncidentStatus::Closed => TmfStatus::Closed,
            IncidentStatus::Cancelled => TmfStatus::Cancelled,
        }
    }

    /// Our statuses that read as this TMF621 status (empty for `held` and `rejected`).
    pub fn ours(self) -> &'static [IncidentStatus] {
        match self {
            TmfStatus::Acknowledged => &[IncidentStatus::New, IncidentStatus::Acknowledged],
            TmfStatus::InProgress => &[IncidentStatus::InProgress],
            TmfStatus::Pending => &[IncidentStatus::PendingCustomer],
            TmfStatus::Resolved => &[IncidentStatus::Resolved],
            TmfStatus::Closed => &[IncidentStatus::Closed],
            TmfStatus::Cancelled => &[IncidentStatus::Cancelled],
            TmfStatus::Held | TmfStatus::Rejected => &[],
        }
    }
}

impl fmt::Display for TmfStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a request to put a ticket in a TMF621 status asks of our lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusRequest {
    /// The ticket already reads as the requested status: nothing to do.
    Unchanged,
    /// Close the ticket (customer or service desk, with a reason).
    Close,
    /// Move the ticket to this status through the ordinary transition rules.
    Move(IncidentStatus),
}

/// Maps a requested TMF621 status onto our lifecycle for a ticket now in `current`.
///
/// `inProgress` on a resolved ticket is a reopening; `held` and `rejected` have no counterpart
/// and are refused. Whether the caller may make the move is the lifecycle's decision
/// ([`crate::Incident::transition`]), not this mapping's.
pub fn status_request(
    current: IncidentStatus,
    wanted: TmfStatus,
) -> Result<StatusRequest, DomainError> {
    if TmfStatus::of(current) == wanted {
        return Ok(StatusRequest::Unchanged);
    }
    Ok(match wanted {
        TmfStatus::Acknowledged => StatusRequest::Move(IncidentStatus::Acknowledged),
        TmfStatus::InProgress => StatusRequest::Move(IncidentStatus::InProgress),
        TmfStatus::Pending => StatusRequest::Move(IncidentStatus::PendingCustomer),
        TmfStatus::Resolved => StatusRequest::Move(IncidentStatus::Resolved),
        TmfStatus::Cancelled => StatusRequest::Move(IncidentStatus::Cancelled),
        TmfStatus::Closed => StatusRequest::Close,
        TmfStatus::Held | TmfStatus::Rejected => {
            return Err(DomainError::invalid(
                "status",
                format!(
                    "'{wanted}' has no counterpart here: tickets are never rejected once logged, \
                     and a ticket waiting on the customer is 'pending'"
                ),
            ))
        }
    })
}

/// TMF621 `severity` of an impact: `Critical`, `Major`, `Minor` or `Low`.
pub fn severity_of(impact: Impact) -> &'static str {
    match impact {
        Impact::ServiceDown => "Critical",
        Impact::Degraded => "Major",
        Impact::Intermittent => "Minor",
        Impact::NoImpact => "Low",
    }
}

/// The impact a TMF621 `severity` names: `Critical`, `Major`, `Minor`, `Low` (any case) or our own
/// impact names.
pub fn impact_of_severity(severity: &str) -> Result<Impact, DomainError> {
    let s = severity;
    Impact::ALL
        .iter()
        .copied()
        .find(|i| severity_of(*i).eq_ignore_ascii_case(s) || i.as_str() == s)
        .ok_or_else(|| {
            DomainError::invalid(
                "severity",
                format!(
                    "unknown severity '{severity}'; expected Critical, Major, Minor or Low \
                     (or service_down, degraded, intermittent, no_impact)"
                ),
            )
        })
}

/// TMF621 `priority` of ours: `Critical` (P1), `High` (P2), `Medium` (P3), `Low` (P4).
pub fn priority_name(priority: Priority) -> &'static str {
    match priority {
        Priority::P1 => "Critical",
        Priority::P2 => "High",
        Priority::P3 => "Medium",
        Priority::P4 => "Low",
    }
}

/// Parses a TMF621 priority: `Critical`, `High`, `Medium`, `Low` (any case) or `P1`–`P4`.
pub fn parse_priority(text: &str) -> Result<Priority, DomainError> {
    let t = text;
    Priority::ALL
        .iter()
        .copied()
        .find(|p| priority_name(*p).eq_ignore_ascii_case(t) || p.as_str().eq_ignore_ascii_case(t))
        .ok_or_else(|| {
            DomainError::invalid(
                "priority",
                format!("unknown priority '{text}'; expected Critical, High, Medium, Low or P1–P4"),
            )
        })
}

/// The TMF621 notifications a hub listener may ask for.
pub const EVENT_TYPES: &[&str] = &[
    CREATE_EVENT,
    STATUS_CHANGE_EVENT,
    RESOLVED_EVENT,
    ATTRIBUTE_CHANGE_EVENT,
];
pub const CREATE_EVENT: &str = "TroubleTicketCreateEvent";
pub const STATUS_CHANGE_EVENT: &str = "TroubleTicketStatusChangeEvent";
pub const RESOLVED_EVENT: &str = "TroubleTicketResolvedEvent";
pub const ATTRIBUTE_CHANGE_EVENT: &str = "TroubleTicketAttributeValueChangeEvent";

/// Parses a hub listener's `query`: empty (every notification) or `eventType=A,B` (also
/// `eventType=A&eventType=B`, spaces allowed around `=`), as TMF630 filtering spells it and MEF 124
/// reuses. Returns the event types wanted, each one of `known`.
pub fn parse_event_query(query: Option<&str>, known: &[&str]) -> Result<Vec<String>, DomainError> {
    let query = query.map(str::trim).unwrap_or_default();
    if query.is_empty() {
        return Ok(known.iter().map(|s| (*s).to_owned()).collect());
    }
    let mut wanted = Vec::new();
    for part in query.split('&').filter(|p| !p.trim().is_empty()) {
        let (key, value) = part.split_once('=').ok_or_else(|| {
            DomainError::invalid("query", format!("'{part}' is not of the form eventType=…"))
        })?;
        if key.trim() != "eventType" {
            return Err(DomainError::invalid(
                "query",
                format!(
                    "cannot filter on '{}'; only eventType is supported",
                    key.trim()
                ),
            ));
        }
        for name in value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
            if !known.contains(&name) {
                return Err(DomainError::invalid(
                    "query",
                    format!(
                        "unknown event type '{name}'; expected one of: {}",
                        known.join(", ")
                    ),
                ));
            }
            if !wanted.iter().any(|w| w == name) {
                wanted.push(name.to_owned());
            }
        }
    }
    if wanted.is_empty() {
        return Err(DomainError::invalid("query", "names no event type"));
    }
    Ok(wanted)
}

/// A TMF621 hub listener's `query` ([`parse_event_query`] over TMF621's [`EVENT_TYPES`]).
pub fn parse_hub_query(query: Option<&str>) -> Result<Vec<String>, DomainError> {
    parse_event_query(query, EVENT_TYPES)
}

/// Which TMF621 notification, among those `wanted`, one of our events becomes — `None` when the
/// listener wants none that fit (or the event is not about a trouble ticket).
///
/// `incident.created` is a create event; an `incident.updated` that changed the status is a
/// resolved event (when the ticket became resolved and that is wanted) or else a status-change
/// event; any other change to a ticket (notes, priority, escalation, major-incident news) is an
/// attribute-value-change event.
pub fn event_for(
    event_type: EventType,
    status_changed: bool,
    status: Option<&str>,
    wanted: &[String],
) -> Option<&'static str> {
    use EventType::*;
    let wants = |t: &str| wanted.iter().any(|w| w == t);
    let candidates: &[&'static str] = match event_type {
        IncidentCreated => &[CREATE_EVENT],
        IncidentUpdated if status_changed && status == Some("resolved") => {
            &[RESOLVED_EVENT, STATUS_CHANGE_EVENT]
        }
        IncidentUpdated if status_changed => &[STATUS_CHANGE_EVENT],
        IncidentUpdated | IncidentEscalated | IncidentAttachmentAdded | MajorIncidentUpdated => {
            &[ATTRIBUTE_CHANGE_EVENT]
        }
        _ => &[],
    };
    candidates.iter().copied().find(|c| wants(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_of_ours_reads_as_a_tmf_status_that_maps_back_to_it() {
        for status in IncidentStatus::ALL {
            let tmf = TmfStatus::of(*status);
            assert!(tmf.ours().contains(status), "{status} -> {tmf}");
            assert_eq!(TmfStatus::parse(tmf.as_str()).unwrap(), tmf);
        }
        assert!(TmfStatus::Held.ours().is_empty());
        assert!(TmfStatus::parse("in_progress").is_err());
    }

    #[test]
    fn status_requests_map_onto_the_lifecycle() {
        use IncidentStatus::*;
        assert_eq!(
            status_request(New, TmfStatus::Acknowledged).unwrap(),
            StatusRequest::Unchanged
        );
        assert_eq!(
            status_request(Resolved, TmfStatus::InProgress).unwrap(),
            StatusRequest::Move(InProgress)
        );
        assert_eq!(
            status_request(InProgress, TmfStatus::Pending).unwrap(),
            StatusRequest::Move(PendingCustomer)
        );
        assert_eq!(
            status_request(Resolved, TmfStatus::Closed).unwrap(),
            StatusRequest::Close
        );
        assert!(status_request(New, TmfStatus::Held).is_err());
        assert!(status_request(New, TmfStatus::Rejected).is_err());
    }

    #[test]
    fn severities_and_priorities_round_trip_in_both_vocabularies() {
        for impact in Impact::ALL {
            assert_eq!(impact_of_severity(severity_of(*impact)).unwrap(), *impact);
            assert_eq!(impact_of_severity(impact.as_str()).unwrap(), *impact);
        }
        assert_eq!(impact_of_severity("critical").unwrap(), Impact::ServiceDown);
        assert!(impact_of_severity("Catastrophic").is_err());
        for p in Priority::ALL {
            assert_eq!(parse_priority(priority_name(*p)).unwrap(), *p);
            assert_eq!(parse_priority(p.as_str()).unwrap(), *p);
        }
        assert!(parse_priority("urgent").is_err());
    }

    #[test]
    fn hub_queries_name_known_event_types() {
        assert_eq!(parse_hub_query(None).unwrap().len(), 4);
        assert_eq!(
            parse_hub_query(Some(
                "eventType=TroubleTicketStatusChangeEvent,TroubleTicketResolvedEvent"
            ))
            .unwrap(),
            [STATUS_CHANGE_EVENT, RESOLVED_EVENT]
        );
        assert_eq!(
            parse_hub_query(Some(
                "eventType=TroubleTicketCreateEvent&eventType=TroubleTicketCreateEvent"
            ))
            .unwrap(),
            [CREATE_EVENT]
        );
        assert!(parse_hub_query(Some("eventType=TicketGone")).is_err());
        assert!(parse_hub_query(Some("status=closed")).is_err());
        assert!(parse_hub_query(Some("eventType=")).is_err());
    }

    #[test]
    fn events_become_the_most_specific_notification_wanted() {
        let all: Vec<String> = EVENT_TYPES.iter().map(|s| (*s).to_owned()).collect();
        let only_status = vec![STATUS_CHANGE_EVENT.to_owned()];
        assert_eq!(
            event_for(EventType::IncidentCreated, false, Some("new"), &all),
            Some(CREATE_EVENT)
        );
        assert_eq!(
            event_for(EventType::IncidentCreated, false, Some("new"), &only_status),
            None
        );
        assert_eq!(
            event_for(EventType::IncidentUpdated, true, Some("resolved"), &all),
            Some(RESOLVED_EVENT)
        );
        assert_eq!(
            event_for(
                EventType::IncidentUpdated,
                true,
                Some("resolved"),
                &only_status
            ),
            Some(STATUS_CHANGE_EVENT)
        );
        assert_eq!(
            event_for(EventType::IncidentUpdated, false, Some("in_progress"), &all),
            Some(ATTRIBUTE_CHANGE_EVENT)
        );
        assert_eq!(
            event_for(
                EventType::IncidentUpdated,
                false,
                Some("in_progress"),
                &only_status
            ),
            None
        );
        assert_eq!(
            event_for(EventType::PlannedWorkScheduled, false, None, &all),
            None
        );
    }
}
