//! TM Forum TMF621 Trouble Ticket Management (v4) over our own tickets (issue 10), under
//! `/tmf-api/troubleTicket/v4`: partners' ticketing systems that speak TMF621 integrate without
//! custom code. Same tickets, same rules, same tenancy and auth as `/api/v1`; the mapping of
//! statuses, severities and priorities is in [`domain::tmf`].

mod hub;
mod model;
mod tickets;

pub use hub::{notification, register_listener, unregister_listener};
pub use model::*;
pub use tickets::list_trouble_tickets;
pub use tickets::{create_trouble_ticket, delete_trouble_ticket, get_trouble_ticket};
pub use tickets::{patch_trouble_ticket, TroubleTicketQuery};

use chrono::{DateTime, Utc};
use domain::tmf::{self, TmfStatus};
use domain::{EntryKind, Incident, SlaPolicy, TimelineEntry};
use serde_json::Value;

use crate::http::error::ApiError;

/// Where the facade lives.
pub const BASE: &str = "/tmf-api/troubleTicket/v4";

/// `href` of a ticket in the facade.
pub fn href(ticket: &domain::TicketRef) -> String {
    format!("{BASE}/troubleTicket/{ticket}")
}

/// A ticket as TMF621 shows it, from the ticket and its public notes and status changes
/// (oldest first). The service desk also sees the assignee.
pub fn trouble_ticket(
    i: Incident,
    entries: &[TimelineEntry],
    policy: &SlaPolicy,
    staff: bool,
    now: DateTime<Utc>,
) -> TroubleTicket {
    let mut history = vec![StatusChange {
        status: TmfStatus::Acknowledged.into(),
        change_date: i.logged_at(),
        change_reason: Some("Ticket logged".to_owned()),
    }];
    let mut last = TmfStatus::Acknowledged;
    let mut notes = Vec::new();
    for e in entries {
        match e.kind {
            EntryKind::Note => notes.push(Note {
                id: Some(e.id.to_string()),
                author: Some(e.author.clone()),
                date: Some(e.created_at),
                text: e.text.clone(),
                at_type: None,
            }),
            EntryKind::StatusChange => {
                // The move as recorded, never read back from the entry's wording.
                if let Some(moved) = &e.status {
                    let status = TmfStatus::of(moved.to);
                    if status != last {
                        last = status;
                        history.push(StatusChange {
                            status: status.into(),
                            change_date: e.created_at,
                            change_reason: moved.detail.clone(),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    // The last change is the current status; the history always starts with the logging.
    let (status_change_date, status_change_reason) = history
        .last()
        .map(|c| (c.change_date, c.change_reason.clone()))
        .unwrap_or((i.sla.logged_at, None));
    let expected_resolution = (i.status.is_open() && i.status != domain::IncidentStatus::Resolved)
        .then(|| {
            i.sla
                .status(policy, policy.targets(i.priority), now)
                .restore_due_at
        });
    let mut parties = vec![
        RelatedParty {
            id: i.customer_number.to_string(),
            href: Some(format!("/api/v1/customers/{}", i.customer_number)),
            name: None,
            role: Some("customer".to_owned()),
            contact_medium: None,
            referred_type: "Organization".to_owned(),
            at_type: None,
        },
        RelatedParty {
            id: i.reporter.email.clone(),
            href: None,
            name: Some(i.reporter.name.clone()),
            role: Some("reporter".to_owned()),
            contact_medium: Some(vec![
                ContactMedium {
                    medium_type: "email".to_owned(),
                    preferred: None,
                    characteristic: MediumCharacteristic {
                        email_address: Some(i.reporter.email.clone()),
                        phone_number: None,
                    },
                },
                ContactMedium {
                    medium_type: "phone".to_owned(),
                    preferred: None,
                    characteristic: MediumCharacteristic {
                        email_address: None,
                        phone_number: Some(i.reporter.phone.clone()),
                    },
                },
            ]),
            referred_type: "Individual".to_owned(),
            at_type: None,
        },
    ];
    if let (true, Some(assignee)) = (staff, &i.assignee_email) {
        parties.push(RelatedParty {
            id: assignee.clone(),
            href: None,
            name: None,
            role: Some("assignee".to_owned()),
            contact_medium: None,
            referred_type: "Individual".to_owned(),
            at_type: None,
        });
    }
    TroubleTicket {
        id: i.ticket.to_string(),
        href: href(&i.ticket),
        at_type: "TroubleTicket".to_owned(),
        name: i.summary,
        description: i.description,
        severity: tmf::severity_of(i.impact).to_owned(),
        priority: tmf::priority_name(i.priority).to_owned(),
        ticket_type: "incident".to_owned(),
        status: TmfStatus::of(i.status).into(),
        status_change_date,
        status_change_reason,
        creation_date: i.sla.logged_at,
        last_update: i.updated_at,
        expected_resolution_date: expected_resolution,
        resolution_date: i.resolved_at,
        external_id: i.external_id,
        note: notes,
        related_entity: vec![RelatedEntity {
            id: i.service_id.to_string(),
            href: Some(format!("/api/v1/services/{}", i.service_id)),
            name: None,
            role: "affectedService".to_owned(),
            referred_type: "Service".to_owned(),
            at_type: None,
        }],
        related_party: parties,
        status_change: history,
        trouble_ticket_relationship: i
            .parent_ticket
            .map(|p| TroubleTicketRelationship {
                id: p.to_string(),
                href: href(&p),
                relationship_type: "isChild".to_owned(),
            })
            .into_iter()
            .collect(),
    }
}

/// The first-level attributes a `fields` selection may name.
const ATTRIBUTES: &[&str] = &[
    "name",
    "description",
    "severity",
    "priority",
    "ticketType",
    "status",
    "statusChangeDate",
    "statusChangeReason",
    "creationDate",
    "lastUpdate",
    "expectedResolutionDate",
    "resolutionDate",
    "externalId",
    "note",
    "relatedEntity",
    "relatedParty",
    "statusChange",
    "troubleTicketRelationship",
];

/// The attributes a `fields` parameter asks for (`None`: all). Unknown names are refused, so a
/// typo does not silently empty the answer.
pub(crate) fn parse_fields(fields: Option<&str>) -> Result<Option<Vec<String>>, ApiError> {
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
        if !(ATTRIBUTES.contains(&name) || ["id", "href", "@type"].contains(&name)) {
            return Err(ApiError::field(
                "fields",
                "unknown",
                format!(
                    "'{name}' is not an attribute of TroubleTicket; use: {}",
                    ATTRIBUTES.join(", ")
                ),
            ));
        }
        wanted.push(name.to_owned());
    }
    Ok(Some(wanted))
}

/// The ticket as JSON with only the selected attributes (always `id`, `href` and `@type`).
pub(crate) fn select(ticket: &TroubleTicket, fields: Option<&[String]>) -> Value {
    let mut value = serde_json::to_value(ticket).unwrap_or(Value::Null);
    if let (Some(fields), Value::Object(map)) = (fields, &mut value) {
        map.retain(|k, _| {
            ["id", "href", "@type"].contains(&k.as_str()) || fields.iter().any(|f| f == k)
        });
    }
    value
}
