//! Major network incidents (R-MNI1–5): a parent ticket, in the same reference space as customer
//! tickets, coordinated by an incident manager; customer tickets on affected services are linked
//! to it as children, and its updates and resolution cascade to them.

use chrono::{DateTime, Utc};

use crate::timeline::text_enum;
use crate::{DomainError, Incident, IncidentStatus, ServiceId, TicketRef};

text_enum!(
    /// How bad the major incident is.
    Severity, "severity", { Critical => "critical", Major => "major", Minor => "minor" }
);

text_enum!(
    /// A major incident is active until resolved.
    MajorStatus, "status", { Active => "active", Resolved => "resolved" }
);

/// A major network incident (the parent ticket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MajorIncident {
    pub id: i64,
    pub ticket: TicketRef,
    pub summary: String,
    pub description: String,
    pub severity: Severity,
    pub region: Option<String>,
    pub affected_services: Vec<ServiceId>,
    pub started_at: DateTime<Utc>,
    pub status: MajorStatus,
    pub incident_manager_email: Option<String>,
    pub raised_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
    pub version: i64,
}

impl MajorIncident {
    pub fn is_active(&self) -> bool {
        self.status == MajorStatus::Active
    }

    /// May `child` be linked under this major incident? It must be active, the child must be a
    /// customer ticket that is still open and not already under another parent.
    pub fn check_link(&self, child: &Incident) -> Result<(), DomainError> {
        if !self.is_active() {
            return Err(DomainError::refused(
                crate::error::Reason::MajorIncidentResolved,
                format!(
                    "major incident {} is resolved; it takes no new children",
                    self.ticket
                ),
            ));
        }
        match child.parent_ticket {
            Some(p) if p == self.ticket => {
                return Err(DomainError::refused(
                    crate::error::Reason::AlreadyLinked,
                    format!(
                        "ticket {} is already linked to {}",
                        child.ticket, self.ticket
                    ),
                ))
            }
            Some(p) => {
                return Err(DomainError::refused(
                    crate::error::Reason::AlreadyLinked,
                    format!(
                        "ticket {} already belongs to major incident {p}; a child has one parent",
                        child.ticket
                    ),
                ))
            }
            None => {}
        }
        if matches!(
            child.status,
            IncidentStatus::Closed | IncidentStatus::Cancelled
        ) {
            return Err(DomainError::refused(
                crate::error::Reason::TicketFinal,
                format!(
                    "ticket {} is {} and cannot be linked",
                    child.ticket, child.status
                ),
            ));
        }
        Ok(())
    }

    /// Links `child` under this major incident (see [`MajorIncident::check_link`]).
    pub fn adopt(&self, child: &mut Incident, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.check_link(child)?;
        child.parent_ticket = Some(self.ticket);
        child.updated_at = now;
        Ok(())
    }

    /// Takes `child` out of this major incident; `false` when it is not one of its children.
    pub fn release(&self, child: &mut Incident, now: DateTime<Utc>) -> bool {
        if child.parent_ticket != Some(self.ticket) {
            return false;
        }
        child.parent_ticket = None;
        child.updated_at = now;
        true
    }

    /// Updates are posted while the major incident is active.
    pub fn check_accepts_updates(&self) -> Result<(), DomainError> {
        if self.is_active() {
            Ok(())
        } else {
            Err(DomainError::refused(
                crate::error::Reason::MajorIncidentResolved,
                format!("major incident {} is resolved", self.ticket),
            ))
        }
    }

    /// Hands the crisis to another incident manager (whose account the caller has checked).
    pub fn assign_manager(&mut self, email: String, now: DateTime<Utc>) {
        self.incident_manager_email = Some(email);
        self.updated_at = now;
    }

    /// Does this active major incident cover `service`? (Auto-linking of new tickets.)
    pub fn affects(&self, service: &ServiceId) -> bool {
        self.is_active() && self.affected_services.contains(service)
    }

    /// Resolves the major incident (R-MNI4); its open children follow in the same transaction.
    pub fn resolve(&mut self, resolution: &str, now: DateTime<Utc>) -> Result<(), DomainError> {
        if !self.is_active() {
            return Err(DomainError::refused(
                crate::error::Reason::IllegalTransition,
                format!("major incident {} is already resolved", self.ticket),
            ));
        }
        let resolution = resolution.trim();
        if resolution.is_empty() {
            return Err(DomainError::invalid(
                "resolution",
                "a resolution is required",
            ));
        }
        self.status = MajorStatus::Resolved;
        self.resolved_at = Some(now);
        self.resolution = Some(resolution.to_owned());
        self.updated_at = now;
        Ok(())
    }

    /// The resolution given to each open child when the parent resolves.
    pub fn child_resolution(&self) -> crate::Resolution {
        crate::Resolution {
            cause: format!("Major network incident {}: {}", self.ticket, self.summary),
            fix: self.resolution.clone().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::tests_support::incident;

    fn mni(status: MajorStatus) -> MajorIncident {
        let now = Utc::now();
        MajorIncident {
            id: 1,
            ticket: TicketRef::from_number(100).unwrap(),
            summary: "Fibre cut Slough".into(),
            description: "d".into(),
            severity: Severity::Critical,
            region: Some("South East".into()),
            affected_services: vec![ServiceId::parse("SVC-1").unwrap()],
            started_at: now,
            status,
            incident_manager_email: None,
            raised_by: "user:1".into(),
            created_at: now,
            updated_at: now,
            resolved_at: None,
            resolution: None,
            version: 1,
        }
    }

    #[test]
    fn link_rules() {
        let parent = mni(MajorStatus::Active);
        assert!(parent.check_link(&incident(IncidentStatus::New)).is_ok());
        assert!(parent
            .check_link(&incident(IncidentStatus::Resolved))
            .is_ok());
        for final_status in [IncidentStatus::Closed, IncidentStatus::Cancelled] {
            assert!(parent.check_link(&incident(final_status)).is_err());
        }
        let mut linked = incident(IncidentStatus::New);
        linked.parent_ticket = Some(TicketRef::from_number(5).unwrap());
        let err = parent.check_link(&linked).unwrap_err().to_string();
        assert!(err.contains("one parent"), "{err}");
        linked.parent_ticket = Some(parent.ticket);
        assert!(parent.check_link(&linked).is_err());
        assert!(mni(MajorStatus::Resolved)
            .check_link(&incident(IncidentStatus::New))
            .is_err());
    }

    #[test]
    fn affects_only_listed_services_while_active() {
        let svc = ServiceId::parse("SVC-1").unwrap();
        let other = ServiceId::parse("SVC-2").unwrap();
        assert!(mni(MajorStatus::Active).affects(&svc));
        assert!(!mni(MajorStatus::Active).affects(&other));
        assert!(!mni(MajorStatus::Resolved).affects(&svc));
    }

    #[test]
    fn resolving_needs_a_resolution_and_happens_once() {
        let mut m = mni(MajorStatus::Active);
        assert!(m.resolve("  ", Utc::now()).is_err());
        m.resolve("Fibre spliced", Utc::now()).unwrap();
        assert_eq!(m.child_resolution().fix, "Fibre spliced");
        assert!(m.child_resolution().cause.contains("1-0000000100"));
        assert!(m.resolve("again", Utc::now()).is_err());
    }
}
