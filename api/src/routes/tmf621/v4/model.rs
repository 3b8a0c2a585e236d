//! TMF621 v4 resource shapes, with TMF's field names (camelCase, `@type`), as this API reads and
//! writes them. Fields TMF621 defines but we do not keep (attachments, channel, requested
//! resolution date) are not offered; unknown fields in a request are refused, never ignored.

use chrono::{DateTime, Utc};

pub use crate::routes::tmf621::{TmfResolution, TroubleTicketStatusType};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// A trouble ticket, as TMF621 names its parts. Every attribute may be left out of an answer
/// by the `fields` query parameter, except `id`, `href` and `@type`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": "1-0000000042", "href": "/tmf-api/troubleTicket/v4/troubleTicket/1-0000000042",
    "@type": "TroubleTicket", "name": "Circuit down", "description": "No light since 09:12 UTC",
    "severity": "Critical", "priority": "Critical", "ticketType": "incident", "status": "inProgress",
    "creationDate": "2026-11-28T09:15:00Z", "lastUpdate": "2026-11-28T09:40:00Z",
    "expectedResolutionDate": "2026-11-28T13:15:00Z", "externalId": "ACME-INC-7781",
    "statusChange": [{"status": "acknowledged", "changeDate": "2026-11-28T09:15:00Z", "changeReason": "Ticket logged"},
                     {"status": "inProgress", "changeDate": "2026-11-28T09:40:00Z"}],
    "note": [{"id": "3", "author": "user:12", "date": "2026-11-28T09:30:00Z", "text": "Site access from 10:00"}],
    "relatedEntity": [{"id": "SVC-0001", "href": "/api/v1/services/SVC-0001", "role": "affectedService", "@referredType": "Service"}],
    "relatedParty": [{"id": "OCN-1001", "role": "customer", "@referredType": "Organization"},
                     {"id": "alice@acme.example", "name": "Alice Example", "role": "reporter", "@referredType": "Individual"}],
    "troubleTicketRelationship": []
}))]
pub struct TroubleTicket {
    /// Our ticket reference (`1-` and ten digits).
    #[schema(required = false, example = "1-0000000042")]
    pub id: String,
    #[schema(required = false)]
    pub href: String,
    #[serde(rename = "@type")]
    #[schema(required = false, example = "TroubleTicket")]
    pub at_type: String,
    /// Short description (our `summary`).
    #[schema(required = false)]
    pub name: String,
    #[schema(required = false)]
    pub description: String,
    /// `Critical`, `Major`, `Minor` or `Low` (our impact).
    #[schema(required = false, example = "Critical")]
    pub severity: String,
    /// `Critical` (P1), `High` (P2), `Medium` (P3) or `Low` (P4); set from the severity.
    #[schema(required = false, example = "Critical")]
    pub priority: String,
    /// Always `incident`.
    #[schema(required = false, example = "incident")]
    pub ticket_type: String,
    #[schema(required = false)]
    pub status: TroubleTicketStatusType,
    /// When the status last changed.
    #[schema(required = false)]
    pub status_change_date: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_change_reason: Option<String>,
    /// When the ticket was logged.
    #[schema(required = false)]
    pub creation_date: DateTime<Utc>,
    #[schema(required = false)]
    pub last_update: DateTime<Utc>,
    /// The restore target of the SLA (absent once the ticket is resolved or cancelled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_resolution_date: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution_date: Option<DateTime<Utc>>,
    /// The partner's own identifier for the ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Public notes, oldest first (internal notes stay in `/api/v1`).
    #[schema(required = false)]
    pub note: Vec<Note>,
    /// The affected service.
    #[schema(required = false)]
    pub related_entity: Vec<RelatedEntity>,
    /// The customer company, the reporter and (for the service desk) the assignee.
    #[schema(required = false)]
    pub related_party: Vec<RelatedParty>,
    /// Status history, oldest first.
    #[schema(required = false)]
    pub status_change: Vec<StatusChange>,
    /// The major network incident this ticket is linked to (`relationshipType` `isChild`).
    #[schema(required = false)]
    pub trouble_ticket_relationship: Vec<TroubleTicketRelationship>,
    /// Public attachments, oldest first: their content is at `url` (the same bearer token reads
    /// it). New ones come by base64 `content` on create and patch, or through `/api/v1` uploads.
    #[schema(required = false)]
    pub attachment: Vec<AttachmentRefOrValue>,
}

/// A file attached to a ticket, by reference: its content is at `url`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentRefOrValue {
    #[schema(example = "7")]
    pub id: String,
    /// Its record in `/api/v1`.
    #[schema(example = "/api/v1/incidents/1-0000000042/attachments/7")]
    pub href: String,
    /// Its content.
    #[schema(example = "/api/v1/incidents/1-0000000042/attachments/7/content")]
    pub url: String,
    #[schema(example = "trace.pcap")]
    pub name: String,
    /// Decided from the content.
    #[schema(example = "application/vnd.tcpdump.pcap")]
    pub mime_type: String,
    pub size: Quantity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// An amount in a unit: an attachment's size in `bytes`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Quantity {
    #[schema(example = 48213)]
    pub amount: f64,
    #[schema(example = "bytes")]
    pub units: String,
}

/// A note on a ticket.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// Set by the server; a note sent with an `id` is one that already exists and is left as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 32))]
    #[schema(max_length = 32)]
    pub id: Option<String>,
    /// Set by the server (the caller's subject).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub author: Option<String>,
    /// Set by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<DateTime<Utc>>,
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub text: String,
    #[serde(rename = "@type", default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub at_type: Option<String>,
}

/// An entity the ticket is about: here, the affected service.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RelatedEntity {
    /// Service id (`@referredType` `Service` or `Product`), order number (`ProductOrder`) or
    /// circuit reference (`Resource`).
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64, example = "SVC-0001")]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub href: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// `affectedService`.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64, example = "affectedService")]
    pub role: String,
    #[serde(rename = "@referredType")]
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64, example = "Service")]
    pub referred_type: String,
    #[serde(rename = "@type", default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub at_type: Option<String>,
}

/// How to reach a party (TMF632 `ContactMedium`): `mediumType` `email` with
/// `characteristic.emailAddress`, or `phone`/`mobile` with `characteristic.phoneNumber`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactMedium {
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32, example = "email")]
    pub medium_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<bool>,
    #[validate(nested)]
    pub characteristic: MediumCharacteristic,
}

/// The address of a contact medium.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MediumCharacteristic {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 254))]
    #[schema(max_length = 254, example = "alice@acme.example")]
    pub email_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 40))]
    #[schema(max_length = 40, example = "+44 20 7946 0000")]
    pub phone_number: Option<String>,
}

/// A party related to the ticket. On creation, the party with `role` `reporter` (a name and an
/// email and a phone contact medium) is the person to call back.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RelatedParty {
    #[validate(length(min = 1, max = 254))]
    #[schema(min_length = 1, max_length = 254)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub href: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 64))]
    #[schema(max_length = 64, example = "reporter")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 5), nested)]
    #[schema(max_items = 5)]
    pub contact_medium: Option<Vec<ContactMedium>>,
    #[serde(rename = "@referredType")]
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64, example = "Individual")]
    pub referred_type: String,
    #[serde(rename = "@type", default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub at_type: Option<String>,
}

/// One status change.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    pub status: TroubleTicketStatusType,
    pub change_date: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_reason: Option<String>,
}

/// A link to another trouble ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TroubleTicketRelationship {
    pub id: String,
    pub href: String,
    /// `isChild`: this ticket is a child of a major network incident.
    pub relationship_type: String,
}

/// A trouble ticket to create (TMF621 `TroubleTicket_Create`): `description`, `severity` and
/// `ticketType` are required; so is the affected service (`relatedEntity`) and the reporter
/// (`relatedParty` with `role` `reporter`).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({
    "name": "Circuit down", "description": "No light since 09:12 UTC", "severity": "Critical",
    "ticketType": "incident", "externalId": "ACME-INC-7781",
    "relatedEntity": [{"id": "SVC-0001", "role": "affectedService", "@referredType": "Service"}],
    "relatedParty": [{"id": "alice@acme.example", "name": "Alice Example", "role": "reporter",
        "@referredType": "Individual", "contactMedium": [
            {"mediumType": "email", "characteristic": {"emailAddress": "alice@acme.example"}},
            {"mediumType": "phone", "characteristic": {"phoneNumber": "+44 20 7946 0000"}}]}],
    "note": [{"text": "Site access from 10:00"}]
}))]
pub struct TroubleTicketCreate {
    /// Short description; the first line of `description` (cut to 200 characters) when absent.
    #[serde(default)]
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub description: String,
    /// `Critical`, `Major`, `Minor` or `Low` (or our impact names); sets the priority.
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32, example = "Critical")]
    pub severity: String,
    /// Must be `incident`.
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32, example = "incident")]
    pub ticket_type: String,
    /// Accepted for compatibility (it must be a TMF621 priority) and otherwise ignored: the
    /// priority follows the severity.
    #[serde(default)]
    #[validate(length(max = 32))]
    #[schema(max_length = 32, pattern = "^(Critical|High|Medium|Low|P1|P2|P3|P4)$")]
    pub priority: Option<String>,
    #[serde(default)]
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub external_id: Option<String>,
    #[validate(length(min = 1, max = 5), nested)]
    #[schema(min_items = 1, max_items = 5)]
    pub related_entity: Vec<RelatedEntity>,
    #[validate(length(min = 1, max = 10), nested)]
    #[schema(min_items = 1, max_items = 10)]
    pub related_party: Vec<RelatedParty>,
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub note: Option<Vec<Note>>,
    /// Files to attach, by base64 `content` (see `AttachmentInput`).
    #[serde(default)]
    #[validate(length(max = 5), nested)]
    #[schema(max_items = 5)]
    pub attachment: Option<Vec<super::super::AttachmentInput>>,
    #[serde(rename = "@type", default)]
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub at_type: Option<String>,
}

/// Changes to a trouble ticket (TMF621 `TroubleTicket_Update`, as a JSON merge patch). Only
/// these attributes change; any other is refused. Notes without an `id` are added; notes are never
/// changed or removed.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"status": "closed", "statusChangeReason": "Service restored, confirmed on site",
    "note": [{"text": "Thanks, all good now"}]}))]
pub struct TroubleTicketUpdate {
    /// The status wanted; see the tag description for the moves each role may make.
    #[serde(default)]
    pub status: Option<TroubleTicketStatusType>,
    /// Why: needed to close, cancel, reopen (`inProgress` from `resolved`) or set `pending`.
    #[serde(default)]
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub status_change_reason: Option<String>,
    /// Service desk only: `Critical`, `High`, `Medium`, `Low` or `P1`–`P4`.
    #[serde(default)]
    #[validate(length(min = 1, max = 32))]
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = "^(Critical|High|Medium|Low|P1|P2|P3|P4)$"
    )]
    pub priority: Option<String>,
    #[serde(default)]
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub external_id: Option<String>,
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub note: Option<Vec<Note>>,
    /// Files to attach, by base64 `content`; those sent back with an `id` are left as they are.
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub attachment: Option<Vec<super::super::AttachmentInput>>,
    /// Extension: cause and fix, required to resolve.
    #[serde(default)]
    #[validate(nested)]
    pub resolution: Option<TmfResolution>,
    #[serde(rename = "@type", default)]
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub at_type: Option<String>,
}

/// A listener to register (TMF630 `EventSubscriptionInput`).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"callback": "https://tickets.acme.example/tmf/listener",
    "query": "eventType=TroubleTicketStatusChangeEvent,TroubleTicketResolvedEvent"}))]
pub struct EventSubscriptionInput {
    /// http(s) URL on a public address that receives the notifications.
    #[validate(length(min = 1, max = 2000))]
    #[schema(format = "uri", min_length = 1, max_length = 2000)]
    pub callback: String,
    /// `eventType=<names, comma-separated>` (or repeated with `&`); absent or empty = every
    /// notification.
    #[serde(default)]
    #[validate(length(max = 500))]
    #[schema(
        max_length = 500,
        pattern = "^(eventType=(TroubleTicketCreateEvent|TroubleTicketStatusChangeEvent|TroubleTicketResolvedEvent|TroubleTicketAttributeValueChangeEvent)(,(TroubleTicketCreateEvent|TroubleTicketStatusChangeEvent|TroubleTicketResolvedEvent|TroubleTicketAttributeValueChangeEvent))*(&eventType=(TroubleTicketCreateEvent|TroubleTicketStatusChangeEvent|TroubleTicketResolvedEvent|TroubleTicketAttributeValueChangeEvent)(,(TroubleTicketCreateEvent|TroubleTicketStatusChangeEvent|TroubleTicketResolvedEvent|TroubleTicketAttributeValueChangeEvent))*)*)?$"
    )]
    pub query: Option<String>,
    /// Extension: the signing secret (at least 16 characters); generated when absent.
    #[serde(default)]
    #[validate(length(min = 16, max = 200))]
    #[schema(min_length = 16, max_length = 200)]
    pub secret: Option<String>,
}

/// A registered listener (TMF630 `EventSubscription`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "17", "callback": "https://tickets.partner.example/listener", "query": "eventType=TroubleTicketStatusChangeEvent", "secret": "whsec_3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c1e"}))]
pub struct EventSubscription {
    pub id: String,
    pub callback: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Extension: the secret that signs each notification (`X-Signature`), shown only now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}
