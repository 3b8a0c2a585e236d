//! TMF621 v4 (issue 10) under `/tmf-api/troubleTicket/v4`: its resource shapes ([`model`]) and
//! operations, over the shared [`facts`](super::facts) and [`flow`](super::flow).

mod hub;
mod model;
mod tickets;

pub use hub::{notification, register_listener, unregister_listener};
pub use model::*;
pub use tickets::list_trouble_tickets;
pub use tickets::{create_trouble_ticket, delete_trouble_ticket, get_trouble_ticket};
pub use tickets::{patch_trouble_ticket, TroubleTicketQuery};

use super::facts::TicketFacts;

/// Where the facade lives.
pub const BASE: &str = "/tmf-api/troubleTicket/v4";

/// `href` of a ticket in the facade.
pub fn href(ticket: &domain::TicketRef) -> String {
    format!("{BASE}/troubleTicket/{ticket}")
}

/// A ticket as TMF621 v4 shows it.
pub fn trouble_ticket(f: TicketFacts) -> TroubleTicket {
    TroubleTicket {
        id: f.ticket.to_string(),
        href: href(&f.ticket),
        at_type: "TroubleTicket".to_owned(),
        name: f.name,
        description: f.description,
        severity: f.severity.to_owned(),
        priority: f.priority.to_owned(),
        ticket_type: "incident".to_owned(),
        status: f.status.into(),
        status_change_date: f.status_change_date,
        status_change_reason: f.status_change_reason,
        creation_date: f.creation_date,
        last_update: f.last_update,
        expected_resolution_date: f.expected_resolution_date,
        resolution_date: f.resolution_date,
        external_id: f.external_id,
        note: f
            .notes
            .into_iter()
            .map(|n| Note {
                id: Some(n.id),
                author: Some(n.author),
                date: Some(n.date),
                text: n.text,
                at_type: None,
            })
            .collect(),
        related_entity: vec![RelatedEntity {
            href: Some(format!("/api/v1/services/{}", f.service_id)),
            id: f.service_id,
            name: None,
            role: "affectedService".to_owned(),
            referred_type: "Service".to_owned(),
            at_type: None,
        }],
        related_party: f
            .parties
            .into_iter()
            .map(|p| {
                let media: Vec<ContactMedium> = [
                    p.email.map(|e| ("email", Some(e), None)),
                    p.phone.map(|n| ("phone", None, Some(n))),
                ]
                .into_iter()
                .flatten()
                .map(|(medium, email_address, phone_number)| ContactMedium {
                    medium_type: medium.to_owned(),
                    preferred: None,
                    characteristic: MediumCharacteristic {
                        email_address,
                        phone_number,
                    },
                })
                .collect();
                RelatedParty {
                    id: p.id,
                    href: p.href,
                    name: p.name,
                    role: Some(p.role.to_owned()),
                    contact_medium: (!media.is_empty()).then_some(media),
                    referred_type: p.referred_type.to_owned(),
                    at_type: None,
                }
            })
            .collect(),
        status_change: f
            .history
            .into_iter()
            .map(|c| StatusChange {
                status: c.status.into(),
                change_date: c.date,
                change_reason: c.reason,
            })
            .collect(),
        trouble_ticket_relationship: f
            .parent
            .map(|p| TroubleTicketRelationship {
                id: p.to_string(),
                href: href(&p),
                relationship_type: "isChild".to_owned(),
            })
            .into_iter()
            .collect(),
        attachment: f
            .attachments
            .into_iter()
            .map(|a| AttachmentRefOrValue {
                id: a.id,
                href: a.href,
                url: a.url,
                name: a.name,
                mime_type: a.mime_type,
                size: Quantity {
                    amount: a.size as f64,
                    units: "bytes".to_owned(),
                },
                description: a.description,
            })
            .collect(),
    }
}

/// The first-level attributes a `fields` selection may name.
pub(crate) const ATTRIBUTES: &[&str] = &[
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
    "attachment",
];
