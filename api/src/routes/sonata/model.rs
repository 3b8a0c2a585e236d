//! MEF 124 Sonata resource shapes, as this API reads and writes them. Attributes Sonata defines
//! but we do not keep (attachments, related issues set by the buyer, work orders) are accepted
//! only empty; unknown attributes in a request are refused, never ignored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

macro_rules! sonata_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "camelCase")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            /// As Sonata spells it (the camel-case name serde gives it).
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// The value of this name (as Sonata spells it).
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

sonata_enum!(
    /// `TroubleTicketSeverityType`: extensive (service down), significant (degraded), moderate
    /// (intermittent), minor (no impact).
    MefSeverity { Minor => "minor", Moderate => "moderate", Significant => "significant", Extensive => "extensive" }
);
sonata_enum!(
    /// `TroubleTicketPriorityType`: critical (P1), high (P2), medium (P3), low (P4).
    MefPriority { Low => "low", Medium => "medium", High => "high", Critical => "critical" }
);
sonata_enum!(
    /// `MEFObservedImpactType`.
    MefObservedImpact { Degraded => "degraded", Intermittent => "intermittent", Down => "down" }
);
sonata_enum!(
    /// `TroubleTicketType`: every ticket here is `assistance` (a problem to fix).
    MefTicketType { Assistance => "assistance", Information => "information", Installation => "installation", Maintenance => "maintenance" }
);
sonata_enum!(
    /// `TroubleTicketStatusType` (see the tag's mapping table).
    MefTicketStatus {
        Acknowledged => "acknowledged",
        AssessingCancellation => "assessingCancellation",
        Cancelled => "cancelled",
        Closed => "closed",
        InProgress => "inProgress",
        Pending => "pending",
        Resolved => "resolved",
        Reopened => "reopened",
    }
);
sonata_enum!(
    /// `IncidentStatusType`: created (no update posted yet), inProgress, closed (resolved).
    MefIncidentStatus { Closed => "closed", Created => "created", InProgress => "inProgress" }
);
sonata_enum!(
    /// `IncidentType`: every major incident here is a `repair`.
    MefIncidentType { Maintenance => "maintenance", Repair => "repair", Installation => "installation" }
);
sonata_enum!(
    /// `MEFBuyerSellerType`: who wrote it.
    MefSource { Buyer => "buyer", Seller => "seller" }
);

/// `RelatedEntity`: the buyer's product (our service) the ticket or incident is about.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MefRelatedEntity {
    /// `Product` (our service id), also `Service`; `ProductOrder` (the order number) or
    /// `Resource` (the circuit reference) name a service too. Default `Product`.
    #[serde(rename = "@referredType", default = "product")]
    #[validate(length(min = 1, max = 32))]
    #[schema(example = "Product", max_length = 32)]
    pub referred_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 500))]
    #[schema(max_length = 500, example = "/api/v1/services/SVC-0001")]
    pub href: Option<String>,
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "SVC-0001", min_length = 1, max_length = 100)]
    pub id: String,
    /// `affectedProduct` in our answers; any role in a request (the one entity is the
    /// affected service).
    #[validate(length(max = 100))]
    #[schema(example = "affectedProduct", max_length = 100)]
    pub role: String,
}

fn product() -> String {
    "Product".to_owned()
}

/// `RelatedContactInformation`: the person to call back (role `reporter`), or the seller's
/// contact on an incident.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MefContact {
    #[validate(length(min = 1, max = 254))]
    #[schema(example = "alice@acme.example", max_length = 254)]
    pub email_address: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "Alice Example", max_length = 200)]
    pub name: String,
    /// Phone number.
    #[validate(length(min = 1, max = 40))]
    #[schema(example = "+44 20 7946 0000", max_length = 40)]
    pub number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 20))]
    #[schema(max_length = 20, example = "214")]
    pub number_extension: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 200))]
    #[schema(max_length = 200, example = "OCN-1001")]
    pub organization: Option<String>,
    /// `reporter` for the person to call back (else the first contact is).
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "reporter", max_length = 100)]
    pub role: String,
}

/// `Note`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MefNote {
    /// The timeline entry's id.
    #[schema(example = "3")]
    pub id: String,
    /// Who wrote it (the token subject).
    #[schema(example = "user:12")]
    pub author: String,
    pub date: DateTime<Utc>,
    pub source: MefSource,
    #[schema(example = "Site access from 10:00")]
    pub text: String,
}

/// A `Note` as a buyer sends it: its `text` is what is kept (the author, date and source are
/// the caller and now); a note that repeats one of the ticket's (same `id` and `text`) is
/// already there.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MefNoteInput {
    #[validate(length(max = 100))]
    #[schema(max_length = 100, example = "b-17")]
    pub id: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200, example = "Buyer NOC")]
    pub author: Option<String>,
    pub date: Option<DateTime<Utc>>,
    pub source: Option<MefSource>,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000, example = "Site access from 10:00")]
    pub text: String,
}

/// `TroubleTicketStatusChange`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MefStatusChange {
    pub change_date: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "Ticket logged")]
    pub change_reason: Option<String>,
    pub status: MefTicketStatus,
}

/// `IssueRelationship`: the major incident a ticket is a child of.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MefIssueRelationship {
    /// Always `Incident`.
    #[serde(rename = "@referredType")]
    pub referred_type: &'static str,
    pub id: String,
    pub href: String,
    /// When the incident was raised.
    pub creation_date: DateTime<Utc>,
    pub description: String,
    /// Always `isCausedBy`.
    pub relationship_type: &'static str,
    pub source: MefSource,
}

/// `TroubleTicket`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": "1-0000000042", "href": "/mefApi/sonata/troubleTicket/v4/troubleTicket/1-0000000042",
    "creationDate": "2026-11-28T09:15:00Z", "status": "inProgress",
    "description": "No light since 09:12 UTC", "externalId": "ACME-INC-7781",
    "severity": "extensive", "sellerSeverity": "extensive", "priority": "critical", "sellerPriority": "critical",
    "observedImpact": "down", "ticketType": "assistance",
    "expectedResolutionDate": "2026-11-28T13:15:00Z",
    "relatedEntity": [{"@referredType": "Product", "id": "SVC-0001", "href": "/api/v1/services/SVC-0001", "role": "affectedProduct"}],
    "relatedContactInformation": [{"emailAddress": "alice@acme.example", "name": "Alice Example", "number": "+44 20 7946 0000", "role": "reporter"}],
    "note": [{"id": "3", "author": "user:12", "date": "2026-11-28T09:30:00Z", "source": "buyer", "text": "Site access from 10:00"}],
    "statusChange": [{"changeDate": "2026-11-28T09:15:00Z", "changeReason": "Ticket logged", "status": "acknowledged"},
                     {"changeDate": "2026-11-28T09:40:00Z", "status": "inProgress"}]
}))]
pub struct MefTroubleTicket {
    #[schema(example = "1-0000000042")]
    pub id: String,
    pub href: String,
    pub creation_date: DateTime<Utc>,
    pub status: MefTicketStatus,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// From our impact; the buyer's own severity is what it was logged with.
    pub severity: MefSeverity,
    pub seller_severity: MefSeverity,
    /// Our priority (set from the severity, R-SLA); the buyer's requested priority is recorded
    /// in the first note.
    pub priority: MefPriority,
    pub seller_priority: MefPriority,
    pub observed_impact: MefObservedImpact,
    pub ticket_type: MefTicketType,
    /// The SLA's restore target, while the ticket is to be restored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_resolution_date: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution_date: Option<DateTime<Utc>>,
    pub related_entity: Vec<MefRelatedEntity>,
    pub related_contact_information: Vec<MefContact>,
    pub note: Vec<MefNote>,
    pub status_change: Vec<MefStatusChange>,
    /// The major network incident this ticket is a child of.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub related_issue: Vec<MefIssueRelationship>,
    /// Public attachments, oldest first: added by the buyer or the seller, never modified or
    /// deleted here; the content is at `url` (the same bearer token reads it). New ones come by
    /// base64 `content` on create and patch, or through `/api/v1` uploads.
    #[schema(required = false)]
    pub attachment: Vec<MefAttachmentValue>,
}

/// `AttachmentValue`: a file on the ticket, by its URL.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MefAttachmentValue {
    #[schema(example = "7")]
    pub attachment_id: String,
    /// Who added it (the token subject).
    #[schema(example = "user:12")]
    pub author: String,
    pub creation_date: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Decided from the content.
    #[schema(example = "application/vnd.tcpdump.pcap")]
    pub mime_type: String,
    #[schema(example = "trace.pcap")]
    pub name: String,
    pub size: MefByteSize,
    pub source: MefSource,
    #[schema(example = "/api/v1/incidents/1-0000000042/attachments/7/content")]
    pub url: String,
}

/// `MEFByteSize`: an attachment's size, in `BYTES`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MefByteSize {
    #[schema(example = 48213)]
    pub amount: f64,
    #[schema(example = "BYTES")]
    pub units: &'static str,
}

/// `TroubleTicket_Find`: a ticket in a list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MefTroubleTicketFind {
    #[schema(example = "1-0000000042")]
    pub id: String,
    #[schema(example = "/mefApi/sonata/troubleTicket/v4/troubleTicket/1-0000000042")]
    pub href: String,
    pub creation_date: DateTime<Utc>,
    pub status: MefTicketStatus,
    #[schema(example = "No light since 09:12 UTC")]
    pub description: String,
    /// Present when the buyer gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "ACME-INC-7781")]
    pub external_id: Option<String>,
    pub severity: MefSeverity,
    pub seller_severity: MefSeverity,
    pub priority: MefPriority,
    pub seller_priority: MefPriority,
    pub observed_impact: MefObservedImpact,
    pub ticket_type: MefTicketType,
    /// Present while the ticket is to be restored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_resolution_date: Option<DateTime<Utc>>,
    /// Present once the ticket was resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution_date: Option<DateTime<Utc>>,
    pub related_entity: Vec<MefRelatedEntity>,
}

/// `TroubleTicket_Create`.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MefTroubleTicketCreate {
    #[validate(length(min = 1, max = 4000))]
    #[schema(
        min_length = 1,
        max_length = 4000,
        example = "No light since 09:12 UTC"
    )]
    pub description: String,
    /// The buyer's own reference.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, example = "ACME-INC-7781")]
    pub external_id: Option<String>,
    /// When the buyer first observed the issue (recorded in the first note).
    pub issue_start_date: Option<DateTime<Utc>>,
    /// First notes (their `text`).
    #[validate(nested, length(max = 20))]
    #[schema(max_items = 20)]
    pub note: Option<Vec<MefNoteInput>>,
    /// Files to attach, by base64 `content` (`AttachmentValue`).
    #[validate(nested, length(max = 5))]
    #[schema(max_items = 5)]
    pub attachment: Option<Vec<MefAttachmentInput>>,
    /// Must agree with `severity` (`down` extensive, `degraded` significant, `intermittent`
    /// moderate; any with `minor`).
    pub observed_impact: MefObservedImpact,
    /// The buyer's requested priority (recorded in the first note); ours follows the severity.
    pub priority: MefPriority,
    /// The person to call back: role `reporter` (else the first).
    #[validate(nested, length(min = 1, max = 10))]
    #[schema(min_items = 1, max_items = 10)]
    pub related_contact_information: Vec<MefContact>,
    /// Exactly one: the affected product (our service id).
    #[validate(nested, length(min = 1, max = 1))]
    #[schema(min_items = 1, max_items = 1)]
    pub related_entity: Vec<MefRelatedEntity>,
    /// Not kept: only an empty list is accepted.
    #[schema(value_type = Option<Vec<Object>>, max_items = 0)]
    pub related_issue: Option<Vec<serde_json::Value>>,
    pub severity: MefSeverity,
    /// Only `assistance`.
    pub ticket_type: MefTicketType,
}

/// `TroubleTicket_Update`: new notes, the buyer's reference; the other attributes may be sent
/// back as they are, not changed (the service desk may change `priority`).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MefTroubleTicketUpdate {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, example = "ACME-INC-7781")]
    pub external_id: Option<String>,
    /// Cannot change; accepted absent only.
    pub issue_start_date: Option<DateTime<Utc>>,
    pub observed_impact: Option<MefObservedImpact>,
    /// Notes not on the ticket yet (by `id` and `text`) are added.
    #[validate(nested, length(max = 200))]
    #[schema(max_items = 200)]
    pub note: Option<Vec<MefNoteInput>>,
    /// Attachments to add, by base64 `content`; those sent back with an `attachmentId` are on the
    /// ticket already and stay as they are (attachments are never modified or deleted).
    #[validate(nested, length(max = 20))]
    #[schema(max_items = 20)]
    pub attachment: Option<Vec<MefAttachmentInput>>,
    pub priority: Option<MefPriority>,
    pub severity: Option<MefSeverity>,
    /// As the ticket has them (the reporter cannot change).
    #[validate(nested, length(max = 10))]
    #[schema(max_items = 10)]
    pub related_contact_information: Option<Vec<MefContact>>,
    /// Only an empty list is accepted.
    #[schema(value_type = Option<Vec<Object>>, max_items = 0)]
    pub related_issue: Option<Vec<serde_json::Value>>,
}

/// `Reason`: why the buyer reopens.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MefReason {
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "Still no light at the site"
    )]
    pub reason: String,
}

/// `IncidentStatusChange`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MefIncidentStatusChange {
    pub change_date: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "Major incident raised")]
    pub change_reason: Option<String>,
    pub status: MefIncidentStatus,
}

/// `Incident`: a major network incident that affects the buyer's products.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MefIncident {
    #[schema(example = "1-0000000007")]
    pub id: String,
    #[schema(example = "/mefApi/sonata/troubleTicket/v4/incident/1-0000000007")]
    pub href: String,
    pub creation_date: DateTime<Utc>,
    pub status: MefIncidentStatus,
    /// The summary, then the description.
    #[schema(example = "Fibre cut between LON1 and LON4")]
    pub description: String,
    pub priority: MefPriority,
    pub severity: MefSeverity,
    pub impact: MefObservedImpact,
    pub incident_type: MefIncidentType,
    /// When the outage began.
    pub situation_start_date: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_date: Option<DateTime<Utc>>,
    /// The caller's own affected products (provider staff: all; a region-only incident: its
    /// region, `@referredType` `GeographicSite`).
    pub related_entity: Vec<MefRelatedEntity>,
    /// The seller's contact for the incident.
    pub related_contact_information: Vec<MefContact>,
    /// The public updates, oldest first.
    pub note: Vec<MefNote>,
    pub status_change: Vec<MefIncidentStatusChange>,
}

/// `Incident_Find`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MefIncidentFind {
    #[schema(example = "1-0000000007")]
    pub id: String,
    #[schema(example = "/mefApi/sonata/troubleTicket/v4/incident/1-0000000007")]
    pub href: String,
    pub creation_date: DateTime<Utc>,
    pub status: MefIncidentStatus,
    #[schema(example = "Fibre cut between LON1 and LON4")]
    pub description: String,
    pub priority: MefPriority,
    pub severity: MefSeverity,
    pub impact: MefObservedImpact,
    pub incident_type: MefIncidentType,
    pub situation_start_date: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_date: Option<DateTime<Utc>>,
    pub related_entity: Vec<MefRelatedEntity>,
}

/// `EventSubscriptionInput`.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MefHubInput {
    /// The listener's base URL: notifications are POSTed to
    /// `{callback}/listener/{eventType}`.
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "https://buyer.example/mefApi/sonata/troubleTicketNotification/v4"
    )]
    pub callback: String,
    /// `eventType=A,B` (absent: every notification).
    #[validate(length(max = 1000))]
    #[schema(
        max_length = 1000,
        example = "eventType=troubleTicketStatusChangeEvent,incidentAttributeValueChangeEvent"
    )]
    pub query: Option<String>,
    /// An extension: the signing secret (16–200 characters; generated when absent).
    #[validate(length(min = 16, max = 200))]
    #[schema(
        min_length = 16,
        max_length = 200,
        example = "whsec_3f9a1c7e5b2d4f6a8c0e"
    )]
    pub secret: Option<String>,
}

/// `EventSubscription`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MefHub {
    #[schema(example = "7")]
    pub id: String,
    #[schema(example = "https://buyer.example/mefApi/sonata/troubleTicketNotification/v4")]
    pub callback: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "eventType=incidentAttributeValueChangeEvent")]
    pub query: Option<String>,
    /// An extension: the signing secret, shown only when registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "whsec_3f9a1c7e5b2d4f6a8c0e")]
    pub secret: Option<String>,
}

/// An `AttachmentValue` as a buyer sends it: its base64 `content` (bounded by the 1 MiB body
/// limit), `name`, and optionally `mimeType` and `description`; the content decides its type.
/// `author`, `creationDate`, `size` and `source` are the server's (the caller, now, the
/// content's, `buyer`); a link alone (`url`) is not fetched. One sent back with an
/// `attachmentId` is on the ticket already.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"name": "trace.txt", "mimeType": "text/plain",
    "content": "dHJhY2Vyb3V0ZSB0byAxOTIuMC4yLjEK", "description": "Traceroute from the CPE"}))]
pub struct MefAttachmentInput {
    #[validate(length(max = 32))]
    #[schema(max_length = 32)]
    pub attachment_id: Option<String>,
    #[validate(length(min = 1, max = 255))]
    #[schema(min_length = 1, max_length = 255)]
    pub name: String,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub mime_type: Option<String>,
    /// The file, base64-encoded.
    #[validate(length(min = 1, max = 1048576))]
    #[schema(min_length = 1, max_length = 1048576, format = Byte)]
    pub content: Option<String>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub author: Option<String>,
    pub creation_date: Option<DateTime<Utc>>,
    pub source: Option<MefSource>,
    #[schema(value_type = Option<Object>)]
    pub size: Option<serde_json::Value>,
}

impl MefAttachmentInput {
    /// The new files among `items` (those without an `attachmentId`), each with its content.
    pub fn new_files(
        items: Option<Vec<MefAttachmentInput>>,
    ) -> Result<Vec<crate::routes::attachments::InlineFile>, crate::http::error::ApiError> {
        crate::routes::attachments::InlineFile::new_ones(items, |a| {
            a.attachment_id
                .is_none()
                .then_some(crate::routes::attachments::NewInline {
                    name: a.name,
                    mime_type: a.mime_type,
                    content: a.content,
                    description: a.description,
                })
        })
    }
}
