//! TMF621 v5.0.1 under `/tmf-api/troubleTicket/v5`: its resource shapes ([`model`]) and
//! operations, over the same [`facts`](super::facts) and [`flow`](super::flow) as v4.

mod hub;
mod model;
mod tickets;

pub use hub::{get_listener, notification, register_listener, unregister_listener};
pub use model::*;
pub use tickets::{create_trouble_ticket, delete_trouble_ticket, get_trouble_ticket};
pub use tickets::{list_trouble_tickets, patch_trouble_ticket, TroubleTicketQueryV5};

use super::facts::TicketFacts;

/// Where the facade lives.
pub const BASE: &str = "/tmf-api/troubleTicket/v5";

/// The tag under which Swagger UI documents this version.
pub const TAG: &str = "TMF621 v5 trouble tickets";

/// `href` of a ticket in the facade.
pub fn href(ticket: &domain::TicketRef) -> String {
    format!("{BASE}/troubleTicket/{ticket}")
}

/// A ticket as TMF621 v5 shows it.
pub fn trouble_ticket(f: TicketFacts) -> TroubleTicketV5 {
    TroubleTicketV5 {
        id: f.ticket.to_string(),
        href: href(&f.ticket),
        at_type: "TroubleTicket",
        name: f.name,
        description: f.description,
        severity: f.severity,
        priority: f.priority,
        ticket_type: "incident",
        status: f.status.into(),
        status_change_date: f.status_change_date,
        status_change_reason: f.status_change_reason,
        creation_date: f.creation_date,
        last_update: f.last_update,
        expected_resolution_date: f.expected_resolution_date,
        resolution_date: f.resolution_date,
        external_identifier: f
            .external_id
            .map(|id| ExternalIdentifierV5 {
                at_type: Some("ExternalIdentifier".to_owned()),
                id,
                owner: Some(f.customer.clone()),
                external_identifier_type: Some("TroubleTicket".to_owned()),
            })
            .into_iter()
            .collect(),
        note: f
            .notes
            .into_iter()
            .map(|n| NoteV5 {
                at_type: Some("Note".to_owned()),
                id: Some(n.id),
                author: Some(n.author),
                date: Some(n.date),
                text: n.text,
            })
            .collect(),
        related_entity: vec![RelatedEntityV5 {
            at_type: Some("RelatedEntity".to_owned()),
            role: "affectedService".to_owned(),
            entity: EntityRefV5 {
                at_type: Some("EntityRef".to_owned()),
                href: Some(format!("/api/v1/services/{}", f.service_id)),
                id: f.service_id,
                name: None,
                referred_type: "Service".to_owned(),
            },
        }],
        related_party: f
            .parties
            .into_iter()
            .map(|p| {
                let media: Vec<ContactMediumV5> = [
                    p.email.map(|e| ("EmailContactMedium", Some(e), None)),
                    p.phone.map(|n| ("PhoneContactMedium", None, Some(n))),
                ]
                .into_iter()
                .flatten()
                .map(|(at_type, email_address, phone_number)| ContactMediumV5 {
                    at_type: at_type.to_owned(),
                    preferred: None,
                    email_address,
                    phone_number,
                })
                .collect();
                RelatedPartyV5 {
                    at_type: Some("RelatedPartyRefOrPartyRoleRef".to_owned()),
                    role: p.role.to_owned(),
                    party_or_party_role: PartyRefV5 {
                        at_type: Some("PartyRef".to_owned()),
                        id: p.id,
                        href: p.href,
                        name: p.name,
                        referred_type: Some(p.referred_type.to_owned()),
                        contact_medium: (!media.is_empty()).then_some(media),
                    },
                }
            })
            .collect(),
        status_change_history: f
            .history
            .into_iter()
            .map(|c| StatusChangeV5 {
                at_type: "StatusChange",
                status: c.status.into(),
                status_change_date: c.date,
                status_change_reason: c.reason,
            })
            .collect(),
        trouble_ticket_relationship: f
            .parent
            .map(|p| TroubleTicketRelationshipV5 {
                at_type: "TroubleTicketRelationship",
                id: p.to_string(),
                href: href(&p),
                relationship_type: "isChild",
            })
            .into_iter()
            .collect(),
        attachment: f
            .attachments
            .into_iter()
            .map(|a| AttachmentV5 {
                at_type: "Attachment",
                id: a.id,
                href: a.href,
                url: a.url,
                name: a.name,
                mime_type: a.mime_type,
                size: QuantityV5 {
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
    "externalIdentifier",
    "note",
    "relatedEntity",
    "relatedParty",
    "statusChangeHistory",
    "troubleTicketRelationship",
    "attachment",
];
