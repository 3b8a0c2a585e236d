//! Incidents (trouble tickets): impact, priority, status and the rules applied to them (R-INC1–4).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{CustomerNumber, DomainError, ServiceId, SlaClock, TicketRef};

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

pub use crate::person::Reporter;

/// What caused an outage and what fixed it, recorded when a ticket is resolved (R-INC8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub cause: String,
    pub fix: String,
}

/// Who asks for a status change; the lifecycle table says who may make which move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A customer-side user or API client of the ticket's company.
    Customer,
    /// The provider's service desk (agents, incident managers, admins).
    ServiceDesk,
    /// Background jobs, e.g. the auto-close of resolved tickets.
    System,
}

/// One applied status change, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub from: IncidentStatus,
    pub to: IncidentStatus,
    pub reason: Option<String>,
}

/// Who may move a ticket from one status to another (R-INC4). Everything not listed is illegal.
pub fn who_may_move(from: IncidentStatus, to: IncidentStatus) -> &'static [Actor] {
    use Actor::*;
    use IncidentStatus::*;
    match (from, to) {
        (New, Acknowledged) => &[ServiceDesk],
        (Acknowledged, InProgress) => &[ServiceDesk],
        (InProgress, PendingCustomer) => &[ServiceDesk],
        (PendingCustomer, InProgress) => &[ServiceDesk],
        (InProgress | PendingCustomer, Resolved) => &[ServiceDesk],
        // Reopening a resolved ticket: the customer disagrees, or the desk finds more to do.
        (Resolved, InProgress) => &[Customer, ServiceDesk],
        (Resolved, Closed) => &[Customer, ServiceDesk, System],
        // The customer may close their own ticket at any point; the desk may do it for them.
        (New | Acknowledged | InProgress | PendingCustomer, Closed) => &[Customer, ServiceDesk],
        (New | Acknowledged | InProgress | PendingCustomer, Cancelled) => &[ServiceDesk],
        _ => &[],
    }
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
    pub assignee_email: Option<String>,
    /// The SLA clock; its `logged_at` is the ticket's.
    pub sla: SlaClock,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<Resolution>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub parent_ticket: Option<TicketRef>,
    /// Current escalation level, 0 (none) to 5.
    pub escalation_level: i32,
    /// The partner's own identifier for the ticket (TMF621 `externalId`), if they gave one.
    pub external_id: Option<String>,
    /// Optimistic-concurrency version, bumped on every change.
    pub version: i64,
}

fn required(field: &'static str, value: Option<&str>) -> Result<String, DomainError> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| DomainError::invalid(field, "required for this change"))
}

impl Incident {
    /// When the ticket was logged; the SLA runs from here.
    pub fn logged_at(&self) -> DateTime<Utc> {
        self.sla.logged_at
    }

    /// Moves the ticket to `to` if `actor` may (R-INC4), applying the move's effects on the SLA
    /// clock. A refused move leaves the ticket unchanged.
    ///
    /// Needs a `reason` for pending_customer, cancelled, closed and reopening, and a
    /// `resolution` for resolved.
    pub fn transition(
        &mut self,
        actor: Actor,
        to: IncidentStatus,
        reason: Option<&str>,
        resolution: Option<Resolution>,
        now: DateTime<Utc>,
    ) -> Result<StatusChange, DomainError> {
        let from = self.status;
        if !who_may_move(from, to).contains(&actor) {
            let who = match actor {
                Actor::Customer => "the customer",
                Actor::ServiceDesk => "the service desk",
                Actor::System => "the system",
            };
            return Err(DomainError::refused(
                crate::error::Reason::IllegalTransition,
                format!(
                    "ticket {} is {from}: {who} cannot move it to {to}",
                    self.ticket
                ),
            ));
        }
        let reason = match to {
            IncidentStatus::PendingCustomer
            | IncidentStatus::Cancelled
            | IncidentStatus::Closed => Some(required("reason", reason)?),
            IncidentStatus::InProgress if from == IncidentStatus::Resolved => {
                Some(required("reason", reason)?)
            }
            _ => reason
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned),
        };
        let resolution = match to {
            IncidentStatus::Resolved => {
                let r = resolution
                    .ok_or_else(|| DomainError::invalid("resolution", "required to resolve"))?;
                Some(Resolution {
                    cause: required("resolution.cause", Some(&r.cause))?,
                    fix: required("resolution.fix", Some(&r.fix))?,
                })
            }
            _ => None,
        };

        if from == IncidentStatus::PendingCustomer {
            self.sla.resume(now);
        }
        match to {
            IncidentStatus::Acknowledged => self.sla.respond(now),
            IncidentStatus::PendingCustomer => {
                self.sla.pause(now, reason.as_deref().unwrap_or_default())?
            }
            IncidentStatus::Resolved => {
                self.sla.stop(now);
                self.resolved_at = Some(now);
                self.resolution = resolution;
            }
            IncidentStatus::InProgress if from == IncidentStatus::Resolved => {
                self.sla.restart(now, "resolved until reopened");
                self.resolved_at = None;
                self.resolution = None;
            }
            IncidentStatus::Closed | IncidentStatus::Cancelled => {
                self.sla.stop(now);
                self.closed_at = Some(now);
                self.close_reason = reason.clone();
            }
            _ => {}
        }
        self.status = to;
        self.updated_at = now;
        Ok(StatusChange { from, to, reason })
    }

    /// Resolves an open child with its major incident's resolution (R-MNI4): the crisis process
    /// may resolve a ticket from any open, unresolved state. Returns `None` when there is nothing
    /// to do (already resolved, closed or cancelled).
    pub fn resolve_by_parent(
        &mut self,
        resolution: Resolution,
        now: DateTime<Utc>,
    ) -> Option<StatusChange> {
        let from = self.status;
        if !matches!(
            from,
            IncidentStatus::New
                | IncidentStatus::Acknowledged
                | IncidentStatus::InProgress
                | IncidentStatus::PendingCustomer
        ) {
            return None;
        }
        self.sla.stop(now);
        self.status = IncidentStatus::Resolved;
        self.resolved_at = Some(now);
        self.resolution = Some(resolution);
        self.updated_at = now;
        Some(StatusChange {
            from,
            to: IncidentStatus::Resolved,
            reason: Some("resolved with its major incident".into()),
        })
    }

    /// Closes the ticket at the customer's (or on their behalf, the desk's) request.
    pub fn close(
        &mut self,
        actor: Actor,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<StatusChange, DomainError> {
        self.transition(actor, IncidentStatus::Closed, Some(reason), None, now)
    }

    /// Reopens a resolved ticket whose fix did not hold: back to `in_progress`, the SLA clock
    /// running again. Other states are refused (409) and nothing changes.
    pub fn reopen(
        &mut self,
        actor: Actor,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<StatusChange, DomainError> {
        if self.status != IncidentStatus::Resolved {
            return Err(DomainError::refused(
                crate::error::Reason::IllegalTransition,
                format!(
                    "ticket {} is {}; only resolved tickets reopen",
                    self.ticket, self.status
                ),
            ));
        }
        self.transition(actor, IncidentStatus::InProgress, Some(reason), None, now)
    }

    /// A note is written on the ticket: only while it is open (closed and cancelled tickets take
    /// no more updates).
    pub fn add_note(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        if !self.status.is_open() {
            return Err(DomainError::refused(
                crate::error::Reason::TicketFinal,
                format!(
                    "ticket {} is {}; it takes no more updates",
                    self.ticket, self.status
                ),
            ));
        }
        self.updated_at = now;
        Ok(())
    }

    /// Changes the priority; SLA targets follow it, the pause history stays. Not on final tickets.
    pub fn set_priority(
        &mut self,
        priority: Priority,
        now: DateTime<Utc>,
    ) -> Result<Option<Priority>, DomainError> {
        self.ensure_open("change the priority of")?;
        if priority == self.priority {
            return Ok(None);
        }
        let old = std::mem::replace(&mut self.priority, priority);
        self.updated_at = now;
        Ok(Some(old))
    }

    /// Assigns the ticket to a service-desk person (by email), or unassigns it with `None`.
    pub fn assign(
        &mut self,
        assignee: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<bool, DomainError> {
        self.ensure_open("assign")?;
        if assignee == self.assignee_email {
            return Ok(false);
        }
        self.assignee_email = assignee;
        self.updated_at = now;
        Ok(true)
    }

    fn ensure_open(&self, what: &str) -> Result<(), DomainError> {
        if self.status.is_open() {
            Ok(())
        } else {
            Err(DomainError::refused(
                crate::error::Reason::TicketFinal,
                format!(
                    "cannot {what} ticket {}: it is {}",
                    self.ticket, self.status
                ),
            ))
        }
    }
}

/// A ticket in a given status, for the domain's own tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use chrono::TimeZone;

    pub fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap()
    }

    pub fn incident(status: IncidentStatus) -> Incident {
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
            assignee_email: None,
            sla: SlaClock::start(at(8)),
            updated_at: at(8),
            resolved_at: None,
            resolution: None,
            closed_at: None,
            close_reason: None,
            parent_ticket: None,
            escalation_level: 0,
            external_id: None,
            version: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::{at, incident};
    use super::*;
    use IncidentStatus::*;

    fn resolution() -> Option<Resolution> {
        Some(Resolution {
            cause: "fibre cut".into(),
            fix: "spliced".into(),
        })
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

    /// The whole lifecycle table: every (from, to, actor) triple, allowed or not.
    #[test]
    fn every_state_and_transition_pair_for_every_actor() {
        let allowed: &[(IncidentStatus, IncidentStatus, &[Actor])] = &[
            (New, Acknowledged, &[Actor::ServiceDesk]),
            (New, Closed, &[Actor::Customer, Actor::ServiceDesk]),
            (New, Cancelled, &[Actor::ServiceDesk]),
            (Acknowledged, InProgress, &[Actor::ServiceDesk]),
            (Acknowledged, Closed, &[Actor::Customer, Actor::ServiceDesk]),
            (Acknowledged, Cancelled, &[Actor::ServiceDesk]),
            (InProgress, PendingCustomer, &[Actor::ServiceDesk]),
            (InProgress, Resolved, &[Actor::ServiceDesk]),
            (InProgress, Closed, &[Actor::Customer, Actor::ServiceDesk]),
            (InProgress, Cancelled, &[Actor::ServiceDesk]),
            (PendingCustomer, InProgress, &[Actor::ServiceDesk]),
            (PendingCustomer, Resolved, &[Actor::ServiceDesk]),
            (
                PendingCustomer,
                Closed,
                &[Actor::Customer, Actor::ServiceDesk],
            ),
            (PendingCustomer, Cancelled, &[Actor::ServiceDesk]),
            (Resolved, InProgress, &[Actor::Customer, Actor::ServiceDesk]),
            (
                Resolved,
                Closed,
                &[Actor::Customer, Actor::ServiceDesk, Actor::System],
            ),
        ];
        let mut checked = 0;
        for from in IncidentStatus::ALL {
            for to in IncidentStatus::ALL {
                for actor in [Actor::Customer, Actor::ServiceDesk, Actor::System] {
                    let expected = allowed
                        .iter()
                        .any(|(f, t, who)| f == from && t == to && who.contains(&actor));
                    let mut inc = incident(*from);
                    if *from == PendingCustomer {
                        inc.sla.pause(at(9), "waiting").unwrap();
                    }
                    if *from == Resolved {
                        inc.sla.stop(at(9));
                        inc.resolved_at = Some(at(9));
                    }
                    let before = inc.clone();
                    let result = inc.transition(actor, *to, Some("because"), resolution(), at(10));
                    assert_eq!(result.is_ok(), expected, "{from} -> {to} by {actor:?}");
                    if expected {
                        assert_eq!(inc.status, *to);
                        assert_eq!(inc.updated_at, at(10));
                    } else {
                        assert_eq!(
                            result.as_ref().err().and_then(|e| e.reason()),
                            Some(&crate::Reason::IllegalTransition)
                        );
                        assert_eq!(inc, before, "a refused move changes nothing");
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 7 * 7 * 3);
    }

    #[test]
    fn moves_require_their_details() {
        let cases: &[(IncidentStatus, IncidentStatus, &str)] = &[
            (InProgress, PendingCustomer, "reason"),
            (InProgress, Cancelled, "reason"),
            (New, Closed, "reason"),
            (Resolved, InProgress, "reason"),
        ];
        for (from, to, field) in cases {
            let mut inc = incident(*from);
            if *from == Resolved {
                inc.sla.stop(at(9));
            }
            let err = inc
                .transition(Actor::ServiceDesk, *to, Some("  "), None, at(10))
                .unwrap_err();
            assert!(
                matches!(err, DomainError::Invalid { field: f, .. } if f == *field),
                "{from}->{to}"
            );
            assert_eq!(inc.status, *from);
        }
        let mut inc = incident(InProgress);
        let err = inc
            .transition(Actor::ServiceDesk, Resolved, None, None, at(10))
            .unwrap_err();
        assert!(matches!(
            err,
            DomainError::Invalid {
                field: "resolution",
                ..
            }
        ));
        let blank = Some(Resolution {
            cause: "x".into(),
            fix: " ".into(),
        });
        let err = inc
            .transition(Actor::ServiceDesk, Resolved, None, blank, at(10))
            .unwrap_err();
        assert!(matches!(
            err,
            DomainError::Invalid {
                field: "resolution.fix",
                ..
            }
        ));
        assert_eq!(inc.status, InProgress);
    }

    #[test]
    fn lifecycle_drives_the_sla_clock() {
        let mut inc = incident(New);
        inc.transition(Actor::ServiceDesk, Acknowledged, None, None, at(9))
            .unwrap();
        assert_eq!(inc.sla.responded_at, Some(at(9)));
        inc.transition(Actor::ServiceDesk, InProgress, None, None, at(10))
            .unwrap();
        inc.transition(
            Actor::ServiceDesk,
            PendingCustomer,
            Some("need site access"),
            None,
            at(11),
        )
        .unwrap();
        assert!(inc.sla.is_paused());
        inc.transition(Actor::ServiceDesk, InProgress, None, None, at(13))
            .unwrap();
        assert!(!inc.sla.is_paused());
        assert_eq!(inc.sla.pauses[0].reason, "need site access");
        assert_eq!(inc.sla.pauses[0].ended_at, Some(at(13)));
        inc.transition(Actor::ServiceDesk, Resolved, None, resolution(), at(14))
            .unwrap();
        assert_eq!(inc.sla.stopped_at, Some(at(14)));
        assert_eq!(inc.resolved_at, Some(at(14)));
        assert_eq!(inc.resolution, resolution());
        inc.transition(
            Actor::Customer,
            InProgress,
            Some("still down"),
            None,
            at(16),
        )
        .unwrap();
        assert_eq!(inc.sla.stopped_at, None);
        assert_eq!(inc.resolution, None);
        assert_eq!(
            inc.sla.pauses.len(),
            2,
            "the resolved interval is kept as a pause"
        );
        // Elapsed restore time: 08-11 and 13-14 ran, 16-17 runs: 5 hours.
        assert_eq!(inc.sla.restore_elapsed(at(17)), chrono::Duration::hours(5));
        inc.transition(
            Actor::ServiceDesk,
            PendingCustomer,
            Some("confirm"),
            None,
            at(17),
        )
        .unwrap();
        inc.close(Actor::Customer, "works now", at(18)).unwrap();
        assert_eq!(inc.sla.stopped_at, Some(at(18)));
        assert_eq!(inc.sla.pauses.last().unwrap().ended_at, Some(at(18)));
        assert_eq!(inc.close_reason.as_deref(), Some("works now"));
    }

    #[test]
    fn parent_resolution_resolves_open_children_only() {
        for status in IncidentStatus::ALL {
            let mut inc = incident(*status);
            let r = Resolution {
                cause: "cut".into(),
                fix: "spliced".into(),
            };
            let change = inc.resolve_by_parent(r.clone(), at(12));
            let open_unresolved =
                matches!(status, New | Acknowledged | InProgress | PendingCustomer);
            assert_eq!(change.is_some(), open_unresolved, "{status}");
            if open_unresolved {
                assert_eq!(inc.status, Resolved);
                assert_eq!(inc.resolution, Some(r));
                assert_eq!(inc.sla.stopped_at, Some(at(12)));
            } else {
                assert_eq!(inc.status, *status);
            }
        }
    }

    #[test]
    fn priority_and_assignment_only_on_open_tickets() {
        let mut inc = incident(InProgress);
        assert_eq!(
            inc.set_priority(Priority::P3, at(9)).unwrap(),
            Some(Priority::P1)
        );
        assert_eq!(inc.set_priority(Priority::P3, at(9)).unwrap(), None);
        assert!(inc.assign(Some("agent@p.example".into()), at(9)).unwrap());
        assert!(!inc.assign(Some("agent@p.example".into()), at(9)).unwrap());
        let mut closed = incident(Closed);
        assert!(closed.set_priority(Priority::P2, at(9)).is_err());
        assert!(closed.assign(None, at(9)).is_err());
        assert!(closed.assign(Some("x@p.example".into()), at(9)).is_err());
    }
}
