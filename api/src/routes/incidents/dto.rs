//! Request and response bodies of the incident endpoints.

use chrono::{DateTime, Utc};
use domain::{
    EntryKind, Impact, Incident, IncidentStatus, Priority, Reporter, Resolution, SlaPolicy,
    TimelineEntry, Visibility,
};
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
        custom(function = "crate::http::validation::phone")
    )]
    #[schema(
        min_length = 5,
        max_length = 40,
        pattern = r"^ *\+?(?:[ ()./-]*[0-9]){5}[0-9 ()./-]*$"
    )]
    pub phone: String,
}

impl From<ReporterInput> for Reporter {
    fn from(r: ReporterInput) -> Self {
        Reporter::new(&r.name, &r.email, &r.phone)
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
    #[schema(schema_with = crate::http::schemas::impact)]
    pub impact: Impact,
    #[validate(nested)]
    pub reporter: ReporterInput,
    /// Your own identifier for the ticket (e.g. your ticketing system's), to find it by later.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, example = "ACME-INC-7781")]
    pub external_id: Option<String>,
}

/// Closing a ticket: why the customer no longer needs it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"reason": "Service restored after our router reboot."}))]
pub struct CloseIncident {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// One interval during which the restore clock did not run.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaPauseView {
    pub started_at: DateTime<Utc>,
    /// Null while the pause lasts.
    pub ended_at: Option<DateTime<Utc>>,
    /// Why the clock stopped, e.g. what is awaited from the customer.
    pub reason: String,
    /// Length so far, in seconds.
    pub duration_seconds: i64,
}

/// The ticket's SLA at the moment of the response (R-INC6).
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaView {
    /// Target for the first response (acknowledgement).
    pub response_due_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub response_breached: bool,
    /// Restoration due, given the pauses so far (moves on while paused).
    pub restore_due_at: DateTime<Utc>,
    /// Restore time left in seconds; negative once breached; frozen while paused or stopped.
    pub restore_remaining_seconds: i64,
    pub restore_breached: bool,
    /// The running restore clock is within the last 25 % of its target.
    pub at_risk: bool,
    /// Paused while the ticket waits for the customer.
    pub paused: bool,
    /// Stopped at resolution (or close/cancel).
    pub stopped: bool,
    pub pauses: Vec<SlaPauseView>,
}

/// Cause and fix recorded at resolution.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"cause": "Fibre cut by third-party works near Slough", "fix": "Fibre spliced, light levels nominal"}))]
pub struct ResolutionBody {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub cause: String,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub fix: String,
}

impl From<ResolutionBody> for Resolution {
    fn from(r: ResolutionBody) -> Self {
        Resolution {
            cause: r.cause,
            fix: r.fix,
        }
    }
}

/// A trouble ticket.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"ticket_number": "1-0000000042", "ivr_reference": "10000000042",
    "status": "new", "priority": "P1", "impact": "service_down", "summary": "Circuit down",
    "description": "No light on the London handoff since 09:12 UTC.", "service_id": "SVC-0001",
    "customer_number": "OCN-1001",
    "reporter": {"name": "Alice Example", "email": "alice@acme.example", "phone": "+44 20 7946 0000"},
    "logged_at": "2026-11-28T09:15:00Z", "updated_at": "2026-11-28T09:15:00Z",
    "assignee_email": null, "resolved_at": null, "resolution": null,
    "closed_at": null, "close_reason": null, "parent_ticket_number": null, "escalation_level": 0,
    "sla": {"response_due_at": "2026-11-28T09:30:00Z", "responded_at": null, "response_breached": false,
        "restore_due_at": "2026-11-28T13:15:00Z", "restore_remaining_seconds": 14400,
        "restore_breached": false, "at_risk": false, "paused": false, "stopped": false, "pauses": []},
    "version": 1}))]
pub struct IncidentView {
    /// Reference, `1-` and ten digits.
    #[schema(example = "1-0000000042")]
    pub ticket_number: String,
    /// The reference without its dash, to type on a telephone keypad.
    #[schema(example = "10000000042")]
    pub ivr_reference: String,
    #[schema(schema_with = crate::http::schemas::incident_status)]
    pub status: IncidentStatus,
    #[schema(schema_with = crate::http::schemas::priority)]
    pub priority: Priority,
    #[schema(schema_with = crate::http::schemas::impact)]
    pub impact: Impact,
    pub summary: String,
    pub description: String,
    pub service_id: String,
    pub customer_number: String,
    pub reporter: ReporterInput,
    /// When the ticket was logged; the SLA runs from here.
    pub logged_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Service-desk person working the ticket (shown to provider staff only).
    pub assignee_email: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<ResolutionBody>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Why it was closed or cancelled.
    pub close_reason: Option<String>,
    /// The major network incident this ticket is linked to, if any.
    pub parent_ticket_number: Option<String>,
    /// Current escalation level, 0 (not escalated) to 5.
    pub escalation_level: i32,
    /// The customer's own identifier for the ticket, if they gave one.
    pub external_id: Option<String>,
    pub sla: SlaView,
    /// Version; also sent as the `ETag` header.
    pub version: i64,
}

impl IncidentView {
    /// The ticket as `caller_is_staff` may see it, with its SLA judged at `now`.
    pub fn new(i: Incident, policy: &SlaPolicy, caller_is_staff: bool, now: DateTime<Utc>) -> Self {
        let status = i.sla.status(policy, policy.targets(i.priority), now);
        let pauses = i
            .sla
            .pauses
            .iter()
            .map(|p| SlaPauseView {
                started_at: p.started_at,
                ended_at: p.ended_at,
                reason: p.reason.clone(),
                duration_seconds: p.length(now).num_seconds(),
            })
            .collect();
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
            logged_at: i.sla.logged_at,
            updated_at: i.updated_at,
            assignee_email: if caller_is_staff {
                i.assignee_email
            } else {
                None
            },
            resolved_at: i.resolved_at,
            resolution: i.resolution.map(|r| ResolutionBody {
                cause: r.cause,
                fix: r.fix,
            }),
            closed_at: i.closed_at,
            close_reason: i.close_reason,
            parent_ticket_number: i.parent_ticket.map(|t| t.to_string()),
            escalation_level: i.escalation_level,
            external_id: i.external_id,
            sla: SlaView {
                response_due_at: status.response_due_at,
                responded_at: status.responded_at,
                response_breached: status.response_breached,
                restore_due_at: status.restore_due_at,
                restore_remaining_seconds: status.restore_remaining.num_seconds(),
                restore_breached: status.restore_breached,
                at_risk: status.at_risk,
                paused: status.paused,
                stopped: status.stopped,
                pauses,
            },
            version: i.version,
        }
    }
}

/// A status change by the service desk.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"to": "resolved", "resolution": {"cause": "Fibre cut", "fix": "Spliced"}}))]
pub struct TransitionRequest {
    /// Target status. `pending_customer`, `cancelled` and `closed` need a `reason`;
    /// `resolved` needs a `resolution`.
    #[schema(schema_with = crate::http::schemas::incident_status)]
    pub to: IncidentStatus,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
    #[validate(nested)]
    pub resolution: Option<ResolutionBody>,
}

/// Reopening a resolved ticket.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"reason": "The circuit dropped again at 14:02."}))]
pub struct ReopenIncident {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Service-desk changes to a ticket; absent fields stay as they are. Honours `If-Match`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"priority": "P2", "assignee_email": "agent@demo.example"}))]
pub struct UpdateIncident {
    #[schema(schema_with = crate::http::schemas::priority, required = false)]
    #[serde(default, deserialize_with = "crate::http::schemas::not_null")]
    pub priority: Option<Priority>,
    /// Email of a service-desk user to assign; `null` unassigns.
    #[serde(default, deserialize_with = "crate::http::schemas::present")]
    #[schema(value_type = Option<String>, format = "email", max_length = 254)]
    pub assignee_email: Option<Option<String>>,
}

/// A timeline entry to add.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"text": "Engineer on site, replacing the NTE.", "visibility": "public"}))]
pub struct PostUpdate {
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub text: String,
    /// `public` (default) or `internal` (provider staff only).
    #[schema(schema_with = crate::http::schemas::visibility, required = false)]
    #[serde(default, deserialize_with = "crate::http::schemas::not_null")]
    pub visibility: Option<Visibility>,
}

/// One timeline entry.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 17, "kind": "status_change", "visibility": "public", "author": "user:3",
    "text": "Status changed from new to acknowledged", "created_at": "2026-11-28T09:20:00Z"}))]
pub struct UpdateView {
    pub id: i64,
    #[schema(schema_with = crate::http::schemas::entry_kind)]
    pub kind: EntryKind,
    #[schema(schema_with = crate::http::schemas::visibility)]
    pub visibility: Visibility,
    /// Who wrote or caused it: `user:<id>`, `client:<id>` or `system`.
    pub author: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

impl From<TimelineEntry> for UpdateView {
    fn from(e: TimelineEntry) -> Self {
        Self {
            id: e.id,
            kind: e.kind,
            visibility: e.visibility,
            author: e.author,
            text: e.text,
            created_at: e.created_at,
        }
    }
}
