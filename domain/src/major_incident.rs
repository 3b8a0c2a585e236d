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
    /// When customers are promised the next update, as the latest notice said.
    pub next_update_by: Option<DateTime<Utc>>,
    /// The estimated time of restoration, as the latest notice said.
    pub estimated_restoration_at: Option<DateTime<Utc>>,
    pub version: i64,
}

text_enum!(
    /// Which step of a major incident a notice to a customer reports (its broadcast).
    NoticeKind, "notice", {
        Raised => "raised",
        Update => "update",
        Resolved => "resolved",
        NowAffected => "now_affected",
        NoLongerAffected => "no_longer_affected",
    }
);

/// What the incident manager promises with a notice: when the next update comes, and when
/// service should be back. Both are in the future when given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outlook {
    pub next_update_by: Option<DateTime<Utc>>,
    pub estimated_restoration_at: Option<DateTime<Utc>>,
}

impl Outlook {
    pub fn new(
        next_update_by: Option<DateTime<Utc>>,
        estimated_restoration_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        if next_update_by.is_some_and(|t| t <= now) {
            return Err(DomainError::invalid(
                "next_update_by",
                "the next update must be promised for a time still to come",
            ));
        }
        if estimated_restoration_at.is_some_and(|t| t <= now) {
            return Err(DomainError::invalid(
                "estimated_restoration_at",
                "an estimated restoration must be a time still to come",
            ));
        }
        Ok(Self {
            next_update_by,
            estimated_restoration_at,
        })
    }
}

/// A region as stored and compared: trimmed, inner runs of white space made one space (the
/// comparison itself ignores case); `None` when blank.
pub fn normalize_region(region: &str) -> Option<String> {
    crate::text::words(region)
}

/// What regions are matched by: the (normalised) region in lower case, folded here rather than
/// by the database (SQLite's `lower()` folds ASCII only), so that every backend and every rule
/// agree.
pub fn region_key(region: &str) -> String {
    region.to_lowercase()
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

    /// Records what the latest notice promised (a step with no outlook keeps no stale one).
    pub fn set_outlook(&mut self, outlook: Outlook, now: DateTime<Utc>) {
        self.next_update_by = outlook.next_update_by;
        self.estimated_restoration_at = outlook.estimated_restoration_at;
        self.updated_at = now;
    }

    /// Names more affected services while active; returns those not named before.
    pub fn add_services(
        &mut self,
        services: &[ServiceId],
        now: DateTime<Utc>,
    ) -> Result<Vec<ServiceId>, DomainError> {
        self.check_accepts_updates()?;
        let mut added = Vec::new();
        for s in services {
            if !self.affected_services.contains(s) && !added.contains(s) {
                added.push(s.clone());
            }
        }
        self.affected_services.extend(added.iter().cloned());
        self.affected_services.sort();
        if !added.is_empty() {
            self.updated_at = now;
        }
        Ok(added)
    }

    /// Takes `service` off the affected list while active. A major incident keeps affecting
    /// something: its last named service goes only when it names a region.
    pub fn remove_service(
        &mut self,
        service: &ServiceId,
        now: DateTime<Utc>,
    ) -> Result<bool, DomainError> {
        self.check_accepts_updates()?;
        if !self.affected_services.contains(service) {
            return Ok(false);
        }
        if self.affected_services.len() == 1 && self.region.is_none() {
            return Err(DomainError::refused(
                crate::error::Reason::NothingAffected,
                format!(
                    "{service} is the only service major incident {} affects and it names no \
                     region; name the service now affected first, or resolve the incident",
                    self.ticket
                ),
            ));
        }
        self.affected_services.retain(|s| s != service);
        self.updated_at = now;
        Ok(true)
    }

    /// Does this major incident cover a service (`service`, in `region`): named, or in its
    /// region (without regard to case)? Whether or not it is still active.
    pub fn covers(&self, service: &ServiceId, region: Option<&str>) -> bool {
        self.affected_services.contains(service)
            || matches!((&self.region, region), (Some(ours), Some(theirs))
                if region_key(ours) == region_key(theirs))
    }

    /// Does this active major incident cover the service?
    pub fn affects(&self, service: &ServiceId, region: Option<&str>) -> bool {
        self.is_active() && self.covers(service, region)
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
            next_update_by: None,
            estimated_restoration_at: None,
            version: 1,
        }
    }

    #[test]
    fn an_outlook_promises_times_still_to_come() {
        let now = Utc::now();
        let later = now + chrono::Duration::minutes(30);
        let o = Outlook::new(Some(later), Some(later), now).unwrap();
        assert_eq!(o.next_update_by, Some(later));
        assert!(Outlook::new(None, None, now).is_ok());
        for past in [now, now - chrono::Duration::minutes(1)] {
            let e = Outlook::new(Some(past), None, now).unwrap_err();
            assert!(e.to_string().contains("next update"), "{e}");
            let e = Outlook::new(None, Some(past), now).unwrap_err();
            assert!(e.to_string().contains("restoration"), "{e}");
        }
    }

    #[test]
    fn affected_services_change_while_active_and_something_stays_affected() {
        let now = Utc::now();
        let svc = |s: &str| ServiceId::parse(s).unwrap();
        let mut m = mni(MajorStatus::Active);
        let added = m
            .add_services(
                &[svc("SVC-3"), svc("SVC-1"), svc("SVC-3"), svc("SVC-2")],
                now,
            )
            .unwrap();
        assert_eq!(added, vec![svc("SVC-3"), svc("SVC-2")]);
        assert_eq!(
            m.affected_services,
            vec![svc("SVC-1"), svc("SVC-2"), svc("SVC-3")]
        );
        assert!(m.remove_service(&svc("SVC-2"), now).unwrap());
        assert!(!m.remove_service(&svc("SVC-9"), now).unwrap());
        // With a region, the last named service may go.
        assert!(m.remove_service(&svc("SVC-1"), now).unwrap());
        assert!(m.remove_service(&svc("SVC-3"), now).unwrap());
        // Without one, it may not.
        let mut m = mni(MajorStatus::Active);
        m.region = None;
        let e = m.remove_service(&svc("SVC-1"), now).unwrap_err();
        assert_eq!(e.reason().map(|r| r.code()), Some("nothing_affected"));
        assert_eq!(m.affected_services, vec![svc("SVC-1")]);
        let mut resolved = mni(MajorStatus::Resolved);
        assert!(resolved.add_services(&[svc("SVC-2")], now).is_err());
        assert!(resolved.remove_service(&svc("SVC-1"), now).is_err());
    }

    #[test]
    fn regions_compare_by_their_words() {
        assert_eq!(
            normalize_region("  South   East ").as_deref(),
            Some("South East")
        );
        assert_eq!(normalize_region(" \t "), None);
        assert_eq!(region_key("Île-de-France"), region_key("ÎLE-DE-FRANCE"));
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
    fn affects_named_services_and_its_region_while_active() {
        let svc = ServiceId::parse("SVC-1").unwrap();
        let other = ServiceId::parse("SVC-2").unwrap();
        assert!(mni(MajorStatus::Active).affects(&svc, None));
        assert!(!mni(MajorStatus::Active).affects(&other, None));
        assert!(!mni(MajorStatus::Active).affects(&other, Some("North")));
        // In its region ("South East"), named or not.
        assert!(mni(MajorStatus::Active).affects(&other, Some("south EAST")));
        assert!(!mni(MajorStatus::Resolved).affects(&svc, None));
        assert!(mni(MajorStatus::Resolved).covers(&svc, None));
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
