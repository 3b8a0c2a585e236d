//! Request and response bodies of the incident endpoints.

use chrono::{DateTime, Utc};
use domain::{Impact, Incident, IncidentStatus, Priority, Reporter, SlaPolicy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// The customer-side person reporting the incident.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Alice Example", "email": "alice@acme.example", "phone": "+44 20 7946 0000"}))]
pub struct ReporterInput {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    /// Digits, spaces and `+ - ( ) .`; 5–40 characters.
    #[validate(
        length(min = 5, max = 40),
        custom(function = "crate::validation::phone")
    )]
    #[schema(min_length = 5, max_length = 40, pattern = r"^\+?[0-9 ()./-]{5,40}$")]
    pub phone: String,
}

impl From<ReporterInput> for Reporter {
    fn from(r: ReporterInput) -> Self {
        Reporter {
            name: r.name.trim().to_owned(),
            email: r.email.trim().to_owned(),
            phone: r.phone.trim().to_owned(),
        }
    }
}

/// A new trouble ticket. Name the affected service with **exactly one** of
/// `circuit_reference`, `order_number` or `service_id`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"circuit_reference": "LON/ETH/000123", "summary": "Circuit down",
    "description": "No light on the London handoff since 09:12 UTC.", "impact": "service_down",
    "reporter": {"name": "Alice Example", "email": "alice@acme.example", "phone": "+44 20 7946 0000"}}))]
pub struct RaiseIncident {
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub circuit_reference: Option<String>,
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub order_number: Option<String>,
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub service_id: Option<String>,
    /// One line: what is wrong.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub summary: String,
    /// What you see, since when, what you tried.
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub description: String,
    #[schema(schema_with = crate::schemas::impact)]
    pub impact: Impact,
    #[validate(nested)]
    pub reporter: ReporterInput,
}

/// Closing a ticket: why the customer no longer needs it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"reason": "Service restored after our router reboot."}))]
pub struct CloseIncident {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// SLA due times of a ticket, from `logged_at` and its priority's targets.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaView {
    /// First response due.
    pub response_due_at: DateTime<Utc>,
    /// Service restoration due.
    pub restore_due_at: DateTime<Utc>,
}

/// A trouble ticket.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"ticket_number": "1-0000000042", "ivr_reference": "10000000042",
    "status": "new", "priority": "P1", "impact": "service_down", "summary": "Circuit down",
    "description": "No light on the London handoff since 09:12 UTC.", "service_id": "SVC-0001",
    "customer_number": "OCN-1001",
    "reporter": {"name": "Alice Example", "email": "alice@acme.example", "phone": "+44 20 7946 0000"},
    "logged_at": "2026-11-28T09:15:00Z", "updated_at": "2026-11-28T09:15:00Z",
    "closed_at": null, "close_reason": null, "parent_ticket_number": null,
    "sla": {"response_due_at": "2026-11-28T09:30:00Z", "restore_due_at": "2026-11-28T13:15:00Z"},
    "version": 1}))]
pub struct IncidentView {
    /// Reference, `1-` and ten digits.
    #[schema(example = "1-0000000042")]
    pub ticket_number: String,
    /// The reference without its dash, to type on a telephone keypad.
    #[schema(example = "10000000042")]
    pub ivr_reference: String,
    #[schema(schema_with = crate::schemas::incident_status)]
    pub status: IncidentStatus,
    #[schema(schema_with = crate::schemas::priority)]
    pub priority: Priority,
    #[schema(schema_with = crate::schemas::impact)]
    pub impact: Impact,
    pub summary: String,
    pub description: String,
    pub service_id: String,
    pub customer_number: String,
    pub reporter: ReporterInput,
    /// When the ticket was logged; the SLA runs from here.
    pub logged_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    /// The major network incident this ticket is linked to, if any.
    pub parent_ticket_number: Option<String>,
    pub sla: SlaView,
    /// Version; also sent as the `ETag` header.
    pub version: i64,
}

impl IncidentView {
    pub fn new(i: Incident, sla: &SlaPolicy) -> Self {
        let (response_due_at, restore_due_at) = sla.due_times(i.priority, i.logged_at);
        Self {
            ticket_number: i.ticket.to_string(),
            ivr_reference: i.ticket.ivr(),
            status: i.status,
            priority: i.priority,
            impact: i.impact,
            summary: i.summary,
            description: i.description,
            service_id: i.service_id.to_string(),
            customer_number: i.customer_number.to_string(),
            reporter: ReporterInput {
                name: i.reporter.name,
                email: i.reporter.email,
                phone: i.reporter.phone,
            },
            logged_at: i.logged_at,
            updated_at: i.updated_at,
            closed_at: i.closed_at,
            close_reason: i.close_reason,
            parent_ticket_number: i.parent_ticket.map(|t| t.to_string()),
            sla: SlaView {
                response_due_at,
                restore_due_at,
            },
            version: i.version,
        }
    }
}
