//! What TMF621 says about a ticket, and what a partner's request asks for, before any version's
//! shape: v4 and v5 render [`TicketFacts`] and read their bodies into [`NewTicket`] and
//! [`TicketChange`], so that the mapping (statuses, severities, parties, the affected service,
//! the reporter) is written once.

use chrono::{DateTime, Utc};
use domain::attachment::Attachment;
use domain::tmf::{self, TmfStatus};
use domain::{
    EntryKind, Incident, Reporter, Resolution, ServiceLocator, SlaPolicy, TicketRef, TimelineEntry,
};
use validator::Validate;

use crate::http::error::ApiError;
use crate::routes::attachments::InlineFile;
use crate::routes::incidents::ReporterInput;

/// One public note.
#[derive(Debug, Clone)]
pub struct NoteFact {
    pub id: String,
    pub author: String,
    pub date: DateTime<Utc>,
    pub text: String,
}

/// One change of the TMF621 status.
#[derive(Debug, Clone)]
pub struct StatusFact {
    pub status: TmfStatus,
    /// Our status after the change, and before it (`None` for the logging).
    pub ours: domain::IncidentStatus,
    pub from: Option<domain::IncidentStatus>,
    pub date: DateTime<Utc>,
    pub reason: Option<String>,
}

/// A party related to the ticket.
#[derive(Debug, Clone)]
pub struct PartyFact {
    pub id: String,
    pub href: Option<String>,
    pub name: Option<String>,
    /// `customer`, `reporter` or `assignee`.
    pub role: &'static str,
    /// `Organization` or `Individual`.
    pub referred_type: &'static str,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A ticket as TMF621 sees it, in no version's shape.
#[derive(Debug, Clone)]
pub struct TicketFacts {
    pub ticket: TicketRef,
    pub name: String,
    pub description: String,
    /// TMF621 severity (`Critical`, `Major`, `Minor`, `Low`).
    pub severity: &'static str,
    /// TMF621 priority (`Critical`, `High`, `Medium`, `Low`).
    pub priority: &'static str,
    pub status: TmfStatus,
    pub status_change_date: DateTime<Utc>,
    pub status_change_reason: Option<String>,
    pub creation_date: DateTime<Utc>,
    pub last_update: DateTime<Utc>,
    pub expected_resolution_date: Option<DateTime<Utc>>,
    pub resolution_date: Option<DateTime<Utc>>,
    /// The partner's own identifier.
    pub external_id: Option<String>,
    /// The customer company that owns the ticket (the owner of `external_id`).
    pub customer: String,
    pub notes: Vec<NoteFact>,
    /// The affected service's id.
    pub service_id: String,
    pub parties: Vec<PartyFact>,
    /// Oldest first; always starts with the logging.
    pub history: Vec<StatusFact>,
    /// The major network incident this ticket is a child of.
    pub parent: Option<TicketRef>,
    /// Ours, beside TMF621's names (for MEF 124's own).
    pub impact: domain::Impact,
    pub our_priority: domain::Priority,
    pub our_status: domain::IncidentStatus,
    /// The last status move came from `resolved` (MEF 124 `reopened`).
    pub reopened: bool,
    /// When the buyer asked to cancel, if it did since the last status move (MEF 124
    /// `assessingCancellation`), and why.
    pub cancellation_asked: Option<(DateTime<Utc>, String)>,
    /// Its public attachments, oldest first (internal and removed ones are never shown here).
    pub attachments: Vec<AttachmentFact>,
}

/// A public attachment as the facades show it: its metadata and where its content is.
#[derive(Debug, Clone)]
pub struct AttachmentFact {
    pub id: String,
    /// Its record in `/api/v1`.
    pub href: String,
    /// Its content, downloaded with the same bearer token.
    pub url: String,
    pub name: String,
    pub mime_type: String,
    pub size: u64,
    pub description: Option<String>,
    pub author: String,
    /// Added by the customer (the buyer), else by the provider (the seller).
    pub by_customer: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Attachment> for AttachmentFact {
    fn from(a: Attachment) -> Self {
        let href = format!("/api/v1/incidents/{}/attachments/{}", a.ticket, a.id);
        Self {
            id: a.id.to_string(),
            url: format!("{href}/content"),
            href,
            name: a.name,
            mime_type: a.media_type.as_str().to_owned(),
            size: a.size,
            description: a.description,
            author: a.author,
            by_customer: a.source == domain::attachment::Source::Customer,
            created_at: a.created_at,
        }
    }
}

/// The facts of a ticket, from the ticket and its public notes and status changes (oldest
/// first). The service desk (`staff`) also sees the assignee.
pub fn facts(
    i: Incident,
    entries: &[TimelineEntry],
    attachments: Vec<Attachment>,
    policy: &SlaPolicy,
    staff: bool,
    now: DateTime<Utc>,
) -> TicketFacts {
    let mut history = vec![StatusFact {
        status: TmfStatus::Acknowledged,
        ours: domain::IncidentStatus::New,
        from: None,
        date: i.logged_at(),
        reason: Some("Ticket logged".to_owned()),
    }];
    let mut notes = Vec::new();
    for e in entries {
        match e.kind {
            EntryKind::Note => notes.push(NoteFact {
                id: e.id.to_string(),
                author: e.author.clone(),
                date: e.created_at,
                text: e.text.clone(),
            }),
            EntryKind::StatusChange => {
                // The move as recorded, never read back from the entry's wording.
                if let Some(moved) = &e.status {
                    let status = TmfStatus::of(moved.to);
                    if history.last().is_some_and(|last| last.status != status) {
                        history.push(StatusFact {
                            status,
                            ours: moved.to,
                            from: Some(moved.from),
                            date: e.created_at,
                            reason: moved.detail.clone(),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    // The last change is the current status.
    let (status_change_date, status_change_reason) = history
        .last()
        .map(|c| (c.date, c.reason.clone()))
        .unwrap_or((i.sla.logged_at, None));
    let expected_resolution_date =
        (i.status.is_open() && i.status != domain::IncidentStatus::Resolved).then(|| {
            i.sla
                .status(policy, policy.targets(i.priority), now)
                .restore_due_at
        });
    let mut parties = vec![
        PartyFact {
            id: i.customer_number.to_string(),
            href: Some(format!("/api/v1/customers/{}", i.customer_number)),
            name: None,
            role: "customer",
            referred_type: "Organization",
            email: None,
            phone: None,
        },
        PartyFact {
            id: i.reporter.email.clone(),
            href: None,
            name: Some(i.reporter.name.clone()),
            role: "reporter",
            referred_type: "Individual",
            email: Some(i.reporter.email.clone()),
            phone: Some(i.reporter.phone.clone()),
        },
    ];
    if let (true, Some(assignee)) = (staff, &i.assignee_email) {
        parties.push(PartyFact {
            id: assignee.clone(),
            href: None,
            name: None,
            role: "assignee",
            referred_type: "Individual",
            email: None,
            phone: None,
        });
    }
    let cancellation_asked = domain::mef::cancellation_asked(entries)
        .then(|| {
            entries
                .iter()
                .rev()
                .find(|e| e.kind == EntryKind::CancellationRequest)
                .map(|e| (e.created_at, e.text.clone()))
        })
        .flatten();
    TicketFacts {
        impact: i.impact,
        our_priority: i.priority,
        our_status: i.status,
        reopened: domain::mef::reopened(entries),
        cancellation_asked,
        ticket: i.ticket,
        name: i.summary,
        description: i.description,
        severity: tmf::severity_of(i.impact),
        priority: tmf::priority_name(i.priority),
        status: TmfStatus::of(i.status),
        status_change_date,
        status_change_reason,
        creation_date: i.sla.logged_at,
        last_update: i.updated_at,
        expected_resolution_date,
        resolution_date: i.resolved_at,
        external_id: i.external_id,
        customer: i.customer_number.to_string(),
        notes,
        service_id: i.service_id.to_string(),
        parties,
        history,
        parent: i.parent_ticket,
        attachments: attachments
            .into_iter()
            .filter(|a| a.visibility == domain::Visibility::Public && a.removed_at.is_none())
            .map(AttachmentFact::from)
            .collect(),
    }
}

/// An entity a create request relates the ticket to.
#[derive(Debug, Clone, Default)]
pub struct EntityInput {
    pub id: String,
    pub role: String,
    /// `Service`, `Product`, `ProductOrder` or `Resource`.
    pub referred_type: String,
}

/// A party a create request names.
#[derive(Debug, Clone, Default)]
pub struct PartyInput {
    pub id: String,
    pub role: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A trouble ticket to create, read from either version's body.
#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    pub name: Option<String>,
    pub description: String,
    pub severity: String,
    pub ticket_type: String,
    pub priority: Option<String>,
    pub external_id: Option<String>,
    pub entities: Vec<EntityInput>,
    pub parties: Vec<PartyInput>,
    pub notes: Vec<String>,
    /// Files sent inline (base64 `content`).
    pub files: Vec<InlineFile>,
}

/// Changes to a ticket, read from either version's body.
#[derive(Debug, Clone, Default)]
pub struct TicketChange {
    pub status: Option<TmfStatus>,
    pub status_change_reason: Option<String>,
    pub priority: Option<String>,
    pub external_id: Option<String>,
    /// Notes without an id (those with one already exist and are left as they are).
    pub notes: Vec<String>,
    pub resolution: Option<Resolution>,
    /// Files sent inline without an id (those with one are already on the ticket: attachments
    /// are added, never changed or removed here).
    pub files: Vec<InlineFile>,
}

/// The ticket a create request asks for, checked: the affected service, the reporter, the
/// severity (which sets the priority) and the summary.
pub fn raise_of(new: NewTicket) -> Result<(app::incidents::RaiseIncident, Vec<String>), ApiError> {
    if !new.ticket_type.trim().eq_ignore_ascii_case("incident") {
        return Err(ApiError::field(
            "ticketType",
            "unsupported",
            format!(
                "'{}' tickets are not handled here; use 'incident'",
                new.ticket_type
            ),
        ));
    }
    if let Some(priority) = new.priority.as_deref() {
        tmf::parse_priority(priority)?;
    }
    let impact = tmf::impact_of_severity(&new.severity)?;
    let locator = affected_service(&new.entities)?;
    let reporter = reporter(&new.parties)?;
    let summary = summary_of(new.name.as_deref(), &new.description);
    let notes = new
        .notes
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    Ok((
        app::incidents::RaiseIncident {
            locator,
            summary,
            description: new.description.trim().to_owned(),
            impact,
            reporter,
            external_id: new.external_id.as_deref().map(|e| e.trim().to_owned()),
        },
        notes,
    ))
}

/// The service a create request names: the one entity with role `affectedService` (or the only
/// one), by service id, order number or circuit reference.
fn affected_service(entities: &[EntityInput]) -> Result<ServiceLocator, ApiError> {
    let affected: Vec<&EntityInput> = entities
        .iter()
        .filter(|e| e.role.trim().eq_ignore_ascii_case("affectedService"))
        .collect();
    let entity =
        match (affected.as_slice(), entities) {
            ([one], _) => *one,
            ([], [only]) => only,
            _ => return Err(ApiError::field(
                "relatedEntity",
                "ambiguous",
                "name the affected service with exactly one relatedEntity of role affectedService",
            )),
        };
    let id = Some(entity.id.trim());
    let (circuit, order, service) = match entity.referred_type.trim().to_ascii_lowercase().as_str()
    {
        "service" | "product" => (None, None, id),
        "productorder" => (None, id, None),
        "resource" => (id, None, None),
        _ => {
            return Err(ApiError::field(
                "relatedEntity.@referredType",
                "unsupported",
                format!(
                    "'{}' cannot name a service; use Service (or Product) with the service id, \
                     ProductOrder with the order number, or Resource with the circuit reference",
                    entity.referred_type
                ),
            ))
        }
    };
    Ok(ServiceLocator::from_parts(circuit, order, service)?)
}

/// The person to call back: the party with role `reporter`, with a name, an email (its contact
/// media, or its `id`) and a phone.
fn reporter(parties: &[PartyInput]) -> Result<Reporter, ApiError> {
    let party = parties
        .iter()
        .find(|p| {
            p.role
                .as_deref()
                .is_some_and(|r| r.trim().eq_ignore_ascii_case("reporter"))
        })
        .ok_or_else(|| {
            ApiError::field(
                "relatedParty",
                "required",
                "a relatedParty with role 'reporter', a name, and email and phone contact media is required",
            )
        })?;
    let email = party
        .email
        .clone()
        .or_else(|| party.id.contains('@').then(|| party.id.clone()));
    let input = ReporterInput {
        name: party.name.clone().unwrap_or_default().trim().to_owned(),
        email: email.unwrap_or_default().trim().to_owned(),
        phone: party.phone.clone().unwrap_or_default().trim().to_owned(),
    };
    input.validate().map_err(|e| {
        ApiError::field(
            "relatedParty",
            "invalid",
            format!("the reporter needs a name, an email and a phone number: {e}"),
        )
    })?;
    Ok(Reporter::from(input))
}

/// `name`, or else the first line of the description cut to 200 characters.
fn summary_of(name: Option<&str>, description: &str) -> String {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => n.to_owned(),
        None => description
            .trim()
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect(),
    }
}

/// The first-level attributes a `fields` selection may name, besides `id`, `href` and `@type`
/// (which every answer holds).
pub(crate) fn parse_fields(
    fields: Option<&str>,
    attributes: &[&str],
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(list) = fields else {
        return Ok(None);
    };
    if list.chars().count() > 500 {
        return Err(ApiError::field(
            "fields",
            "length",
            "at most 500 characters",
        ));
    }
    let mut wanted = Vec::new();
    // Exactly the published pattern: names separated by single commas, no blanks.
    for name in list.split(',') {
        if !(attributes.contains(&name) || ["id", "href", "@type"].contains(&name)) {
            return Err(ApiError::field(
                "fields",
                "unknown",
                format!(
                    "'{name}' is not an attribute of TroubleTicket; use: {}",
                    attributes.join(", ")
                ),
            ));
        }
        wanted.push(name.to_owned());
    }
    Ok(Some(wanted))
}

/// The ticket as JSON with only the selected attributes (always `id`, `href` and `@type`).
pub(crate) fn select(
    ticket: impl serde::Serialize,
    fields: Option<&[String]>,
) -> serde_json::Value {
    let mut value = serde_json::to_value(ticket).unwrap_or(serde_json::Value::Null);
    if let (Some(fields), serde_json::Value::Object(map)) = (fields, &mut value) {
        map.retain(|k, _| {
            ["id", "href", "@type"].contains(&k.as_str()) || fields.iter().any(|f| f == k)
        });
    }
    value
}
