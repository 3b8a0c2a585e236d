//! Service assurance business model and rules.
//!
//! Pure Rust: no database, no HTTP, no clock reads (callers pass `now` in). Invariants are held by
//! constructors ("parse, don't validate"): a [`TicketRef`] can only hold a valid reference, a
//! [`ServiceLocator`] always names exactly one identifier.

pub mod access;
pub mod account;
pub mod attachment;
pub mod calendar;
pub mod customer;
pub mod document;
pub mod error;
pub mod escalation;
pub mod event;
pub mod incident;
pub mod maintenance;
pub mod major_incident;
pub mod mef;
pub mod notification;
pub mod person;
pub mod planned_work;
pub mod policy;
pub mod reference;
pub mod service;
pub mod service_review;
pub mod service_state;
pub mod sla;
pub mod text;
pub mod ticket;
pub mod timeline;
pub mod tmf;

pub use access::{Caller, Role};
pub use account::{AccountStatus, ApiClient, User};
pub use calendar::WorkingCalendar;
pub use customer::{Customer, CustomerNumber};
pub use document::{DocumentKind, DocumentRequest, DocumentStatus};
pub use error::{DomainError, Reason};
pub use escalation::{
    escalation_reason, ActiveParent, EscalatingPerson, Escalation, EscalationMatrix, MatrixLevel,
};
pub use event::EventType;
pub use incident::{
    Actor, Impact, Incident, IncidentStatus, Priority, Reporter, Resolution, StatusChange,
};
pub use maintenance::{MaintenanceRequest, RequestStatus, ServiceOwner};
pub use major_incident::{MajorIncident, MajorStatus, NoticeKind, Outlook, Severity};
pub use notification::{Category, Contact};
pub use person::Person;
pub use planned_work::{PlannedWork, WorkChanges, WorkStatus};
pub use policy::{Permission, Resource};
pub use reference::{RequestRef, WorkRef};
pub use service::{AvailabilityTarget, Service, ServiceId, ServiceLocator, ServiceStatus};
pub use sla::{SlaClock, SlaPause, SlaPolicy, SlaProjection, SlaStatus, SlaTargets};
pub use ticket::TicketRef;
pub use timeline::{EntryKind, NewEntry, StatusMove, TimelineEntry, Visibility};
