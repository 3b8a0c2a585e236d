//! TMF621 v5.0.1 resource shapes, as this API reads and writes them. v5 differs from v4 in form,
//! not in meaning: every object carries its `@type`; a related entity wraps an `entity`
//! reference and a related party a `partyOrPartyRole` reference; the status history is
//! `statusChangeHistory`; the partner's identifier is an `externalIdentifier`. Attributes v5
//! defines but we do not keep (channel, characteristics, specification, requested resolution
//! date) are not offered; unknown attributes in a request are refused, never ignored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::routes::tmf621::{TmfResolution, TroubleTicketStatusType};

/// A trouble ticket in TMF621 v5 (`TroubleTicket`). Every attribute may be left out of an answer
/// by the `fields` query parameter, except `id`, `href` and `@type`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": "1-0000000042", "href": "/tmf-api/troubleTicket/v5/troubleTicket/1-0000000042",
    "@type": "TroubleTicket", "name": "Circuit down", "description": "No light since 09:12 UTC",
    "severity": "Critical", "priority": "Critical", "ticketType": "incident", "status": "inProgress",
    "statusChangeDate": "2026-11-28T09:40:00Z",
    "creationDate": "2026-11-28T09:15:00Z", "lastUpdate": "2026-11-28T09:40:00Z",
    "expectedResolutionDate": "2026-11-28T13:15:00Z",
    "externalIdentifier": [{"@type": "ExternalIdentifier", "id": "ACME-INC-7781", "owner": "OCN-1001", "externalIdentifierType": "TroubleTicket"}],
    "statusChangeHistory": [
        {"@type": "StatusChange", "status": "acknowledged", "statusChangeDate": "2026-11-28T09:15:00Z", "statusChangeReason": "Ticket logged"},
        {"@type": "StatusChange", "status": "inProgress", "statusChangeDate": "2026-11-28T09:40:00Z"}],
    "note": [{"@type": "Note", "id": "3", "author": "user:12", "date": "2026-11-28T09:30:00Z", "text": "Site access from 10:00"}],
    "relatedEntity": [{"@type": "RelatedEntity", "role": "affectedService",
        "entity": {"@type": "EntityRef", "id": "SVC-0001", "href": "/api/v1/services/SVC-0001", "@referredType": "Service"}}],
    "relatedParty": [
        {"@type": "RelatedPartyRefOrPartyRoleRef", "role": "customer",
         "partyOrPartyRole": {"@type": "PartyRef", "id": "OCN-1001", "href": "/api/v1/customers/OCN-1001", "@referredType": "Organization"}},
        {"@type": "RelatedPartyRefOrPartyRoleRef", "role": "reporter",
         "partyOrPartyRole": {"@type": "PartyRef", "id": "alice@acme.example", "name": "Alice Example", "@referredType": "Individual",
            "contactMedium": [{"@type": "EmailContactMedium", "emailAddress": "alice@acme.example"},
                              {"@type": "PhoneContactMedium", "phoneNumber": "+44 20 7946 0000"}]}}],
    "troubleTicketRelationship": []
}))]
pub struct TroubleTicketV5 {
    /// Our ticket reference (`1-` and ten digits).
    #[schema(required = false, example = "1-0000000042")]
    pub id: String,
    #[schema(required = false)]
    pub href: String,
    /// Always `TroubleTicket`.
    #[serde(rename = "@type")]
    #[schema(example = "TroubleTicket")]
    pub at_type: &'static str,
    /// Short description (our `summary`).
    #[schema(required = false)]
    pub name: String,
    #[schema(required = false)]
    pub description: String,
    /// `Critical`, `Major`, `Minor` or `Low` (our impact).
    #[schema(required = false, example = "Critical")]
    pub severity: &'static str,
    /// `Critical` (P1), `High` (P2), `Medium` (P3) or `Low` (P4); set from the severity.
    #[schema(required = false, example = "Critical")]
    pub priority: &'static str,
    /// Always `incident`.
    #[schema(required = false, example = "incident")]
    pub ticket_type: &'static str,
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
    /// The partner's own identifier for the ticket (at most one).
    #[schema(required = false)]
    pub external_identifier: Vec<ExternalIdentifierV5>,
    /// Public notes, oldest first (internal notes stay in `/api/v1`).
    #[schema(required = false)]
    pub note: Vec<NoteV5>,
    /// The affected service.
    #[schema(required = false)]
    pub related_entity: Vec<RelatedEntityV5>,
    /// The customer company, the reporter and (for the service desk) the assignee.
    #[schema(required = false)]
    pub related_party: Vec<RelatedPartyV5>,
    /// Status history, oldest first.
    #[schema(required = false)]
    pub status_change_history: Vec<StatusChangeV5>,
    /// The major network incident this ticket is linked to (`relationshipType` `isChild`).
    #[schema(required = false)]
    pub trouble_ticket_relationship: Vec<TroubleTicketRelationshipV5>,
    /// Public attachments, oldest first (`Attachment`, content at `url`, read with the same
    /// bearer token). New ones come by base64 `content` on create and patch, or through
    /// `/api/v1` uploads.
    #[schema(required = false)]
    pub attachment: Vec<AttachmentV5>,
}

/// A file attached to a ticket (`Attachment`): its metadata; its content is at `url`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentV5 {
    /// `Attachment`.
    #[serde(rename = "@type")]
    #[schema(example = "Attachment")]
    pub at_type: &'static str,
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
    pub size: QuantityV5,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// An amount in a unit (`Quantity`): an attachment's size in `bytes`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuantityV5 {
    #[schema(example = 48213)]
    pub amount: f64,
    #[schema(example = "bytes")]
    pub units: String,
}

/// The partner's identifier of a ticket (`ExternalIdentifier`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalIdentifierV5 {
    /// `ExternalIdentifier`.
    #[serde(rename = "@type", default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 64))]
    #[schema(max_length = 64, example = "ExternalIdentifier")]
    pub at_type: Option<String>,
    /// The identifier in the partner's system.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, example = "ACME-INC-7781")]
    pub id: String,
    /// In answers: the customer company whose identifier it is. Ignored on input (it is always
    /// the caller's company).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 200))]
    #[schema(max_length = 200, example = "OCN-1001")]
    pub owner: Option<String>,
    /// In answers: `TroubleTicket`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 64))]
    #[schema(max_length = 64, example = "TroubleTicket")]
    pub external_identifier_type: Option<String>,
}

/// A note on a ticket (`Note`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NoteV5 {
    /// `Note`.
    #[serde(rename = "@type", default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 64))]
    #[schema(max_length = 64, example = "Note")]
    pub at_type: Option<String>,
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
}

/// A reference to an entity (`EntityRef`): here, a service, an order or a circuit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct EntityRefV5 {
    /// `EntityRef`.
    #[serde(rename = "@type", default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 64))]
    #[schema(max_length = 64, example = "EntityRef")]
    pub at_type: Option<String>,
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
    #[serde(rename = "@referredType")]
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64, example = "Service")]
    pub referred_type: String,
}

/// An entity the ticket is about (`RelatedEntity`): the affected service.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RelatedEntityV5 {
    /// `RelatedEntity`.
    #[serde(rename = "@type", default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 64))]
    #[schema(max_length = 64, example = "RelatedEntity")]
    pub at_type: Option<String>,
    /// `affectedService`.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64, example = "affectedService")]
    pub role: String,
    #[validate(nested)]
    pub entity: EntityRefV5,
}

/// How to reach a party: `EmailContactMedium` with `emailAddress`, or `PhoneContactMedium`
/// with `phoneNumber` (TMF632 v5 `ContactMedium`; an extension of `PartyRef` here, so that the
/// reporter can be called back).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactMediumV5 {
    /// `EmailContactMedium` or `PhoneContactMedium`.
    #[serde(rename = "@type")]
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64, example = "PhoneContactMedium")]
    pub at_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 254))]
    #[schema(max_length = 254, example = "alice@acme.example")]
    pub email_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 40))]
    #[schema(max_length = 40, example = "+44 20 7946 0000")]
    pub phone_number: Option<String>,
}

/// A reference to a party (`PartyRef`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PartyRefV5 {
    /// `PartyRef`.
    #[serde(rename = "@type", default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 64))]
    #[schema(max_length = 64, example = "PartyRef")]
    pub at_type: Option<String>,
    /// The reporter's email; the customer's number.
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
    /// `Individual` or `Organization`.
    #[serde(
        rename = "@referredType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[validate(length(max = 64))]
    #[schema(max_length = 64, example = "Individual")]
    pub referred_type: Option<String>,
    /// Extension: how to reach the party (the reporter's email and phone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 5), nested)]
    #[schema(max_items = 5)]
    pub contact_medium: Option<Vec<ContactMediumV5>>,
}

/// A party related to the ticket (`RelatedPartyRefOrPartyRoleRef`). On creation, the party with
/// `role` `reporter` (a name, an email and a phone) is the person to call back.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RelatedPartyV5 {
    /// `RelatedPartyRefOrPartyRoleRef`.
    #[serde(rename = "@type", default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 64))]
    #[schema(max_length = 64, example = "RelatedPartyRefOrPartyRoleRef")]
    pub at_type: Option<String>,
    /// `customer`, `reporter` or `assignee`.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64, example = "reporter")]
    pub role: String,
    #[validate(nested)]
    pub party_or_party_role: PartyRefV5,
}

/// One status change (`StatusChange`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusChangeV5 {
    /// `StatusChange`.
    #[serde(rename = "@type")]
    pub at_type: &'static str,
    pub status: TroubleTicketStatusType,
    pub status_change_date: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_change_reason: Option<String>,
}

/// A link to another trouble ticket (`TroubleTicketRelationship`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TroubleTicketRelationshipV5 {
    /// `TroubleTicketRelationship`.
    #[serde(rename = "@type")]
    pub at_type: &'static str,
    pub id: String,
    pub href: String,
    /// `isChild`: this ticket is a child of a major network incident.
    pub relationship_type: &'static str,
}

/// A trouble ticket to create (TMF621 v5 `TroubleTicket_FVO`): `description`, `severity` and
/// `ticketType` are required; so is the affected service (`relatedEntity`) and the reporter
/// (`relatedParty` with `role` `reporter`, its `partyOrPartyRole` with a name, the email as `id`
/// or a contact medium, and a phone contact medium).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({
    "@type": "TroubleTicket", "name": "Circuit down", "description": "No light since 09:12 UTC",
    "severity": "Critical", "ticketType": "incident",
    "externalIdentifier": [{"@type": "ExternalIdentifier", "id": "ACME-INC-7781"}],
    "relatedEntity": [{"@type": "RelatedEntity", "role": "affectedService",
        "entity": {"@type": "EntityRef", "id": "SVC-0001", "@referredType": "Service"}}],
    "relatedParty": [{"@type": "RelatedPartyRefOrPartyRoleRef", "role": "reporter",
        "partyOrPartyRole": {"@type": "PartyRef", "id": "alice@acme.example", "name": "Alice Example",
            "@referredType": "Individual",
            "contactMedium": [{"@type": "PhoneContactMedium", "phoneNumber": "+44 20 7946 0000"}]}}],
    "note": [{"@type": "Note", "text": "Site access from 10:00"}]
}))]
pub struct TroubleTicketCreateV5 {
    /// `TroubleTicket`.
    #[serde(rename = "@type", default)]
    #[validate(length(max = 64))]
    #[schema(max_length = 64, example = "TroubleTicket")]
    pub at_type: Option<String>,
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
    /// The partner's identifier for the ticket (at most one is kept, so at most one is taken).
    #[serde(default)]
    #[validate(length(max = 1), nested)]
    #[schema(max_items = 1)]
    pub external_identifier: Option<Vec<ExternalIdentifierV5>>,
    #[validate(length(min = 1, max = 5), nested)]
    #[schema(min_items = 1, max_items = 5)]
    pub related_entity: Vec<RelatedEntityV5>,
    #[validate(length(min = 1, max = 10), nested)]
    #[schema(min_items = 1, max_items = 10)]
    pub related_party: Vec<RelatedPartyV5>,
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub note: Option<Vec<NoteV5>>,
    /// Files to attach, by base64 `content` (see `AttachmentInput`; its `@type` may be
    /// `Attachment`).
    #[serde(default)]
    #[validate(length(max = 5), nested)]
    #[schema(max_items = 5)]
    pub attachment: Option<Vec<super::super::AttachmentInput>>,
    /// Not kept by this API: only an empty list is accepted.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>, max_items = 0)]
    pub trouble_ticket_characteristic: Option<Vec<serde_json::Value>>,
    /// Set by the server (the major network incident a ticket is linked to): only an empty list
    /// is accepted.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>, max_items = 0)]
    pub trouble_ticket_relationship: Option<Vec<serde_json::Value>>,
}

/// Changes to a trouble ticket (TMF621 v5 `TroubleTicket_MVO`, as a JSON merge patch). Only
/// these attributes change; any other is refused. Notes without an `id` are added; notes are
/// never changed or removed. An empty list changes nothing (clients generated from TM Forum's
/// document send every list attribute, empty when unused); a list that is not empty for an
/// attribute that cannot change here (`relatedEntity`, `relatedParty`, …) is refused. New
/// attachments (without an `id`) are added.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"@type": "TroubleTicket", "status": "closed",
    "statusChangeReason": "Service restored, confirmed on site",
    "note": [{"@type": "Note", "text": "Thanks, all good now"}]}))]
pub struct TroubleTicketUpdateV5 {
    /// `TroubleTicket`.
    #[serde(rename = "@type", default)]
    #[validate(length(max = 64))]
    #[schema(max_length = 64, example = "TroubleTicket")]
    pub at_type: Option<String>,
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
    /// The partner's identifier (one; an empty list keeps the current one).
    #[serde(default)]
    #[validate(length(max = 1), nested)]
    #[schema(max_items = 1)]
    pub external_identifier: Option<Vec<ExternalIdentifierV5>>,
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub note: Option<Vec<NoteV5>>,
    /// Extension: cause and fix, required to resolve.
    #[serde(default)]
    #[validate(nested)]
    pub resolution: Option<TmfResolution>,
    /// Fixed at creation: only an empty list (no change) is accepted.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>, max_items = 0)]
    pub related_entity: Option<Vec<serde_json::Value>>,
    /// Fixed at creation: only an empty list (no change) is accepted.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>, max_items = 0)]
    pub related_party: Option<Vec<serde_json::Value>>,
    /// Set by the server: only an empty list (no change) is accepted.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>, max_items = 0)]
    pub status_change_history: Option<Vec<serde_json::Value>>,
    /// Files to attach, by base64 `content`; those sent back with an `id` are left as they are.
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub attachment: Option<Vec<super::super::AttachmentInput>>,
    /// Not kept by this API: only an empty list is accepted.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>, max_items = 0)]
    pub trouble_ticket_characteristic: Option<Vec<serde_json::Value>>,
    /// Set by the server: only an empty list is accepted.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>, max_items = 0)]
    pub trouble_ticket_relationship: Option<Vec<serde_json::Value>>,
}

/// A listener to register (TMF621 v5 `Hub_FVO`).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"@type": "Hub", "callback": "https://tickets.acme.example/tmf/v5/listener",
    "query": "eventType=TroubleTicketStatusChangeEvent,TroubleTicketResolvedEvent"}))]
pub struct HubInputV5 {
    /// `Hub`.
    #[serde(rename = "@type", default)]
    #[validate(length(max = 64))]
    #[schema(max_length = 64, example = "Hub")]
    pub at_type: Option<String>,
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

/// A registered listener (TMF621 v5 `Hub`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"@type": "Hub", "id": "17", "href": "/tmf-api/troubleTicket/v5/hub/17",
    "callback": "https://tickets.partner.example/listener", "query": "eventType=TroubleTicketStatusChangeEvent"}))]
pub struct HubV5 {
    /// `Hub`.
    #[serde(rename = "@type")]
    pub at_type: &'static str,
    pub id: String,
    pub href: String,
    pub callback: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Extension: the secret that signs each notification (`X-Signature`), shown only when the
    /// listener is registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}
