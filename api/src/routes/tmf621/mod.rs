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
