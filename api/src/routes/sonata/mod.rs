//! MEF 124 LSO Sonata Trouble Ticket and Incident Management (v4) under
//! `/mefApi/sonata/troubleTicket/v4`: carriers' systems raise and follow trouble tickets on the
//! products they buy from us, and follow the major network incidents that affect them. Same
//! tickets, rules, tenancy and tokens as `/api/v1`; the mapping of statuses, severities and
//! priorities is in [`domain::mef`], what a ticket is in facade terms in
//! [`crate::routes::tmf621::facts`], the rules in the use cases ([`app::sonata`],
//! [`app::tmf621`]). Errors take Sonata's shapes in the dialect layer
//! ([`crate::http::mef_error`]).

mod hub;
mod incidents;
mod model;
mod tickets;

pub use hub::{get_listener, notification, register_listener, unregister_listener};
pub use incidents::{get_incident, list_incidents};
pub use model::*;
pub use tickets::{
    cancel_trouble_ticket, close_trouble_ticket, create_trouble_ticket, get_trouble_ticket,
    list_trouble_tickets, patch_trouble_ticket, reopen_trouble_ticket,
};

use domain::Caller;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::error::ApiError;
use crate::routes::tmf621::facts::TicketFacts;

/// Where the facade lives.
pub const BASE: &str = crate::http::mef_error::MEF124;

/// The tag under which Swagger UI documents the facade.
pub const TAG: &str = crate::http::mef_error::MEF124_TAG;

/// Sonata's `buyerId` and `sellerId`: needed only by a requester that acts for several buyers
/// (provider staff); a buyer's own may be given. A resource of another buyer or seller is 404.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BuyerSeller {
    /// The buyer: our customer number (`OCN-…`).
    #[serde(rename = "buyerId")]
    #[param(max_length = 32, example = "OCN-1001")]
    pub buyer_id: Option<String>,
    /// The seller: us (`SELLER_ID`).
    #[serde(rename = "sellerId")]
    #[param(max_length = 100, example = "service-assurance")]
    pub seller_id: Option<String>,
}

/// A list's page size when none is asked, and its largest (a larger `limit` is throttled to it,
/// `X-Pagination-Throttled: true`).
const DEFAULT_LIMIT: i64 = 25;
const MAX_LIMIT: i64 = 100;

/// A list's paging: `offset` 0–1,000,000 (default 0) and `limit` at least 1 (default 25), served
/// as at most 100. The offset, the limit served, and whether it was throttled.
pub(crate) fn paging(
    offset: Option<i64>,
    limit: Option<i32>,
) -> Result<(i64, i64, bool), ApiError> {
    let offset = offset.unwrap_or(0);
    if !(0..=1_000_000).contains(&offset) {
        return Err(ApiError::field(
            "offset",
            "range",
            "offset must be between 0 and 1000000",
        ));
    }
    let asked = limit.map_or(DEFAULT_LIMIT, i64::from);
    if asked < 1 {
        return Err(ApiError::field(
            "limit",
            "range",
            "limit must be at least 1",
        ));
    }
    let served = asked.min(MAX_LIMIT);
    Ok((offset, served, asked > served))
}

/// Refuses a query value longer than the contract publishes.
pub(crate) fn check_lengths(values: &[(&str, Option<&str>, usize)]) -> Result<(), ApiError> {
    for (name, value, max) in values {
        if value.is_some_and(|v| v.chars().count() > *max) {
            return Err(ApiError::field(
                name,
                "length",
                format!("at most {max} characters"),
            ));
        }
    }
    Ok(())
}

impl BuyerSeller {
    /// Refuses ids longer than published.
    pub fn check(&self) -> Result<(), ApiError> {
        check_lengths(&[
            ("buyerId", self.buyer_id.as_deref(), 32),
            ("sellerId", self.seller_id.as_deref(), 100),
        ])
    }

    /// Whether `sellerId`, when given, is ours.
    pub fn seller_matches(&self, ours: &str) -> bool {
        self.seller_id.as_deref().is_none_or(|s| s.trim() == ours)
    }

    /// Whether a resource of buyer `customer` (sold by `seller`) is the one these name.
    pub fn admit(&self, customer: &str, seller: &str) -> bool {
        self.seller_matches(seller)
            && self
                .buyer_id
                .as_deref()
                .is_none_or(|b| b.trim() == customer)
    }
}

/// A buyer acts for itself only: another `buyerId` (or `sellerId`) is refused.
pub fn buyer_matches(caller: &Caller, ids: &BuyerSeller, seller: &str) -> Result<(), ApiError> {
    if !ids.seller_matches(seller) {
        return Err(ApiError::forbidden(format!(
            "this seller is '{seller}', not '{}'",
            ids.seller_id.as_deref().unwrap_or_default()
        )));
    }
    if let (Some(own), Some(buyer)) = (caller.tenant_scope(), ids.buyer_id.as_deref()) {
        if own.as_str() != buyer.trim() {
            return Err(ApiError::forbidden(format!("you act for buyer {own} only")));
        }
    }
    Ok(())
}

/// `href` of a ticket in the facade.
pub fn ticket_href(ticket: &domain::TicketRef) -> String {
    format!("{BASE}/troubleTicket/{ticket}")
}

/// `href` of an incident in the facade.
pub fn incident_href(ticket: &domain::TicketRef) -> String {
    format!("{BASE}/incident/{ticket}")
}

/// A ticket's Sonata status.
pub fn ticket_status(f: &TicketFacts) -> MefTicketStatus {
    let name = domain::mef::ticket_status(f.our_status, f.reopened, f.cancellation_asked.is_some());
    MefTicketStatus::parse(name).unwrap_or(MefTicketStatus::Acknowledged)
}

fn severity(f: &TicketFacts) -> MefSeverity {
    MefSeverity::parse(domain::mef::severity_of(f.impact)).unwrap_or(MefSeverity::Minor)
}

fn priority(f: &TicketFacts) -> MefPriority {
    MefPriority::parse(domain::mef::priority_name(f.our_priority)).unwrap_or(MefPriority::Low)
}

fn observed(f: &TicketFacts) -> MefObservedImpact {
    MefObservedImpact::parse(domain::mef::observed_impact_of(f.impact))
        .unwrap_or(MefObservedImpact::Intermittent)
}

fn affected(service_id: &str) -> MefRelatedEntity {
    MefRelatedEntity {
        referred_type: "Product".to_owned(),
        href: Some(format!("/api/v1/services/{service_id}")),
        id: service_id.to_owned(),
        role: "affectedProduct".to_owned(),
    }
}

/// A ticket in a list (`TroubleTicket_Find`).
pub fn render_find(f: TicketFacts) -> MefTroubleTicketFind {
    MefTroubleTicketFind {
        id: f.ticket.to_string(),
        href: ticket_href(&f.ticket),
        creation_date: f.creation_date,
        status: ticket_status(&f),
        severity: severity(&f),
        seller_severity: severity(&f),
        priority: priority(&f),
        seller_priority: priority(&f),
        observed_impact: observed(&f),
        ticket_type: MefTicketType::Assistance,
        expected_resolution_date: f.expected_resolution_date,
        resolution_date: f.resolution_date,
        related_entity: vec![affected(&f.service_id)],
        external_id: f.external_id,
        description: f.description,
    }
}

/// A ticket (`TroubleTicket`).
pub fn render_ticket(seen: tickets::Seen) -> MefTroubleTicket {
    let f = seen.facts;
    let status = ticket_status(&f);
    let mut status_change: Vec<MefStatusChange> = f
        .history
        .iter()
        .map(|c| MefStatusChange {
            change_date: c.date,
            change_reason: c.reason.clone(),
            status: MefTicketStatus::parse(domain::mef::ticket_status(
                c.ours,
                c.from == Some(domain::IncidentStatus::Resolved)
                    && c.ours == domain::IncidentStatus::InProgress,
                false,
            ))
            .unwrap_or(MefTicketStatus::Acknowledged),
        })
        .collect();
    if let Some((date, reason)) = &f.cancellation_asked {
        status_change.push(MefStatusChange {
            change_date: *date,
            change_reason: Some(reason.clone()),
            status: MefTicketStatus::AssessingCancellation,
        });
    }
    let reporter = f.parties.iter().find(|p| p.role == "reporter");
    MefTroubleTicket {
        id: f.ticket.to_string(),
        href: ticket_href(&f.ticket),
        creation_date: f.creation_date,
        status,
        severity: severity(&f),
        seller_severity: severity(&f),
        priority: priority(&f),
        seller_priority: priority(&f),
        observed_impact: observed(&f),
        ticket_type: MefTicketType::Assistance,
        expected_resolution_date: f.expected_resolution_date,
        resolution_date: f.resolution_date,
        related_entity: vec![affected(&f.service_id)],
        related_contact_information: reporter
            .map(|r| MefContact {
                email_address: r.email.clone().unwrap_or_default(),
                name: r.name.clone().unwrap_or_default(),
                number: r.phone.clone().unwrap_or_default(),
                number_extension: None,
                organization: Some(f.customer.clone()),
                role: "reporter".to_owned(),
            })
            .into_iter()
            .collect(),
        note: f
            .notes
            .iter()
            .map(|n| MefNote {
                id: n.id.clone(),
                source: if seen.buyers.contains(&n.author) {
                    MefSource::Buyer
                } else {
                    MefSource::Seller
                },
                author: n.author.clone(),
                date: n.date,
                text: n.text.clone(),
            })
            .collect(),
        status_change,
        related_issue: seen
            .parent
            .map(|major| MefIssueRelationship {
                referred_type: "Incident",
                id: major.ticket.to_string(),
                href: incident_href(&major.ticket),
                creation_date: major.created_at,
                description: major.summary,
                relationship_type: "isCausedBy",
                source: MefSource::Seller,
            })
            .into_iter()
            .collect(),
        attachment: f
            .attachments
            .into_iter()
            .map(|a| MefAttachmentValue {
                attachment_id: a.id,
                author: a.author,
                creation_date: a.created_at,
                description: a.description,
                mime_type: a.mime_type,
                name: a.name,
                size: MefByteSize {
                    amount: a.size as f64,
                    units: "BYTES",
                },
                source: if a.by_customer {
                    MefSource::Buyer
                } else {
                    MefSource::Seller
                },
                url: a.url,
            })
            .collect(),
        external_id: f.external_id,
        description: f.description,
    }
}
