//! TM Forum TMF621 Trouble Ticket Management over our own tickets: partners' ticketing systems
//! that speak TMF621 integrate without custom code. Two versions are served, [`v4`] under
//! `/tmf-api/troubleTicket/v4` and [`v5`] (5.0.1) under `/tmf-api/troubleTicket/v5`: same
//! tickets, same rules, same tenancy and auth as `/api/v1`. What a ticket is in TMF621 terms,
//! and what a partner's request asks for, is worked out once ([`facts`]); the operations' steps
//! are written once ([`flow`]); each version only reads its bodies and renders its shapes. The
//! mapping of statuses, severities and priorities is in [`domain::tmf`].

pub mod facts;
pub mod flow;
pub mod v4;
pub mod v5;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// TMF621 `TroubleTicketStatusType` (the same in v4 and v5). `held` and `rejected` are never used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum TroubleTicketStatusType {
    Acknowledged,
    Rejected,
    Pending,
    Held,
    InProgress,
    Cancelled,
    Closed,
    Resolved,
}

impl From<domain::tmf::TmfStatus> for TroubleTicketStatusType {
    fn from(s: domain::tmf::TmfStatus) -> Self {
        use domain::tmf::TmfStatus as T;
        match s {
            T::Acknowledged => Self::Acknowledged,
            T::Rejected => Self::Rejected,
            T::Pending => Self::Pending,
            T::Held => Self::Held,
            T::InProgress => Self::InProgress,
            T::Cancelled => Self::Cancelled,
            T::Closed => Self::Closed,
            T::Resolved => Self::Resolved,
        }
    }
}

impl From<TroubleTicketStatusType> for domain::tmf::TmfStatus {
    fn from(s: TroubleTicketStatusType) -> Self {
        use TroubleTicketStatusType as T;
        match s {
            T::Acknowledged => Self::Acknowledged,
            T::Rejected => Self::Rejected,
            T::Pending => Self::Pending,
            T::Held => Self::Held,
            T::InProgress => Self::InProgress,
            T::Cancelled => Self::Cancelled,
            T::Closed => Self::Closed,
            T::Resolved => Self::Resolved,
        }
    }
}

/// The cause and fix of a resolved ticket; needed (with status `resolved`) when the service desk
/// resolves through TMF621. An extension of this API: TMF621 has no such attribute.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TmfResolution {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub cause: String,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub fix: String,
}

/// A file sent with a create or patch (`AttachmentRefOrValue` by value): its base64 `content`
/// (bounded by the 1 MiB body limit), its `name`, and optionally `mimeType` and `description`.
/// The content decides its type, as on `/api/v1` uploads; links (`url` alone) are not fetched.
/// One sent back with an `id` is one already on the ticket and is left as it is: attachments are
/// added here, never changed or removed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"name": "light-levels.csv", "mimeType": "text/csv",
    "content": "cG9ydCxyeF9kYm0KMSwtNy4yCg==", "description": "Light levels at the CPE"}))]
pub struct AttachmentInput {
    #[serde(default)]
    #[validate(length(max = 32))]
    #[schema(max_length = 32)]
    pub id: Option<String>,
    #[serde(default)]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub href: Option<String>,
    #[validate(length(min = 1, max = 255))]
    #[schema(min_length = 1, max_length = 255)]
    pub name: String,
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub mime_type: Option<String>,
    /// The file, base64-encoded.
    #[serde(default)]
    #[validate(length(min = 1, max = 1048576))]
    #[schema(min_length = 1, max_length = 1048576, format = Byte)]
    pub content: Option<String>,
    #[serde(default)]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Only in answers (where the content is); a new attachment must carry its `content`.
    #[serde(default)]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[serde(rename = "@type", default)]
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub at_type: Option<String>,
    /// Set by the server from the content (`{amount, units}`); what is sent is not read.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub size: Option<serde_json::Value>,
    /// Not kept.
    #[serde(default)]
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub attachment_type: Option<String>,
}

/// The new files among `items` (those without an `id`), each with its content.
pub fn inline_files(
    items: Option<Vec<AttachmentInput>>,
) -> Result<Vec<crate::routes::attachments::InlineFile>, crate::http::error::ApiError> {
    crate::routes::attachments::InlineFile::new_ones(items, |a| {
        a.id.is_none()
            .then_some(crate::routes::attachments::NewInline {
                name: a.name,
                mime_type: a.mime_type,
                content: a.content,
                description: a.description,
            })
    })
}
